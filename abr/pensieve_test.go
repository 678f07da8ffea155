package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBBEdges(t *testing.T) {
	bb, err := NewBB(DefaultBBParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	assert.Equal(t, 1, bb.Startup(s).Rung, "first chunk at DEFAULT_QUALITY 1")
	assert.Equal(t, "startup", bb.Decide(s).Reason.Rule, "no chunk fetched yet")
	s.LastRung = 3
	// top = 5, reservoir 5 s, cushion 10 s: rung = ⌊5 (B − 5) / 10⌋.
	for _, c := range []struct {
		buf  time.Duration
		rung int
		rule string
	}{
		{0, 0, "reservoir"},
		{4999 * time.Millisecond, 0, "reservoir"},
		{5 * time.Second, 0, "cushion"},          // 5·0/10 = 0
		{6990 * time.Millisecond, 0, "cushion"},  // 5·1.99/10 = 0.995
		{7 * time.Second, 1, "cushion"},          // 5·2/10 = 1
		{9 * time.Second, 2, "cushion"},          // 5·4/10 = 2
		{14990 * time.Millisecond, 4, "cushion"}, // 5·9.99/10 = 4.995
		{15 * time.Second, 5, "upper-reservoir"}, // B ≥ 15
		{60 * time.Second, 5, "upper-reservoir"},
	} {
		s.Buffer = c.buf
		d := bb.Decide(s)
		assert.Equal(t, c.rung, d.Rung, "buffer %v", c.buf)
		assert.Equal(t, c.rule, d.Reason.Rule, "buffer %v", c.buf)
		assert.Equal(t, c.buf, d.Reason.Buffer)
	}
	s.Buffer, s.MinRung, s.MaxRung = 60*time.Second, 1, 3
	assert.Equal(t, 3, bb.Decide(s).Rung, "clamped to MaxRung")
	s.Buffer = 0
	assert.Equal(t, 1, bb.Decide(s).Rung, "clamped to MinRung")
}

func TestRB(t *testing.T) {
	rb, err := NewRB(DefaultRBParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	assert.Equal(t, Decision{Rung: 1, Reason: Reason{Rule: "startup"}}, rb.Decide(s), "no estimate yet")
	for _, c := range []struct {
		est  int64
		rung int
	}{
		{299_999, 0}, // nothing fits: lowest
		{300_000, 0},
		{1_849_999, 2},
		{1_850_000, 3}, // highest rate ≤ estimate
		{50_000_000, 5},
	} {
		s.Estimate = Estimate{Throughput: c.est, Valid: true}
		d := rb.Decide(s)
		assert.Equal(t, c.rung, d.Rung, "estimate %d", c.est)
		assert.Equal(t, Reason{Rule: "rate", Estimate: c.est}, d.Reason)
	}
}

// TestRBWithNativeEstimator runs RB on a short hand-made history through
// its own estimator: the harmonic mean of the last 5 throughputs, each
// over TTFB + transfer.
func TestRBWithNativeEstimator(t *testing.T) {
	rb, err := NewRB(DefaultRBParams())
	require.NoError(t, err)
	est := rb.NewEstimator()
	s := pensieveSnap(pensieveEnvivioLadder(t))
	// 500 kB in 1 s → 4 Mbit/s; 500 kB in 2 s → 2 Mbit/s; 500 kB in 4 s → 1 Mbit/s.
	// Harmonic mean: 3 / (1/4 + 1/2 + 1) = 1.714 Mbit/s → rung 2 (1.2 Mbit/s).
	for _, sec := range []float64{1, 2, 4} {
		d := pensieveDL(0, 1, 500_000, time.Duration(sec*float64(time.Second)))
		est.Add(Sample{Bytes: d.Bytes, TTFB: d.TTFB, Transfer: d.Transfer})
	}
	s.Estimate = est.Estimate()
	assert.Equal(t, int64(1_714_286), s.Estimate.Throughput)
	assert.Equal(t, 2, rb.Decide(s).Rung)
	// Two fast chunks (500 kB in 0.25 s → 16 Mbit/s): 5 / (1/4+1/2+1+1/16+1/16) = 2.667 Mbit/s → rung 3.
	for range 2 {
		est.Add(Sample{Bytes: 500_000, TTFB: 80 * time.Millisecond, Transfer: 170 * time.Millisecond})
	}
	s.Estimate = est.Estimate()
	assert.Equal(t, int64(2_666_667), s.Estimate.Throughput)
	assert.Equal(t, 3, rb.Decide(s).Rung)
}
