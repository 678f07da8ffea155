package abr

import (
	"fmt"
	"time"
)

// BBParams configures BB.
type BBParams struct {
	// Reservoir is the buffer level below which the lowest rung is
	// fetched (Pensieve: 5 s).
	Reservoir time.Duration `abr:"reservoir"`
	// Cushion is the buffer span above the reservoir over which the rung
	// index rises linearly to the top (Pensieve: 10 s).
	Cushion time.Duration `abr:"cushion"`
	// FirstRung is the rung of the first chunk (Pensieve: 1).
	FirstRung int `abr:"first"`
}

// DefaultBBParams returns the constants of Pensieve's test/bb.py.
func DefaultBBParams() BBParams {
	return BBParams{Reservoir: 5 * time.Second, Cushion: 10 * time.Second, FirstRung: pensieveFirstRung}
}

// BB is the buffer-based baseline of Pensieve's simulator (test/bb.py;
// Mao et al., SIGCOMM 2017), a simplified BBA-0 without hysteresis whose
// map is linear in the rung index, not in the rate: with buffer B,
//
//	B < reservoir:                    rung 0
//	B ≥ reservoir + cushion:          top rung
//	otherwise:                        ⌊top × (B − reservoir) / cushion⌋
//
// computed in float64 as bb.py does, then kept within [MinRung, MaxRung].
// The first chunk is fetched at FirstRung. For the rate-linear map with
// the hysteresis of the paper see BBA.
//
// Reasons: "startup", "reservoir", "cushion" (Value = the fractional
// rung before truncation), "upper-reservoir".
type BB struct {
	p BBParams
}

// NewBB returns a BB with parameters p.
func NewBB(p BBParams) (*BB, error) {
	if p.Reservoir < 0 || p.Cushion <= 0 || p.FirstRung < 0 {
		return nil, fmt.Errorf("%w: bb reservoir=%v cushion=%v first=%d", ErrBadParam, p.Reservoir, p.Cushion, p.FirstRung)
	}
	return &BB{p: p}, nil
}

// Name returns "bb".
func (b *BB) Name() string { return "bb" }

// Startup returns FirstRung.
func (b *BB) Startup(s *Snapshot) Decision { return pensieveStartup(s, b.p.FirstRung) }

// Decide maps the buffer level to a rung.
func (b *BB) Decide(s *Snapshot) Decision {
	if s.LastRung < 0 {
		return pensieveStartup(s, b.p.FirstRung)
	}
	lo, hi := rungBounds(s)
	buf := s.Buffer.Seconds()
	r, cu := b.p.Reservoir.Seconds(), b.p.Cushion.Seconds()
	top := s.Ladder.Top()
	reason := Reason{Buffer: s.Buffer, Estimate: s.Estimate.Throughput}
	var q int
	switch {
	case buf < r:
		q, reason.Rule = 0, "reservoir"
	case buf >= r+cu:
		q, reason.Rule = top, "upper-reservoir"
	default:
		x := float64(top) * (buf - r) / cu
		q, reason.Rule, reason.Value = int(x), "cushion", x
	}
	return Decision{Rung: min(max(q, lo), hi), Reason: reason}
}

func init() {
	registerStock("bb",
		"buffer-based, rung index linear in buffer between reservoir 5 s and +10 s cushion (Pensieve test/bb.py, Mao et al. SIGCOMM 2017)",
		DefaultBBParams, NewBB)
}
