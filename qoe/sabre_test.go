package qoe

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallSabre is a hand-checkable configuration: p = 1 s, ladder 100/200/400
// kbit/s (utilities 0, ln 2, ln 4), 5 segments, B = 1 s, gp = 5.
func smallSabre(t *testing.T) *SabreAccumulator {
	t.Helper()
	cfg := DefaultSabreConfig()
	cfg.SegmentMs = 1000
	cfg.BitratesKbps = []float64{100, 200, 400}
	cfg.Segments = 5
	cfg.BufferMs = 1000
	a, err := NewSabreAccumulator(cfg)
	require.NoError(t, err)
	return a
}

// runSmallSabre drives the accumulator through a session the way a
// simulator running Sabre's model would. Times in ms; TPT = play clock.
//
//  1. network period 0: 250 kbit/s, no latency → sustainable rung 1.
//  2. segment 0 (rung 0) took 500 ms: TPT 500, buffer [0].
//  3. segment 1 downloads for 1500 ms: rung 0 starts at TPT 500 (bitrate
//     100), plays 1000 → TPT 1500, buffer runs dry: stall 500, event 1,
//     TPT 2000. Buffer [1]. Estimate 300 vs 250: over, diff 50.
//  4. network at t=2500: 500 kbit/s → rung 2, a rise above everything
//     buffered: pending (2500, rung 2).
//  5. segment 2 downloads for 300 ms: rung 1 starts at TPT 2000 (+200,
//     change 100, log change ln 2), head played 300 → TPT 2300. Buffer
//     [1, 2]. Estimate 400 vs 400: leq, diff 0; estimate mean (50+0)/2 = 25.
//  6. network at 2600: 150 kbit/s → rung 0: the pending rise closes at 2600.
//     At 2700: back to rung 2, but rung 2 is buffered: no new entry.
//  7. drain 2000: the head's last 700 → TPT 3000; rung 2 starts (+400,
//     change 200, log change ln 2; rung 2 ≥ sustainable 2: rampup at 3000),
//     plays 1000 → TPT 4000; dry: stall 300, event 2, TPT 4300. The rise of
//     2500 is older than B: reaction += min(1000, 2600−2500) = 100.
//  8. drain 200 on an empty buffer: stall 200, TPT 4500, no event (Q9).
//  9. network 4600 → rung 0, 4700 → rung 2 with nothing buffered: pending
//     (4700, rung 2).
//  10. two segments at rung 0 arrive; estimate 100 vs 200: leq, diff 100;
//     leq mean (0+100)/2 = 50; estimate mean 25 + (−100−25)/3 = −16.67.
//  11. play out 2000: rung 0 starts at 4500 (+100, change 300, log change
//     ln 4), again at 5500 (+100, no change) → TPT 6500. The 4700 rise, still
//     open and older than B: reaction += B = 1000.
func runSmallSabre(a *SabreAccumulator) {
	var buf SabreBuffer
	a.NetworkPeriod(0, 250, 0, buf.Rungs)
	a.Startup(500)
	buf.Rungs = append(buf.Rungs, 0)
	a.Drain(&buf, 1500)
	buf.Rungs = append(buf.Rungs, 1)
	a.Estimate(300, 250)
	a.NetworkPeriod(2500, 500, 0, buf.Rungs)
	a.Drain(&buf, 300)
	buf.Rungs = append(buf.Rungs, 2)
	a.Estimate(400, 400)
	a.NetworkPeriod(2600, 150, 0, buf.Rungs)
	a.NetworkPeriod(2700, 500, 0, buf.Rungs)
	a.Drain(&buf, 2000)
	a.Drain(&buf, 200)
	a.NetworkPeriod(4600, 150, 0, buf.Rungs)
	a.NetworkPeriod(4700, 500, 0, buf.Rungs)
	buf.Rungs = append(buf.Rungs, 0)
	a.Estimate(100, 200)
	buf.Rungs = append(buf.Rungs, 0)
	a.PlayOut(&buf)
}

// TestSabreHandSession checks every printed line of the session in
// runSmallSabre. TPT = 6500 ms, so the time average factor is
// 1 / (6500/1000) = 1/6.5:
//
//	utility 0 + ln2 + ln4 + 0 + 0 = 3 ln 2 = 2.0794415…; /6.5 = 0.3199141…
//	bitrate 100+200+400+100+100 = 900; /6.5 = 138.4615384…
//	rebuffer 500+300+200 = 1000 ms = 1 s; ratio 1000/6500 = 0.1538461…
//	events 2; /6.5 = 0.3076923…
//	change 100+200+300 = 600; /6.5 = 92.3076923…
//	log change ln2 + ln2 + ln4 = 4 ln 2 = 2.7725887…; /6.5 = 0.4265521…
//	score (3 ln 2 − 5 × 1000/1000) / 6.5 = −2.9205584… / 6.5 = −0.4493166…
//	over 1 (mean 50), leq 2 (mean 50), estimate −16.666667
//	rampup 3000 ms, reaction 100 + 1000 = 1100 ms.
func TestSabreHandSession(t *testing.T) {
	a := smallSabre(t)
	runSmallSabre(a)
	want := strings.Join([]string{
		"buffer size: 1000",
		"total played utility: 2.079442",
		"time average played utility: 0.319914",
		"total played bitrate: 900.000000",
		"time average played bitrate: 138.461538",
		"total play time: 6.500000",
		"total play time chunks: 6.500000",
		"total rebuffer: 1.000000",
		"rebuffer ratio: 0.153846",
		"time average rebuffer: 0.153846",
		"total rebuffer events: 2.000000",
		"time average rebuffer events: 0.307692",
		"total bitrate change: 600.000000",
		"time average bitrate change: 92.307692",
		"total log bitrate change: 2.772589",
		"time average log bitrate change: 0.426552",
		"time average score: -0.449317",
		"over estimate count: 1",
		"over estimate: 50.000000",
		"leq estimate count: 2",
		"leq estimate: 50.000000",
		"estimate: -16.666667",
		"rampup time: 3.000000",
		"total reaction time: 1.100000",
	}, "\n") + "\n"
	m := a.Metrics()
	assert.Equal(t, want, m.String())

	tot := a.Totals()
	assert.Equal(t, 6500.0, tot.PlayMs)
	assert.Equal(t, 500.0, tot.StartupMs)
	assert.Equal(t, 1000.0, tot.RebufferMs)
	assert.Equal(t, 2, tot.RebufferEvents)
	assert.InDelta(t, 3*math.Ln2, tot.PlayedUtility, 1e-14)
	assert.True(t, tot.RampupReached)
	assert.Equal(t, 1100.0, tot.ReactionMs)
	q, ok := a.SustainableRung()
	assert.True(t, ok)
	assert.Equal(t, 2, q)

	// Reset gives a clean accumulator: the same run prints the same lines.
	a.Reset()
	_, ok = a.SustainableRung()
	assert.False(t, ok)
	runSmallSabre(a)
	assert.Equal(t, want, a.Metrics().String())
}

// TestSabreDrainPartial covers the partly played head: 300 ms into a
// segment, a 500 ms drain stays inside it (no new segment starts), and a
// further 200 ms ends it exactly (no stall, no event).
func TestSabreDrainPartial(t *testing.T) {
	a := smallSabre(t)
	buf := SabreBuffer{Rungs: []int{1, 1}}
	a.Drain(&buf, 300)
	assert.Equal(t, 300.0, buf.PlayedMs)
	assert.Equal(t, 1700.0, buf.Level(1000))
	a.Drain(&buf, 500)
	assert.Equal(t, 800.0, buf.PlayedMs)
	a.Drain(&buf, 200)
	assert.Equal(t, []int{1}, buf.Rungs)
	assert.Equal(t, 0.0, buf.PlayedMs)
	tot := a.Totals()
	assert.Equal(t, 1000.0, tot.PlayMs)
	assert.Equal(t, 200.0, tot.PlayedBitrateKbps, "only the first segment has started")
	assert.Equal(t, 0, tot.RebufferEvents)
	// The second segment starts and the buffer runs dry: one event.
	a.Drain(&buf, 1500)
	tot = a.Totals()
	assert.Equal(t, 400.0, tot.PlayedBitrateKbps)
	assert.Equal(t, 0.0, tot.BitrateChangeKbps, "same rung: no change")
	assert.Equal(t, 500.0, tot.RebufferMs)
	assert.Equal(t, 1, tot.RebufferEvents)
	// Without a network period and without -rmp, rampup cannot happen:
	// Sabre prints N p / 1000 = 5 × 1000 / 1000.
	assert.False(t, tot.RampupReached)
	assert.Equal(t, 5.0, a.Metrics().RampupTime)
}

// TestSabreRampupThreshold: with -rmp 1 the network is irrelevant, and a
// seek restarts the measurement from the play clock.
func TestSabreRampupThreshold(t *testing.T) {
	cfg := smallSabre(t).Config()
	cfg.RampupThreshold = 1
	a, err := NewSabreAccumulator(cfg)
	require.NoError(t, err)
	buf := SabreBuffer{Rungs: []int{0, 1, 2}}
	a.Startup(250)
	a.Drain(&buf, 3000) // rung 1 starts at 250 + 1000
	assert.Equal(t, 1.25, a.Metrics().RampupTime)
	a.ResetRampup() // at TPT 3250
	buf.Rungs = append(buf.Rungs[:0], 0, 2)
	a.Drain(&buf, 2000) // rung 2 starts at 4250: 1000 after the seek
	assert.Equal(t, 1.0, a.Metrics().RampupTime)
}

// TestSabreToyExample reproduces the play-time lines of the §9 example
// (toy network + movie.json, every algorithm): segment 0 at rung 0 is
// 886360 bits, fetched in period 0 (5000 kbit/s, 75 ms latency): 75 +
// 886360/5000 = 75 + 177.272 = 252.272 ms. No algorithm stalls, so
// TPT = 252.272 + 199 × 3000 = 597252.272 ms: "total play time:
// 597.252272", "total play time chunks: 199.084091" (597252.272 / 3000 =
// 199.0840906…). The segments here all play at rung 0, which never reaches
// the sustainable rung 7 (5027 > 5000 × (1 − 75/3000) = 4875 ≥ 2962), so
// rampup prints N p / 1000 = 597.
func TestSabreToyExample(t *testing.T) {
	cfg := DefaultSabreConfig()
	cfg.SegmentMs = 3000
	cfg.BitratesKbps = []float64{230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000}
	cfg.Segments = 199
	a, err := NewSabreAccumulator(cfg)
	require.NoError(t, err)
	var buf SabreBuffer
	a.NetworkPeriod(0, 5000, 75, buf.Rungs)
	q, _ := a.SustainableRung()
	assert.Equal(t, 7, q)
	a.Startup(75 + 886360.0/5000)
	for range 199 {
		buf.Rungs = append(buf.Rungs, 0)
	}
	a.PlayOut(&buf)
	out := a.Metrics().String()
	for _, line := range []string{
		"buffer size: 25000",
		"total played bitrate: 45770.000000", // 199 × 230
		"total play time: 597.252272",
		"total play time chunks: 199.084091",
		"total rebuffer: 0.000000",
		"rebuffer ratio: 0.000000",
		"total rebuffer events: 0.000000",
		"total bitrate change: 0.000000",
		"over estimate count: 0",
		"over estimate: 0",
		"leq estimate count: 0",
		"leq estimate: 0",
		"estimate: 0.000000",
		"rampup time: 597.000000",
	} {
		assert.Contains(t, out, line+"\n")
	}
}

// sabreColumn is one column of the §9 table: Sabre's printed totals for the
// toy example with one algorithm, and the printed time averages they imply.
type sabreColumn struct {
	name                                    string
	utility, bitrate, change, logChange     float64
	tau, tab, tac, talc                     string
	overCount, leqCount                     int
	overMean, leqMean, estimate             float64
	overMeanText, leqMeanText, estimateText string
}

// TestSabrePublishedColumns feeds the published totals of every §9 column
// through SabreTotals.Metrics and checks the printed time averages, with
// TPT = 597252.272 ms (see TestSabreToyExample) and no stalls, so the
// score equals the time average utility. E.g. bolae: 579714 × 3000 /
// 597252.272 = 2911.905206; 80654 × 3000 / 597252.272 = 405.125290.
//
// The estimate lines are fed through Estimate with constant differences:
// the running mean of a constant is that constant, and the overall mean is
// (n_over × over − n_leq × leq) / n, e.g. bolae (88 × 334.347196 − 110 ×
// 689.183814) / 198 = −234.281143. Because the published means are
// themselves rounded to 6 decimals, the derived overall mean is only known
// to ±5e-7 and is compared numerically.
func TestSabrePublishedColumns(t *testing.T) {
	cols := []sabreColumn{
		{"bola", 478.523117, 572684, 85004, 37.70088, "2.403623", "2876.593494", "426.975354", "0.189372", 99, 109, 351.937448, 654.6975, -175.577982, "351.937448", "654.697500", "-175.577982"},
		{"bola_basic_o", 434.071617, 444385, 24735, 16.421698, "2.180343", "2232.147222", "124.243981", "0.082486", 90, 108, 320.037377, 852.723445, -319.650344, "320.037377", "852.723445", "-319.650344"},
		{"bolae", 484.965479, 579714, 80654, 30.65922, "2.435983", "2911.905206", "405.125290", "0.154001", 88, 110, 334.347196, 689.183814, -234.281143, "334.347196", "689.183814", "-234.281143"},
		{"bola_pl", 479.041866, 574274, 129792, 47.20526, "2.406229", "2884.580069", "651.945615", "0.237112", 97, 104, 317.51145, 674.451896, -195.743217, "317.511450", "674.451896", "-195.743217"},
		{"throughput", 411.447551, 390964, 20907, 12.774305, "2.066702", "1963.813375", "105.015925", "0.064165", 103, 95, 317.979605, 955.317999, -292.946013, "317.979605", "955.317999", "-292.946013"},
		{"dynamic", 484.399961, 578423, 64788, 27.154318, "2.433142", "2905.420509", "325.430323", "0.136396", 103, 104, 361.36647, 681.049765, -162.359561, "361.366470", "681.049765", "-162.359561"},
		{"dynamicdash", 487.028106, 579314, 71006, 25.951714, "2.446344", "2909.896005", "356.663356", "0.130356", 91, 107, 320.386788, 682.05037, -221.334303, "320.386788", "682.050370", "-221.334303"},
		{"bolae_fs_left", 459.878201, 513617, 109758, 41.820949, "2.309970", "2579.899771", "551.314772", "0.210067", 104, 129, 306.557583, 688.493586, -244.350575, "306.557583", "688.493586", "-244.350575"},
	}
	cfg := DefaultSabreConfig()
	cfg.SegmentMs = 3000
	cfg.BitratesKbps = []float64{230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000}
	cfg.Segments = 199
	for _, c := range cols {
		acc, err := NewSabreAccumulator(cfg)
		require.NoError(t, err)
		for range c.overCount {
			acc.Estimate(c.overMean, 0)
		}
		for range c.leqCount {
			acc.Estimate(0, c.leqMean)
		}
		tot := acc.Totals()
		tot.PlayMs = 75 + 886360.0/5000 + 199*3000
		tot.PlayedUtility = c.utility
		tot.PlayedBitrateKbps = c.bitrate
		tot.BitrateChangeKbps = c.change
		tot.LogBitrateChange = c.logChange
		m := tot.Metrics(cfg)
		out := m.String()
		for _, line := range []string{
			"time average played utility: " + c.tau,
			"time average played bitrate: " + c.tab,
			"time average bitrate change: " + c.tac,
			"time average log bitrate change: " + c.talc,
			"time average score: " + c.tau,
			"total play time: 597.252272",
			"over estimate: " + c.overMeanText,
			"leq estimate: " + c.leqMeanText,
		} {
			assert.Contains(t, out, line+"\n", c.name)
		}
		assert.Equal(t, c.overCount, m.OverEstimateCount, c.name)
		assert.Equal(t, c.leqCount, m.LeqEstimateCount, c.name)
		assert.InDelta(t, c.estimate, m.Estimate, 1e-6, c.name)
	}
}

func TestSabreLineOrder(t *testing.T) {
	a := smallSabre(t)
	runSmallSabre(a)
	var names []string
	for _, l := range strings.Split(strings.TrimSuffix(a.Metrics().String(), "\n"), "\n") {
		names = append(names, strings.SplitN(l, ": ", 2)[0])
	}
	assert.Equal(t, []string{
		"buffer size", "total played utility", "time average played utility",
		"total played bitrate", "time average played bitrate", "total play time",
		"total play time chunks", "total rebuffer", "rebuffer ratio", "time average rebuffer",
		"total rebuffer events", "time average rebuffer events", "total bitrate change",
		"time average bitrate change", "total log bitrate change", "time average log bitrate change",
		"time average score", "over estimate count", "over estimate", "leq estimate count",
		"leq estimate", "estimate", "rampup time", "total reaction time",
	}, names)

	b, err := json.Marshal(a.Metrics())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"total_play_time":6.5`)
	assert.Contains(t, string(b), `"total_reaction_time":1.1`)
}

// TestSabreNoPlayTime: Sabre divides by zero here; we print what the
// float arithmetic gives, spelled as Python spells it.
func TestSabreNoPlayTime(t *testing.T) {
	a := smallSabre(t)
	out := a.Metrics().String()
	assert.Contains(t, out, "time average played utility: nan\n") // 0 × inf
	assert.Contains(t, out, "rebuffer ratio: nan\n")              // 0 / 0
}

func TestSabreConfigValidate(t *testing.T) {
	good := smallSabre(t).Config()
	require.NoError(t, good.Validate())
	for name, mutate := range map[string]func(c *SabreConfig){
		"segment":   func(c *SabreConfig) { c.SegmentMs = 0 },
		"ladder":    func(c *SabreConfig) { c.BitratesKbps = nil },
		"order":     func(c *SabreConfig) { c.BitratesKbps = []float64{200, 100} },
		"segments":  func(c *SabreConfig) { c.Segments = -1 },
		"buffer":    func(c *SabreConfig) { c.BufferMs = math.NaN() },
		"threshold": func(c *SabreConfig) { c.RampupThreshold = 3 },
	} {
		c := good
		c.BitratesKbps = append([]float64(nil), good.BitratesKbps...)
		mutate(&c)
		_, err := NewSabreAccumulator(c)
		require.ErrorIs(t, err, ErrBadSabreConfig, name)
	}
}

// TestSabreSustainableRung checks the rule on a 1000/2500/5000 kbit/s ladder
// with 2000 ms segments. 3000 kbit/s with 400 ms latency is an effective
// 3000·(1 − 0.2) = 2400 < 2500: rung 0. With 0 latency 3000 ≥ 2500 fits
// rung 1 and 5000 does not. 10000 with 1000 ms latency is 5000: rung 2
// (equal fits). Rung 0 needs no fit: 100 kbit/s still gives 0.
func TestSabreSustainableRung(t *testing.T) {
	ladder := []float64{1000, 2500, 5000}
	assert.Equal(t, 0, SabreSustainableRung(ladder, 3000, 400, 2000))
	assert.Equal(t, 1, SabreSustainableRung(ladder, 3000, 0, 2000))
	assert.Equal(t, 2, SabreSustainableRung(ladder, 10000, 1000, 2000))
	assert.Equal(t, 0, SabreSustainableRung(ladder, 100, 0, 2000))
	// The scan stops at the first rung that does not fit, as Sabre's loop.
	assert.Equal(t, 0, SabreSustainableRung([]float64{1000, 6000, 5000}, 5500, 0, 2000))
}
