package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dashjsEnvivio is the Envivio ladder (Pensieve): 300, 750, 1200, 1850,
// 2850, 4300 kbit/s, 4 s segments, 48 segments.
func dashjsEnvivio() *Ladder {
	return sabreTestLadder([]int64{300, 750, 1200, 1850, 2850, 4300}, 4*time.Second, 48)
}

// dashjsSnap builds a Snapshot at time now with an estimate in kbit/s
// (0: none).
func dashjsSnap(l *Ladder, now, buffer time.Duration, kbps int64) *Snapshot {
	s := &Snapshot{Now: now, Ladder: l, Buffer: buffer, MaxBuffer: 30 * time.Second, LastRung: -1, MaxRung: l.Top()}
	if kbps > 0 {
		s.Estimate = Estimate{Throughput: kbps * 1000, Latency: 50 * time.Millisecond, Valid: true}
	}
	return s
}

func TestDashjsBolaEnvivioParams(t *testing.T) {
	b, err := NewDashjsBola(DefaultDashjsBolaParams())
	require.NoError(t, err)
	l := dashjsEnvivio()
	// B_T = max(18, 10 + 2·6) = 22 s; u_max − 1 = ln(4300/300) = 2.66259;
	// γp = 2.66259/(22/10 − 1) = 2.2188; Vp = 10/γp = 4.5069 s
	// (abr-literature §3.3).
	gp, vp, ok := b.Params(l, 18*time.Second)
	require.True(t, ok)
	assert.InDelta(t, 2.2188, gp, 5e-5)
	assert.InDelta(t, 4.5069, vp, 5e-5)
	// A larger bufferTimeDefault wins over 10 + 2·6: 30 s gives
	// γp = 2.66259/2 = 1.33129, Vp = 7.5115 s.
	gp, vp, _ = b.Params(l, 30*time.Second)
	assert.InDelta(t, 1.3312939135127264, gp, 1e-12)
	assert.InDelta(t, 7.511489310136026, vp, 1e-9)

	// The levels dash.js v5 actually uses. Its scores are
	// (Vp(u + γp) − level)/b with u_0 = 1, so rung 0 stops being worth it
	// at Vp(1 + γp) = 14.507 s and the top rung at Vp(u_5 + γp) = 26.507 s;
	// BOLA prefers rung r over the rungs below from 11.754, 15.106,
	// 17.153, 19.103, 21.010 s (r = 1..5). These are Vp = 4.507 s above
	// the 10 s / 22 s design points and the 7.25, 10.60, … levels of
	// abr-literature §3.3, which assume (Vp(u − 1 + γp) − level)/b: the
	// code's normalisation adds 1 that the scoring never takes off again.
	b.sync(dashjsSnap(l, 0, 0, 0))
	assert.InDelta(t, 14.506893586081617, b.maxBuffer(0), 1e-9)
	assert.InDelta(t, 26.506893586081617, b.maxBuffer(5), 1e-9)
	for r, want := range []float64{0, 11.75381037110184, 15.106091171746808, 17.15316424697944, 19.10262587012764, 21.00981085533152} {
		assert.InDelta(t, want, b.minBuffer(r), 1e-9, "rung %d", r)
	}

	// A single-bitrate ladder has no BOLA parameters.
	_, _, ok = b.Params(sabreTestLadder([]int64{500}, 4*time.Second, 10), 18*time.Second)
	assert.False(t, ok)
}

func TestDashjsBolaStates(t *testing.T) {
	l := dashjsEnvivio()
	b, err := NewDashjsBola(DefaultDashjsBolaParams())
	require.NoError(t, err)

	// First choice without an estimate: 1000 kbit/s → rung 1 (750).
	d := b.Startup(dashjsSnap(l, 0, 0, 0))
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, dashjsRuleBolaWait, d.Reason.Rule)

	// Startup with T = 2000: safe 1800 → rung 2 (1200 <= 1800 < 1850).
	// Placeholder = minbuf(2) − 4 = 15.1061 − 4 = 11.1061 s.
	d = b.Decide(dashjsSnap(l, 10*time.Second, 4*time.Second, 2000))
	assert.Equal(t, 2, d.Rung)
	assert.Equal(t, dashjsRuleBolaStartup, d.Reason.Rule)
	assert.InDelta(t, 11.106091171746808, d.Reason.Value, 1e-9)

	// A download of rung 2 from t = 10 s to 12 s; the buffer is 8 s with
	// it, 4 s without. Placeholder ·0.99 = 10.99503; buffer at request
	// = 4 + 2 = 6; maxbuf(2) − 6 = 14.75 does not bind.
	b.OnDownload(dashjsSnap(l, 12*time.Second, 8*time.Second, 2000), Download{Segment: 1, Rung: 2, Start: 10 * time.Second, TTFB: 100 * time.Millisecond, Transfer: 1900 * time.Millisecond})
	assert.InDelta(t, 10.99503026002934, b.placeholder, 1e-9)

	// Still startup (state changes after this call): rung 2 again, P =
	// minbuf(2) − 8 = 7.10609; a segment is loaded and 8 s >= 4 s → steady.
	d = b.Decide(dashjsSnap(l, 12*time.Second, 8*time.Second, 2000))
	assert.Equal(t, dashjsRuleBolaStartup, d.Reason.Rule)
	assert.InDelta(t, 7.106091171746808, d.Reason.Value, 1e-9)

	// Next download 12 → 14 s, buffer 10 s with it: P = 7.10609·0.99 = 7.03503.
	b.OnDownload(dashjsSnap(l, 14*time.Second, 10*time.Second, 2000), Download{Segment: 2, Rung: 2, Start: 12 * time.Second, TTFB: 100 * time.Millisecond, Transfer: 1900 * time.Millisecond})

	// Steady at t = 15 s: P grows by the 1 s since the download finished
	// → 8.03503. BOLA at 10 + 8.035 = 18.035 s wants rung 3 (above
	// 17.153), higher than the current (2) and the throughput rung (2):
	// BOLA-O keeps 2. 18.035 < maxbuf(2) = 20.755: no delay.
	d = b.Decide(dashjsSnap(l, 15*time.Second, 10*time.Second, 2000))
	assert.Equal(t, 2, d.Rung)
	assert.Equal(t, dashjsRuleBolaCap, d.Reason.Rule)
	assert.InDelta(t, 8.035030260029341, d.Reason.Value, 1e-9)
	assert.Zero(t, d.Delay)

	// Same instant, buffer 24 s: BOLA at 32.035 wants rung 5, capped to 2.
	// 32.035 − 20.755 = 11.280 s too much: the placeholder (8.035) goes
	// first, the remaining 3.2452 s is a delay.
	d = b.Decide(dashjsSnap(l, 15*time.Second, 24*time.Second, 2000))
	assert.Equal(t, 2, d.Rung)
	assert.InDelta(t, 3.2452252493660403, d.Delay.Seconds(), 1e-6)
	assert.Zero(t, d.Reason.Value)

	// An empty buffer resets the placeholder; the decision then adds the
	// 1 s since the last call (no download finished since): P = 1, not 6.
	b.placeholder = 5
	d = b.Decide(dashjsSnap(l, 16*time.Second, 100*time.Millisecond, 2000))
	assert.InDelta(t, 1, d.Reason.Value, 1e-9)
	assert.Equal(t, 0, d.Rung)

	// A seek returns to startup.
	b.OnSeek(dashjsSnap(l, 20*time.Second, 0, 2000))
	d = b.Decide(dashjsSnap(l, 20*time.Second, 0, 2000))
	assert.Equal(t, dashjsRuleBolaStartup, d.Reason.Rule)
}

func TestDashjsBolaAbandonDeflates(t *testing.T) {
	l := dashjsEnvivio()
	b, err := NewDashjsBola(DefaultDashjsBolaParams())
	require.NoError(t, err)
	b.Decide(dashjsSnap(l, 0, 2*time.Second, 5000)) // startup, rung 5 (4300 <= 4500)
	b.placeholder = 20
	b.cur = 3
	// Abandoned while current is rung 3: P = min(P, minbuf(3) − buffer)
	// = 17.1532 − 5 = 12.1532.
	b.OnDownload(dashjsSnap(l, 3*time.Second, 5*time.Second, 5000), Download{Segment: 1, Rung: 5, Abandoned: true, Start: time.Second, Transfer: time.Second})
	assert.InDelta(t, 17.15316424697944-5, b.placeholder, 1e-9)
	// To rung 0: 10 s − buffer.
	b.cur = 0
	b.OnDownload(dashjsSnap(l, 4*time.Second, 4*time.Second, 5000), Download{Segment: 1, Rung: 3, Abandoned: true, Start: 3 * time.Second, Transfer: time.Second})
	assert.InDelta(t, 6, b.placeholder, 1e-9)
}

func TestDashjsThroughputRule(t *testing.T) {
	l := dashjsEnvivio()
	a, err := NewDashjsThroughput(DefaultDashjsThroughputParams())
	require.NoError(t, err)
	// First choice without estimate: 1000 kbit/s → 750 (rung 1).
	d := a.Startup(dashjsSnap(l, 0, 0, 0))
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, dashjsRuleInitial, d.Reason.Rule)
	// With an average of 2000 kbit/s and no safety factor: rung 3 (1850).
	b, _ := NewDashjsThroughput(DefaultDashjsThroughputParams())
	assert.Equal(t, 3, b.Startup(dashjsSnap(l, 0, 0, 2000)).Rung)

	// Empty buffer (< 0.3 s): no change, current rung kept.
	d = a.Decide(dashjsSnap(l, time.Second, 200*time.Millisecond, 5000))
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, dashjsRuleBufferEmpty, d.Reason.Rule)
	// 0.9·2000 = 1800 < 1850 → rung 2; 0.9·2100 = 1890 → rung 3.
	d = a.Decide(dashjsSnap(l, 2*time.Second, 4*time.Second, 2000))
	assert.Equal(t, 2, d.Rung)
	assert.Equal(t, dashjsRuleThroughput, d.Reason.Rule)
	assert.InDelta(t, 1_800_000, d.Reason.Value, 1e-6)
	assert.Equal(t, int64(2_000_000), d.Reason.Estimate)
	assert.Equal(t, 3, a.Decide(dashjsSnap(l, 3*time.Second, 4*time.Second, 2100)).Rung)
	// No estimate: no change.
	d = a.Decide(dashjsSnap(l, 4*time.Second, 4*time.Second, 0))
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, dashjsRuleNoEstimate, d.Reason.Rule)
	// MaxRung bounds the choice.
	s := dashjsSnap(l, 5*time.Second, 4*time.Second, 100000)
	s.MaxRung = 4
	assert.Equal(t, 4, a.Decide(s).Rung)
}

// dashjsProgress returns the progress of segment seg at rung 5 of the
// Envivio ladder (2,150,000 bytes) t ms after the first byte, arriving at
// 500 kbit/s (62.5 bytes per ms), TTFB 100 ms.
func dashjsProgress(seg, tms int) Progress {
	return Progress{Segment: seg, Rung: 5, Bytes: int64(62.5 * float64(tms)), Total: 2_150_000,
		Elapsed: time.Duration(tms+100) * time.Millisecond, TTFB: 100 * time.Millisecond}
}

func TestDashjsAbandonRule(t *testing.T) {
	l := dashjsEnvivio()
	a, err := NewDashjsAbandonRule(DefaultDashjsAbandonParams())
	require.NoError(t, err)
	s := dashjsSnap(l, 10*time.Second, 6*time.Second, 4000)
	// Progress every 100 ms since the first byte: each sample is
	// round(8·62.5·t / t) = 500 kbit/s. The 6th sample comes at t = 600 ms
	// (> 500 ms): average 500, projected 2,150,000·8/500/1000 = 34.4 s
	// > 1.8·4 s. Target: highest rung <= 0.9·500 = 450 → rung 0; its
	// segment 2,150,000·300/4300 = 150,000 bytes < 2,112,500 still to
	// come → abandon to rung 0.
	for i := 1; i <= 5; i++ {
		ok, _, _ := a.ShouldAbandon(s, dashjsProgress(7, 100*i))
		require.False(t, ok, "sample %d", i)
	}
	ok, q, r := a.ShouldAbandon(s, dashjsProgress(7, 600))
	require.True(t, ok)
	assert.Equal(t, 0, q)
	assert.Equal(t, dashjsRuleAbandon, r.Rule)
	assert.InDelta(t, 500_000, r.Value, 1e-6)
	// Never the same segment twice.
	ok, _, _ = a.ShouldAbandon(s, dashjsProgress(7, 700))
	assert.False(t, ok)

	// Buffer above 18 s: never.
	full := dashjsSnap(l, 10*time.Second, 19*time.Second, 4000)
	for i := 1; i <= 8; i++ {
		ok, _, _ = a.ShouldAbandon(full, dashjsProgress(8, 100*i))
		assert.False(t, ok)
	}
	// The lowest rung: never.
	b, _ := NewDashjsAbandonRule(DefaultDashjsAbandonParams())
	for i := 1; i <= 8; i++ {
		p := dashjsProgress(9, 100*i)
		p.Rung = 0
		ok, _, _ = b.ShouldAbandon(s, p)
		assert.False(t, ok)
	}
	// Fast enough (projected under 7.2 s): 4,000 kbit/s → 4.3 s.
	c, _ := NewDashjsAbandonRule(DefaultDashjsAbandonParams())
	for i := 1; i <= 8; i++ {
		p := dashjsProgress(10, 100*i)
		p.Bytes *= 8
		ok, _, _ = c.ShouldAbandon(s, p)
		assert.False(t, ok)
	}
}

func TestDashjsThroughputAbandonHold(t *testing.T) {
	l := dashjsEnvivio()
	a, err := NewDashjsThroughput(DefaultDashjsThroughputParams())
	require.NoError(t, err)
	a.Startup(dashjsSnap(l, 0, 0, 5000))
	s := dashjsSnap(l, 10*time.Second, 6*time.Second, 5000)
	var ok bool
	var q int
	for i := 1; i <= 6; i++ {
		ok, q, _ = a.ShouldAbandon(s, dashjsProgress(3, 100*i))
	}
	require.True(t, ok)
	require.Equal(t, 0, q)
	// For 10 s the rule asks for no change: the target (0) stays even with
	// 5000 kbit/s measured.
	d := a.Decide(dashjsSnap(l, 19*time.Second, 6*time.Second, 5000))
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, dashjsRuleAbandonHold, d.Reason.Rule)
	// After it: 0.9·5000 = 4500 → rung 5.
	d = a.Decide(dashjsSnap(l, 20*time.Second, 6*time.Second, 5000))
	assert.Equal(t, 5, d.Rung)
}

func TestDashjsSwitchHistory(t *testing.T) {
	h := dashjsSwitchHistory{size: 8}
	h.resize(6)
	// Oscillating 2 → 3 → 2 …: rung 2 collects 4 no-drops, rung 3 4 drops.
	for i := 0; i < 4; i++ {
		h.push(2, 3)
		_, _, ok := h.rule(0.075)
		assert.False(t, ok)
		h.push(3, 2)
	}
	// Scanning up: at rung 2, 0 + 4 < 8 samples; at rung 3, 4 drops + 4
	// no-drops = 8, ratio 1 > 0.075, and rung 3 has drops → rung 2.
	q, ratio, ok := h.rule(0.075)
	require.True(t, ok)
	assert.Equal(t, 2, q)
	assert.Equal(t, 1.0, ratio)
	// The history keeps 8 entries: four steady decisions at rung 3 push
	// out the oldest four (two of rung 3's drops): rung 3 then has 2
	// drops and 4 no-drops, with rung 2's 2 no-drops: 2/6 > 0.075 → 2.
	for i := 0; i < 4; i++ {
		h.push(3, 3)
	}
	assert.Len(t, h.entries, 8)
	assert.Equal(t, 2, h.drops[3])
	assert.Equal(t, 4, h.noDrops[3])
	q, _, ok = h.rule(0.075)
	assert.True(t, ok)
	assert.Equal(t, 2, q)
	h.reset()
	_, _, ok = h.rule(0.075)
	assert.False(t, ok)
}

func TestDashjsDynamic(t *testing.T) {
	l := dashjsEnvivio()
	a, err := NewDashjsDynamic(DefaultDashjsDynamicParams())
	require.NoError(t, err)
	// First choice: 1000 kbit/s → rung 1; with an empty buffer nothing
	// else answers.
	d := a.Startup(dashjsSnap(l, 0, 0, 0))
	assert.Equal(t, 1, d.Rung)
	assert.NotEmpty(t, d.Reason.Rule)

	// Buffer 5 s, T = 3000: throughput 0.9·3000 = 2700 → rung 3. The
	// InsufficientBufferRule still ignores (no segment appended yet).
	d = a.Decide(dashjsSnap(l, 5*time.Second, 5*time.Second, 3000))
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, dashjsRuleThroughput, d.Reason.Rule)

	// Two appended segments later the IBR answers: at 1 s of buffer,
	// 3000·0.7·1/4 = 525 kbit/s → rung 0, lower than throughput's 3.
	for i := 0; i < 2; i++ {
		a.OnDownload(dashjsSnap(l, 6*time.Second, 5*time.Second, 3000), Download{Segment: i, Rung: 3, Start: 5 * time.Second, Transfer: time.Second})
	}
	d = a.Decide(dashjsSnap(l, 7*time.Second, time.Second, 3000))
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, dashjsRuleIBR, d.Reason.Rule)
	assert.InDelta(t, 525_000, d.Reason.Value, 1e-6)
	// Empty buffer: throughput abstains, the IBR asks for the lowest.
	d = a.Decide(dashjsSnap(l, 8*time.Second, 100*time.Millisecond, 3000))
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, dashjsRuleIBREmpty, d.Reason.Rule)

	// 18 s of buffer: BOLA takes over (startup: safe 2700 → rung 3; the
	// IBR allows 3000·0.7·18/4 = 9450).
	d = a.Decide(dashjsSnap(l, 9*time.Second, 18*time.Second, 3000))
	assert.True(t, a.UsingBola())
	assert.Equal(t, 3, d.Rung)
	assert.Equal(t, dashjsRuleBolaStartup, d.Reason.Rule)
	// Still BOLA at 9 s, back to throughput below.
	a.Decide(dashjsSnap(l, 10*time.Second, 9*time.Second, 3000))
	assert.True(t, a.UsingBola())
	d = a.Decide(dashjsSnap(l, 11*time.Second, 8900*time.Millisecond, 3000))
	assert.False(t, a.UsingBola())
	assert.Equal(t, dashjsRuleThroughput, d.Reason.Rule)

	// Abandonment: the target becomes current and for 10 s up-switches
	// are refused while down-switches pass.
	var ok bool
	s := dashjsSnap(l, 20*time.Second, 6*time.Second, 3000)
	for i := 1; i <= 6; i++ {
		ok, _, _ = a.ShouldAbandon(s, dashjsProgress(5, 100*i))
	}
	require.True(t, ok)
	assert.Empty(t, a.hist.entries, "an abandonment clears the switch history")
	d = a.Decide(dashjsSnap(l, 25*time.Second, 6*time.Second, 3000))
	assert.Equal(t, 0, d.Rung)
	assert.Equal(t, dashjsRuleAbandonHold, d.Reason.Rule)
	d = a.Decide(dashjsSnap(l, 31*time.Second, 6*time.Second, 3000))
	assert.Equal(t, 3, d.Rung)
}
