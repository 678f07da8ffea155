package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShakaChoose(t *testing.T) {
	k, err := NewShaka(DefaultShakaParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	// Rung i is kept while R_i/0.95 ≤ est ≤ R_{i+1}/0.85.
	for _, c := range []struct {
		est  float64
		rung int
	}{
		{100_000, 0},   // below every band: the lowest
		{1_000_000, 1}, // 789k ≤ 1M ≤ 1.41M; rung 2 needs 1.263M
		{1_900_000, 2}, // rung 3 needs 1.947M
		{2_000_000, 3}, // rungs 2 [1.263M, 2.176M] and 3 [1.947M, 3.353M]: the last
		{3_200_000, 4}, // [3.0M, 5.06M]
		{9_000_000, 5}, // [4.526M, +∞)
	} {
		assert.Equal(t, c.rung, k.choose(s, c.est), "estimate %v", c.est)
	}
}

func TestShakaTimeline(t *testing.T) {
	k, err := NewShaka(DefaultShakaParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	step := func(now time.Duration, est int64, valid bool, download bool) Decision {
		s.Now = now
		s.Estimate = Estimate{Throughput: est, Valid: valid}
		if download {
			s.History = append(s.History, Download{Rung: 1, Bytes: 400_000, Transfer: time.Second})
			s.LastRung = 1
		}
		return k.Decide(s)
	}
	d := step(0, 0, false, false)
	assert.Equal(t, 1, d.Rung, "load time: 1 Mbit/s default")
	assert.Equal(t, "initial", d.Reason.Rule)
	d = step(4*time.Second, 0, false, true)
	assert.Equal(t, "wait-estimate", d.Reason.Rule, "< 128 kB sampled")
	assert.Equal(t, 1, d.Rung)
	// Good estimate at 8 s: the interval is shortened by 8 s − 0: choose now.
	d = step(8*time.Second, 3_200_000, true, true)
	assert.Equal(t, 4, d.Rung)
	assert.Equal(t, "choose", d.Reason.Rule)
	// 4 s later the estimate dropped, but the 8 s interval is not over.
	d = step(12*time.Second, 1_000_000, true, true)
	assert.Equal(t, 4, d.Rung)
	assert.Equal(t, "switch-interval", d.Reason.Rule)
	assert.Equal(t, 4.0, d.Reason.Value, "seconds left")
	assert.Equal(t, "hold", step(13*time.Second, 1_000_000, true, false).Reason.Rule, "no new segment")
	d = step(16*time.Second, 1_000_000, true, true)
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, "choose", d.Reason.Rule)
}
