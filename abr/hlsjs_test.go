package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hlsjsSnap(t *testing.T) (*HLSJS, *Snapshot) {
	h, err := NewHLSJS(DefaultHLSJSParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	s.Estimate = Estimate{Latency: 100 * time.Millisecond}
	return h, s
}

func TestHLSJSFirstLevel(t *testing.T) {
	h, s := hlsjsSnap(t)
	// No estimate: 500 kbit/s (≥ the lowest 300k), factors 1: rung 0.
	d := h.Startup(s)
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, "first", d.Reason.Rule)
	assert.Equal(t, int64(500_000), d.Reason.Estimate)
	// 2 Mbit/s: highest rate ≤ 2M is 1850k; fetch = 2 × 0.1 s ttfb < 4 s.
	s.Estimate = Estimate{Throughput: 2_000_000, Latency: 100 * time.Millisecond, Valid: true}
	assert.Equal(t, 3, h.Decide(s).Rung)
}

func TestHLSJSNextLevel(t *testing.T) {
	h, s := hlsjsSnap(t)
	s.LastRung = 3
	s.Estimate = Estimate{Throughput: 3_000_000, Latency: 100 * time.Millisecond, Valid: true}
	// Buffer 10 s. Rung 5, 4 are up-switches: 0.7 × 3M = 2.1M < 4.3M, 2.85M.
	// Rung 3: 0.95 × 3M = 2.85M ≥ 1.85M, fetch 0.1 + 1.85·4/2.85 = 2.70 s < 10 s.
	s.Buffer = 10 * time.Second
	d := h.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "buffer", d.Reason.Rule)
	// Buffer 2 s: rung 3 takes 2.70 s ≥ 2; rung 2: 0.1 + 1.2·4/2.85 = 1.78 s < 2.
	s.Buffer = 2 * time.Second
	assert.Equal(t, 2, h.Decide(s).Rung)
	// Empty buffer: allowed 0 + min(4 s, 4 s) = 4 s, rung 3's 2.70 s fits.
	s.Buffer = 0
	d = h.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "starvation", d.Reason.Rule)
	assert.Equal(t, 4.0, d.Reason.Value)
	// 200 kbit/s, 1 s buffer: 0.95 × 200k < 300k for every rung → lowest.
	s.Buffer = time.Second
	s.Estimate.Throughput = 200_000
	d = h.Decide(s)
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, "lowest", d.Reason.Rule)
	s.LastRung = 0
	assert.Equal(t, "hold", h.Decide(s).Reason.Rule)
}

func TestHLSJSEmergencyAbortNow(t *testing.T) {
	h, s := hlsjsSnap(t)
	s.LastRung, s.Segment, s.Buffer = 5, 10, 3*time.Second
	s.Estimate = Estimate{Throughput: 4_000_000, Latency: 100 * time.Millisecond, Valid: true}
	p := Progress{Segment: 10, Rung: 5, Bytes: 500_000, Total: -1, Elapsed: 2500 * time.Millisecond, TTFB: 100 * time.Millisecond}
	// Before half the segment (2 s) nothing is checked.
	ab, _, _ := h.ShouldAbandon(s, Progress{Segment: 10, Rung: 5, Bytes: 10, Total: -1, Elapsed: 1900 * time.Millisecond, TTFB: 100 * time.Millisecond})
	assert.False(t, ab)
	// Expected 4 s × 4.3M / 8 = 2,150,000 bytes; 500 kB in 2.4 s of streaming:
	// 208,333 B/s (1.667 Mbit/s); the rest takes 1,650,000 / 208,333 = 7.92 s > 3 s.
	// Down from rung 4: 0.1 + 4·2.85/1.667 = 6.94, rung 3: 4.54, rung 2:
	// 0.1 + 4·1.2/1.667 = 2.98 < min(3, 4.1): candidate 2 (2.98 s < 7.92 s).
	// findBestLevel(1.2M, 0..2, within 3 s, factors 1): rung 2 takes
	// 0.1 + 4 = 4.1 s, rung 1 0.1 + 3/1.2 = 2.6 s: rung 1. 7.92 > 2 × 2.98:
	// abort now, refetching at the lowest rung that loads in 3 s with the
	// lowest bitrate (none: rung 0 takes 4.1 s) → rung 0.
	ab, rung, reason := h.ShouldAbandon(s, p)
	require.True(t, ab)
	assert.Equal(t, 0, rung)
	assert.Equal(t, "emergency", reason.Rule)
	d := h.Decide(s)
	assert.Equal(t, 0, d.Rung, "the forced rung holds until a download at it completes")
	assert.Equal(t, "emergency", d.Reason.Rule)
	s.History = append(s.History, Download{Segment: 10, Rung: 0, Bytes: 150_000, Transfer: time.Second})
	s.LastRung = 0
	assert.NotEqual(t, "emergency", h.Decide(s).Reason.Rule)
}

func TestHLSJSEmergencyDelayed(t *testing.T) {
	h, s := hlsjsSnap(t)
	s.LastRung, s.Segment, s.Buffer = 3, 10, 3*time.Second
	s.Estimate = Estimate{Throughput: 3_000_000, Latency: 100 * time.Millisecond, Valid: true}
	// Rung 4: expected 4·2.85M/8 = 1,425,000 bytes; 600 kB in 2.4 s streaming:
	// 250,000 B/s (2 Mbit/s); rest 825,000 / 250,000 = 3.3 s > 3 s.
	// Rung 3: 0.1 + 4·1.85/2 = 3.8 s; rung 2: 0.1 + 2.4 = 2.5 s < 3: candidate
	// 2, then findBestLevel(1.2M) → rung 1 (2.6 s < 3 s). 3.3 ≤ 2 × 2.5: the
	// abort is armed for 2.5 s later, and rung 1 is forced meanwhile.
	p := Progress{Segment: 10, Rung: 4, Bytes: 600_000, Total: -1, Elapsed: 2500 * time.Millisecond, TTFB: 100 * time.Millisecond}
	ab, _, _ := h.ShouldAbandon(s, p)
	assert.False(t, ab)
	assert.Equal(t, 1, h.Decide(s).Rung)
	p.Elapsed, p.Bytes = 4900*time.Millisecond, 1_000_000
	ab, _, _ = h.ShouldAbandon(s, p)
	assert.False(t, ab, "not yet 5.0 s")
	p.Elapsed = 5 * time.Second
	s.Buffer = 500 * time.Millisecond
	ab, rung, reason := h.ShouldAbandon(s, p)
	require.True(t, ab)
	assert.Equal(t, 0, rung, "rung 0 takes 4.1 s > 0.5 s: the lowest")
	assert.Equal(t, "emergency", reason.Rule)

	// Never for a download at the lowest rung, nor when paused.
	h2, s2 := hlsjsSnap(t)
	s2.LastRung, s2.Buffer = 0, 0
	ab, _, _ = h2.ShouldAbandon(s2, Progress{Rung: 0, Bytes: 1, Total: -1, Elapsed: time.Minute, TTFB: time.Millisecond})
	assert.False(t, ab)
	s2.Playing = false
	ab, _, _ = h2.ShouldAbandon(s2, Progress{Rung: 4, Bytes: 1, Total: -1, Elapsed: time.Minute, TTFB: time.Millisecond})
	assert.False(t, ab)
}
