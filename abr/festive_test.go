package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// festiveDL is a download of bytes with a transfer (first to last byte)
// of one second.
func festiveDL(seg, rung int, bytes int64) Download {
	return Download{Segment: seg, Rung: rung, Bytes: bytes, TTFB: 80 * time.Millisecond, Transfer: time.Second}
}

func TestFESTIVEUpSwitchDelay(t *testing.T) {
	f, err := NewFESTIVE(DefaultFESTIVEParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	assert.Equal(t, 1, f.Startup(s).Rung)
	// Chunks of 1.25 MB in 1 s: 10 Mbit/s each, so w = Σt / Σ(t/x) = 10 Mbit/s
	// and the target is the top rung (0.85 × 10 M ≥ 4.3 M). At rung 2 an
	// up-switch needs more than 2 consecutive up-signals.
	for k := range 5 {
		s.History = append(s.History, festiveDL(k, 2, 1_250_000))
	}
	s.LastRung = 2
	for i, want := range []string{"festive-wait", "festive-wait"} {
		d := f.Decide(s)
		assert.Equal(t, 2, d.Rung, "up-signal %d", i+1)
		assert.Equal(t, want, d.Reason.Rule)
		assert.Equal(t, float64(i+1), d.Reason.Value, "count")
		assert.Equal(t, int64(10_000_000), d.Reason.Estimate)
		assert.Equal(t, d, f.Decide(s), "a repeated decision on the same history counts once")
		s.History = append(s.History, festiveDL(len(s.History), 2, 1_250_000))
	}
	// Third up-signal > 2: reference rung 3. No switch in the last 5 chunks:
	// score(2) = 2^0 + 12·|1200/min(10000, 1850) − 1| = 1 + 12·0.35135 = 5.216,
	// score(3) = 2^1 + 12·|1850/1850 − 1| = 2: rung 3 wins.
	d := f.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "festive-up", d.Reason.Rule)
	assert.InDelta(t, 2.0, d.Reason.Value, 1e-12)
	// At rung 3 the count restarted: the next up-signal only waits.
	s.History = append(s.History, festiveDL(len(s.History), 3, 1_250_000))
	s.LastRung = 3
	d = f.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "festive-wait", d.Reason.Rule)
	assert.Equal(t, 1.0, d.Reason.Value)
}

func TestFESTIVEDownAndScore(t *testing.T) {
	f, err := NewFESTIVE(DefaultFESTIVEParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	// 125 kB in 1 s: w = 1 Mbit/s; target = highest ≤ 850k = rung 1; at rung 3
	// the reference is rung 2. No switches in the window:
	// score(3) = 1 + 12·|1850/min(1000, 1200) − 1| = 1 + 12·0.85 = 11.2,
	// score(2) = 2 + 12·|1200/1000 − 1| = 2 + 2.4 = 4.4: switch down.
	for k := range 5 {
		s.History = append(s.History, festiveDL(k, 3, 125_000))
	}
	s.LastRung = 3
	d := f.Decide(s)
	assert.Equal(t, 2, d.Rung)
	assert.Equal(t, "festive-down", d.Reason.Rule)
	assert.InDelta(t, 4.4, d.Reason.Value, 1e-9)

	// With 4 switches in the last 5 chunks (3,2,3,2,3) the stability score
	// of moving is 2^5 = 32 against 2^4 = 16 + 10.2 = 26.2 for staying.
	f, err = NewFESTIVE(DefaultFESTIVEParams())
	require.NoError(t, err)
	s.History = nil
	for k, q := range []int{3, 2, 3, 2, 3} {
		s.History = append(s.History, festiveDL(k, q, 125_000))
	}
	d = f.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "festive-score", d.Reason.Rule)
	assert.InDelta(t, 32+2.4, d.Reason.Value, 1e-9)
}

func TestFESTIVEEstimateFloor(t *testing.T) {
	f, err := NewFESTIVE(DefaultFESTIVEParams())
	require.NoError(t, err)
	// t = max(0.05, 0.1) = 0.1 s for 100 kB → 8 Mbit/s; 1 s for 1 MB → 8 Mbit/s;
	// w = (0.1 + 1) / (0.1/8M + 1/8M) = 8 Mbit/s.
	w, ok := f.estimate(History{
		{Rung: 0, Bytes: 100_000, Transfer: 50 * time.Millisecond},
		{Rung: 0, Bytes: 1_000_000, Transfer: time.Second},
	})
	require.True(t, ok)
	assert.InDelta(t, 8e6, w, 1e-6)
	// 1 MB in 1 s (8 Mbit/s) and 1 MB in 4 s (2 Mbit/s): (1 + 4) / (1/8M + 4/2M) = 2.353 Mbit/s.
	w, _ = f.estimate(History{
		{Bytes: 1_000_000, Transfer: time.Second},
		{Bytes: 1_000_000, Transfer: 4 * time.Second},
	})
	assert.InDelta(t, 5/(1/8e6+4/2e6), w, 1e-6)
	assert.InDelta(t, 2_352_941, w, 1)
}
