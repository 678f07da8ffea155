package abr

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// estimatorEWMATwo is the bias-corrected EWMA of two samples written as a
// weighted mean: with r = 0.5^(1/halfLife), sample 1 (v1, w1) keeps the
// weight (1 − r^w1)·r^w2, sample 2 the weight (1 − r^w2), and the sum is
// divided by 1 − r^(w1+w2).
func estimatorEWMATwo(halfLife, v1, w1, v2, w2 float64) float64 {
	r := math.Pow(0.5, 1/halfLife)
	num := v1*(1-math.Pow(r, w1))*math.Pow(r, w2) + v2*(1-math.Pow(r, w2))
	return num / (1 - math.Pow(r, w1+w2))
}

func TestEWMAShakaSeries(t *testing.T) {
	e, err := NewEWMAEstimator(DefaultShakaEstimatorParams())
	require.NoError(t, err)
	assert.False(t, e.Estimate().Valid, "no sample yet")

	// 1 MB in 1 s after a 300 ms TTFB: Shaka removes the TTFB, so 8 Mbit/s
	// with weight 1 s. One sample: both averages are exactly the sample.
	e.Add(Sample{Bytes: 1_000_000, TTFB: 300 * time.Millisecond, Transfer: time.Second})
	est := e.Estimate()
	require.True(t, est.Valid, "1 MB ≥ 128000 bytes")
	assert.Equal(t, int64(8_000_000), est.Throughput)
	assert.Zero(t, est.Latency)

	// 1 MB in 4 s: 2 Mbit/s, weight 4.
	// fast (2 s): (8e6·(1−0.7071)·0.25 + 2e6·0.75) / (1 − 0.5^2.5) = 2085786.4 / 0.8232233 ≈ 2533682
	// slow (5 s): (8e6·0.12945·0.57435 + 2e6·0.42565) / (1 − 0.5) ≈ 1446095 / 0.5 ≈ 2892190
	// estimate = min ≈ 2533682.
	e.Add(Sample{Bytes: 1_000_000, Transfer: 4 * time.Second})
	fast := estimatorEWMATwo(2, 8e6, 1, 2e6, 4)
	slow := estimatorEWMATwo(5, 8e6, 1, 2e6, 4)
	assert.InDelta(t, 2533682, fast, 1)
	assert.InDelta(t, 2892190, slow, 1)
	assert.InDelta(t, fast, float64(e.Estimate().Throughput), 1)

	e.Reset()
	assert.False(t, e.Estimate().Valid)
}

func TestEWMAShakaFilters(t *testing.T) {
	e, err := NewEWMAEstimator(DefaultShakaEstimatorParams())
	require.NoError(t, err)
	e.Add(Sample{Bytes: 15_999, Transfer: time.Second})             // < 16000 bytes: ignored
	e.Add(Sample{Bytes: 1_000_000, Transfer: 4 * time.Millisecond}) // < 5 ms: a cache hit, ignored
	e.Add(Sample{Bytes: 100_000, Transfer: 100 * time.Millisecond}) // 8 Mbit/s, 100 kB sampled
	assert.False(t, e.Estimate().Valid, "100000 bytes < 128000")
	e.Add(Sample{Bytes: 100_000, Transfer: 100 * time.Millisecond})
	est := e.Estimate()
	require.True(t, est.Valid, "200000 bytes ≥ 128000")
	assert.Equal(t, int64(8_000_000), est.Throughput, "only 8 Mbit/s samples were kept")
}

func TestEWMAHLSJS(t *testing.T) {
	e, err := NewEWMAEstimator(DefaultHLSJSEstimatorParams())
	require.NoError(t, err)
	est := e.Estimate()
	assert.False(t, est.Valid)
	assert.Equal(t, 100*time.Millisecond, est.Latency, "hls.js default TTFB estimate")

	// TTFB 200 ms: the TTFB average takes 200 ms (weight √2·e^(−0.02) ≈ 1.386);
	// the sample time is 200 + 800 − min(200, 200) = 800 ms: 1 MB → 10 Mbit/s.
	e.Add(Sample{Bytes: 1_000_000, TTFB: 200 * time.Millisecond, Transfer: 800 * time.Millisecond})
	est = e.Estimate()
	require.True(t, est.Valid)
	assert.Equal(t, int64(10_000_000), est.Throughput)
	assert.InDelta(t, float64(200*time.Millisecond), float64(est.Latency), float64(time.Microsecond))

	// A 10 kB progress sample in 10 ms counts as 50 ms: 1.6 Mbit/s, weight 0.05.
	e2, err := NewEWMAEstimator(DefaultHLSJSEstimatorParams())
	require.NoError(t, err)
	e2.Add(Sample{Bytes: 10_000, Transfer: 10 * time.Millisecond})
	assert.Equal(t, int64(1_600_000), e2.Estimate().Throughput)

	// A second TTFB of 400 ms: weight √2·e^(−0.08) ≈ 1.3055, slow half-life
	// 9 s: r = 0.5^(1/9), r^w1 ≈ 0.89874, r^w2 ≈ 0.90435; estimate =
	// (200·0.10126·0.90435 + 400·0.09565) / (1 − 0.81277) ≈ 56.577 / 0.18723 ≈ 302.2 ms.
	e.Add(Sample{Bytes: 1_000_000, TTFB: 400 * time.Millisecond, Transfer: 800 * time.Millisecond})
	w1, w2 := math.Sqrt2*math.Exp(-0.02), math.Sqrt2*math.Exp(-0.08)
	want := estimatorEWMATwo(9, 200, w1, 400, w2)
	assert.InDelta(t, 302.2, want, 0.1, "hand value of the weighted mean in ms")
	assert.InDelta(t, want, float64(e.Estimate().Latency)/float64(time.Millisecond), 0.001)
}

func TestEWMABadParams(t *testing.T) {
	p := DefaultHLSJSEstimatorParams()
	p.TTFB = "sometimes"
	_, err := NewEWMAEstimator(p)
	require.ErrorIs(t, err, ErrBadParam)
	p = DefaultShakaEstimatorParams()
	p.FastHalfLife = 0
	_, err = NewEWMAEstimator(p)
	require.ErrorIs(t, err, ErrBadParam)
}
