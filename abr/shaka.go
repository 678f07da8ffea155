package abr

import (
	"fmt"
	"math"
	"time"
)

// ShakaParams configures Shaka; the names follow Shaka's abr
// configuration.
type ShakaParams struct {
	// UpgradeTarget: a rung is chosen only while the estimate is at most
	// the next higher bitrate / UpgradeTarget (bandwidthUpgradeTarget,
	// 0.85).
	UpgradeTarget float64 `abr:"upgrade"`
	// DowngradeTarget: a rung is chosen only while the estimate is at
	// least its bitrate / DowngradeTarget (bandwidthDowngradeTarget,
	// 0.95).
	DowngradeTarget float64 `abr:"downgrade"`
	// SwitchInterval is the minimum time between two choices
	// (switchInterval, 8 s).
	SwitchInterval time.Duration `abr:"interval"`
	// MinTimeToSwitch shortens the first interval once the estimate is
	// good (minTimeToSwitch, 0 except 0.5 s on Apple browsers).
	MinTimeToSwitch time.Duration `abr:"mintimetoswitch"`
	// DefaultEstimate is used while the estimate is not good
	// (defaultBandwidthEstimate, 1 Mbit/s).
	DefaultEstimate int64 `abr:"default"`
}

// DefaultShakaParams returns the defaults of Shaka Player 4.x/5.x
// (lib/util/player_configuration.js).
func DefaultShakaParams() ShakaParams {
	return ShakaParams{
		UpgradeTarget:   0.85,
		DowngradeTarget: 0.95,
		SwitchInterval:  8 * time.Second,
		DefaultEstimate: 1_000_000,
	}
}

// Shaka is Shaka Player's SimpleAbrManager (lib/abr/simple_abr_manager.js,
// shaka-project/shaka-player). Its native estimator is EWMAEstimator with
// DefaultShakaEstimatorParams.
//
// chooseVariant scans the rungs from the lowest and keeps the last one
// whose band [R / DowngradeTarget, R_next / UpgradeTarget] contains the
// estimate (R_next being the next higher distinct bitrate, +∞ for the
// top), the lowest rung if none does; rungs of equal bitrate go to the
// larger picture. Shaka chooses at load time with DefaultEstimate, then
// after each downloaded segment: not before the estimate is good (128 kB
// sampled by the native estimator), then at once (the interval is
// shortened by SwitchInterval − MinTimeToSwitch), and afterwards at most
// once per SwitchInterval. Between choices the player keeps fetching the
// chosen rung.
//
// Not ported: restrictions by element or screen size, the dropped-frame
// ban, Network Information, CMSD, and playback rates other than 1.
//
// Reasons: "initial", "wait-estimate", "switch-interval" (Value = seconds
// left), "choose", "hold"; Estimate is the estimate used.
type Shaka struct {
	p               ShakaParams
	chosen          int
	lastChosen      time.Duration
	startupComplete bool
	seen            int
}

// NewShaka returns a Shaka with parameters p.
func NewShaka(p ShakaParams) (*Shaka, error) {
	if !(p.UpgradeTarget > 0) || !(p.DowngradeTarget > 0) || p.SwitchInterval < 0 || p.MinTimeToSwitch < 0 || p.DefaultEstimate <= 0 {
		return nil, fmt.Errorf("%w: shaka upgrade=%v downgrade=%v interval=%v mintimetoswitch=%v default=%d", ErrBadParam, p.UpgradeTarget, p.DowngradeTarget, p.SwitchInterval, p.MinTimeToSwitch, p.DefaultEstimate)
	}
	return &Shaka{p: p, chosen: -1}, nil
}

// Name returns "shaka".
func (k *Shaka) Name() string { return "shaka" }

// NewEstimator returns Shaka's dual EWMA.
func (k *Shaka) NewEstimator() Estimator {
	e, _ := NewEWMAEstimator(DefaultShakaEstimatorParams())
	return e
}

// Startup makes the load-time choice on DefaultEstimate or the estimate.
func (k *Shaka) Startup(s *Snapshot) Decision { return k.Decide(s) }

// choose is chooseVariant.
func (k *Shaka) choose(s *Snapshot, est float64) int {
	lo, hi := rungBounds(s)
	rs := s.Ladder.Rungs
	chosen := lo
	for i := lo; i <= hi; i++ {
		rate := float64(rs[i].Bitrate)
		next := math.Inf(1)
		for j := i + 1; j <= hi; j++ {
			if rs[j].Bitrate != rs[i].Bitrate {
				next = float64(rs[j].Bitrate)
				break
			}
		}
		if est >= rate/k.p.DowngradeTarget && est <= next/k.p.UpgradeTarget &&
			(rs[chosen].Bitrate != rs[i].Bitrate || rs[i].Width*rs[i].Height > rs[chosen].Width*rs[chosen].Height) {
			chosen = i
		}
	}
	return chosen
}

// Decide returns the chosen rung, choosing again when SimpleAbrManager
// would after a downloaded segment.
func (k *Shaka) Decide(s *Snapshot) Decision {
	est := float64(k.p.DefaultEstimate)
	if s.Estimate.Valid {
		est = float64(s.Estimate.Throughput)
	}
	lo, hi := rungBounds(s)
	reason := Reason{Estimate: int64(est), Buffer: s.Buffer}
	switch {
	case k.chosen < 0:
		k.chosen, k.lastChosen, k.seen = k.choose(s, est), s.Now, len(s.History)
		reason.Rule = "initial"
	case len(s.History) == k.seen:
		reason.Rule = "hold"
	default:
		k.seen = len(s.History)
		if !k.startupComplete {
			if !s.Estimate.Valid {
				reason.Rule = "wait-estimate"
				break
			}
			k.startupComplete = true
			k.lastChosen -= k.p.SwitchInterval - k.p.MinTimeToSwitch
		}
		if left := k.p.SwitchInterval - (s.Now - k.lastChosen); left > 0 {
			reason.Rule, reason.Value = "switch-interval", left.Seconds()
			break
		}
		k.chosen, k.lastChosen = k.choose(s, est), s.Now
		reason.Rule = "choose"
	}
	return Decision{Rung: min(max(k.chosen, lo), hi), Reason: reason}
}

func init() {
	registerStock("shaka",
		"Shaka Player SimpleAbrManager: EWMA 2 s/5 s, up at estimate ≥ next/0.85, stay at ≥ current/0.95, 8 s switch interval",
		DefaultShakaParams, NewShaka)
}
