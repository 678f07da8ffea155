package abr

import (
	"fmt"
	"time"
)

// BBAParams configures BBA.
type BBAParams struct {
	// Reservoir is the buffer level at or below which the lowest rung is
	// fetched.
	Reservoir time.Duration `abr:"reservoir"`
	// Cushion is the buffer span above the reservoir over which the rate
	// map rises linearly from the lowest to the highest rate.
	Cushion time.Duration `abr:"cushion"`
}

// DefaultBBAParams returns a 5 s reservoir and a 10 s cushion, the values
// Pensieve used for its BB baselines so that bb and bba compare on the
// same buffer. The paper's Netflix deployment (BBA-0) used a 240 s
// buffer with a 90 s reservoir and a 126 s cushion; set them with
// "bba:reservoir=90s,cushion=126s" for a player with such a buffer.
func DefaultBBAParams() BBAParams {
	return BBAParams{Reservoir: 5 * time.Second, Cushion: 10 * time.Second}
}

// BBA is BBA-0 of Huang, Johari, McKeown, Trunnell and Watson, "A
// Buffer-Based Approach to Rate Adaptation: Evidence from a Large Video
// Streaming Service", SIGCOMM 2014 (Algorithm 1). The rate map f(B) is
// linear in the rate: R_min at B = reservoir, R_max at B = reservoir +
// cushion. With R_prev the rate of the last chunk, Rate+ the next rate
// above it and Rate− the next below (R_prev itself at the ends):
//
//	B ≤ reservoir:            R_min
//	B ≥ reservoir + cushion:  R_max
//	f(B) ≥ Rate+:             the highest rate strictly below f(B)
//	f(B) ≤ Rate−:             the lowest rate strictly above f(B)
//	otherwise:                R_prev (hysteresis)
//
// R_min and R_max are the rates of MinRung and MaxRung. Before the first
// chunk R_prev is R_min, so a session starts at the lowest rung as in the
// paper. It uses no throughput estimate.
//
// Reasons: "reservoir", "upper-reservoir", "rate-up", "rate-down",
// "hold"; Value is f(B) in bit/s.
type BBA struct {
	p BBAParams
}

// NewBBA returns a BBA with parameters p.
func NewBBA(p BBAParams) (*BBA, error) {
	if p.Reservoir < 0 || p.Cushion <= 0 {
		return nil, fmt.Errorf("%w: bba reservoir=%v cushion=%v", ErrBadParam, p.Reservoir, p.Cushion)
	}
	return &BBA{p: p}, nil
}

// Name returns "bba".
func (b *BBA) Name() string { return "bba" }

// Decide applies the rate map with hysteresis.
func (b *BBA) Decide(s *Snapshot) Decision {
	lo, hi := rungBounds(s)
	rs := s.Ladder.Rungs
	prev := min(max(s.LastRung, lo), hi)
	rmin, rmax := float64(rs[lo].Bitrate), float64(rs[hi].Bitrate)
	buf := s.Buffer.Seconds()
	r, cu := b.p.Reservoir.Seconds(), b.p.Cushion.Seconds()
	reason := Reason{Buffer: s.Buffer, Estimate: s.Estimate.Throughput}
	switch {
	case buf <= r:
		reason.Rule, reason.Value = "reservoir", rmin
		return Decision{Rung: lo, Reason: reason}
	case buf >= r+cu:
		reason.Rule, reason.Value = "upper-reservoir", rmax
		return Decision{Rung: hi, Reason: reason}
	}
	f := rmin + (rmax-rmin)*(buf-r)/cu
	reason.Value = f
	up, down := min(prev+1, hi), max(prev-1, lo)
	switch {
	case prev < hi && f >= float64(rs[up].Bitrate):
		q := lo
		for q < hi && float64(rs[q+1].Bitrate) < f {
			q++
		}
		reason.Rule = "rate-up"
		return Decision{Rung: q, Reason: reason}
	case prev > lo && f <= float64(rs[down].Bitrate):
		q := hi
		for q > lo && float64(rs[q-1].Bitrate) > f {
			q--
		}
		reason.Rule = "rate-down"
		return Decision{Rung: q, Reason: reason}
	}
	reason.Rule = "hold"
	return Decision{Rung: prev, Reason: reason}
}

func init() {
	registerStock("bba",
		"BBA-0: rate linear in buffer between reservoir and cushion, with rate+/rate− hysteresis (Huang et al. SIGCOMM 2014)",
		DefaultBBAParams, NewBBA)
}
