package traces

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConstantAndSteps(t *testing.T) {
	c, err := Constant("c", 5_000_000, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []Sample{{Duration: time.Minute, Rate: 5_000_000}}, c.Samples)
	assert.Equal(t, FormatSynthetic, c.Format)

	s, err := Steps("s", 10*time.Second, 1_000_000, 3_000_000)
	require.NoError(t, err)
	// (1 + 3) Mbit/s * 10 s / 20 s = 2 Mbit/s.
	assert.Equal(t, int64(2_000_000), s.MeanRate())

	_, err = Constant("c", -1, time.Second)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = Steps("s", time.Second)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = Steps("s", 0, 1)
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestRandomWalk(t *testing.T) {
	cfg := DefaultRandomWalk()
	cfg.Duration = 10*time.Minute + 500*time.Millisecond
	a, err := cfg.Generate("a")
	require.NoError(t, err)
	b, err := cfg.Generate("b")
	require.NoError(t, err)
	assert.Equal(t, a.Samples, b.Samples, "same seed, same trace")
	assert.Equal(t, cfg.Duration, a.Duration())
	require.Len(t, a.Samples, 601)
	assert.Equal(t, 500*time.Millisecond, a.Samples[600].Duration)
	assert.Equal(t, cfg.Start, a.Samples[0].Rate)
	changes := 0
	for i, s := range a.Samples {
		assert.GreaterOrEqual(t, s.Rate, cfg.Min)
		assert.LessOrEqual(t, s.Rate, cfg.Max)
		if i > 0 {
			// |ln(r_i / r_{i-1})| is a reflected N(0, 0.15) step: never more than 6 sigma here.
			step := math.Abs(math.Log(float64(s.Rate) / float64(a.Samples[i-1].Rate)))
			assert.Less(t, step, 6*cfg.Sigma)
			if s.Rate != a.Samples[i-1].Rate {
				changes++
			}
		}
	}
	assert.Greater(t, changes, 590)

	cfg.Seed = 2
	c, err := cfg.Generate("c")
	require.NoError(t, err)
	assert.NotEqual(t, a.Samples, c.Samples, "different seeds differ")

	bad := DefaultRandomWalk()
	bad.Min = 0
	_, err = bad.Generate("x")
	assert.ErrorIs(t, err, ErrInvalid)
	bad = DefaultRandomWalk()
	bad.Sigma = math.NaN()
	_, err = bad.Generate("x")
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestReflect(t *testing.T) {
	assert.InDelta(t, 1.5, reflect(2.5, 0, 2), 1e-12)  // 0.5 past the top
	assert.InDelta(t, 0.5, reflect(-0.5, 0, 2), 1e-12) // 0.5 below the bottom
	assert.InDelta(t, 1.0, reflect(5.0, 0, 2), 1e-12)  // 5 = 4 + 1: a full round trip, then 1
	assert.Equal(t, 3.0, reflect(7, 3, 3))
}

func TestMarkov(t *testing.T) {
	cfg := DefaultMarkov()
	cfg.Duration = 20 * time.Hour
	a, err := cfg.Generate("a")
	require.NoError(t, err)
	b, err := cfg.Generate("a")
	require.NoError(t, err)
	assert.Equal(t, a.Samples, b.Samples)
	assert.Equal(t, cfg.Duration, a.Duration())

	var good, bad time.Duration
	var nGood, nBad int
	for i, s := range a.Samples {
		require.True(t, s.Rate == cfg.GoodRate || s.Rate == cfg.BadRate)
		if i > 0 {
			require.NotEqual(t, a.Samples[i-1].Rate, s.Rate, "states alternate")
		}
		if i < len(a.Samples)-1 {
			require.Zero(t, s.Duration%cfg.Resolution)
		}
		if s.Rate == cfg.GoodRate {
			good += s.Duration
			nGood++
		} else {
			bad += s.Duration
			nBad++
		}
	}
	// Stationary share of the good state: 20 / (20 + 5) = 0.8. Over 20 h
	// (about 2900 cycles) the sample share is within a few percent.
	assert.InDelta(t, 0.8, float64(good)/float64(good+bad), 0.03)
	// Mean holding times 20 s and 5 s.
	assert.InDelta(t, 20.0, (good / time.Duration(nGood)).Seconds(), 1.5)
	assert.InDelta(t, 5.0, (bad / time.Duration(nBad)).Seconds(), 0.5)

	cfg.Seed = 7
	c, err := cfg.Generate("c")
	require.NoError(t, err)
	assert.NotEqual(t, a.Samples, c.Samples)

	bad2 := DefaultMarkov()
	bad2.MeanBad = 0
	_, err = bad2.Generate("x")
	assert.ErrorIs(t, err, ErrInvalid)
}
