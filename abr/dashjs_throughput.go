package abr

import (
	"fmt"
	"math"
	"time"
)

// DashjsThroughputParams configures DashjsThroughput; the defaults are
// dash.js v5's.
type DashjsThroughputParams struct {
	// Safety is bandwidthSafetyFactor (0.9).
	Safety float64 `abr:"safety"`
	// InitialBitrate is the first choice's bitrate when there is no
	// estimate (1000 kbit/s for video), in bit/s.
	InitialBitrate int64 `abr:"initial"`
	// StallThreshold: below this level the buffer is empty and the rule
	// asks for no change (stallThreshold, 0.3 s; VoD only).
	StallThreshold time.Duration `abr:"stall"`
	// Abandon enables the AbandonRequestsRule (on).
	Abandon bool `abr:"abandon"`
	// AbandonMultiplier, AbandonSamples, AbandonMinTime and
	// BufferTimeDefault configure it (see DashjsAbandonParams).
	AbandonMultiplier float64       `abr:"abandon_mult"`
	AbandonSamples    int           `abr:"abandon_samples"`
	AbandonMinTime    time.Duration `abr:"abandon_min_time"`
	BufferTimeDefault time.Duration `abr:"buffer_time"`
	// AbandonTimeout is abandonLoadTimeout (10 s): after an abandonment
	// the rule asks for no change and only down-switches are taken.
	AbandonTimeout time.Duration `abr:"abandon_timeout"`
}

// DefaultDashjsThroughputParams returns dash.js v5's defaults.
func DefaultDashjsThroughputParams() DashjsThroughputParams {
	a := DefaultDashjsAbandonParams()
	return DashjsThroughputParams{
		Safety:            0.9,
		InitialBitrate:    dashjsDefaultInitialBits,
		StallThreshold:    300 * time.Millisecond,
		Abandon:           true,
		AbandonMultiplier: a.Multiplier,
		AbandonSamples:    a.MinSamples,
		AbandonMinTime:    a.MinTime,
		BufferTimeDefault: a.BufferTimeDefault,
		AbandonTimeout:    10 * time.Second,
	}
}

// dashjsHold is AbrController's abandonment state: ABANDON_LOAD for
// abandonLoadTimeout after an abandonment.
type dashjsHold struct {
	until time.Duration
	set   bool
}

func (h *dashjsHold) active(now time.Duration) bool { return h.set && now < h.until }

// dashjsThroughputRule is ThroughputRule.getSwitchRequest; ok false
// means no change requested.
func dashjsThroughputRule(s *Snapshot, safety float64, stall time.Duration, hold *dashjsHold) (q int, rule string, value float64, ok bool) {
	avg := dashjsAverageKbps(s)
	switch {
	case math.IsNaN(avg):
		return 0, dashjsRuleNoEstimate, 0, false
	case hold.active(s.Now):
		return 0, dashjsRuleAbandonHold, 0, false
	case !s.Live && s.Buffer < stall:
		return 0, dashjsRuleBufferEmpty, 0, false
	}
	lo, hi := rungBounds(s)
	safe := avg * safety
	return dashjsOptimal(s.Ladder, safe, lo, hi), dashjsRuleThroughput, safe * 1000, true
}

// DashjsThroughput is dash.js v5's ThroughputRule ("throughput";
// Dash-Industry-Forum/dash.js v5.1 src/streaming/rules/abr/ThroughputRule.js)
// with its AbandonRequestsRule: the highest rung whose bitrate is at most
// 0.9 × the average throughput (whole kbit/s, the estimator's; latency is
// not used in v5). The rule asks for no change, and the current rung is
// kept, when there is no estimate, when the buffer is empty (below the
// stall threshold, VoD) and for 10 s after an abandonment. The first
// choice is dash.js's initial bitrate (the average throughput, or 1000
// kbit/s) with no safety factor.
//
// Reason.Value is the safety-scaled throughput in bit/s.
type DashjsThroughput struct {
	p       DashjsThroughputParams
	abandon *DashjsAbandonRule
	cur     int
	hold    dashjsHold
}

// NewDashjsThroughput returns dash.js's ThroughputRule with abandonment.
func NewDashjsThroughput(p DashjsThroughputParams) (*DashjsThroughput, error) {
	if p.Safety <= 0 || p.InitialBitrate <= 0 || p.StallThreshold < 0 || p.AbandonTimeout < 0 {
		return nil, fmt.Errorf("%w: throughput: safety and initial must be positive", ErrBadParam)
	}
	a, err := NewDashjsAbandonRule(DashjsAbandonParams{
		Multiplier: p.AbandonMultiplier, MinSamples: p.AbandonSamples, MinTime: p.AbandonMinTime,
		Safety: p.Safety, BufferTimeDefault: p.BufferTimeDefault,
	})
	if err != nil {
		return nil, err
	}
	return &DashjsThroughput{p: p, abandon: a, cur: -1}, nil
}

// Name returns "throughput".
func (t *DashjsThroughput) Name() string { return "throughput" }

// NewEstimator returns dash.js's EWMA behind the 10 ms cache filter.
func (t *DashjsThroughput) NewEstimator() Estimator {
	return NewCacheFilter(NewDashjsEWMA(DefaultDashjsEWMAParams()), DefaultCacheThreshold)
}

// Startup returns dash.js's initial choice; Reason.Value is the bitrate
// in bit/s it was chosen for.
func (t *DashjsThroughput) Startup(s *Snapshot) Decision {
	q, kbit := dashjsInitial(s, t.p.InitialBitrate)
	t.cur = clampRung(s, q)
	return Decision{Rung: t.cur, Reason: dashjsReason(dashjsRuleInitial, s, kbit*1000)}
}

// Decide applies the ThroughputRule.
func (t *DashjsThroughput) Decide(s *Snapshot) Decision {
	cur := dashjsCurrent(t.cur, s, t.p.InitialBitrate)
	q, rule, value, ok := dashjsThroughputRule(s, t.p.Safety, t.p.StallThreshold, &t.hold)
	if !ok {
		q = cur
	}
	t.cur = clampRung(s, q)
	return Decision{Rung: t.cur, Reason: dashjsReason(rule, s, value)}
}

// ShouldAbandon is the AbandonRequestsRule; an abandonment makes its
// target the current rung and starts the 10 s hold.
func (t *DashjsThroughput) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	if !t.p.Abandon {
		return false, p.Rung, Reason{}
	}
	ok, q, r := t.abandon.ShouldAbandon(s, p)
	if ok {
		t.cur = q
		t.hold = dashjsHold{until: s.Now + t.p.AbandonTimeout, set: true}
	}
	return ok, q, r
}

// OnDownload does nothing: the ThroughputRule keeps no history.
func (t *DashjsThroughput) OnDownload(*Snapshot, Download) {}

// OnWait does nothing.
func (t *DashjsThroughput) OnWait(*Snapshot, time.Duration) {}

// OnSeek does nothing.
func (t *DashjsThroughput) OnSeek(*Snapshot) {}
