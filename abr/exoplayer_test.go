package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExoPlayer(t *testing.T) {
	x, err := NewExoPlayer(DefaultExoPlayerParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	// No estimate: 1 Mbit/s × 0.7 = 700k → rung 0 (750k does not fit).
	d := x.Startup(s)
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, "initial", d.Reason.Rule)
	assert.Equal(t, 700_000.0, d.Reason.Value)

	x, err = NewExoPlayer(DefaultExoPlayerParams())
	require.NoError(t, err)
	// 2 Mbit/s × 0.7 = 1.4M → rung 2 (1.2M).
	s.Estimate = Estimate{Throughput: 2_000_000, Valid: true}
	assert.Equal(t, 2, x.Decide(s).Rung)
	// 4 Mbit/s × 0.7 = 2.8M → ideal rung 3 (1.85M; 2.85M > 2.8M); from rung 2
	// with 8 s buffered (< 10 s) the switch up waits.
	s.LastRung, s.Estimate.Throughput, s.Buffer = 2, 4_000_000, 8*time.Second
	d = x.Decide(s)
	assert.Equal(t, 2, d.Rung)
	assert.Equal(t, "defer-up", d.Reason.Rule)
	s.Buffer = 10 * time.Second
	d = x.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "ideal", d.Reason.Rule)
	// 1 Mbit/s → 700k → ideal rung 0; from rung 3 with 25 s buffered it waits.
	s.LastRung, s.Estimate.Throughput, s.Buffer = 3, 1_000_000, 25*time.Second
	d = x.Decide(s)
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, "defer-down", d.Reason.Rule)
	s.Buffer = 24900 * time.Millisecond
	assert.Equal(t, 0, x.Decide(s).Rung)

	// TTFB share: 2 Mbit/s, 1 s TTFB on 4 s chunks: 1.4M × 3/4 = 1.05M → rung 1.
	s.LastRung, s.Buffer = 1, 12*time.Second
	s.Estimate = Estimate{Throughput: 2_000_000, Latency: time.Second, Valid: true}
	d = x.Decide(s)
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, 1_050_000.0, d.Reason.Value)

	// Live, 6 s from the edge: switching up needs min(10 s, 0.75 × (6 − 4) s) = 1.5 s.
	s.Live, s.LiveLatency = true, 6*time.Second
	assert.Equal(t, 1500*time.Millisecond, x.minIncrease(s))
}
