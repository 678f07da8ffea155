package abr

import (
	"fmt"
	"math"
	"time"
)

// FESTIVEParams configures FESTIVE.
type FESTIVEParams struct {
	// Safety is the fraction of the estimate the target rung may use
	// (p = 0.85).
	Safety float64 `abr:"p"`
	// Alpha weighs the efficiency score against the stability score
	// (α = 12).
	Alpha float64 `abr:"alpha"`
	// Window is the number of past chunks in the throughput estimate and
	// in the switch count of the stability score (5).
	Window int `abr:"window"`
	// MinDownloadTime floors each chunk's download time in the estimate
	// (100 ms).
	MinDownloadTime time.Duration `abr:"mindl"`
	// FirstRung is the rung of the first chunk (Pensieve: 1).
	FirstRung int `abr:"first"`
}

// DefaultFESTIVEParams returns the constants of the FESTIVE baseline in
// Pensieve's dash.js build (video_server/dash.all.min.js; the same logic
// as dash.js/src/streaming/controllers/AbrController.js of
// hongzimao/pensieve).
func DefaultFESTIVEParams() FESTIVEParams {
	return FESTIVEParams{Safety: 0.85, Alpha: 12, Window: 5, MinDownloadTime: 100 * time.Millisecond, FirstRung: pensieveFirstRung}
}

// FESTIVE is the bitrate selection of Jiang, Sekar and Zhang, "Improving
// Fairness, Efficiency, and Stability in HTTP-based Adaptive Video
// Streaming with FESTIVE", CoNEXT 2012, as Pensieve's dash.js build
// implements it (Mao et al., SIGCOMM 2017):
//
//   - estimate w = Σ t_i / Σ (t_i / x_i) over the last Window chunks,
//     with t_i the download time from first to last byte (floored at
//     MinDownloadTime) and x_i = bytes_i / t_i: a time-weighted harmonic
//     mean;
//   - target = the highest rung with bitrate ≤ Safety × w (else the
//     lowest);
//   - reference: one rung down as soon as the target is below the
//     current rung; one rung up only after more than k consecutive
//     chunks with the target above the current rung k (the count resets
//     when the target is not above, and after an up-switch);
//   - delayed update: move to the reference only if its score is lower
//     than the current rung's, score(b) = 2^n + Alpha × |R_b / min(w,
//     R_ref) − 1| with n the switches among the last Window chunks, plus
//     one if b differs from the current rung.
//
// The random request scheduling of the paper (for fairness between
// players) is not part of this selection, as in Pensieve's build.
//
// Reasons: "startup", "festive-stay", "festive-wait" (up-signal counted,
// Value = the count), "festive-score" (the reference lost on score,
// Value = its score), "festive-up", "festive-down" (Value = the winning
// score); Estimate is w.
type FESTIVE struct {
	p FESTIVEParams
	// up counts consecutive chunks whose target was above the current
	// rung; seen and upBefore make a repeated decision on the same
	// History count once.
	up, upBefore, seen int
}

// NewFESTIVE returns a FESTIVE with parameters p.
func NewFESTIVE(p FESTIVEParams) (*FESTIVE, error) {
	if !(p.Safety > 0) || !(p.Alpha >= 0) || p.Window < 1 || p.MinDownloadTime < 0 || p.FirstRung < 0 {
		return nil, fmt.Errorf("%w: festive p=%v alpha=%v window=%d mindl=%v first=%d", ErrBadParam, p.Safety, p.Alpha, p.Window, p.MinDownloadTime, p.FirstRung)
	}
	return &FESTIVE{p: p, seen: -1}, nil
}

// Name returns "festive".
func (f *FESTIVE) Name() string { return "festive" }

// Startup returns FirstRung.
func (f *FESTIVE) Startup(s *Snapshot) Decision { return pensieveStartup(s, f.p.FirstRung) }

// estimate returns the time-weighted harmonic mean of the last Window
// completed downloads in bit/s.
func (f *FESTIVE) estimate(h History) (float64, bool) {
	var sumT, sumTX float64
	n := 0
	for i := len(h) - 1; i >= 0 && n < f.p.Window; i-- {
		d := h[i]
		if d.Abandoned || d.Bytes <= 0 {
			continue
		}
		t := math.Max(d.Transfer.Seconds(), f.p.MinDownloadTime.Seconds())
		if t <= 0 {
			continue
		}
		x := float64(8*d.Bytes) / t
		sumT += t
		sumTX += t / x
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sumT / sumTX, true
}

// switches counts rung changes among the last Window completed downloads.
func (f *FESTIVE) switches(h History) int {
	n, seen, next := 0, 0, -1
	for i := len(h) - 1; i >= 0 && seen < f.p.Window; i-- {
		if h[i].Abandoned {
			continue
		}
		if next >= 0 && h[i].Rung != next {
			n++
		}
		next = h[i].Rung
		seen++
	}
	return n
}

// score is FESTIVE's combined score of fetching rung b.
func (f *FESTIVE) score(rs []Rung, b, ref, cur, switches int, w float64) float64 {
	n := switches
	if b != cur {
		n++
	}
	eff := math.Abs(float64(rs[b].Bitrate)/math.Min(w, float64(rs[ref].Bitrate)) - 1)
	return math.Pow(2, float64(n)) + f.p.Alpha*eff
}

// Decide applies FESTIVE's gradual switching and delayed update.
func (f *FESTIVE) Decide(s *Snapshot) Decision {
	w, ok := f.estimate(s.History)
	if !ok || s.LastRung < 0 {
		return pensieveStartup(s, f.p.FirstRung)
	}
	if len(s.History) == f.seen {
		f.up = f.upBefore
	} else {
		f.seen, f.upBefore = len(s.History), f.up
	}
	lo, hi := rungBounds(s)
	rs := s.Ladder.Rungs
	cur := min(max(s.LastRung, lo), hi)
	target := highestRungAtMost(s.Ladder, lo, hi, f.p.Safety*w)
	reason := Reason{Rule: "festive-stay", Estimate: int64(math.Round(w)), Buffer: s.Buffer}
	ref := cur
	switch {
	case target > cur:
		f.up++
		if f.up > cur {
			ref = cur + 1
		} else {
			reason.Rule, reason.Value = "festive-wait", float64(f.up)
		}
	case target < cur:
		ref = cur - 1
		f.up = 0
	default:
		f.up = 0
	}
	if ref == cur {
		return Decision{Rung: cur, Reason: reason}
	}
	n := f.switches(s.History)
	scoreCur := f.score(rs, cur, ref, cur, n, w)
	scoreRef := f.score(rs, ref, ref, cur, n, w)
	if scoreCur <= scoreRef {
		reason.Rule, reason.Value = "festive-score", scoreRef
		return Decision{Rung: cur, Reason: reason}
	}
	reason.Value = scoreRef
	if ref > cur {
		f.up = 0
		reason.Rule = "festive-up"
	} else {
		reason.Rule = "festive-down"
	}
	return Decision{Rung: ref, Reason: reason}
}

func init() {
	registerStock("festive",
		"FESTIVE: 0.85 × harmonic estimate, gradual up-switch, stability/efficiency score α=12 (Jiang et al. CoNEXT 2012, as in Pensieve's dash.js build)",
		DefaultFESTIVEParams, NewFESTIVE)
}
