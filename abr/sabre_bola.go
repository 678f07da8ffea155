package abr

import (
	"fmt"
	"math"
	"time"
)

// SabreBolaParams configures SabreBola. The defaults are Sabre's CLI
// defaults.
type SabreBolaParams struct {
	// Basic selects BOLA-BASIC (Sabre's -ab): a fixed V from the whole
	// buffer and no abandonment.
	Basic bool `abr:"basic"`
	// Osc selects BOLA-O (Sabre's -ao): stay at the sustainable rung and
	// wait instead of going one rung above it (BOLA-U, the default).
	Osc bool `abr:"o"`
	// GammaP is γp, the utility offset (Sabre's -gp, default 5).
	GammaP float64 `abr:"gp"`
	// BufferSize is the maximum buffer B (Sabre's -b, default 25 s);
	// zero uses the player's MaxBuffer.
	BufferSize time.Duration `abr:"b"`
	// Estimator is the estimator NewEstimator returns: "ewma" or "sliding".
	Estimator string `abr:"ma"`
}

// DefaultSabreBolaParams returns Sabre's defaults: BOLA-U, γp = 5, B = 25 s.
func DefaultSabreBolaParams() SabreBolaParams {
	return SabreBolaParams{GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"}
}

// SabreBola is Sabre's Bola class ("bola"; Spiteri, Urgaonkar, Sitaraman,
// "BOLA: Near-Optimal Bitrate Adaptation for Online Videos", INFOCOM 2016,
// arXiv 1601.06748; as implemented in UMass-LIDS/sabre src/sabre.py).
//
// Utilities are u_q = ln b_q − ln b_0 (u_0 = 0) and Vp = (B_b − p)/(u_max +
// γp). Unless Basic, before each decision for segment i the target buffer
// is B_b = min(B, p·max(3, min(i − i_seek, N − i)/2)) (BOLA-FINITE), and
// that Vp also serves the abandonment check. The buffer rung is the
// argmax of (Vp·(u_q + γp) − L)/b_q, ties to the lower rung. If it is
// above the previous decision ("last", BOLA's own previous decision, not
// the rung downloaded), with q_t = Q(T^): keep it if it is <= q_t; else
// use last if last > q_t; else q_t + 1 (BOLA-U) or q_t with a delay of
// max(0, L − Vp·(γp + u_(q_t))) (BOLA-O, no delay at the top rung).
//
// Abandonment (not in Basic): with R the bits remaining, the current
// rung's score (Vp·(γp + u) − L)/R; if it is not negative, abandon to the
// lower rung whose whole segment is smaller than R and whose score is
// best and higher. An abandonment sets last to its target.
//
// Reason.Value is Vp in ms for decisions and the winning score for
// abandonments.
type SabreBola struct {
	p        SabreBolaParams
	m        sabreLadder
	vp       float64
	last     int
	lastSeek int
	sought   bool
	ab       sabreAbandonState
}

// NewSabreBola returns Sabre's BOLA.
func NewSabreBola(p SabreBolaParams) (*SabreBola, error) {
	if err := sabreCheckEstimator(p.Estimator); err != nil {
		return nil, err
	}
	if p.BufferSize < 0 {
		return nil, fmt.Errorf("%w: bola: b must not be negative", ErrBadParam)
	}
	return &SabreBola{p: p}, nil
}

// Name returns "bola".
func (b *SabreBola) Name() string { return "bola" }

// NewEstimator returns Sabre's estimator (see the "ma" parameter).
func (b *SabreBola) NewEstimator() Estimator { return sabreEstimator(b.p.Estimator) }

// Startup returns rung 0, Sabre's first quality; after a seek it decides
// as usual.
func (b *SabreBola) Startup(s *Snapshot) Decision {
	if b.sought {
		return b.Decide(s)
	}
	return sabreStartup(s)
}

// Decide converts s to Sabre's units and calls SabreDecide.
func (b *SabreBola) Decide(s *Snapshot) Decision {
	q, d, r := b.SabreDecide(sabreViewOf(s))
	return sabreDecision(s, q, d, r)
}

// sync refreshes the ladder cache; on a new ladder Vp takes its BASIC
// value, as Sabre's constructor sets it.
func (b *SabreBola) sync(v SabreView) {
	if b.m.sync(v.Ladder, 0) {
		b.vp = (sabreBufferMs(b.p.BufferSize, v) - b.m.p) / (b.m.util[b.m.top()] + b.p.GammaP)
	}
}

// SabreDecide is Bola.get_quality_delay.
func (b *SabreBola) SabreDecide(v SabreView) (int, float64, Reason) {
	b.sync(v)
	p := b.m.p
	if !b.p.Basic {
		t := v.Segment - b.lastSeek
		if n := v.Ladder.Segments; n > 0 {
			t = min(t, n-v.Segment)
		}
		target := math.Max(float64(t)/2, 3) * p
		bs := math.Min(sabreBufferMs(b.p.BufferSize, v), target)
		b.vp = (bs - p) / (b.m.util[b.m.top()] + b.p.GammaP)
	} else {
		b.vp = (sabreBufferMs(b.p.BufferSize, v) - p) / (b.m.util[b.m.top()] + b.p.GammaP)
	}
	q := b.m.bolaArgmax(b.vp, b.p.GammaP, v.BufferMs)
	delay := 0.0
	rule := sabreRuleBolaBuffer
	if q > b.last {
		qt := b.m.qualityFromThroughput(v.ThroughputKbps, v.LatencyMs)
		switch {
		case q <= qt:
		case b.last > qt:
			q, rule = b.last, sabreRuleBolaHoldLast
		case !b.p.Osc:
			q, rule = qt+1, sabreRuleBolaU
		default:
			q, rule = qt, sabreRuleBolaO
			l := float64(b.vp * (b.p.GammaP + b.m.util[q]))
			delay = math.Max(0, v.BufferMs-l)
			if q == b.m.top() {
				delay = 0
			}
		}
	}
	b.last = q
	return q, delay, sabreReason(rule, v, b.vp)
}

// ShouldAbandon converts s and p to Sabre's units and calls
// SabreCheckAbandon. Replacement downloads are left to the Replacer.
func (b *SabreBola) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	sp, ok := sabreProgressOf(s, p)
	if !ok || p.Replacement {
		return false, p.Rung, Reason{}
	}
	last := b.last
	q, ok, r := b.SabreCheckAbandon(sabreViewOf(s), sp)
	if q, ok = sabreAbandonTarget(s, p, q, ok); !ok {
		b.last = last
		return false, p.Rung, Reason{}
	}
	b.last = q
	b.ab.remember(p.Segment, p.Rung, q)
	return true, q, r
}

// SabreCheckAbandon is Bola.check_abandon; an abandonment sets last.
func (b *SabreBola) SabreCheckAbandon(v SabreView, p SabreProgress) (int, bool, Reason) {
	b.sync(v)
	if b.p.Basic {
		return p.Rung, false, Reason{}
	}
	remain := p.SizeBits - p.DownloadedBits
	if p.DownloadedBits <= 0 || remain <= 0 {
		return p.Rung, false, Reason{}
	}
	score := (float64(b.vp*(b.p.GammaP+b.m.util[p.Rung])) - v.BufferMs) / remain
	if score < 0 {
		return p.Rung, false, Reason{}
	}
	to := -1
	for q := 0; q < p.Rung; q++ {
		other := b.m.otherSize(p.SizeBits, q, p.Rung)
		os := (float64(b.vp*(b.p.GammaP+b.m.util[q])) - v.BufferMs) / other
		if other < remain && os > score {
			score, to = os, q
		}
	}
	if to < 0 {
		return p.Rung, false, Reason{}
	}
	b.last = to
	return to, true, sabreReason(sabreRuleBolaAbandon, v, score)
}

// SabrePlanAbandon prepares check_abandon for the download of sizeBits at
// rung: Vp and the ladder are fixed while it runs, so the rungs' levels
// Vp·(γp + u_q) and sizes are computed once, exactly as
// SabreCheckAbandon computes them. BOLA-BASIC never abandons.
func (b *SabreBola) SabrePlanAbandon(v SabreView, rung int, sizeBits float64, pl *SabreAbandonPlan) {
	b.sync(v)
	pl.never = b.p.Basic || rung <= 0 || rung >= b.m.n
	if pl.never {
		return
	}
	pl.size = sizeBits
	pl.cur = float64(b.vp * (b.p.GammaP + b.m.util[rung]))
	pl.level, pl.other = pl.level[:0], pl.other[:0]
	pl.sorted = true
	for q := 0; q < rung; q++ {
		pl.level = append(pl.level, float64(b.vp*(b.p.GammaP+b.m.util[q])))
		pl.other = append(pl.other, b.m.otherSize(sizeBits, q, rung))
		if !(pl.level[q] <= pl.cur) || q > 0 && !(pl.other[q] >= pl.other[q-1] && pl.level[q] >= pl.level[q-1]) {
			pl.sorted = false
		}
	}
}

// OnDownload is report_download, which Bola ignores.
func (b *SabreBola) OnDownload(_ *Snapshot, d Download) { sabreOutcomeOf(d, &b.ab) }

// OnWait is report_delay, which Bola ignores.
func (b *SabreBola) OnWait(*Snapshot, time.Duration) {}

// OnSeek is report_seek at the playhead.
func (b *SabreBola) OnSeek(s *Snapshot) { b.SabreReportSeek(sabreViewOf(s), sabreMs(s.Playhead)) }

// SabreReportDelay does nothing, as in Sabre.
func (b *SabreBola) SabreReportDelay(float64) {}

// SabreReportDownload does nothing, as in Sabre.
func (b *SabreBola) SabreReportDownload(SabreView, SabreOutcome) {}

// SabreReportSeek is Bola.report_seek: the finite-horizon target restarts
// at segment floor(where/p).
func (b *SabreBola) SabreReportSeek(v SabreView, whereMs float64) {
	b.sync(v)
	b.lastSeek = int(math.Floor(whereMs / b.m.p))
	b.sought = true
}
