package abr

import (
	"fmt"
	"math"
	"time"
)

// SabreThroughputParams configures SabreThroughput. The defaults are
// Sabre's constants and CLI defaults.
type SabreThroughputParams struct {
	// NoIBR disables the Insufficient-Buffer Rule (Sabre's -noibr).
	NoIBR bool `abr:"noibr"`
	// Safety scales the throughput estimate (0.9).
	Safety float64 `abr:"safety"`
	// IBRInit is the IBR factor's start value and its per-decision
	// multiplier (0.9); IBRMin is its floor (0.5).
	IBRInit float64 `abr:"ibr_init"`
	IBRMin  float64 `abr:"ibr_min"`
	// AbandonMultiplier (1.8) and AbandonGrace (500 ms): abandon once
	// elapsed >= AbandonGrace when the projected total time exceeds
	// AbandonMultiplier segment durations.
	AbandonMultiplier float64       `abr:"abandon_mult"`
	AbandonGrace      time.Duration `abr:"abandon_grace"`
	// Estimator is the estimator NewEstimator returns: "ewma" (Sabre's
	// default, half-lives 3 s and 8 s) or "sliding" (window 3).
	Estimator string `abr:"ma"`
}

// DefaultSabreThroughputParams returns Sabre's defaults.
func DefaultSabreThroughputParams() SabreThroughputParams {
	return SabreThroughputParams{
		Safety:            0.9,
		IBRInit:           0.9,
		IBRMin:            0.5,
		AbandonMultiplier: 1.8,
		AbandonGrace:      500 * time.Millisecond,
		Estimator:         "ewma",
	}
}

// SabreThroughput is Sabre's ThroughputRule ("sabre-throughput"; Spiteri,
// Sitaraman, Sparacio, MMSys 2018; UMass-LIDS/sabre src/sabre.py), a
// dash.js-style throughput rule:
//
//   - rung q = Q(0.9·T^), where Q scans up while λ^ + p·b_(q+1)/T <= p
//     (the latency estimate takes a share of each segment's time);
//   - Insufficient-Buffer Rule: safe = s·(L − λ^)·T^ bits, with s = 0.9,
//     0.81, 0.729, … by repeated multiplication down to 0.5; the first
//     rung q' < q whose next rung's nominal size b_(q'+1)·p exceeds safe
//     is used instead;
//   - no delay;
//   - abandonment once 500 ms have elapsed: with t = bits/(elapsed −
//     TTFB), if elapsed + remaining/t > 1.8·p, abandon to Q(0.9·t) when
//     that is lower and its whole segment is smaller than what remains.
//
// Reason.Value is the safety-scaled estimate in bit/s for the
// "sabre-throughput" rule, the IBR's safe size in bits for "sabre-ibr",
// and the measured throughput in bit/s for "sabre-throughput-abandon".
type SabreThroughput struct {
	p      SabreThroughputParams
	m      sabreLadder
	ibr    float64
	ab     sabreAbandonState
	sought bool
}

// NewSabreThroughput returns Sabre's ThroughputRule.
func NewSabreThroughput(p SabreThroughputParams) (*SabreThroughput, error) {
	if err := sabreCheckEstimator(p.Estimator); err != nil {
		return nil, err
	}
	if p.Safety <= 0 || p.IBRInit <= 0 || p.IBRMin < 0 || p.AbandonMultiplier <= 0 {
		return nil, fmt.Errorf("%w: sabre-throughput: safety, ibr_init and abandon_mult must be positive", ErrBadParam)
	}
	return &SabreThroughput{p: p, ibr: p.IBRInit}, nil
}

// Name returns "sabre-throughput".
func (t *SabreThroughput) Name() string { return "sabre-throughput" }

// NewEstimator returns Sabre's estimator (see the "ma" parameter).
func (t *SabreThroughput) NewEstimator() Estimator { return sabreEstimator(t.p.Estimator) }

// Startup returns rung 0, Sabre's first quality; after a seek it decides
// as usual.
func (t *SabreThroughput) Startup(s *Snapshot) Decision {
	if t.sought {
		return t.Decide(s)
	}
	return sabreStartup(s)
}

// Decide converts s to Sabre's units and calls SabreDecide.
func (t *SabreThroughput) Decide(s *Snapshot) Decision {
	q, d, r := t.SabreDecide(sabreViewOf(s))
	return sabreDecision(s, q, d, r)
}

// SabreDecide is ThroughputRule.get_quality_delay.
func (t *SabreThroughput) SabreDecide(v SabreView) (int, float64, Reason) {
	t.m.sync(v.Ladder, 0)
	safeRate := v.ThroughputKbps * t.p.Safety
	q := t.m.qualityFromThroughput(safeRate, v.LatencyMs)
	r := sabreReason(sabreRuleThroughput, v, safeRate*1000)
	if !t.p.NoIBR {
		safe := t.ibr * (v.BufferMs - v.LatencyMs) * v.ThroughputKbps
		t.ibr *= t.p.IBRInit
		t.ibr = math.Max(t.ibr, t.p.IBRMin)
		for k := 0; k < q; k++ {
			if t.m.kbps[k+1]*t.m.p > safe {
				q = k
				r.Rule, r.Value = sabreRuleIBR, safe
				break
			}
		}
	}
	return q, 0, r
}

// ShouldAbandon converts s and p to Sabre's units and calls
// SabreCheckAbandon. Replacement downloads are left to the Replacer.
func (t *SabreThroughput) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	sp, ok := sabreProgressOf(s, p)
	if !ok || p.Replacement {
		return false, p.Rung, Reason{}
	}
	q, ok, r := t.SabreCheckAbandon(sabreViewOf(s), sp)
	if q, ok = sabreAbandonTarget(s, p, q, ok); !ok {
		return false, p.Rung, Reason{}
	}
	t.ab.remember(p.Segment, p.Rung, q)
	return true, q, r
}

// SabreCheckAbandon is ThroughputRule.check_abandon.
func (t *SabreThroughput) SabreCheckAbandon(v SabreView, p SabreProgress) (int, bool, Reason) {
	t.m.sync(v.Ladder, 0)
	dl := p.TimeMs - p.TTFBMs
	if p.TimeMs < sabreMs(t.p.AbandonGrace) || dl <= 0 || p.DownloadedBits <= 0 {
		return p.Rung, false, Reason{}
	}
	tput := p.DownloadedBits / dl
	left := p.SizeBits - p.DownloadedBits
	if p.TimeMs+left/tput <= t.p.AbandonMultiplier*t.m.p {
		return p.Rung, false, Reason{}
	}
	q := t.m.qualityFromThroughput(tput*t.p.Safety, v.LatencyMs)
	if q >= p.Rung || t.m.otherSize(p.SizeBits, q, p.Rung) >= left {
		return p.Rung, false, Reason{}
	}
	return q, true, sabreReason(sabreRuleThroughputAbort, v, tput*1000)
}

// OnDownload is report_download, which the ThroughputRule ignores.
func (t *SabreThroughput) OnDownload(_ *Snapshot, d Download) { sabreOutcomeOf(d, &t.ab) }

// OnWait is report_delay, which the ThroughputRule ignores.
func (t *SabreThroughput) OnWait(*Snapshot, time.Duration) {}

// OnSeek is report_seek, which the ThroughputRule ignores; it only makes
// Startup decide normally from then on.
func (t *SabreThroughput) OnSeek(*Snapshot) { t.sought = true }

// SabreReportDelay does nothing, as in Sabre.
func (t *SabreThroughput) SabreReportDelay(float64) {}

// SabreReportDownload does nothing, as in Sabre.
func (t *SabreThroughput) SabreReportDownload(SabreView, SabreOutcome) {}

// SabreReportSeek does nothing, as in Sabre.
func (t *SabreThroughput) SabreReportSeek(SabreView, float64) {}
