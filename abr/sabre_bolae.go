package abr

import (
	"fmt"
	"math"
	"time"
)

// SabreBolaEParams configures SabreBolaE. The defaults are Sabre's CLI
// defaults.
type SabreBolaEParams struct {
	// NoIBR gives BOLA-PL (Sabre's -noibr): no Insufficient-Buffer Rule,
	// and γp = GammaP − 1 with Vp = (B − p)/(u_max + γp), the thresholds
	// of BOLA-BASIC.
	NoIBR bool `abr:"noibr"`
	// Osc selects BOLA-O capping (Sabre's -ao) instead of BOLA-U.
	Osc bool `abr:"o"`
	// GammaP is Sabre's -gp (default 5); only BOLA-PL uses it.
	GammaP float64 `abr:"gp"`
	// BufferSize is the maximum buffer B (Sabre's -b, default 25 s);
	// zero uses the player's MaxBuffer at the first decision.
	BufferSize time.Duration `abr:"b"`
	// MMSys18PL reproduces the BOLA-PL of the paper's simulator snapshot
	// (sabre-mmsys18.py, quirk Q13): γp = GammaP − (1 − ln b_0) instead of
	// GammaP − 1. Sabre HEAD fixed this in a02bdee; default false.
	MMSys18PL bool `abr:"mmsys18pl"`
	// Estimator is the estimator NewEstimator returns: "ewma" or "sliding".
	Estimator string `abr:"ma"`
}

// DefaultSabreBolaEParams returns Sabre's defaults: BOLA-E with the IBR,
// BOLA-U capping, B = 25 s.
func DefaultSabreBolaEParams() SabreBolaEParams {
	return SabreBolaEParams{GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"}
}

// Sabre's BolaEnh constants.
const (
	sabreBolaEMinBuffer         = 10000.0 // ms
	sabreBolaEMinBufferPerLevel = 2000.0  // ms
	sabreIBRInit                = 0.9
	sabreIBRMin                 = 0.5
)

// SabreBolaE is Sabre's BolaEnh class ("bolae", Sabre's default
// algorithm): BOLA-E of Spiteri, Sitaraman, Sparacio, "From Theory to
// Practice: Improving Bitrate Adaptation in the DASH Reference Player",
// ACM MMSys 2018, as implemented in UMass-LIDS/sabre src/sabre.py.
//
// Utilities u_q = ln b_q + (1 − ln b_0), so u_0 = 1. By default
// B_e = max(10000 + 2000·Q, B) ms, γp = (u_max − 1)/(B_e/10000 − 1) and
// Vp = 10000/γp; with NoIBR (BOLA-PL) γp = GammaP − 1 and
// Vp = (B − p)/(u_max + γp). maxbuf(q) = Vp·(u_q + γp); minbuf(q) is the
// level above which BOLA prefers q to every lower rung.
//
// The first decision takes q = Q(T^) and sets the placeholder P to
// max(0, minbuf(q) − L). Later decisions take the BOLA argmax at L + P,
// capped to max(last, Q(T^)) (+1 for BOLA-U) when it is above both;
// a positive L + P − maxbuf(q) is taken out of P first and only the rest
// is a delay (none at the top rung); then the IBR, as in SabreThroughput,
// may lower the rung, cancel the delay and shrink P to
// max(0, minbuf(q) − L). Full-buffer waits (OnWait, never the
// algorithm's own delays) grow P; report_download trims it, sets last to
// the rung attempted, and a completed replacement adds p to P.
//
// Abandonment: L' = max(0, L + P − TTFB), t = bits/(elapsed − TTFB),
// R' = remaining − TTFB·t; abandon to the lower rung whose whole segment
// is smaller than R' with the best score (Vp·(γp + u) − L')/size above the
// current one. Unlike Bola there is no negative-score guard.
//
// Reason.Value is the placeholder P in ms after the decision, or the
// winning score for abandonments.
type SabreBolaE struct {
	p           SabreBolaEParams
	m           sabreLadder
	gp, vp      float64
	bufferEMs   float64 // B_e, Sabre prints it
	steady      bool
	placeholder float64
	last        int
	ibr         float64
	ab          sabreAbandonState
}

// NewSabreBolaE returns Sabre's BOLA-E (or BOLA-PL with NoIBR).
func NewSabreBolaE(p SabreBolaEParams) (*SabreBolaE, error) {
	if err := sabreCheckEstimator(p.Estimator); err != nil {
		return nil, err
	}
	if p.BufferSize < 0 {
		return nil, fmt.Errorf("%w: bolae: b must not be negative", ErrBadParam)
	}
	return &SabreBolaE{p: p}, nil
}

// Name returns "bolae".
func (e *SabreBolaE) Name() string { return "bolae" }

// NewEstimator returns Sabre's estimator (see the "ma" parameter).
func (e *SabreBolaE) NewEstimator() Estimator { return sabreEstimator(e.p.Estimator) }

// Startup returns rung 0, Sabre's first quality. (BOLA-E's own throughput
// startup happens at its first Decide, and again after a seek.)
func (e *SabreBolaE) Startup(s *Snapshot) Decision { return sabreStartup(s) }

// Params returns γp and Vp (ms) that e's parameters give for ladder l,
// computed as Sabre's constructor does; bufferMs is B and is used only
// when the BufferSize parameter is zero. bufferE is B_e, the number Sabre
// prints (0 for BOLA-PL). e itself is not changed.
func (e *SabreBolaE) Params(l *Ladder, bufferMs float64) (gammaP, vpMs, bufferE float64) {
	c := SabreBolaE{p: e.p}
	c.sync(SabreView{Ladder: l, MaxBufferMs: bufferMs})
	return c.gp, c.vp, c.bufferEMs
}

func (e *SabreBolaE) sync(v SabreView) {
	if !e.m.sync(v.Ladder, 1) {
		return
	}
	b := sabreBufferMs(e.p.BufferSize, v)
	umax := e.m.util[e.m.top()]
	if e.p.NoIBR {
		e.gp = e.p.GammaP - 1
		if e.p.MMSys18PL {
			e.gp = e.p.GammaP - (1 - e.m.logs[0])
		}
		e.vp = (b - e.m.p) / (umax + e.gp)
		e.bufferEMs = 0
		return
	}
	be := sabreBolaEMinBuffer + float64(sabreBolaEMinBufferPerLevel*float64(e.m.n))
	be = math.Max(be, b)
	e.bufferEMs = be
	e.gp = (umax - 1) / (be/sabreBolaEMinBuffer - 1)
	e.vp = sabreBolaEMinBuffer / e.gp
}

// maxBuffer is max_buffer_for_quality: Vp·(u_q + γp).
func (e *SabreBolaE) maxBuffer(q int) float64 {
	return float64(e.vp * (e.m.util[q] + e.gp))
}

// minBuffer is min_buffer_for_quality: the largest level at which BOLA
// still prefers a lower rung of smaller utility to q, or 0.
func (e *SabreBolaE) minBuffer(q int) float64 {
	b, u := e.m.kbps[q], e.m.util[q]
	level := 0.0
	for k := range q {
		if e.m.util[k] < u {
			bk, uk := e.m.kbps[k], e.m.util[k]
			l := float64(e.vp * (e.gp + (float64(b*uk)-float64(bk*u))/(b-bk)))
			level = math.Max(level, l)
		}
	}
	return level
}

// Decide converts s to Sabre's units and calls SabreDecide.
func (e *SabreBolaE) Decide(s *Snapshot) Decision {
	q, d, r := e.SabreDecide(sabreViewOf(s))
	return sabreDecision(s, q, d, r)
}

// SabreDecide is BolaEnh.get_quality_delay.
func (e *SabreBolaE) SabreDecide(v SabreView) (int, float64, Reason) {
	e.sync(v)
	level := v.BufferMs
	if !e.steady {
		if !v.HasEstimate {
			return e.last, 0, sabreReason(sabreRuleBolaEWait, v, e.placeholder)
		}
		e.steady = true
		e.ibr = sabreIBRInit
		q := e.m.qualityFromThroughput(v.ThroughputKbps, v.LatencyMs)
		e.placeholder = math.Max(0, e.minBuffer(q)-level)
		return q, 0, sabreReason(sabreRuleBolaEStartup, v, e.placeholder)
	}
	rule := sabreRuleBolaEBuffer
	q := e.m.bolaArgmax(e.vp, e.gp, level+e.placeholder)
	qt := e.m.qualityFromThroughput(v.ThroughputKbps, v.LatencyMs)
	if q > e.last && q > qt {
		q, rule = max(e.last, qt), sabreRuleBolaECap
		if !e.p.Osc {
			q++
		}
	}
	delay := level + e.placeholder - e.maxBuffer(q)
	if delay > 0 {
		if delay <= e.placeholder {
			e.placeholder -= delay
			delay = 0
		} else {
			delay -= e.placeholder
			e.placeholder = 0
		}
	} else {
		delay = 0
	}
	if q == e.m.top() {
		delay = 0
	}
	if !e.p.NoIBR {
		safe := e.ibr * (level - v.LatencyMs) * v.ThroughputKbps
		e.ibr *= sabreIBRInit
		e.ibr = math.Max(e.ibr, sabreIBRMin)
		for k := range q {
			if e.m.kbps[k+1]*e.m.p > safe {
				q, delay, rule = k, 0, sabreRuleBolaEIBR
				maxPh := math.Max(0, e.minBuffer(q)-level)
				e.placeholder = math.Min(maxPh, e.placeholder)
				break
			}
		}
	}
	return q, delay, sabreReason(rule, v, e.placeholder)
}

// ShouldAbandon converts s and p to Sabre's units and calls
// SabreCheckAbandon. Replacement downloads are left to the Replacer.
func (e *SabreBolaE) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	sp, ok := sabreProgressOf(s, p)
	if !ok || p.Replacement {
		return false, p.Rung, Reason{}
	}
	q, ok, r := e.SabreCheckAbandon(sabreViewOf(s), sp)
	if q, ok = sabreAbandonTarget(s, p, q, ok); !ok {
		return false, p.Rung, Reason{}
	}
	e.ab.remember(p.Segment, p.Rung, q)
	return true, q, r
}

// SabreCheckAbandon is BolaEnh.check_abandon.
func (e *SabreBolaE) SabreCheckAbandon(v SabreView, p SabreProgress) (int, bool, Reason) {
	e.sync(v)
	remain := p.SizeBits - p.DownloadedBits
	if p.DownloadedBits <= 0 || remain <= 0 {
		return p.Rung, false, Reason{}
	}
	bl := math.Max(0, v.BufferMs+e.placeholder-p.TTFBMs)
	tp := p.DownloadedBits / (p.TimeMs - p.TTFBMs)
	sz := remain - float64(p.TTFBMs*tp)
	if sz <= 0 {
		return p.Rung, false, Reason{}
	}
	score := (float64(e.vp*(e.gp+e.m.util[p.Rung])) - bl) / sz
	to := -1
	for q := 0; q < p.Rung; q++ {
		other := e.m.otherSize(p.SizeBits, q, p.Rung)
		os := (float64(e.vp*(e.gp+e.m.util[q])) - bl) / other
		if other < sz && os > score {
			score, to = os, q
		}
	}
	if to < 0 {
		return p.Rung, false, Reason{}
	}
	return to, true, sabreReason(sabreRuleBolaEAbandon, v, score)
}

// OnDownload is report_download with the level after the download.
func (e *SabreBolaE) OnDownload(s *Snapshot, d Download) {
	e.SabreReportDownload(sabreViewOf(s), sabreOutcomeOf(d, &e.ab))
}

// OnWait is report_delay: a full-buffer wait grows the placeholder.
func (e *SabreBolaE) OnWait(_ *Snapshot, w time.Duration) { e.SabreReportDelay(sabreMs(w)) }

// OnSeek is report_seek: BOLA-E starts over from the throughput.
func (e *SabreBolaE) OnSeek(s *Snapshot) { e.SabreReportSeek(sabreViewOf(s), sabreMs(s.Playhead)) }

// SabreReportDelay is BolaEnh.report_delay: P += ms.
func (e *SabreBolaE) SabreReportDelay(ms float64) { e.placeholder += ms }

// SabreReportDownload is BolaEnh.report_download.
func (e *SabreBolaE) SabreReportDownload(v SabreView, o SabreOutcome) {
	e.sync(v)
	e.last = o.Rung
	level := v.BufferMs
	switch {
	case !o.Abandoned && o.Replacement:
		e.placeholder += e.m.p
	case !o.Abandoned:
		levelWas := level + o.TimeMs
		maxPh := math.Max(0, e.maxBuffer(o.Rung)-levelWas)
		e.placeholder = math.Min(e.placeholder, maxPh)
		if level > 0 {
			e.placeholder = math.Max(e.placeholder, e.minBuffer(o.Rung)-levelWas)
		}
	case !o.Replacement:
		want := sabreBolaEMinBuffer
		if o.AbandonTo > 0 {
			want = e.minBuffer(o.AbandonTo)
		}
		e.placeholder = math.Min(e.placeholder, math.Max(0, want-level))
	}
}

// SabreReportSeek is BolaEnh.report_seek: back to the startup state.
func (e *SabreBolaE) SabreReportSeek(SabreView, float64) { e.steady = false }
