package abr

import (
	"fmt"
	"math"
	"time"
)

// DashjsBolaParams configures DashjsBola; the defaults are dash.js v5's.
type DashjsBolaParams struct {
	// BufferTimeDefault is streaming.buffer.bufferTimeDefault (18 s),
	// capped at the live delay for live streams.
	BufferTimeDefault time.Duration `abr:"buffer_time"`
	// MinimumBuffer (MINIMUM_BUFFER_S, 10 s) and MinimumBufferPerLevel
	// (MINIMUM_BUFFER_PER_BITRATE_LEVEL_S, 2 s): BOLA's buffer target is
	// max(BufferTimeDefault, MinimumBuffer + MinimumBufferPerLevel × rungs).
	MinimumBuffer         time.Duration `abr:"min_buffer"`
	MinimumBufferPerLevel time.Duration `abr:"min_buffer_per_level"`
	// PlaceholderDecay multiplies the placeholder buffer on every new
	// segment (PLACEHOLDER_BUFFER_DECAY, 0.99).
	PlaceholderDecay float64 `abr:"decay"`
	// Safety is bandwidthSafetyFactor (0.9) for the throughput rung.
	Safety float64 `abr:"safety"`
	// InitialBitrate is used for the first choice when there is no
	// estimate (1000 kbit/s for video), in bit/s.
	InitialBitrate int64 `abr:"initial"`
	// StallThreshold is the level below which the buffer counts as empty
	// (streaming.buffer.stallThreshold, 0.3 s); an empty buffer resets
	// the placeholder.
	StallThreshold time.Duration `abr:"stall"`
}

// DefaultDashjsBolaParams returns dash.js v5's defaults.
func DefaultDashjsBolaParams() DashjsBolaParams {
	return DashjsBolaParams{
		BufferTimeDefault:     18 * time.Second,
		MinimumBuffer:         10 * time.Second,
		MinimumBufferPerLevel: 2 * time.Second,
		PlaceholderDecay:      0.99,
		Safety:                0.9,
		InitialBitrate:        dashjsDefaultInitialBits,
		StallThreshold:        300 * time.Millisecond,
	}
}

func (p DashjsBolaParams) check() error {
	if p.BufferTimeDefault <= 0 || p.MinimumBuffer <= 0 || p.MinimumBufferPerLevel < 0 ||
		p.PlaceholderDecay < 0 || p.PlaceholderDecay > 1 || p.Safety <= 0 || p.InitialBitrate <= 0 || p.StallThreshold < 0 {
		return fmt.Errorf("%w: bola-dashjs: buffer_time, min_buffer, safety and initial must be positive, decay in [0,1]", ErrBadParam)
	}
	return nil
}

// dash.js BolaRule states.
const (
	dashjsBolaUninit = iota
	dashjsBolaOneBitrate
	dashjsBolaStartup
	dashjsBolaSteady
)

// DashjsBola is dash.js v5's BolaRule ("bola-dashjs"; Spiteri, Sitaraman,
// Sparacio, MMSys 2018, as shipped in Dash-Industry-Forum/dash.js v5.1
// src/streaming/rules/abr/BolaRule.js). Seconds and bit/s throughout.
//
// Utilities u_i = ln b_i − ln b_0 + 1. With B_T = max(18 s, 10 s + 2 s ×
// rungs): γp = (u_max − 1)/(B_T/10 − 1) and Vp = 10/γp; for the Envivio
// ladder (6 rungs, 300..4300 kbit/s) B_T = 22 s, γp = 2.2188 and
// Vp = 4.5069 s. Scores are (Vp·(u_i + γp) − level)/b_i, ties to the
// higher rung. States:
//
//   - startup: the rung for the safe throughput (0.9 × average), with the
//     placeholder set to the level at which BOLA would choose it;
//     steady once a segment has been loaded and the buffer holds at
//     least one segment duration;
//   - steady: the placeholder first grows by the time since the last
//     download finished (or since the last call when nothing finished
//     since), which covers full-buffer waits and live availability
//     waits; BOLA chooses at buffer + placeholder, capped BOLA-O style at
//     max(current, throughput rung) when it would rise above both; a
//     positive buffer + placeholder − Vp·(u + γp) is taken from the
//     placeholder first and only the rest becomes a delay (none at the
//     top rung).
//
// Every completed segment decays the placeholder by 0.99 and caps it so
// that the buffer at the request plus the placeholder stays below the
// downloaded rung's maximum level; a replacement adds its duration. An
// abandonment deflates it to the level where BOLA just prefers the new
// rung (10 s for the lowest), an empty buffer resets it, and a seek
// returns to startup. It keeps time from the Snapshot's Now, so the
// player need not report waits.
//
// Reason.Value is the placeholder in seconds after the decision.
type DashjsBola struct {
	p DashjsBolaParams

	ladder *Ladder
	n      int
	bw     []float64 // bit/s
	util   []float64
	btd    time.Duration // the bufferTimeDefault gp and Vp come from
	gp, vp float64

	state       int
	placeholder float64 // s
	cur         int     // currentRepresentation
	lastCall    time.Duration
	lastCallSet bool
	lastReq     time.Duration
	lastFinish  time.Duration
	finishSet   bool
	lastSegDur  float64 // s
	segDurSet   bool
}

// NewDashjsBola returns dash.js v5's BolaRule.
func NewDashjsBola(p DashjsBolaParams) (*DashjsBola, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return &DashjsBola{p: p, cur: -1}, nil
}

// Name returns "bola-dashjs".
func (b *DashjsBola) Name() string { return "bola-dashjs" }

// NewEstimator returns dash.js's EWMA behind the 10 ms cache filter.
func (b *DashjsBola) NewEstimator() Estimator {
	return NewCacheFilter(NewDashjsEWMA(DefaultDashjsEWMAParams()), DefaultCacheThreshold)
}

// Params returns γp and Vp (seconds) for ladder l and buffer time
// default btd, as _calculateBolaParameters; ok is false for a ladder
// whose top rung has no more utility than the lowest.
func (b *DashjsBola) Params(l *Ladder, btd time.Duration) (gammaP, vp float64, ok bool) {
	c := DashjsBola{p: b.p, cur: -1}
	c.syncLadder(l)
	if c.state == dashjsBolaOneBitrate {
		return 0, 0, false
	}
	gp, v := c.params(btd)
	return gp, v, true
}

// syncLadder recomputes the utilities on a new ladder and starts over.
func (b *DashjsBola) syncLadder(l *Ladder) bool {
	if l == b.ladder && len(l.Rungs) == b.n {
		return false
	}
	b.ladder, b.n = l, len(l.Rungs)
	if cap(b.bw) < b.n {
		b.bw = make([]float64, b.n)
		b.util = make([]float64, b.n)
	}
	b.bw, b.util = b.bw[:b.n], b.util[:b.n]
	for i, r := range l.Rungs {
		b.bw[i] = float64(r.Bitrate)
		b.util[i] = math.Log(b.bw[i])
	}
	u0 := b.util[0]
	hi := 0
	for i := range b.util {
		b.util[i] = b.util[i] - u0 + 1
		if b.util[i] > b.util[hi] {
			hi = i
		}
	}
	b.state = dashjsBolaStartup
	if hi == 0 {
		b.state = dashjsBolaOneBitrate
	}
	b.btd = 0
	b.clearOnSeek()
	return true
}

// params is _calculateBolaParameters for buffer time default btd.
func (b *DashjsBola) params(btd time.Duration) (gp, vp float64) {
	minBuf := b.p.MinimumBuffer.Seconds()
	bufferTime := math.Max(btd.Seconds(), minBuf+float64(b.p.MinimumBufferPerLevel.Seconds()*float64(b.n)))
	umax := b.util[0]
	for _, u := range b.util {
		umax = math.Max(umax, u)
	}
	gp = (umax - 1) / (bufferTime/minBuf - 1)
	return gp, minBuf / gp
}

// sync prepares the state for s: ladder, then _checkBolaStateBufferTimeDefault.
func (b *DashjsBola) sync(s *Snapshot) {
	b.syncLadder(s.Ladder)
	if b.state == dashjsBolaOneBitrate {
		return
	}
	btd := dashjsBufferTimeDefault(b.p.BufferTimeDefault, s)
	if btd == b.btd {
		return
	}
	gp, vp := b.params(btd)
	if b.btd != 0 && (gp != b.gp || vp != b.vp) {
		// Keep the effective level at MINIMUM_BUFFER_S and scale the rest by Vp.
		level := s.Buffer.Seconds()
		minBuf := b.p.MinimumBuffer.Seconds()
		eff := level + b.placeholder
		eff -= minBuf
		eff *= vp / b.vp
		eff += minBuf
		b.placeholder = math.Max(0, eff-level)
	}
	b.btd, b.gp, b.vp = btd, gp, vp
}

func (b *DashjsBola) clearOnSeek() {
	b.placeholder = 0
	b.finishSet = false
	b.segDurSet = false
}

func (b *DashjsBola) maxBuffer(q int) float64 { return float64(b.vp * (b.util[q] + b.gp)) }

func (b *DashjsBola) minBuffer(q int) float64 {
	qb, qu := b.bw[q], b.util[q]
	level := 0.0
	for i := q - 1; i >= 0; i-- {
		if b.util[i] < qu {
			ib, iu := b.bw[i], b.util[i]
			l := float64(b.vp * (b.gp + (float64(qb*iu)-float64(ib*qu))/(qb-ib)))
			level = math.Max(level, l)
		}
	}
	return level
}

func (b *DashjsBola) argmax(level float64) int {
	q, best := 0, 0.0
	for i := range b.n {
		s := (float64(b.vp*(b.util[i]+b.gp)) - level) / b.bw[i]
		if i == 0 || s >= best {
			q, best = i, s
		}
	}
	return q
}

// bufferEmpty applies BUFFER_EMPTY: a steady BOLA drops its placeholder.
func (b *DashjsBola) bufferEmpty(s *Snapshot) {
	if b.state == dashjsBolaSteady && s.Buffer < b.p.StallThreshold {
		b.placeholder = 0
	}
}

// rule is BolaRule.getSwitchRequest: ok false means no change requested.
// delay is in seconds.
func (b *DashjsBola) rule(s *Snapshot) (q int, delay float64, rule string, ok bool) {
	b.sync(s)
	if b.cur < 0 {
		b.cur = dashjsCurrent(b.cur, s, b.p.InitialBitrate)
	}
	if b.state == dashjsBolaOneBitrate {
		return 0, 0, dashjsRuleBolaOne, false
	}
	b.bufferEmpty(s)
	lo, hi := rungBounds(s)
	level := s.Buffer.Seconds()
	safe := dashjsAverageKbps(s) * b.p.Safety
	if b.state == dashjsBolaStartup {
		if math.IsNaN(safe) {
			return 0, 0, dashjsRuleBolaWait, false
		}
		q = dashjsOptimal(s.Ladder, safe, lo, hi)
		b.placeholder = math.Max(0, b.minBuffer(q)-level)
		b.cur = q
		if b.segDurSet && level >= b.lastSegDur {
			b.state = dashjsBolaSteady
		}
		return q, 0, dashjsRuleBolaStartup, true
	}
	// _updatePlaceholderBuffer
	switch {
	case b.finishSet:
		b.placeholder += math.Max(0, (s.Now - b.lastFinish).Seconds())
	case b.lastCallSet:
		b.placeholder += math.Max(0, (s.Now - b.lastCall).Seconds())
	}
	b.lastCall, b.lastCallSet, b.finishSet = s.Now, true, false

	rule = dashjsRuleBolaBuffer
	q = b.argmax(level + b.placeholder)
	qt := dashjsOptimal(s.Ladder, safe, lo, hi)
	if q > b.cur && q > qt {
		q, rule = max(qt, b.cur), dashjsRuleBolaCap
	}
	delay = math.Max(0, level+b.placeholder-b.maxBuffer(q))
	if delay <= b.placeholder {
		b.placeholder -= delay
		delay = 0
	} else {
		delay -= b.placeholder
		b.placeholder = 0
		if q >= hi {
			delay = 0
		}
	}
	b.cur = q
	return q, delay, rule, true
}

// Startup chooses the first rung as dash.js does (see dashjsInitialRung)
// and then lets BOLA decide, which keeps it until there is an estimate.
func (b *DashjsBola) Startup(s *Snapshot) Decision {
	if b.cur < 0 && s.LastRung < 0 {
		b.cur = dashjsInitialRung(s, b.p.InitialBitrate)
	}
	return b.Decide(s)
}

// Decide returns BOLA's rung and delay, or the current rung when BOLA
// asks for no change.
func (b *DashjsBola) Decide(s *Snapshot) Decision {
	q, delay, rule, ok := b.rule(s)
	if !ok {
		q = dashjsCurrent(b.cur, s, b.p.InitialBitrate)
	}
	q = clampRung(s, q)
	b.cur = q
	return Decision{Rung: q, Delay: time.Duration(delay * float64(time.Second)), Reason: dashjsReason(rule, s, b.placeholder)}
}

// OnDownload updates the placeholder from a finished download (dash.js's
// METRIC_ADDED, MEDIA_FRAGMENT_LOADED and FRAGMENT_LOADING_ABANDONED
// handlers). s.Buffer is taken to include the new segment; dash.js reads
// the level before the append, so one segment duration is taken off.
func (b *DashjsBola) OnDownload(s *Snapshot, d Download) {
	if b.state == dashjsBolaUninit || b.state == dashjsBolaOneBitrate || s.Ladder != b.ladder {
		return
	}
	b.bufferEmpty(s)
	b.lastReq, b.lastFinish, b.finishSet = d.Start, d.Start+d.Elapsed(), true
	level := s.Buffer.Seconds()
	if d.Abandoned {
		cur := b.cur
		if cur < 0 {
			cur = d.Rung
		}
		want := b.p.MinimumBuffer.Seconds()
		if cur > 0 {
			want = b.minBuffer(cur)
		}
		b.placeholder = math.Min(b.placeholder, math.Max(0, want-level))
		return
	}
	segDur := s.Ladder.SegmentDuration.Seconds()
	b.lastSegDur, b.segDurSet = segDur, true
	b.cur = d.Rung
	b.placeholder *= b.p.PlaceholderDecay
	before := level
	if !d.Replacement {
		before = math.Max(0, level-segDur)
	}
	atRequest := before + (b.lastFinish - b.lastReq).Seconds()
	b.placeholder = math.Min(math.Max(0, b.maxBuffer(d.Rung)-atRequest), b.placeholder)
	if d.Replacement {
		b.placeholder += segDur
	}
}

// OnWait does nothing: the placeholder follows the clock (Snapshot.Now).
func (b *DashjsBola) OnWait(*Snapshot, time.Duration) {}

// OnSeek returns BOLA to its startup state.
func (b *DashjsBola) OnSeek(*Snapshot) {
	if b.state == dashjsBolaSteady || b.state == dashjsBolaStartup {
		b.state = dashjsBolaStartup
		b.clearOnSeek()
	}
}

// Placeholder returns the placeholder buffer.
func (b *DashjsBola) Placeholder() time.Duration {
	return time.Duration(b.placeholder * float64(time.Second))
}
