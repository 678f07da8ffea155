package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sabre's shipped ladders (kbit/s), 3 s segments, 199 segments.
var (
	sabreBBBKbps   = []int64{230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000}
	sabreBBB4KKbps = []int64{1000, 2500, 5000, 8000, 16000, 35000}
)

// sabreTestLadder builds a ladder with nominal sizes from kbit/s values.
func sabreTestLadder(kbps []int64, seg time.Duration, segments int) *Ladder {
	l := &Ladder{SegmentDuration: seg, Segments: segments}
	for _, k := range kbps {
		l.Rungs = append(l.Rungs, Rung{Bitrate: k * 1000})
	}
	return l
}

// sabreView builds a SabreView on l.
func sabreView(l *Ladder, seg int, bufferMs, kbps, latMs float64) SabreView {
	return SabreView{Ladder: l, Segment: seg, BufferMs: bufferMs, MaxBufferMs: 25000,
		ThroughputKbps: kbps, LatencyMs: latMs, HasEstimate: true}
}

// sabreSnap builds a Snapshot on l with an estimate in kbit/s and ms.
func sabreSnap(l *Ladder, seg int, buffer time.Duration, kbps int64, lat time.Duration) *Snapshot {
	return &Snapshot{
		Ladder: l, Segment: seg, Buffer: buffer, MaxBuffer: 25 * time.Second,
		LastRung: -1, MaxRung: l.Top(),
		Estimate: Estimate{Throughput: kbps * 1000, Latency: lat, Valid: true},
	}
}

func TestSabreBolaETable(t *testing.T) {
	// sabre-model §6 worked values (p = 3 s):
	//   bbb, -b 25 or 10: B_e 30000, γp 1.6307, Vp 6132 ms, levels 16.1..36.1 s
	//   bbb4k, -b 25:     B_e 25000, γp 2.3702, Vp 4219 ms, levels 14.2..29.2 s
	//   bbb4k, -b 10:     B_e 22000, γp 2.9628, Vp 3375 ms, levels 13.4..25.4 s
	// e.g. bbb: u_max − 1 = ln(6000/230) = 3.26144, B_e = max(10000 + 2000·10,
	// 25000) = 30000, γp = 3.26144/(3 − 1) = 1.63072, Vp = 10000/γp = 6132.3.
	cases := []struct {
		kbps               []int64
		b                  time.Duration
		be, gp, vp, lo, hi float64
	}{
		{sabreBBBKbps, 25 * time.Second, 30000, 1.6307, 6132, 16.1, 36.1},
		{sabreBBBKbps, 10 * time.Second, 30000, 1.6307, 6132, 16.1, 36.1},
		{sabreBBB4KKbps, 25 * time.Second, 25000, 2.3702, 4219, 14.2, 29.2},
		{sabreBBB4KKbps, 10 * time.Second, 22000, 2.9628, 3375, 13.4, 25.4},
	}
	for _, c := range cases {
		p := DefaultSabreBolaEParams()
		p.BufferSize = c.b
		e, err := NewSabreBolaE(p)
		require.NoError(t, err)
		l := sabreTestLadder(c.kbps, 3*time.Second, 199)
		gp, vp, be := e.Params(l, 0)
		e.sync(SabreView{Ladder: l})
		assert.Equal(t, c.be, be)
		assert.InDelta(t, c.gp, gp, 5e-5)
		assert.InDelta(t, c.vp, vp, 0.5)
		assert.InDelta(t, c.lo, e.maxBuffer(0)/1000, 0.05)
		assert.InDelta(t, c.hi, e.maxBuffer(l.Top())/1000, 0.05)
	}
}

func TestSabreBolaPLParams(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	// BOLA-PL (HEAD): γp = 5 − 1 = 4, Vp = (25000 − 3000)/(u_max + 4) with
	// u_max = 1 + 3.26144: 22000/8.26144 = 2662.975 ms, BOLA-BASIC's Vp.
	pl, err := NewSabreBolaE(SabreBolaEParams{NoIBR: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	gp, vp, be := pl.Params(l, 0)
	assert.Equal(t, 4.0, gp)
	assert.InDelta(t, 2662.975479464464, vp, 1e-9)
	assert.Zero(t, be)

	// Quirk Q13, the paper's snapshot: γp = 5 − (1 − ln 230) = 9.438 for
	// bbb, Vp = 22000/(4.26144 + 9.43808) = 1605.90 ms.
	old, err := NewSabreBolaE(SabreBolaEParams{NoIBR: true, MMSys18PL: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	gp, vp, _ = old.Params(l, 0)
	assert.InDelta(t, 9.438079308923196, gp, 1e-12)
	assert.InDelta(t, 1605.8962966461456, vp, 1e-9)
	// and 10.9 for bbb4k (5 − (1 − ln 1000)).
	gp, _, _ = old.Params(sabreTestLadder(sabreBBB4KKbps, 3*time.Second, 199), 0)
	assert.InDelta(t, 10.907755278982137, gp, 1e-12)
}

func TestSabreBolaVp(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	// BOLA-BASIC: Vp = (25000 − 3000)/(ln(6000/230) + 5) = 2662.975 ms.
	basic, err := NewSabreBola(SabreBolaParams{Basic: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	_, _, r := basic.SabreDecide(sabreView(l, 1, 0, 1000, 0))
	assert.InDelta(t, 2662.975479464464, r.Value, 1e-9)

	// Finite horizon (default): B_b = min(25000, 3000·max(3, min(i, 199 − i)/2)).
	//   i = 1:   max(0.5, 3) = 3 → 9000 → Vp = 6000/8.26144 = 726.266
	//   i = 20:  10 → 30000 → 25000 → 2662.975
	//   i = 190: min(190, 9)/2 = 4.5 → 13500 → 10500/8.26144 = 1270.966
	b, err := NewSabreBola(DefaultSabreBolaParams())
	require.NoError(t, err)
	for _, c := range []struct {
		seg int
		vp  float64
	}{{1, 726.2660398539447}, {20, 2662.975479464464}, {190, 1270.9655697444032}} {
		_, _, r := b.SabreDecide(sabreView(l, c.seg, 0, 1000, 0))
		assert.InDelta(t, c.vp, r.Value, 1e-9, "segment %d", c.seg)
	}
	// After a seek to 60 s (segment 20), segment 21 is 1 segment after it.
	b.SabreReportSeek(sabreView(l, 20, 0, 1000, 0), 60000)
	_, _, r = b.SabreDecide(sabreView(l, 21, 0, 1000, 0))
	assert.InDelta(t, 726.2660398539447, r.Value, 1e-9)
}

func TestSabreBolaDecisions(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	newBola := func(osc bool) *SabreBola {
		b, err := NewSabreBola(SabreBolaParams{Basic: true, Osc: osc, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
		require.NoError(t, err)
		return b
	}
	// Vp = 2662.975. BOLA's argmax of (Vp(u+5) − L)/b: rung 0 below
	// 11107 ms, then 5 at 15000 ms and 7 at 18000 ms (switch levels
	// 11107, 12078, 13052, 14026, 14998, 15969, 16942, …).
	b := newBola(false)
	q, _, r := b.SabreDecide(sabreView(l, 10, 10000, 6000, 0))
	assert.Equal(t, 0, q)
	assert.Equal(t, sabreRuleBolaBuffer, r.Rule)

	// L = 15000 → argmax 5 > last 0. T = 600 kbit/s: Q(T) = 2 (688 > 600).
	// BOLA-U: q_t + 1 = 3.
	q, d, r := b.SabreDecide(sabreView(l, 11, 15000, 600, 0))
	assert.Equal(t, 3, q)
	assert.Zero(t, d)
	assert.Equal(t, sabreRuleBolaU, r.Rule)
	// Now last = 3; argmax 5 again but Q(300) = 0 < last: keep last.
	q, _, r = b.SabreDecide(sabreView(l, 12, 15000, 300, 0))
	assert.Equal(t, 3, q)
	assert.Equal(t, sabreRuleBolaHoldLast, r.Rule)
	// Argmax 5 <= Q(5000) = 8: BOLA's rung stands.
	q, _, r = b.SabreDecide(sabreView(l, 13, 15000, 5000, 0))
	assert.Equal(t, 5, q)
	assert.Equal(t, sabreRuleBolaBuffer, r.Rule)

	// BOLA-O at L = 18000: argmax 7, Q(600) = 2 → rung 2 with delay
	// L − Vp(5 + u_2) = 18000 − 15257.350726705163 = 2742.649 ms.
	o := newBola(true)
	q, d, r = o.SabreDecide(sabreView(l, 11, 18000, 600, 0))
	assert.Equal(t, 2, q)
	assert.InDelta(t, 2742.649273294837, d, 1e-9)
	assert.Equal(t, sabreRuleBolaO, r.Rule)

	// Through the Snapshot: the delay becomes a Duration.
	o2 := newBola(true)
	dec := o2.Decide(sabreSnap(l, 11, 18*time.Second, 600, 0))
	assert.Equal(t, 2, dec.Rung)
	assert.InDelta(t, 2742.649, float64(dec.Delay)/float64(time.Millisecond), 1e-3)
}

func TestSabreBolaAbandon(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	b, err := NewSabreBola(DefaultSabreBolaParams())
	require.NoError(t, err)
	b.SabreDecide(sabreView(l, 100, 20000, 6000, 0)) // Vp = 2662.975 at segment 100
	// Rung 8, S = 5027·3000 = 15,081,000 bits, 1,000,000 arrived,
	// R = 14,081,000, L_est = 5000 ms.
	// Current score (Vp(5 + u_8) − 5000)/R = (21528.82 − 5000)/14081000 = 0.0011738.
	// Rung 0: size S·230/5027 = 690,000, score (13314.88 − 5000)/690000 =
	// 0.012051, the best of rungs 0..7 (rung 1: 0.009350, …, rung 7: 0.001702).
	p := SabreProgress{Rung: 8, SizeBits: 15081000, DownloadedBits: 1000000, TimeMs: 1100, TTFBMs: 100}
	q, ok, r := b.SabreCheckAbandon(sabreView(l, 100, 5000, 6000, 0), p)
	require.True(t, ok)
	assert.Equal(t, 0, q)
	assert.InDelta(t, 0.012050546952641046, r.Value, 1e-12)
	assert.Equal(t, sabreRuleBolaAbandon, r.Rule)
	assert.Equal(t, 0, b.last, "an abandonment sets last to its target")

	// A negative current score (L_est above Vp(5 + u_8) = 21529) never abandons.
	_, ok, _ = b.SabreCheckAbandon(sabreView(l, 100, 22000, 6000, 0), p)
	assert.False(t, ok)

	// BOLA-BASIC never abandons.
	basic, err := NewSabreBola(SabreBolaParams{Basic: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	_, ok, _ = basic.SabreCheckAbandon(sabreView(l, 100, 5000, 6000, 0), p)
	assert.False(t, ok)
}

func TestSabreBolaEDecisions(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	e, err := NewSabreBolaE(DefaultSabreBolaEParams())
	require.NoError(t, err)
	// γp = 1.63072, Vp = 6132.27 (B_e = 30000).

	// No estimate yet: stay at last (0).
	q, _, r := e.SabreDecide(SabreView{Ladder: l, Segment: 1, BufferMs: 3000, MaxBufferMs: 25000})
	assert.Equal(t, 0, q)
	assert.Equal(t, sabreRuleBolaEWait, r.Rule)

	// Startup at L = 3000, T = 1000: Q(1000) = 4 (991 <= 1000 < 1427).
	// P = minbuf(4) − L = 17770.19 − 3000 = 14770.19.
	q, d, r := e.SabreDecide(sabreView(l, 1, 3000, 1000, 0))
	assert.Equal(t, 4, q)
	assert.Zero(t, d)
	assert.Equal(t, sabreRuleBolaEStartup, r.Rule)
	assert.InDelta(t, 14770.194385157007, r.Value, 1e-9)

	// A full-buffer wait of 2000 ms grows P to 16770.19.
	e.SabreReportDelay(2000)

	// Steady at L = 6000: argmax at L + P = 22770.19 is rung 6, above
	// last (0) and Q(1000) = 4 → BOLA-U cap max(0, 4) + 1 = 5.
	// L + P − maxbuf(5) = 22770.19 − 27325.20 < 0: no delay.
	// IBR: safe = 0.9·6000·1000 = 5.4e6 bits; no rung up to 5 has
	// b·3000 > 5.4e6 (b > 1800), so it stands.
	q, d, r = e.SabreDecide(sabreView(l, 2, 6000, 1000, 0))
	assert.Equal(t, 5, q)
	assert.Zero(t, d)
	assert.Equal(t, sabreRuleBolaECap, r.Rule)
	assert.InDelta(t, 16770.194385157007, r.Value, 1e-9)

	// report_download of rung 5 that took 2000 ms, level after 8000:
	// level_was = 10000; P = min(P, maxbuf(5) − 10000 = 17325.20) = 16770.19;
	// then P = max(P, minbuf(5) − 10000 = 10007.18) = 16770.19. last = 5.
	e.SabreReportDownload(sabreView(l, 3, 8000, 1000, 0), SabreOutcome{Rung: 5, TimeMs: 2000})
	assert.InDelta(t, 16770.194385157007, e.placeholder, 1e-9)
	assert.Equal(t, 5, e.last)

	// IBR at L = 1000: factor now 0.81: safe = 0.81·1000·1000 = 810000;
	// b_1·3000 = 993000 > safe → rung 0, no delay, P = min(max(0,
	// minbuf(0) − 1000), P) = 0.
	q, d, r = e.SabreDecide(sabreView(l, 3, 1000, 1000, 0))
	assert.Equal(t, 0, q)
	assert.Zero(t, d)
	assert.Equal(t, sabreRuleBolaEIBR, r.Rule)
	assert.Zero(t, r.Value)

	// An abandoned download to rung 0 caps P at 10000 − level.
	e.SabreReportDelay(20000)
	e.SabreReportDownload(sabreView(l, 3, 4000, 1000, 0), SabreOutcome{Rung: 5, TimeMs: 900, Abandoned: true, AbandonTo: 0})
	assert.InDelta(t, 6000, e.placeholder, 1e-9)
	// A completed replacement adds p.
	e.SabreReportDownload(sabreView(l, 3, 4000, 1000, 0), SabreOutcome{Rung: 6, TimeMs: 900, Replacement: true})
	assert.InDelta(t, 9000, e.placeholder, 1e-9)
	// A seek returns to the startup state.
	e.SabreReportSeek(sabreView(l, 3, 0, 1000, 0), 30000)
	_, _, r = e.SabreDecide(sabreView(l, 10, 0, 1000, 0))
	assert.Equal(t, sabreRuleBolaEStartup, r.Rule)
}

func TestSabreBolaEAbandon(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	e, err := NewSabreBolaE(DefaultSabreBolaEParams())
	require.NoError(t, err)
	// P = 0. Rung 8 (S = 15,081,000), 1,000,000 bits after 1100 ms with
	// TTFB 100: t = 1000 bits/ms, R' = 14,081,000 − 100·1000 = 13,981,000,
	// L' = max(0, 5000 + 0 − 100) = 4900.
	// Current: (Vp(γp + u_8) − 4900)/R' = (35047.25 − 4900)/13981000 = 0.0021563.
	// Rung 0: (16132.27 − 4900)/690000 = 0.016279, the best.
	p := SabreProgress{Rung: 8, SizeBits: 15081000, DownloadedBits: 1000000, TimeMs: 1100, TTFBMs: 100}
	q, ok, r := e.SabreCheckAbandon(sabreView(l, 50, 5000, 1000, 0), p)
	require.True(t, ok)
	assert.Equal(t, 0, q)
	assert.InDelta(t, (16132.26917175228-4900)/690000, r.Value, 1e-12)
	// When what remains after a TTFB's worth of bits is gone, no abandonment:
	// R' = 100,000 − 100·(14,981,000/1000) < 0.
	p2 := SabreProgress{Rung: 8, SizeBits: 15081000, DownloadedBits: 14981000, TimeMs: 1100, TTFBMs: 100}
	_, ok, _ = e.SabreCheckAbandon(sabreView(l, 50, 5000, 1000, 0), p2)
	assert.False(t, ok)
}

func TestSabreThroughputRung(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	tr, err := NewSabreThroughput(DefaultSabreThroughputParams())
	require.NoError(t, err)
	// T = 2000, λ = 300, p = 3000: Q(0.9·2000 = 1800) scans while
	// 300 + 3000·b/1800 <= 3000, i.e. b <= 1620 → 1427 (rung 5).
	// IBR at L = 20000: safe = 0.9·19700·2000 = 35.46e6 > 6000·3000: no change.
	q, d, r := tr.SabreDecide(sabreView(l, 5, 20000, 2000, 300))
	assert.Equal(t, 5, q)
	assert.Zero(t, d)
	assert.Equal(t, sabreRuleThroughput, r.Rule)
	assert.InDelta(t, 1_800_000, r.Value, 1e-6)
	assert.Equal(t, int64(2_000_000), r.Estimate)
	// Without latency 2056 would still be above 1800: rung 5 too; with
	// T = 2300 and no latency, 0.9·2300 = 2070 >= 2056 → rung 6.
	q, _, _ = tr.SabreDecide(sabreView(l, 6, 20000, 2300, 0))
	assert.Equal(t, 6, q)
	// With λ = 100: b <= 2070·(1 − 100/3000) = 2001 → rung 5.
	q, _, _ = tr.SabreDecide(sabreView(l, 7, 20000, 2300, 100))
	assert.Equal(t, 5, q)
}

func TestSabreThroughputIBRSequence(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	tr, err := NewSabreThroughput(DefaultSabreThroughputParams())
	require.NoError(t, err)
	// L = 1000 ms, λ = 0, T = 10000: safe = s·1000·10000 = s·1e7 bits,
	// always below rung 9's 6000·3000 = 18e6, so the IBR fires every
	// time and reports safe. s runs 0.9, 0.81, 0.729, 0.6561, 0.59049,
	// 0.531441, then 0.5 for good (0.9·0.531441 = 0.4783 < 0.5).
	want := []float64{0.9, 0.81, 0.729, 0.6561, 0.59049, 0.531441, 0.5, 0.5, 0.5}
	for i, s := range want {
		q, _, r := tr.SabreDecide(sabreView(l, i+1, 1000, 10000, 0))
		require.Equal(t, sabreRuleIBR, r.Rule, "decision %d", i)
		assert.InDelta(t, s*1e7, r.Value, 1e-3, "decision %d", i)
		// The first rung whose next rung's size b·3000 > s·1e7: s = 0.9 →
		// b > 3000 → next is 5027 (rung 8) → rung 7; s = 0.5 → b > 1667 →
		// 2056 (rung 6) → rung 5.
		switch s {
		case 0.9:
			assert.Equal(t, 7, q)
		case 0.5:
			assert.Equal(t, 5, q)
		}
	}
	// With noibr the throughput rung stands: Q(9000) = 9.
	p := DefaultSabreThroughputParams()
	p.NoIBR = true
	nt, err := NewSabreThroughput(p)
	require.NoError(t, err)
	q, _, r := nt.SabreDecide(sabreView(l, 1, 1000, 10000, 0))
	assert.Equal(t, 9, q)
	assert.Equal(t, sabreRuleThroughput, r.Rule)
}

func TestSabreThroughputAbandon(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	tr, err := NewSabreThroughput(DefaultSabreThroughputParams())
	require.NoError(t, err)
	// Rung 8, S = 15,081,000 bits; after 1000 ms (TTFB 100) 900,000 bits:
	// t = 900000/900 = 1000 bits/ms; left 14,181,000 → 14181 ms more;
	// 1000 + 14181 > 1.8·3000 = 5400. Q(0.9·1000 = 900) with λ = 100:
	// b <= 900·(1 − 100/3000) = 870 → rung 3 (688). Its size
	// 15081000·688/5027 = 2,064,000 < left: abandon to 3.
	p := SabreProgress{Rung: 8, SizeBits: 15081000, DownloadedBits: 900000, TimeMs: 1000, TTFBMs: 100}
	q, ok, r := tr.SabreCheckAbandon(sabreView(l, 9, 8000, 3000, 100), p)
	require.True(t, ok)
	assert.Equal(t, 3, q)
	assert.Equal(t, sabreRuleThroughputAbort, r.Rule)
	assert.InDelta(t, 1_000_000, r.Value, 1e-6)

	// Before the 500 ms grace: no.
	early := p
	early.TimeMs = 499
	_, ok, _ = tr.SabreCheckAbandon(sabreView(l, 9, 8000, 3000, 100), early)
	assert.False(t, ok)
	// Fast enough: 12,000,000 bits in 900 ms → 13333 bits/ms, 231 ms left.
	fast := p
	fast.DownloadedBits = 12000000
	_, ok, _ = tr.SabreCheckAbandon(sabreView(l, 9, 8000, 3000, 100), fast)
	assert.False(t, ok)

	// Through the Snapshot and Progress (bytes and durations).
	s := sabreSnap(l, 9, 8*time.Second, 3000, 100*time.Millisecond)
	ok2, q2, r2 := tr.ShouldAbandon(s, Progress{Segment: 9, Rung: 8, Bytes: 112500, Total: 1885125, Elapsed: time.Second, TTFB: 100 * time.Millisecond})
	assert.True(t, ok2)
	assert.Equal(t, 3, q2)
	assert.NotEmpty(t, r2.Rule)
	// Nothing arrived yet, or a replacement: never.
	ok2, _, _ = tr.ShouldAbandon(s, Progress{Segment: 9, Rung: 8, Bytes: 0, Total: 1885125, Elapsed: time.Second})
	assert.False(t, ok2)
	ok2, _, _ = tr.ShouldAbandon(s, Progress{Segment: 9, Rung: 8, Bytes: 112500, Total: 1885125, Elapsed: time.Second, TTFB: 100 * time.Millisecond, Replacement: true})
	assert.False(t, ok2)
}

func TestSabreDynamicSwitching(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	d, err := NewSabreDynamic(SabreDynamicParams{Basic: true, GammaP: 5, BufferSize: 25 * time.Second, Threshold: 10 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	// L = 5000, T = 1000: throughput mode. Q(900) = 3 (688 <= 900 < 991);
	// IBR safe = 0.9·5000·1000 = 4.5e6 only bites above b = 1500: rung 3.
	q, _, r := d.SabreDecide(sabreView(l, 1, 5000, 1000, 0))
	assert.Equal(t, 3, q)
	assert.Equal(t, sabreRuleThroughput, r.Rule)
	assert.False(t, d.UsingBola())
	// L = 20000 > 10000: BOLA's argmax 9 is capped by BOLA-U to
	// Q(1000) + 1 = 5 >= the throughput rung 3 → BOLA mode.
	q, _, r = d.SabreDecide(sabreView(l, 2, 20000, 1000, 0))
	assert.True(t, d.UsingBola())
	assert.Equal(t, 5, q)
	assert.Equal(t, sabreRuleBolaU, r.Rule)
	// L = 9000 < 10000, T = 300: BOLA's argmax is 0 (below 11107 ms) and
	// the throughput rung Q(270) = 0: BOLA is not below, BOLA stays.
	q, _, r = d.SabreDecide(sabreView(l, 3, 9000, 300, 0))
	assert.True(t, d.UsingBola())
	assert.Equal(t, 0, q)
	assert.Equal(t, sabreRuleBolaBuffer, r.Rule)
	// L = 9000, T = 1000: BOLA 0 < throughput 3 → back to throughput.
	q, _, _ = d.SabreDecide(sabreView(l, 4, 9000, 1000, 0))
	assert.False(t, d.UsingBola())
	assert.Equal(t, 3, q)
	// A replacement returns to throughput mode.
	d.SabreDecide(sabreView(l, 5, 20000, 1000, 0))
	require.True(t, d.UsingBola())
	d.SabreReportDownload(sabreView(l, 5, 20000, 1000, 0), SabreOutcome{Rung: 5, Replacement: true})
	assert.False(t, d.UsingBola())
}

func TestSabreDynamicDashHysteresis(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	d, err := NewSabreDynamicDash(DefaultSabreDynamicDashParams())
	require.NoError(t, err)
	_, _, r := d.SabreDecide(sabreView(l, 1, 10000, 1000, 0))
	assert.False(t, d.UsingBola(), "10000 is not above the high threshold")
	assert.Contains(t, []string{sabreRuleThroughput, sabreRuleIBR}, r.Rule)
	// Above 10 s: BOLA-E, whose first decision is its startup.
	_, _, r = d.SabreDecide(sabreView(l, 2, 10001, 1000, 0))
	assert.True(t, d.UsingBola())
	assert.Equal(t, sabreRuleBolaEStartup, r.Rule)
	// Between 5 and 10 s: stays.
	d.SabreDecide(sabreView(l, 3, 5000, 1000, 0))
	assert.True(t, d.UsingBola())
	d.SabreDecide(sabreView(l, 4, 4999, 1000, 0))
	assert.False(t, d.UsingBola())

	// bufthresholds: low (25000 − 3000)/2 = 11000, high 21900.
	p := DefaultSabreDynamicDashParams()
	p.BufferThresholds = true
	d2, err := NewSabreDynamicDash(p)
	require.NoError(t, err)
	d2.SabreDecide(sabreView(l, 1, 21900, 1000, 0))
	assert.False(t, d2.UsingBola())
	d2.SabreDecide(sabreView(l, 2, 21901, 1000, 0))
	assert.True(t, d2.UsingBola())
}

func TestSabreReplacer(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	buf := []BufferedSegment{{10, 3}, {11, 3}, {12, 1}, {13, 2}, {14, 5}, {15, 0}}
	s := &Snapshot{Ladder: l, Buffered: buf, Buffer: 18 * time.Second, MaxRung: l.Top()}

	left, right := NewSabreLeftReplacer(), NewSabreRightReplacer()
	assert.Equal(t, "left", left.Name())
	assert.Equal(t, "right", right.Name())
	// Head not played: skip = ceil(1.5) = 2 segments protected.
	i, ok := left.Replace(s, 4)
	assert.True(t, ok)
	assert.Equal(t, 2, i, "left: first past the protected two below rung 4")
	i, ok = right.Replace(s, 4)
	assert.True(t, ok)
	assert.Equal(t, 5, i, "right: last below rung 4")
	// Head two-thirds played: skip = ceil(1.5 + 2/3) = 3.
	s.HeadPlayed = 2 * time.Second
	i, ok = left.Replace(s, 4)
	assert.True(t, ok)
	assert.Equal(t, 3, i)
	// Nothing below rung 0.
	_, ok = left.Replace(s, 0)
	assert.False(t, ok)
	slot, ok := left.Slot()
	assert.False(t, ok)
	assert.Zero(t, slot)

	// Protection: right replaces the last segment, slot −1. It is
	// abandoned once L + 3000·(−1) <= 0.
	s.HeadPlayed = 0
	_, ok = right.Replace(s, 4)
	require.True(t, ok)
	slot, _ = right.Slot()
	assert.Equal(t, -1, slot)
	prog := Progress{Segment: 15, Rung: 4, Bytes: 1000, Total: 100000, Elapsed: time.Second, Replacement: true}
	s.Buffer = 3001 * time.Millisecond
	ab, _, _ := right.ShouldAbandon(s, prog)
	assert.False(t, ab)
	s.Buffer = 3000 * time.Millisecond
	ab, q, r := right.ShouldAbandon(s, prog)
	assert.True(t, ab)
	assert.Equal(t, -1, q)
	assert.Equal(t, sabreRuleReplaceProtected, r.Rule)
	// Normal downloads are not the replacer's business.
	prog.Replacement = false
	ab, _, _ = right.ShouldAbandon(s, prog)
	assert.False(t, ab)

	assert.True(t, SabreReplaceStillValid(3000, 3000, -1))
	assert.False(t, SabreReplaceStillValid(2999, 3000, -1))
}

func TestSabreStartupAndClamp(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	for _, name := range []string{"sabre-throughput", "bola", "bolae", "dynamic", "dynamicdash"} {
		a, err := New(name)
		require.NoError(t, err)
		st, ok := a.(Starter)
		require.True(t, ok, name)
		s := sabreSnap(l, 0, 0, 5000, 0)
		d := st.Startup(s)
		assert.Equal(t, 0, d.Rung, "%s starts at rung 0", name)
		assert.Equal(t, sabreRuleStartup, d.Reason.Rule)
		s.MinRung = 2
		assert.Equal(t, 2, st.Startup(s).Rung, "%s respects MinRung", name)
		_, ok = a.(EstimatorProvider)
		assert.True(t, ok, name)
	}
	// MaxRung bounds a decision.
	tr, err := NewSabreThroughput(DefaultSabreThroughputParams())
	require.NoError(t, err)
	s := sabreSnap(l, 3, 20*time.Second, 100000, 0)
	s.MaxRung = 4
	assert.Equal(t, 4, tr.Decide(s).Rung)
}
