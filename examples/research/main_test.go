package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/abr"
)

// readResults reads results.csv into rows keyed by column name.
func readResults(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func TestStudyOnEmbeddedTraces(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"--out", out, "--workers", "2"}, &stdout, &stderr), stderr.String())
	for _, alg := range algorithms {
		assert.Contains(t, stdout.String(), alg)
	}
	rows := readResults(t, out)
	require.Len(t, rows, 5*len(algorithms)) // 5 embedded traces
	for _, row := range rows {
		assert.Empty(t, row["error"], "%s on %s", row["abr"], row["trace"])
		assert.NotEmpty(t, row["qoe_lin"])
		assert.NotEmpty(t, row["qoe_log"])
	}
	for _, f := range []string{"qoe_cdf_lin.png", "qoe_cdf_lin.svg", "qoe_components_log.png", "qoe_components_log.svg"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	timelines, err := filepath.Glob(filepath.Join(out, "timeline_*_buffer-share_*.svg"))
	require.NoError(t, err)
	assert.Len(t, timelines, 1)
}

// TestStudyOnTraceDirectory runs the study on two constant links. The
// custom algorithm never spends more than the estimate, which on a
// dedicated 2 Mbit/s link is at most 2 Mbit/s, so it never fetches
// above the 1850 kbit/s rung; on 6 Mbit/s it reaches the top rung
// (4300 kbit/s) once the buffer has grown.
func TestStudyOnTraceDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, bps := range map[string]int{"slow.csv": 2000000, "fast.csv": 6000000} {
		trace := "duration_s,rate_bps\n600," + strconv.Itoa(bps) + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(trace), 0o644))
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"--traces", dir, "--out", out}, &stdout, &stderr), stderr.String())
	rows := readResults(t, out)
	require.Len(t, rows, 2*len(algorithms))
	seen := 0
	for _, row := range rows {
		if row["abr"] != "buffer-share" {
			continue
		}
		seen++
		kbps, err := strconv.ParseFloat(row["bitrate_kbps"], 64)
		require.NoError(t, err)
		switch row["trace"] {
		case "slow.csv":
			assert.LessOrEqual(t, kbps, 1850.0)
			assert.Greater(t, kbps, 750.0)
		case "fast.csv":
			assert.Greater(t, kbps, 2850.0)
		default:
			t.Fatalf("unexpected trace %q", row["trace"])
		}
	}
	assert.Equal(t, 2, seen)
}

func TestBufferShareDecide(t *testing.T) {
	alg, err := abr.New("buffer-share")
	require.NoError(t, err)
	ladder := &abr.Ladder{SegmentDuration: 4 * time.Second, Segments: 48}
	for _, kbps := range []int64{300, 750, 1200, 1850, 2850, 4300} {
		ladder.Rungs = append(ladder.Rungs, abr.Rung{Bitrate: kbps * 1000})
	}
	s := &abr.Snapshot{Ladder: ladder, LastRung: -1, MaxRung: ladder.Top(), Estimate: abr.Estimate{Throughput: 3_000_000}}
	for _, tc := range []struct {
		buffer time.Duration
		rung   int
	}{
		{0, 2},                // share 0.5: budget 1.5 Mbit/s → 1200k
		{10 * time.Second, 3}, // share 0.75: 2.25 Mbit/s → 1850k
		{20 * time.Second, 4}, // share 1: 3 Mbit/s → 2850k
		{60 * time.Second, 4}, // capped at share 1
	} {
		s.Buffer = tc.buffer
		d := alg.Decide(s)
		assert.Equal(t, tc.rung, d.Rung, "buffer %v", tc.buffer)
		assert.Equal(t, "buffer-share", d.Reason.Rule)
	}
	s.Estimate.Throughput = 0 // no estimate yet: the lowest allowed rung
	s.MinRung = 1
	assert.Equal(t, 1, alg.Decide(s).Rung)

	_, err = abr.New("buffer-share:min_share=2")
	assert.ErrorContains(t, err, "min_share <= max_share")
	_, err = abr.New("buffer-share:ramp=x")
	assert.ErrorIs(t, err, abr.ErrBadParam)
}

func TestStudyErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing")
	assert.Equal(t, 1, run([]string{"--traces", missing, "--out", t.TempDir()}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), missing)
	stderr.Reset()
	assert.Equal(t, 2, run([]string{"--nosuch"}, &stdout, &stderr))
}
