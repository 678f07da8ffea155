package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// checkDemoOutput checks what the demo writes into dir.
func checkDemoOutput(t *testing.T, dir, stdout, stderr string) {
	t.Helper()
	for _, alg := range demoAlgorithms {
		assert.Contains(t, stdout, alg)
	}
	for _, m := range []string{"qoe_lin", "qoe_log", "qoe_hd"} {
		assert.Contains(t, stdout, m)
	}
	assert.Contains(t, stderr, "45 sessions, 0 failed")
	assert.Contains(t, stderr, dir)

	_, rows := readCSV(t, filepath.Join(dir, resultsCSVName))
	assert.Len(t, rows, 5*len(demoAlgorithms)) // 5 embedded traces
	for _, row := range rows {
		assert.Equal(t, "native", row["profile"])
		assert.Empty(t, row["error"])
	}
	for _, m := range []string{"lin", "log", "hd"} {
		for _, kind := range []string{"qoe_cdf_", "qoe_components_"} {
			png, err := os.ReadFile(filepath.Join(dir, kind+m+".png"))
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "%s%s.png is a PNG", kind, m)
			svg, err := os.ReadFile(filepath.Join(dir, kind+m+".svg"))
			require.NoError(t, err)
			assert.Contains(t, string(svg), "<svg")
		}
	}
	timelines, err := filepath.Glob(filepath.Join(dir, "timeline_*.png"))
	require.NoError(t, err)
	assert.Len(t, timelines, len(demoAlgorithms)) // each algorithm on the first trace
	notice, err := os.ReadFile(filepath.Join(dir, demoNoticeName))
	require.NoError(t, err)
	assert.Equal(t, traces.EmbeddedNotice(), string(notice))
}

func TestDemoWritesItsFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	code, stdout, stderr := runCLI("demo", "--out", dir, "--workers", "2")
	require.Equal(t, 0, code, stderr)
	checkDemoOutput(t, dir, stdout, stderr)
}

// TestBareAbrkitRunsTheDemo checks the main job: abrkit with no
// arguments runs the demo, here into $ABRKIT_OUT.
func TestBareAbrkitRunsTheDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "env-out")
	t.Setenv(demoOutEnv, dir)
	code, stdout, stderr := runCLI()
	require.Equal(t, 0, code, stderr)
	checkDemoOutput(t, dir, stdout, stderr)
	assert.Contains(t, stderr, filepath.Join(dir, "qoe_cdf_lin.svg"))
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	code, outA, errs := runCLI("demo", "--out", a, "--workers", "1")
	require.Equal(t, 0, code, errs)
	code, outB, errs := runCLI("demo", "--out", b, "--workers", "2")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, outA, outB)
	for _, f := range []string{resultsCSVName, resultsJSONName} {
		x, err := os.ReadFile(filepath.Join(a, f))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, f))
		require.NoError(t, err)
		assert.Equal(t, string(x), string(y), f)
	}
}

func TestDemoArgumentErrors(t *testing.T) {
	code, _, stderr := runCLI("demo", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: abrkit [demo]")
	code, _, stderr = runCLI("demo", "--workers", "-2")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--workers -2")
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	code, _, stderr = runCLI("demo", "--out", file)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, file)
	assert.True(t, strings.HasPrefix(stderr, "abrkit demo: "))
}

// BenchmarkDemo measures the whole demo (sessions, table, results and
// plots). The demo must stay well under a minute on 2 cores.
func BenchmarkDemo(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if code, _, errs := runCLI("demo", "--out", dir); code != 0 {
			b.Fatal(errs)
		}
	}
}
