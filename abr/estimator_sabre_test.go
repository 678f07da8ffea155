package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sabreSample builds a Sample of kbps over transferMs (so Bytes·8/D is
// exactly kbps), with TTFB latencyMs and 3 s segments.
func sabreSample(transferMs, kbps, latencyMs float64) Sample {
	return Sample{
		Bytes:           int64(kbps * transferMs / 8),
		Transfer:        time.Duration(transferMs * float64(time.Millisecond)),
		TTFB:            time.Duration(latencyMs * float64(time.Millisecond)),
		SegmentDuration: 3 * time.Second,
	}
}

func TestSabreEWMAHandSeries(t *testing.T) {
	e := NewSabreEWMA(DefaultSabreEWMAParams())
	_, _, ok := e.Values()
	require.False(t, ok)
	require.False(t, e.Estimate().Valid)

	// p = 3000 ms, h in {3000, 8000} ms, latency half-lives 1 and 8/3
	// samples.
	//
	// Sample 1: D = 1000 ms, t = 2000 kbit/s, l = 100 ms. With one sample
	// the bias correction gives back exactly t and l for every h:
	// E = (1−a)·t and the zero factor is 1−a.
	e.Add(sabreSample(1000, 2000, 100))
	kbps, lat, ok := e.Values()
	require.True(t, ok)
	assert.InDelta(t, 2000, kbps, 1e-9)
	assert.InDelta(t, 100, lat, 1e-9)
	assert.Equal(t, Estimate{Throughput: 2_000_000, Latency: 100 * time.Millisecond, Valid: true}, e.Estimate())

	// Sample 2: D = 2000 ms, t = 1000, l = 200.
	// h = 3000: a1 = 2^(−1/3), a2 = 2^(−2/3), a1·a2 = 1/2, so
	//   T = (a2(1−a1)·2000 + (1−a2)·1000)/(1 − 1/2) = 1259.9210498948732.
	// h = 8000: b1 = 2^(−1/8), b2 = 2^(−1/4):
	//   T = (b2(1−b1)·2000 + (1−b2)·1000)/(1 − 2^(−3/8)) = 1304.9045561723283.
	// min = 1259.92.
	// Latency, h = 3000 (c = 1/2): (¼·100 + ½·200)/(1 − ¼) = 166.666…
	// h = 8000 (c = 2^(−3/8)): (c(1−c)·100 + (1−c)·200)/(1 − c²) = 156.4619…
	// max = 166.67.
	e.Add(sabreSample(2000, 1000, 200))
	kbps, lat, _ = e.Values()
	assert.InDelta(t, 1259.9210498948732, kbps, 1e-9)
	assert.InDelta(t, 166.66666666666666, lat, 1e-9)

	// Sample 3 in Sabre's units directly: D = 500, t = 4000, l = 50.
	// h = 3000: T = (2^(−1/6)·629.96… + (1 − 2^(−1/6))·4000)/(1 − 2^(−7/6))
	//   = 1798.99918…; h = 8000: 1741.71233…; min 1741.71.
	// Latency: h = 3000 gives 100.0, h = 8000 gives 111.4598; max 111.46.
	e.Push(500, 4000, 50)
	kbps, lat, _ = e.Values()
	assert.InDelta(t, 1741.7123367434924, kbps, 1e-9)
	assert.InDelta(t, 111.45979560961975, lat, 1e-9)

	e.Reset()
	_, _, ok = e.Values()
	assert.False(t, ok)
	e.Add(sabreSample(1000, 500, 20))
	kbps, lat, _ = e.Values()
	assert.InDelta(t, 500, kbps, 1e-9, "after Reset the history is gone")
	assert.InDelta(t, 20, lat, 1e-9)
}

func TestSabreEWMASegmentDurationSetsLatencyHalfLife(t *testing.T) {
	// With p = 8000 ms the long half-life is one segment for latency, so
	// both latency averages use c = 1/2 and 2^(−3/8)·… no longer appears:
	// h=3000 → 3/8 samples (c = 2^(−8/3)), h=8000 → 1 sample (c = 1/2).
	// Two samples l = 100 then 200:
	//   h=8000: (¼·100 + ½·200)/(¾) = 166.67;
	//   h=3000: c = 2^(−8/3) = 0.15749: (c(1−c)·100 + (1−c)·200)/(1 − c²) = 186.39…
	e := NewSabreEWMAMs([]float64{3000, 8000}, 8000)
	e.Push(1000, 1000, 100)
	e.Push(1000, 1000, 200)
	_, lat, _ := e.Values()
	c := 0.15749013123685915 // 2^(−8/3)
	want := (c*(1-c)*100 + (1-c)*200) / (1 - c*c)
	assert.InDelta(t, want, lat, 1e-9)
	assert.InDelta(t, 186.39, lat, 0.01)
}

func TestSabreEWMAIgnoresZeroTransfer(t *testing.T) {
	e := NewSabreEWMA(DefaultSabreEWMAParams())
	e.Add(Sample{Bytes: 1000, TTFB: time.Millisecond})
	assert.False(t, e.Estimate().Valid)
}

func TestSabreSlidingHandSeries(t *testing.T) {
	w, err := NewSabreSliding(DefaultSabreSlidingParams())
	require.NoError(t, err)
	assert.False(t, w.Estimate().Valid)
	// Window 3, arithmetic means of the last 3 samples (fewer at first).
	w.Push(1000, 3000, 30)
	k, l, ok := w.Values()
	require.True(t, ok)
	assert.Equal(t, 3000.0, k)
	assert.Equal(t, 30.0, l)
	w.Push(1000, 1500, 60) // (3000+1500)/2 = 2250, (30+60)/2 = 45
	k, l, _ = w.Values()
	assert.Equal(t, 2250.0, k)
	assert.Equal(t, 45.0, l)
	w.Push(1000, 600, 90) // 5100/3 = 1700, 180/3 = 60
	w.Push(1000, 900, 0)  // last three: 1500, 600, 900 → 1000; 60, 90, 0 → 50
	k, l, _ = w.Values()
	assert.Equal(t, 1000.0, k)
	assert.Equal(t, 50.0, l)
	assert.Equal(t, Estimate{Throughput: 1_000_000, Latency: 50 * time.Millisecond, Valid: true}, w.Estimate())

	// Windows [1, 3]: throughput is the min of the means (900 vs 1000),
	// latency the max (0 vs 50).
	w2, err := NewSabreSlidingWindows([]int{1, 3})
	require.NoError(t, err)
	for _, s := range [][2]float64{{3000, 30}, {1500, 60}, {600, 90}, {900, 0}} {
		w2.Push(1000, s[0], s[1])
	}
	k, l, _ = w2.Values()
	assert.Equal(t, 900.0, k)
	assert.Equal(t, 50.0, l)
}

func TestSabreSlidingStoresTwenty(t *testing.T) {
	w, err := NewSabreSlidingWindows([]int{20})
	require.NoError(t, err)
	// Push 1..25: the last 20 are 6..25, mean 15.5.
	for i := 1; i <= 25; i++ {
		w.Push(1000, float64(i), 0)
	}
	k, _, _ := w.Values()
	assert.Equal(t, 15.5, k)
	w.Reset()
	assert.False(t, w.Estimate().Valid)
}

func TestSabreSlidingRejectsBadWindows(t *testing.T) {
	_, err := NewSabreSlidingWindows(nil)
	assert.ErrorIs(t, err, ErrBadParam)
	_, err = NewSabreSlidingWindows([]int{21})
	assert.ErrorIs(t, err, ErrBadParam)
	_, err = NewSabreSliding(SabreSlidingParams{Window: 0})
	assert.ErrorIs(t, err, ErrBadParam)
}

func TestSabreSlidingAddConvertsUnits(t *testing.T) {
	w, err := NewSabreSliding(DefaultSabreSlidingParams())
	require.NoError(t, err)
	// 250,000 bytes in 500 ms = 2,000,000 bits / 500 ms = 4000 kbit/s.
	w.Add(Sample{Bytes: 250_000, Transfer: 500 * time.Millisecond, TTFB: 40 * time.Millisecond})
	k, l, _ := w.Values()
	assert.Equal(t, 4000.0, k)
	assert.Equal(t, 40.0, l)
}
