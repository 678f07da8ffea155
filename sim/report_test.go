package sim

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/abrkit/abrkit/qoe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPercentile against hand values of linear interpolation, h = (n−1)p/100:
//
//	[1 2 3 4]: p10 h=0.3 → 1.3; p50 h=1.5 → 2.5; p90 h=2.7 → 3.7.
//	[15 20 35 40 50]: p10 h=0.4 → 15+0.4·5 = 17; p50 h=2 → 35;
//	p90 h=3.6 → 40+0.6·10 = 46; p0 → 15; p100 → 50.
//
// (numpy.percentile([15,20,35,40,50], [10,50,90]) prints [17. 35. 46.].)
func TestPercentile(t *testing.T) {
	a := []float64{1, 2, 3, 4}
	assert.InDelta(t, 1.3, Percentile(a, 10), 1e-12)
	assert.InDelta(t, 2.5, Percentile(a, 50), 1e-12)
	assert.InDelta(t, 3.7, Percentile(a, 90), 1e-12)
	b := []float64{15, 20, 35, 40, 50}
	assert.InDelta(t, 17, Percentile(b, 10), 1e-12)
	assert.Equal(t, 35.0, Percentile(b, 50))
	assert.InDelta(t, 46, Percentile(b, 90), 1e-12)
	assert.Equal(t, 15.0, Percentile(b, 0))
	assert.Equal(t, 50.0, Percentile(b, 100))
	assert.Equal(t, 50.0, Percentile(b, 150), "clamped")
	assert.Equal(t, 15.0, Percentile(b, -5), "clamped")
	assert.Equal(t, 7.0, Percentile([]float64{7}, 90))
	assert.True(t, math.IsNaN(Percentile(nil, 50)))
}

// TestNewDistribution: NaNs are left out; [4 NaN 1 3 2] is [1 2 3 4]
// with mean 2.5; the input is not reordered.
func TestNewDistribution(t *testing.T) {
	in := []float64{4, math.NaN(), 1, 3, 2}
	d := NewDistribution(in)
	assert.Equal(t, 4, d.N)
	assert.Equal(t, 2.5, d.Mean)
	assert.InDelta(t, 1.3, d.P10, 1e-12)
	assert.InDelta(t, 2.5, d.P50, 1e-12)
	assert.InDelta(t, 3.7, d.P90, 1e-12)
	assert.Equal(t, 4.0, in[0])
	e := NewDistribution(nil)
	assert.Equal(t, 0, e.N)
	assert.True(t, math.IsNaN(e.Mean) && math.IsNaN(e.P50))
}

// reportResults: bba has three sessions and a failure, bola one session.
//
//	bba qoe_lin 10, 20, 40: mean 23.333, p10 12, p50 20, p90 36.
//	bba rebuffer 0, 1, 2 s: mean 1, p10 0.2, p50 1, p90 1.8.
//	bba bitrate 1000, 2000, 3000 kbit/s: mean 2000, p10 1200, p50 2000, p90 2800.
//	bba switches 1, 2, 6: mean 3, p10 1.2, p50 2, p90 2+0.8·4 = 5.2.
//	Components: utility 30, 40, 50 → 40; rebuffer penalty 0, 4.3, 8.6 → 4.3;
//	smoothness 20, 15.7, 1.4 → 12.366….
func reportResults() []SessionResult {
	conv := qoe.PensieveConvention()
	mk := func(job int, abr string, total, rebuf, util, rp float64, kbps int64, sw int) SessionResult {
		return SessionResult{
			Job: job, ABR: abr, Trace: "t", Profile: "native", Params: "default",
			Summary: qoe.Summary{TimeWeightedBitrate: kbps * 1000, SwitchCount: sw},
			Scores: map[string]qoe.Score{"lin": {Model: "lin", Convention: conv, Total: total, RebufferS: rebuf,
				Utility: util, RebufferPenalty: rp, SmoothnessPenalty: util - rp - total}},
		}
	}
	return []SessionResult{
		mk(0, "bba", 10, 0, 30, 0, 1000, 1),
		mk(1, "bola", 5, 0.5, 10, 2.15, 1500, 0),
		mk(2, "bba", 20, 1, 40, 4.3, 2000, 2),
		{Job: 3, ABR: "bba", Err: "boom"},
		mk(4, "bba", 40, 2, 50, 8.6, 3000, 6),
	}
}

func TestSweepReportTable(t *testing.T) {
	rep := NewSweepReport(reportResults(), nil)
	require.Equal(t, []string{"lin"}, rep.Models)
	require.Len(t, rep.Algorithms, 2)
	bba := rep.Algorithms[0]
	assert.Equal(t, "bba", bba.ABR)
	assert.Equal(t, 3, bba.Sessions)
	assert.Equal(t, 1, bba.Failed)
	assert.InDelta(t, 70.0/3, bba.QoE["lin"].Mean, 1e-12)
	assert.InDelta(t, 5.2, bba.Switches.P90, 1e-12)
	assert.InDelta(t, 40, bba.Components["lin"].Utility, 1e-12)
	assert.InDelta(t, 4.3, bba.Components["lin"].RebufferPenalty, 1e-12)
	assert.InDelta(t, (20+15.7+1.4)/3, bba.Components["lin"].SmoothnessPenalty, 1e-9)

	var b bytes.Buffer
	require.NoError(t, rep.WriteTable(&b))
	want := strings.Join([]string{
		"abr   sessions  failed  metric            mean       p10       p50       p90",
		"bba          3       1  qoe_lin         23.333    12.000    20.000    36.000",
		"                        rebuffer_s       1.000     0.200     1.000     1.800",
		"                        bitrate_kbps  2000.000  1200.000  2000.000  2800.000",
		"                        switches         3.000     1.200     2.000     5.200",
		"bola         1       0  qoe_lin          5.000     5.000     5.000     5.000",
		"                        rebuffer_s       0.500     0.500     0.500     0.500",
		"                        bitrate_kbps  1500.000  1500.000  1500.000  1500.000",
		"                        switches         0.000     0.000     0.000     0.000",
		"",
		"qoe_lin: QoE lin summed per session over chunks 2..48, startup as rebuffer",
		"rebuffer_s: seconds of rebuffering over the chunks qoe_lin counts",
		"bitrate_kbps: time-weighted played bitrate; switches: bitrate switches per session",
		"p10/p50/p90: percentiles over sessions (linear interpolation, as numpy)",
		"",
	}, "\n")
	assert.Equal(t, want, b.String())
}

// TestReportFromCSV: the report of a result CSV is the report of the
// results written to it.
func TestReportFromCSV(t *testing.T) {
	res := reportResults()
	var b bytes.Buffer
	cw, err := NewCSVWriter(&b, ResultColumns{Models: []string{"lin"}})
	require.NoError(t, err)
	for i := range res {
		require.NoError(t, cw.Write(&res[i]))
	}
	require.NoError(t, cw.Close())
	tab, err := ReadResultsCSV(&b, "r.csv")
	require.NoError(t, err)
	fromCSV, err := tab.Report()
	require.NoError(t, err)
	assert.Equal(t, NewSweepReport(res, []string{"lin"}), fromCSV)

	tab.Rows[0][tab.Column("bitrate_kbps")] = "fast"
	_, err = tab.Report()
	require.ErrorIs(t, err, ErrBadResults)
	assert.Contains(t, err.Error(), `r.csv: row 1 (job 0): bitrate_kbps "fast" is not a number`)
}

// TestReportAllFailed: an algorithm whose sessions all failed prints "-".
func TestReportAllFailed(t *testing.T) {
	rep := NewSweepReport([]SessionResult{{Job: 0, ABR: "x", Err: "e"}}, []string{"lin"})
	var b bytes.Buffer
	require.NoError(t, rep.WriteTable(&b))
	// Widths: abr 3, sessions 8, failed 6, metric 12, numbers 4 ("mean").
	assert.Contains(t, b.String(), "x           0       1  qoe_lin          -    -    -    -\n")
	assert.Contains(t, b.String(), "qoe_lin: QoE lin summed per session (no session was scored)")
}
