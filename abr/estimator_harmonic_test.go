package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHarmonicSeries(t *testing.T) {
	e, err := NewHarmonicEstimator(HarmonicParams{Window: 2, IncludeTTFB: true})
	require.NoError(t, err)
	assert.False(t, e.Estimate().Valid)

	// 1 MB in 0.5 s TTFB + 1.5 s transfer = 2 s: 4 Mbit/s.
	e.Add(Sample{Bytes: 1_000_000, TTFB: 500 * time.Millisecond, Transfer: 1500 * time.Millisecond})
	assert.Equal(t, Estimate{Throughput: 4_000_000, Valid: true}, e.Estimate())
	// 1 MB in 1 s: 8 Mbit/s. Harmonic mean of 4 and 8: 2 / (1/4 + 1/8) = 5.333 Mbit/s.
	e.Add(Sample{Bytes: 1_000_000, Transfer: time.Second})
	assert.Equal(t, int64(5_333_333), e.Estimate().Throughput)
	// 1 MB in 4 s: 2 Mbit/s; window 2 keeps 8 and 2: 2 / (1/8 + 1/2) = 3.2 Mbit/s.
	e.Add(Sample{Bytes: 1_000_000, Transfer: 4 * time.Second})
	assert.Equal(t, int64(3_200_000), e.Estimate().Throughput)
	// Empty samples are ignored.
	e.Add(Sample{})
	assert.Equal(t, int64(3_200_000), e.Estimate().Throughput)

	// Without TTFB the first sample is 1 MB / 1.5 s = 5.333 Mbit/s.
	e2, err := NewHarmonicEstimator(HarmonicParams{Window: 5})
	require.NoError(t, err)
	e2.Add(Sample{Bytes: 1_000_000, TTFB: 500 * time.Millisecond, Transfer: 1500 * time.Millisecond})
	assert.Equal(t, int64(5_333_333), e2.Estimate().Throughput)

	e.Reset()
	assert.False(t, e.Estimate().Valid)
	_, err = NewHarmonicEstimator(HarmonicParams{})
	require.ErrorIs(t, err, ErrBadParam)
}
