package abr

import (
	"fmt"
	"math"
	"time"
)

// DashjsDynamicParams configures DashjsDynamic; the defaults are dash.js
// v5's.
type DashjsDynamicParams struct {
	// Safety is bandwidthSafetyFactor (0.9).
	Safety float64 `abr:"safety"`
	// BufferTimeDefault (18 s) switches BOLA on at this level and off
	// below half of it, and sets BOLA's buffer target.
	BufferTimeDefault time.Duration `abr:"buffer_time"`
	// InitialBitrate is the first choice's bitrate without an estimate
	// (1000 kbit/s), in bit/s.
	InitialBitrate int64 `abr:"initial"`
	// StallThreshold is the level below which the buffer is empty (0.3 s).
	StallThreshold time.Duration `abr:"stall"`
	// PlaceholderDecay is BOLA's placeholder decay (0.99).
	PlaceholderDecay float64 `abr:"decay"`
	// InsufficientBuffer enables the InsufficientBufferRule (on) with its
	// throughputSafetyFactor (0.7) and segmentIgnoreCount (2).
	InsufficientBuffer bool    `abr:"ibr"`
	IBRSafety          float64 `abr:"ibr_safety"`
	IBRIgnore          int     `abr:"ibr_ignore"`
	// SwitchHistory enables the SwitchHistoryRule (on) with sampleSize
	// (8) and switchPercentageThreshold (0.075).
	SwitchHistory          bool    `abr:"switch_history"`
	SwitchHistorySamples   int     `abr:"sh_samples"`
	SwitchHistoryThreshold float64 `abr:"sh_threshold"`
	// Abandon enables the AbandonRequestsRule (on); see DashjsAbandonParams.
	Abandon           bool          `abr:"abandon"`
	AbandonMultiplier float64       `abr:"abandon_mult"`
	AbandonSamples    int           `abr:"abandon_samples"`
	AbandonMinTime    time.Duration `abr:"abandon_min_time"`
	// AbandonTimeout is abandonLoadTimeout (10 s).
	AbandonTimeout time.Duration `abr:"abandon_timeout"`
}

// DefaultDashjsDynamicParams returns dash.js v5's defaults.
func DefaultDashjsDynamicParams() DashjsDynamicParams {
	a := DefaultDashjsAbandonParams()
	return DashjsDynamicParams{
		Safety:                 0.9,
		BufferTimeDefault:      18 * time.Second,
		InitialBitrate:         dashjsDefaultInitialBits,
		StallThreshold:         300 * time.Millisecond,
		PlaceholderDecay:       0.99,
		InsufficientBuffer:     true,
		IBRSafety:              0.7,
		IBRIgnore:              2,
		SwitchHistory:          true,
		SwitchHistorySamples:   8,
		SwitchHistoryThreshold: 0.075,
		Abandon:                true,
		AbandonMultiplier:      a.Multiplier,
		AbandonSamples:         a.MinSamples,
		AbandonMinTime:         a.MinTime,
		AbandonTimeout:         10 * time.Second,
	}
}

// dashjsSwitchEntry is one SwitchRequestHistory sample.
type dashjsSwitchEntry struct {
	rung int
	drop bool
}

// dashjsSwitchHistory is dash.js v5's SwitchRequestHistory: per current
// rung, how many decisions dropped below it and how many did not, over
// the last sampleSize decisions.
type dashjsSwitchHistory struct {
	size    int
	entries []dashjsSwitchEntry
	drops   []int
	noDrops []int
	seen    []bool
}

func (h *dashjsSwitchHistory) resize(n int) {
	if len(h.drops) == n {
		return
	}
	h.drops, h.noDrops, h.seen = make([]int, n), make([]int, n), make([]bool, n)
	h.entries = h.entries[:0]
}

func (h *dashjsSwitchHistory) reset() {
	h.entries = h.entries[:0]
	clear(h.drops)
	clear(h.noDrops)
	clear(h.seen)
}

func (h *dashjsSwitchHistory) push(cur, next int) {
	if cur < 0 || cur >= len(h.drops) {
		return
	}
	e := dashjsSwitchEntry{rung: cur, drop: next < cur}
	h.seen[cur] = true
	h.count(e, 1)
	h.entries = append(h.entries, e)
	if len(h.entries) > h.size {
		h.count(h.entries[0], -1)
		copy(h.entries, h.entries[1:])
		h.entries = h.entries[:len(h.entries)-1]
	}
}

func (h *dashjsSwitchHistory) count(e dashjsSwitchEntry, d int) {
	if e.drop {
		h.drops[e.rung] += d
	} else {
		h.noDrops[e.rung] += d
	}
}

// rule is SwitchHistoryRule.getSwitchRequest: scanning rungs upward with
// running totals, the first rung where drops+noDrops >= sampleSize and
// drops/noDrops > threshold; one rung below it when it had drops.
func (h *dashjsSwitchHistory) rule(threshold float64) (q int, ratio float64, ok bool) {
	drops, noDrops := 0, 0
	for i := range h.drops {
		if !h.seen[i] {
			continue
		}
		drops += h.drops[i]
		noDrops += h.noDrops[i]
		r := float64(drops) / float64(noDrops)
		if drops+noDrops >= h.size && r > threshold {
			if i > 0 && h.drops[i] > 0 {
				return i - 1, r, true
			}
			return i, r, true
		}
	}
	return 0, 0, false
}

// DashjsDynamic is dash.js v5's default ABR ("dashjs"; the DYNAMIC
// strategy of Dash-Industry-Forum/dash.js v5.1 AbrController and
// ABRRulesCollection, after Spiteri, Sitaraman, Sparacio, MMSys 2018).
// At each decision:
//
//   - strategy: BOLA (DashjsBola) is used once the buffer reaches
//     BufferTimeDefault (18 s) and until it falls below half of it (9 s);
//     otherwise the ThroughputRule (DashjsThroughput's rule);
//   - InsufficientBufferRule: after the first 2 appended segments (and
//     again 2 after a seek), the lowest rung when the buffer is empty,
//     else the highest rung <= 0.7 × average throughput × buffer ÷
//     segment duration;
//   - SwitchHistoryRule over the last 8 decisions (drop ratio > 7.5 %);
//   - the lowest of the rules' answers wins (all at DEFAULT priority; on
//     a tie the earlier rule in that order); with no answer the current
//     rung stays. Every answered decision is pushed to the switch history;
//   - for 10 s after an abandonment only down-switches are taken, the
//     switch history is cleared and BOLA's placeholder is deflated.
//
// A delay asked for by BOLA stands even when another rule lowers the
// rung, as in dash.js. Abandonment is the AbandonRequestsRule. Reason.Value
// is the winning rule's number: the safe throughput or the IBR's bitrate
// in bit/s, BOLA's placeholder in s, or the switch history's drop ratio.
type DashjsDynamic struct {
	p         DashjsDynamicParams
	bola      DashjsBola
	abandon   *DashjsAbandonRule
	hist      dashjsSwitchHistory
	usingBola bool
	cur       int
	hold      dashjsHold
	ignore    int
}

// NewDashjsDynamic returns dash.js's DYNAMIC strategy with its rules.
func NewDashjsDynamic(p DashjsDynamicParams) (*DashjsDynamic, error) {
	if p.Safety <= 0 || p.IBRSafety <= 0 || p.IBRIgnore < 0 || p.SwitchHistorySamples < 1 || p.AbandonTimeout < 0 {
		return nil, fmt.Errorf("%w: dashjs: safety, ibr_safety and sh_samples must be positive", ErrBadParam)
	}
	bp := DefaultDashjsBolaParams()
	bp.BufferTimeDefault, bp.Safety, bp.InitialBitrate = p.BufferTimeDefault, p.Safety, p.InitialBitrate
	bp.StallThreshold, bp.PlaceholderDecay = p.StallThreshold, p.PlaceholderDecay
	b, err := NewDashjsBola(bp)
	if err != nil {
		return nil, err
	}
	a, err := NewDashjsAbandonRule(DashjsAbandonParams{
		Multiplier: p.AbandonMultiplier, MinSamples: p.AbandonSamples, MinTime: p.AbandonMinTime,
		Safety: p.Safety, BufferTimeDefault: p.BufferTimeDefault,
	})
	if err != nil {
		return nil, err
	}
	d := &DashjsDynamic{p: p, bola: *b, abandon: a, cur: -1, ignore: p.IBRIgnore}
	d.hist.size = p.SwitchHistorySamples
	d.hist.entries = make([]dashjsSwitchEntry, 0, p.SwitchHistorySamples+1)
	return d, nil
}

// Name returns "dashjs".
func (d *DashjsDynamic) Name() string { return "dashjs" }

// NewEstimator returns dash.js's EWMA behind the 10 ms cache filter.
func (d *DashjsDynamic) NewEstimator() Estimator {
	return NewCacheFilter(NewDashjsEWMA(DefaultDashjsEWMAParams()), DefaultCacheThreshold)
}

// UsingBola reports whether the BOLA rule is active.
func (d *DashjsDynamic) UsingBola() bool { return d.usingBola }

// Startup sets dash.js's initial choice as the current rung and decides
// (with an empty buffer the rules keep it).
func (d *DashjsDynamic) Startup(s *Snapshot) Decision {
	if d.cur < 0 && s.LastRung < 0 {
		d.cur = clampRung(s, dashjsInitialRung(s, d.p.InitialBitrate))
	}
	return d.Decide(s)
}

// Decide runs the rules and combines them.
func (d *DashjsDynamic) Decide(s *Snapshot) Decision {
	d.hist.resize(len(s.Ladder.Rungs))
	cur := dashjsCurrent(d.cur, s, d.p.InitialBitrate)
	if d.bola.cur < 0 {
		d.bola.cur = cur
	}
	btd := dashjsBufferTimeDefault(d.p.BufferTimeDefault, s)
	on := btd
	if d.usingBola {
		on = btd / 2
	}
	d.usingBola = s.Buffer >= on

	best, rule, value, delay := -1, dashjsRuleNoChange, 0.0, 0.0
	consider := func(q int, r string, v float64) {
		if best < 0 || q < best {
			best, rule, value = q, r, v
		}
	}
	if d.usingBola {
		q, dl, r, ok := d.bola.rule(s)
		if ok {
			consider(q, r, d.bola.placeholder)
			delay = dl
		} else {
			rule = r
		}
	} else if q, r, v, ok := dashjsThroughputRule(s, d.p.Safety, d.p.StallThreshold, &d.hold); ok {
		consider(q, r, v)
	} else {
		rule = r
	}
	lo, hi := rungBounds(s)
	if d.p.InsufficientBuffer && d.ignore <= 0 {
		if s.Buffer < d.p.StallThreshold {
			consider(lo, dashjsRuleIBREmpty, 0)
		} else if avg := dashjsAverageKbps(s); !math.IsNaN(avg) {
			bitrate := avg * d.p.IBRSafety * s.Buffer.Seconds() / s.Ladder.SegmentDuration.Seconds()
			if bitrate > 0 {
				consider(dashjsOptimal(s.Ladder, bitrate, lo, hi), dashjsRuleIBR, bitrate*1000)
			}
		}
	}
	if d.p.SwitchHistory {
		if q, ratio, ok := d.hist.rule(d.p.SwitchHistoryThreshold); ok {
			consider(q, dashjsRuleSwitchHistory, ratio)
		}
	}

	final := cur
	if best >= 0 {
		d.hist.push(cur, best)
		if best != cur {
			if !d.hold.active(s.Now) || best < cur {
				final = best
			} else {
				rule = dashjsRuleAbandonHold
			}
		}
	}
	final = clampRung(s, final)
	if final != cur {
		d.bola.cur = final // QUALITY_CHANGE_REQUESTED
	}
	d.cur = final
	return Decision{Rung: final, Delay: time.Duration(delay * float64(time.Second)), Reason: dashjsReason(rule, s, value)}
}

// ShouldAbandon is the AbandonRequestsRule; an abandonment makes its
// target current, clears the switch history and starts the 10 s hold.
func (d *DashjsDynamic) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	if !d.p.Abandon {
		return false, p.Rung, Reason{}
	}
	ok, q, r := d.abandon.ShouldAbandon(s, p)
	if ok {
		d.hist.reset()
		d.hold = dashjsHold{until: s.Now + d.p.AbandonTimeout, set: true}
		d.cur = q
		if d.bola.state != dashjsBolaUninit {
			d.bola.cur = q
		}
	}
	return ok, q, r
}

// OnDownload counts appended segments for the InsufficientBufferRule and
// passes the download to BOLA.
func (d *DashjsDynamic) OnDownload(s *Snapshot, dl Download) {
	if !dl.Abandoned && d.ignore > 0 {
		d.ignore--
	}
	d.bola.OnDownload(s, dl)
}

// OnWait does nothing: BOLA follows the clock.
func (d *DashjsDynamic) OnWait(*Snapshot, time.Duration) {}

// OnSeek restarts the InsufficientBufferRule's ignore count and BOLA.
func (d *DashjsDynamic) OnSeek(s *Snapshot) {
	d.ignore = d.p.IBRIgnore
	d.bola.OnSeek(s)
}
