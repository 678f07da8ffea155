package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runPlayArgs runs the play subcommand and returns its exit code and
// output.
func runPlayArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := play(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// With no URL the built-in origin serves a synthetic stream: 10 s in 2 s
// segments, video and audio, played at 40x into a file sink.
func TestPlayBuiltInStream(t *testing.T) {
	dir := t.TempDir()
	sumFile := filepath.Join(dir, "summary.json")
	out := filepath.Join(dir, "rec")
	code, stdout, stderr := runPlayArgs(t, "--duration", "10s", "--speed", "40", "--status", "50ms",
		"--summary", sumFile, "--out", out)
	require.Equal(t, 0, code, "stderr: %s", stderr)
	assert.Contains(t, stdout, "ended: 10.0 s of media")
	assert.Contains(t, stdout, "errors    none")
	assert.Contains(t, stderr, "/synth/dash/manifest.mpd with hlsjs at 40x")
	assert.Regexp(t, `(?m)^playing +[0-9.]+s / 10.0s  buffer +[0-9.]+s  rate `, stderr, "status lines")

	data, err := os.ReadFile(sumFile)
	require.NoError(t, err)
	var sum map[string]any
	require.NoError(t, json.Unmarshal(data, &sum))
	for _, key := range []string{"startup_s", "played_s", "rebuffer_count", "rebuffer_s", "segments", "bytes",
		"avg_bitrate_bps", "switches", "errors"} {
		assert.Contains(t, sum, key)
	}
	assert.Equal(t, float64(10), sum["segments"], "5 video + 5 audio segments")
	assert.Equal(t, []any{}, sum["errors"])
	assert.Equal(t, true, sum["ended"])
	assert.Equal(t, 10.0, sum["position_s"])
	assert.Positive(t, sum["bytes"])
	files, ok := sum["files"].([]any)
	require.True(t, ok)
	require.Len(t, files, 2)
	for _, f := range files {
		info, err := os.Stat(f.(string))
		require.NoError(t, err)
		assert.Positive(t, info.Size())
	}
}

// A URL plays that stream; flags may follow it. A recovered error shows
// on stderr as it happens and in the summary.
func TestPlayURL(t *testing.T) {
	c := origin.DefaultContent()
	c.Duration = 6 * time.Second
	script, err := origin.ParseScript("faults", []byte("/synth/hls/*/seg-2.m4s requests=1 status=503\n"))
	require.NoError(t, err)
	o, err := origin.New(origin.Config{Content: &c, Faults: script})
	require.NoError(t, err)
	srv := httptest.NewServer(o)
	defer srv.Close()
	defer o.Close()
	code, stdout, stderr := runPlayArgs(t, srv.URL+origin.PathHLS, "--speed", "30", "--abr", "bba:reservoir=4s")
	require.Equal(t, 0, code, "stderr: %s", stderr)
	assert.Contains(t, stdout, "(hls, 2 tracks) with bba:reservoir=4s at 30x")
	assert.Contains(t, stdout, "ended: 6.0 s of media")
	assert.Regexp(t, `(?m)^retry: media http://.*/seg-2\.m4s: HTTP 503$`, stderr)
	assert.Contains(t, stdout, "errors    1 (1 retries, 0 failovers)")
}

// A stream that cannot be played ends with exit code 1 and a message
// naming what failed.
func TestPlayFatal(t *testing.T) {
	c := origin.DefaultContent()
	o, err := origin.New(origin.Config{Content: &c})
	require.NoError(t, err)
	srv := httptest.NewServer(o)
	defer srv.Close()
	defer o.Close()
	code, stdout, stderr := runPlayArgs(t, srv.URL+"/missing.mpd", "--quiet")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "abrkit play: player: request failed")
	assert.Contains(t, stderr, "/missing.mpd: HTTP 404")
	assert.Contains(t, stdout, "fatal")
}

func TestPlayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--abr", "no-such-algorithm"},
		{"--abr", "bba:reservoir=lots"},
		{"--speed", "0"},
		{"--layout", "smooth"},
		{"http://a.test/x.mpd", "http://b.test/y.mpd"},
		{"manifest.mpd"},
		{"--no-such-flag"},
	} {
		code, _, stderr := runPlayArgs(t, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v", args)
	}
	code, _, _ := runPlayArgs(t, "--help")
	assert.Equal(t, 0, code)
}
