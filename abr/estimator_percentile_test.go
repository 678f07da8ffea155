package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileExoPlayerSeries(t *testing.T) {
	e, err := NewPercentileEstimator(DefaultExoPlayerEstimatorParams())
	require.NoError(t, err)

	// A: 1,000,000 bytes in 1000 ms → 8 Mbit/s, weight √1e6 = 1000.
	// 1e6 bytes ≥ 512 KiB: the first estimate is A alone.
	e.Add(Sample{Bytes: 1_000_000, TTFB: 50 * time.Millisecond, Transfer: time.Second})
	est := e.Estimate()
	require.True(t, est.Valid)
	assert.Equal(t, int64(8_000_000), est.Throughput)

	// B: 250,000 bytes in 1000 ms → 2 Mbit/s, weight 500; total 1500.
	// By value: 2M (500), 8M (1000); half of 1500 = 750 is reached at 8M.
	e.Add(Sample{Bytes: 250_000, Transfer: time.Second})
	assert.Equal(t, int64(8_000_000), e.Estimate().Throughput)

	// C: 640,000 bytes in 1280 ms → 4 Mbit/s, weight 800; total 2300 > 2000,
	// so A (the oldest) is trimmed by 300 to 700. By value: 2M (500),
	// 4M (800), 8M (700); half of 2000 = 1000 is reached at 4M.
	e.Add(Sample{Bytes: 640_000, Transfer: 1280 * time.Millisecond})
	assert.Equal(t, int64(4_000_000), e.Estimate().Throughput)

	// D: 1,440,000 bytes (weight 1200) in 1440 ms → 8 Mbit/s; total 3200,
	// excess 1200: A (700) goes, then B (500 ≤ the remaining excess 500)
	// goes too. Left: 4M (800), 8M (1200); half of 2000 = 1000 is reached
	// at 8M.
	e.Add(Sample{Bytes: 1_440_000, Transfer: 1440 * time.Millisecond})
	assert.Equal(t, int64(8_000_000), e.Estimate().Throughput)
}

func TestPercentileFirstEstimate(t *testing.T) {
	e, err := NewPercentileEstimator(DefaultExoPlayerEstimatorParams())
	require.NoError(t, err)
	// 100,000 bytes in 500 ms (1.6 Mbit/s) three times: 1500 ms and 300 kB,
	// below both 2 s and 512 KiB.
	for range 3 {
		e.Add(Sample{Bytes: 100_000, Transfer: 500 * time.Millisecond})
	}
	assert.False(t, e.Estimate().Valid)
	e.Add(Sample{Bytes: 100_000, Transfer: 500 * time.Millisecond}) // 2000 ms
	est := e.Estimate()
	require.True(t, est.Valid)
	assert.Equal(t, int64(1_600_000), est.Throughput)
	assert.Zero(t, est.Latency)

	// A sub-millisecond transfer carries its bytes into the next sample:
	// 60,000 + 40,000 bytes in 1 s → 800 kbit/s, weight √100000 = 316.
	e.Reset()
	e.Add(Sample{Bytes: 60_000, Transfer: 500 * time.Microsecond})
	e.Add(Sample{Bytes: 40_000, Transfer: time.Second})
	e.Add(Sample{Bytes: 1_000_000, Transfer: time.Second}) // 8 Mbit/s, weight 1000, now valid
	// By value: 0.8M (316), 8M (1000); half of 1316 = 658 is reached at 8M.
	assert.Equal(t, int64(8_000_000), e.Estimate().Throughput)
}

func TestPercentileBadParams(t *testing.T) {
	p := DefaultExoPlayerEstimatorParams()
	p.Percentile = 1.5
	_, err := NewPercentileEstimator(p)
	require.ErrorIs(t, err, ErrBadParam)
}
