package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDashjsEWMAHandSeries(t *testing.T) {
	e := NewDashjsEWMA(DefaultDashjsEWMAParams())
	assert.False(t, e.Estimate().Valid)

	// Sample 1: 1,000,000 bytes in 2000 ms transfer, TTFB 100 ms.
	// value = round(8e6/2000) = 4000 kbit/s, weight 0.0015·2000 = 3.
	// A single sample comes back exactly after the zero correction.
	e.Add(Sample{Bytes: 1_000_000, Transfer: 2 * time.Second, TTFB: 100 * time.Millisecond})
	assert.Equal(t, 4000.0, e.ThroughputKbps())
	assert.InDelta(t, 100, e.LatencyMs(), 1e-9)

	// Sample 2: 250,000 bytes in 1000 ms, TTFB 0 (counted as 1 ms).
	// value = 2000, weight 1.5, total weight 4.5.
	// fast (h=3): after sample 1 the raw estimate is ½·4000 = 2000; the new
	//   value is also 2000, so it stays 2000; 2000/(1 − 2^(−1.5)) = 3093.84.
	// slow (h=8): raw 915.55 then 0.12195·2000 + 0.87805·915.55 = 1048.87;
	//   /(1 − 2^(−4.5/8)) = 3245.06.
	// min = 3093.84 → getAverageThroughput rounds to 3094.
	// Latency: fast (h=1 sample) (¼·100 + ½·1)/¾ = 34; slow (h=2):
	//   42.007; max = 42.007 ms.
	e.Add(Sample{Bytes: 250_000, Transfer: time.Second})
	assert.Equal(t, 3094.0, e.ThroughputKbps())
	assert.InDelta(t, 42.007142674936404, e.LatencyMs(), 1e-9)
	est := e.Estimate()
	assert.True(t, est.Valid)
	assert.Equal(t, int64(3_094_000), est.Throughput)
	assert.InDelta(t, 42.007, float64(est.Latency)/float64(time.Millisecond), 1e-3)

	e.Reset()
	assert.False(t, e.Estimate().Valid)
}

func TestDashjsEWMADeadTime(t *testing.T) {
	p := DefaultDashjsEWMAParams()
	p.DeadTimeLatency = false
	e := NewDashjsEWMA(p)
	// Reference time = 2000 + 100 ms: round(8e6/2100) = 3810 kbit/s.
	e.Add(Sample{Bytes: 1_000_000, Transfer: 2 * time.Second, TTFB: 100 * time.Millisecond})
	assert.Equal(t, 3810.0, e.ThroughputKbps())

	// With dead time on (the default) it would be 4000.
	d := NewDashjsEWMA(DefaultDashjsEWMAParams())
	d.Add(Sample{Bytes: 1_000_000, Transfer: 2 * time.Second, TTFB: 100 * time.Millisecond})
	assert.Equal(t, 4000.0, d.ThroughputKbps())
}

func TestDashjsEWMADropsZeroTransfer(t *testing.T) {
	e := NewDashjsEWMA(DefaultDashjsEWMAParams())
	e.Add(Sample{Bytes: 1000, TTFB: 5 * time.Millisecond})
	assert.False(t, e.Estimate().Valid)
}

func TestCacheFilter(t *testing.T) {
	inner := NewDashjsEWMA(DefaultDashjsEWMAParams())
	c := NewCacheFilter(inner, DefaultCacheThreshold)
	// 3 ms TTFB + 5 ms transfer = 8 ms < 10 ms: a cache hit, dropped.
	c.Add(Sample{Bytes: 100_000, TTFB: 3 * time.Millisecond, Transfer: 5 * time.Millisecond})
	// Marked by the driver: dropped whatever its timing.
	c.Add(Sample{Bytes: 100_000, TTFB: 50 * time.Millisecond, Transfer: time.Second, CacheHit: true})
	assert.False(t, c.Estimate().Valid)
	assert.Equal(t, 2, c.Dropped)
	// 4 ms + 6 ms = 10 ms is not below the threshold: kept.
	// round(8·100000/6) = 133333 kbit/s.
	c.Add(Sample{Bytes: 100_000, TTFB: 4 * time.Millisecond, Transfer: 6 * time.Millisecond})
	require.True(t, c.Estimate().Valid)
	assert.Equal(t, int64(133_333_000), c.Estimate().Throughput)
	c.Reset()
	assert.Equal(t, 0, c.Dropped)
	assert.False(t, c.Estimate().Valid)
}

func TestCacheFilterParams(t *testing.T) {
	c := NewCacheFilter(NewDashjsEWMA(DefaultDashjsEWMAParams()), DefaultCacheThreshold)
	require.NoError(t, SetParams(c, map[string]string{"cache_threshold": "5ms"}))
	assert.Equal(t, 5*time.Millisecond, c.Threshold)
	// 3 + 3 = 6 ms is no longer below the threshold.
	c.Add(Sample{Bytes: 100_000, TTFB: 3 * time.Millisecond, Transfer: 3 * time.Millisecond})
	assert.True(t, c.Estimate().Valid)
}

func TestCacheFilterWrapsAnyEstimator(t *testing.T) {
	c := NewCacheFilter(NewSabreEWMA(DefaultSabreEWMAParams()), 10*time.Millisecond)
	c.Add(Sample{Bytes: 10, Transfer: time.Millisecond, SegmentDuration: 3 * time.Second})
	assert.False(t, c.Estimate().Valid)
	c.Add(sabreSample(1000, 2000, 100))
	assert.Equal(t, int64(2_000_000), c.Estimate().Throughput)
}
