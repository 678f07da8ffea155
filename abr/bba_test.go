package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBBARateMapAndHysteresis(t *testing.T) {
	bba, err := NewBBA(DefaultBBAParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	// f(B) = 300k + (4300k − 300k)(B − 5)/10 = 300k + 400k (B − 5) bit/s.
	for _, c := range []struct {
		last int
		buf  time.Duration
		rung int
		rule string
	}{
		{-1, 0, 0, "reservoir"}, // a session starts at R_min
		{3, 5 * time.Second, 0, "reservoir"},
		{3, 15 * time.Second, 5, "upper-reservoir"},
		{0, 6 * time.Second, 0, "hold"},              // f = 700k < Rate+ = 750k
		{0, 6125 * time.Millisecond, 0, "rate-up"},   // f = 750k = Rate+: highest rate < 750k is 300k
		{0, 6200 * time.Millisecond, 1, "rate-up"},   // f = 780k: highest rate < 780k is 750k
		{0, 12 * time.Second, 4, "rate-up"},          // f = 3100k: 2850k
		{3, 10 * time.Second, 3, "hold"},             // 1200k < f = 2300k < 2850k
		{3, 12400 * time.Millisecond, 4, "rate-up"},  // f = 3260k ≥ 2850k
		{3, 7200 * time.Millisecond, 2, "rate-down"}, // f = 1180k ≤ 1200k: lowest rate > 1180k
		{3, 7250 * time.Millisecond, 3, "rate-down"}, // f = 1200k = Rate−: lowest rate > 1200k is 1850k
		{3, 5100 * time.Millisecond, 1, "rate-down"}, // f = 340k: lowest rate > 340k is 750k
		{5, 14900 * time.Millisecond, 5, "hold"},     // f = 4260k > Rate− = 2850k
	} {
		s.LastRung, s.Buffer = c.last, c.buf
		d := bba.Decide(s)
		assert.Equal(t, c.rung, d.Rung, "last %d buffer %v", c.last, c.buf)
		assert.Equal(t, c.rule, d.Reason.Rule, "last %d buffer %v", c.last, c.buf)
	}
	s.LastRung, s.Buffer = 3, 10*time.Second
	assert.InDelta(t, 2_300_000, bba.Decide(s).Reason.Value, 1e-6)
}
