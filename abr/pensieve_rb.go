package abr

import "fmt"

// RBParams configures RB.
type RBParams struct {
	// FirstRung is the rung of the first chunk (Pensieve: 1).
	FirstRung int `abr:"first"`
}

// DefaultRBParams returns the published defaults of Pensieve's RB.
func DefaultRBParams() RBParams { return RBParams{FirstRung: pensieveFirstRung} }

// RB is the rate-based baseline of Pensieve (Mao et al., SIGCOMM 2017,
// §5.1): the highest rung whose bitrate does not exceed the throughput
// estimate, the lowest allowed rung when none fits. It reads
// Snapshot.Estimate; its native estimator is the harmonic mean of the
// last 5 chunk throughputs (HarmonicEstimator with DefaultHarmonicParams),
// so by default it is Pensieve's RB, and any other estimator can be
// plugged in. Before the estimate is valid it fetches FirstRung.
//
// Reasons: "startup" before the first valid estimate; "rate" otherwise,
// with Reason.Estimate the estimate used.
type RB struct {
	p RBParams
}

// NewRB returns an RB with parameters p.
func NewRB(p RBParams) (*RB, error) {
	if p.FirstRung < 0 {
		return nil, fmt.Errorf("%w: rb first=%d must not be negative", ErrBadParam, p.FirstRung)
	}
	return &RB{p: p}, nil
}

// Name returns "rb".
func (r *RB) Name() string { return "rb" }

// Startup returns FirstRung.
func (r *RB) Startup(s *Snapshot) Decision { return pensieveStartup(s, r.p.FirstRung) }

// NewEstimator returns the harmonic mean of the last 5 throughputs.
func (r *RB) NewEstimator() Estimator {
	e, _ := NewHarmonicEstimator(DefaultHarmonicParams())
	return e
}

// Decide returns the highest rung with Bitrate ≤ Snapshot.Estimate.
func (r *RB) Decide(s *Snapshot) Decision {
	if !s.Estimate.Valid {
		return pensieveStartup(s, r.p.FirstRung)
	}
	lo, hi := rungBounds(s)
	q := highestRungAtMost(s.Ladder, lo, hi, float64(s.Estimate.Throughput))
	return Decision{Rung: q, Reason: Reason{Rule: "rate", Estimate: s.Estimate.Throughput, Buffer: s.Buffer}}
}

func init() {
	registerStock("rb",
		"rate-based: highest rung ≤ harmonic mean of the last 5 throughputs (Pensieve baseline, Mao et al. SIGCOMM 2017)",
		DefaultRBParams, NewRB)
}
