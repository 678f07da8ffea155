package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// netBBBLadder is the bitrate ladder of Sabre's example/movie.json.
var netBBBLadder = []float64{230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000}

func newNetSabre(t testing.TB, js string, cfg SabreConfig) *SabreLink {
	t.Helper()
	l, err := NewSabreLink(netSabreTrace(t, js), cfg)
	require.NoError(t, err)
	return l
}

func TestSabreDownload(t *testing.T) {
	l := newNetSabre(t, netToyJSON, DefaultSabreConfig())
	// BBB segment 0 at rung 0: 886360 bits. Latency: one unit of period 0
	// = 75 ms (fits in 30000). Transfer: 886360 / 5000 bits/ms = 177.272 ms.
	d := l.Download(886360)
	assert.Equal(t, SabreDownload{SizeBits: 886360, DownloadedBits: 886360, TimeMs: 252.272, TTFBMs: 75}, d)
	assert.Equal(t, 252.272, l.NetworkTimeMs())

	// Zero size: no latency, no time (Sabre returns early).
	assert.Equal(t, SabreDownload{}, l.Download(0))
	assert.Equal(t, 252.272, l.NetworkTimeMs())
}

func TestSabreLatencyAcrossPeriods(t *testing.T) {
	l := newNetSabre(t, netToyJSON, DefaultSabreConfig())
	l.Delay(29950) // 50 ms left in period 0
	// The unit costs 75 ms in period 0 but only 50 ms are left: spent 50,
	// units left 1 - 50/75 = 0.33333333333333337; in period 1 one unit is
	// 150 ms: 0.33333333333333337 * 150 = 50.00000000000001; 50 + that = 100.0.
	// Then 150000 bits at 3000 bits/ms = 50 ms.
	d := l.Download(150000)
	assert.Equal(t, 100.0, d.TTFBMs)
	assert.Equal(t, 150.0, d.TimeMs)
	i, left := l.Period()
	assert.Equal(t, 1, i)
	assert.Equal(t, 30000-50.00000000000001-50, left)
}

func TestSabreTransferAcrossPeriods(t *testing.T) {
	l := newNetSabre(t, netToyJSON, DefaultSabreConfig())
	l.Delay(29900) // 100 ms left in period 0
	// Latency 75 ms (25 left); 25 * 5000 = 125000 bits in period 0, the
	// other 875000 at 3000 bits/ms = 291.6666666666667 ms.
	// 75 + 25 + 291.6666666666667 = 391.6666666666667.
	d := l.Download(1_000_000)
	assert.Equal(t, 75.0, d.TTFBMs)
	assert.Equal(t, 391.6666666666667, d.TimeMs)
	assert.Equal(t, 29900+391.6666666666667, l.NetworkTimeMs())
}

func TestSabreLoops(t *testing.T) {
	l := newNetSabre(t, netToyJSON, DefaultSabreConfig())
	l.Delay(119990) // 10 ms left in period 3 (latency 150)
	// Units: 10 ms of period 3 use 10/150, leaving 0.9333333333333333;
	// the trace loops to period 0 (75 ms per unit): 70.0 ms. TTFB = 80.
	d := l.Download(5000)
	assert.Equal(t, 80.0, d.TTFBMs)
	assert.Equal(t, 81.0, d.TimeMs) // 5000 bits at 5000 bits/ms
	i, _ := l.Period()
	assert.Equal(t, 0, i)
}

func TestSabreZeroRatePeriod(t *testing.T) {
	l := newNetSabre(t, `[{"duration_ms": 1000, "bandwidth_kbps": 0, "latency_ms": 0},
		{"duration_ms": 1000, "bandwidth_kbps": 1000, "latency_ms": 0}]`, DefaultSabreConfig())
	// No latency; period 0 carries nothing and passes whole; 500 bits at
	// 1000 bits/ms take 0.5 ms of period 1.
	d := l.Download(500)
	assert.Equal(t, 0.0, d.TTFBMs)
	assert.Equal(t, 1000.5, d.TimeMs)
}

func TestSabreMultiplier(t *testing.T) {
	cfg := DefaultSabreConfig()
	cfg.NetworkMultiplier = 2
	l := newNetSabre(t, netToyJSON, cfg)
	// 886360 bits at 10000 bits/ms = 88.636 ms; + 75 = 163.636.
	assert.Equal(t, 163.636, l.Download(886360).TimeMs)
}

type netCheckCall struct {
	progress SabreDownload
	estimate float64
}

func TestSabreDownloadChecked(t *testing.T) {
	l := newNetSabre(t, netToyJSON, DefaultSabreConfig())
	var calls []netCheckCall
	d := l.DownloadChecked(100000, 10000, func(p SabreDownload, est float64) bool {
		calls = append(calls, netCheckCall{p, est})
		return false
	})
	// Latency 75, so the first step's time floor is 50 - 75 = -25 ms and the
	// step is the 12000-bit floor: 12000/5000 = 2.4 ms -> checked at 77.4 ms
	// with estimate 10000 - 77.4 = 9922.6. The next step is
	// max(12000, 50*5000) = 250000 bits, more than the 88000 left: 17.6 ms.
	require.Equal(t, []netCheckCall{{
		SabreDownload{SizeBits: 100000, DownloadedBits: 12000, TimeMs: 77.4, TTFBMs: 75}, 9922.6,
	}}, calls)
	assert.Equal(t, SabreDownload{SizeBits: 100000, DownloadedBits: 100000, TimeMs: 95, TTFBMs: 75}, d)

	// Abandoning at the first check keeps the time spent.
	l.Reset()
	d = l.DownloadChecked(100000, 10000, func(SabreDownload, float64) bool { return true })
	assert.Equal(t, SabreDownload{SizeBits: 100000, DownloadedBits: 12000, TimeMs: 77.4, TTFBMs: 75, Abandoned: true}, d)
	assert.Equal(t, 77.4, l.NetworkTimeMs())

	// A nil checker is a plain download.
	l.Reset()
	assert.Equal(t, l.DownloadChecked(100000, 0, nil), SabreDownload{SizeBits: 100000, DownloadedBits: 100000, TimeMs: 95, TTFBMs: 75})
}

func TestSabreDownloadCheckedLongLatency(t *testing.T) {
	// 3G-like: latency 100 ms >= 50, so m = 50 - 100 < 0 and the first step
	// is the 12000-bit floor (12 ms at 1000 bits/ms). Later steps are
	// max(12000, 50*1000) = 50000 bits (50 ms). 100000 bits:
	// 12000 at 112 ms, 62000 at 162 ms, done at 200 ms.
	l := newNetSabre(t, `[{"duration_ms": 10000, "bandwidth_kbps": 1000, "latency_ms": 100}]`, DefaultSabreConfig())
	var calls []netCheckCall
	d := l.DownloadChecked(100000, 0, func(p SabreDownload, est float64) bool {
		calls = append(calls, netCheckCall{p, est})
		return false
	})
	assert.Equal(t, []netCheckCall{
		{SabreDownload{SizeBits: 100000, DownloadedBits: 12000, TimeMs: 112, TTFBMs: 100}, 0},
		{SabreDownload{SizeBits: 100000, DownloadedBits: 62000, TimeMs: 162, TTFBMs: 100}, 0},
	}, calls)
	assert.Equal(t, 200.0, d.TimeMs)
}

func TestSabreDownloadCheckedZeroRate(t *testing.T) {
	l := newNetSabre(t, `[{"duration_ms": 100, "bandwidth_kbps": 5000, "latency_ms": 0},
		{"duration_ms": 1000, "bandwidth_kbps": 0, "latency_ms": 0},
		{"duration_ms": 1000, "bandwidth_kbps": 5000, "latency_ms": 0}]`, DefaultSabreConfig())
	l.Delay(90) // 10 ms left in period 0
	var calls []netCheckCall
	d := l.DownloadChecked(100000, 0, func(p SabreDownload, est float64) bool {
		calls = append(calls, netCheckCall{p, est})
		return false
	})
	// Step 1 (m = 50 ms): min bits max(12000, 50*5000) = 250000 do not fit
	// in the 10 ms left (50000 bits), so period 0 ends: 50000 bits, 10 ms.
	// Period 1 has rate 0; the size floor is now negative (12000-50000) and
	// 40 ms of the time floor are left, less than the period, so the step
	// ends 40 ms into it: 50000 bits at 50 ms.
	// Step 2: with the 12000-bit floor positive the zero-rate period is
	// skipped whole (960 ms), then 12000 bits take 2.4 ms: 62000 at 1012.4.
	// Step 3: 38000 bits take 7.6 ms: done at 1020.
	assert.Equal(t, []netCheckCall{
		{SabreDownload{SizeBits: 100000, DownloadedBits: 50000, TimeMs: 50}, 0},
		{SabreDownload{SizeBits: 100000, DownloadedBits: 62000, TimeMs: 1012.4}, 0},
	}, calls)
	assert.Equal(t, 1020.0, d.TimeMs)
}

func TestSabreSustainableQuality(t *testing.T) {
	type change struct {
		at        float64
		now, prev int
	}
	var changes []change
	cfg := DefaultSabreConfig()
	cfg.BitratesKbps = netBBBLadder
	cfg.SegmentMs = 3000
	cfg.OnSustainableChange = func(at float64, q, prev int) { changes = append(changes, change{at, q, prev}) }
	l := newNetSabre(t, netToyJSON, cfg)
	// Effective rate = bandwidth * (1 - latency/3000):
	// period 0: 5000 * 0.975 = 4875 -> highest rung <= 4875 is 2962 (7);
	// period 1: 3000 * 0.95 = 2850 -> 2056 (6); period 2: 1500 * (1 - 1/15)
	// = 1400 -> 991 (4); period 3: 2850 -> 6.
	assert.Equal(t, 7, l.SustainableQuality())
	assert.Empty(t, changes, "the first period is not reported")
	l.Delay(120000) // ends exactly at the end of period 3: no wrap yet
	assert.Equal(t, []change{{30000, 6, 7}, {60000, 4, 6}, {90000, 6, 4}}, changes)
	l.Delay(1)
	assert.Equal(t, change{120000, 7, 6}, changes[3])

	cfg.SegmentMs = 0
	_, err := NewSabreLink(netSabreTrace(t, netToyJSON), cfg)
	assert.ErrorIs(t, err, ErrBadLink)
}

func TestSabreBadTraces(t *testing.T) {
	_, err := NewSabreLink(netSabreTrace(t, `[{"duration_ms": 1000, "bandwidth_kbps": 0, "latency_ms": 20}]`), DefaultSabreConfig())
	assert.ErrorIs(t, err, traces.ErrZeroCapacity)
	_, err = NewSabreLink(netSabreTrace(t, netToyJSON), SabreConfig{})
	assert.ErrorIs(t, err, ErrBadLink)
}

func TestSabreRealTrace(t *testing.T) {
	tr, err := traces.Load(netSharedTraces(t, "sabre/mmsys18/3Glogs/report.2010-09-13_1003CEST.json"))
	require.NoError(t, err)
	l, err := NewSabreLink(tr, DefaultSabreConfig())
	require.NoError(t, err)
	// BBB segments 0-4 at rung 3 (sizes from movie.json), each followed by
	// a 1500 ms idle wait. Expected values from an independent
	// implementation of the prose in sabre-model.md section 3 (Python).
	sizes := []float64{2321704, 1794368, 1927704, 2716824, 1573944}
	want := []float64{1691.380980507974, 1055.125371468109, 990.7428863496962, 1547.883396206285, 893.0228325950306}
	for i, s := range sizes {
		d := l.Download(s)
		assert.Equal(t, 100.0, d.TTFBMs)
		assert.Equal(t, want[i], d.TimeMs, "segment %d", i)
		l.Delay(1500)
	}
	i, left := l.Period()
	assert.Equal(t, 13, i)
	assert.Equal(t, 485.8445328729051, left)
	assert.Equal(t, 13678.155467127095, l.NetworkTimeMs())
}
