package sim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
)

// SabreProfile is Sabre's simulator (Spiteri, Sitaraman, Sparacio, MMSys
// 2018; UMass-LIDS/sabre src/sabre.py at 09b03bb; sabre-model.md §3, §4
// and §12) as a profile: the player core configured as Sabre's player, on
// Sabre's network model (SabreLink), with Sabre's metrics.
//
// The player (sabre-model §4): segment 0 at the algorithm's first rung
// (rung 0 for Sabre's algorithms), neither checked for abandonment nor
// reported; playback starts when it arrives and resumes as soon as
// anything is buffered; before each later decision the player waits
// w = L + p − B when positive and reports it to the algorithm
// (player.WaitRule Headroom and Report); an algorithm's delay is waited
// and not reported; an abandoned download is thrown away and the same
// segment decided afresh (player.AbandonRedecide, quirk Q1); the
// replacement strategy (-r) re-fetches buffered segments; no timeouts.
// The network (§3): one latency per request charged in latency units
// across periods, then the bits at each period's rate; idle waits use up
// trace time; the trace loops; unless NoAbandon, every download after
// segment 0 moves in progress steps of max(12000 bits, 50 ms × rate),
// and the algorithm's abandonment check runs after each step.
//
// Exactness: the core runs on integer nanoseconds, Sabre on float64
// milliseconds, and Sabre's printed metrics depend on the last bits of
// its sums. So next to the core the profile keeps Sabre's float state
// (the SabreLink cursor, the buffer as qoe.SabreBuffer, the estimator,
// the metric accumulator) and updates it from the very events the core
// sees, in Sabre's order: waits, delays and downloads drain the float
// buffer and move the float network exactly as Sabre's loop does. The
// algorithm the core is given is an adapter: when the core asks for a
// decision, an abandonment verdict, a replacement, or reports a download
// or a wait, the adapter calls the Sabre algorithm's float methods
// (abr.SabreAlgorithm) with that float state instead of the core's
// rounded snapshot. The core's estimator is the exact float estimator
// itself, fed when the core feeds it. At every decision the core's buffer
// level must agree with the float level within ShadowTolerance, and the
// core's clock with the float clock at every request, or the session
// fails with ErrDiverged. Algorithms that are not Sabre's run on the
// core's snapshot as usual, with Sabre's network and metrics.
//
// Progress steps: by default the profile evaluates each step's
// abandonment check while it computes the transfer and reports progress
// to the core only at the step where the algorithm abandons, where the
// core's Abandoner call returns that verdict; the steps in between change
// nothing in the core. An algorithm that plans its checks
// (abr.SabreAbandonPlanner, Sabre's BOLA) is asked only at the steps its
// plan cannot rule out (in practice those where it abandons); the others
// at every step. CoreEveryStep reports every step to the core instead
// (the core then asks the algorithm at each one); the results are
// identical (tested) and it is about 3.5 times slower on Sabre's 3G
// traces, where a session has some ten thousand steps.
//
// Not supported: Sabre's seek hack (-s) and custom replacement modules
// (which Sabre ignores, quirk Q3). Sabre's -ml is Video.Repeat.
type SabreProfile struct {
	// BufferSize is B (-b). Default 25 s. Sabre algorithms that have a
	// buffer-size parameter ("b") get it unless the ABR spec sets one.
	BufferSize time.Duration
	// NetworkMultiplier multiplies every period's bandwidth (-nm).
	// Default 1.
	NetworkMultiplier float64
	// NoAbandon fetches every segment whole, without progress steps and
	// abandonment checks (-noa).
	NoAbandon bool
	// Replace is the replacement strategy (-r): "none" (default), "left"
	// or "right".
	Replace string
	// GammaP is γp (-gp), the score metric's penalty per segment of
	// stall. Default 5. Sabre algorithms with a "gp" parameter get it
	// unless the ABR spec sets one.
	GammaP float64
	// RampupThreshold is the rung that counts as ramped up (-rmp); -1
	// (default) uses the network's sustainable rung.
	RampupThreshold int
	// MovingAverage selects the throughput estimator (-ma): "ewma"
	// (default) or "sliding".
	MovingAverage string
	// HalfLives are the EWMA half-lives (-hl). Default 3 s and 8 s.
	HalfLives []time.Duration
	// Windows are the sliding window sizes (-ws). Default [3].
	Windows []int
	// CoreEveryStep reports every progress step to the player core (see
	// the type's doc).
	CoreEveryStep bool
}

// DefaultSabreProfile returns Sabre's defaults.
func DefaultSabreProfile() SabreProfile {
	return SabreProfile{
		BufferSize:        25 * time.Second,
		NetworkMultiplier: 1,
		Replace:           "none",
		GammaP:            5,
		RampupThreshold:   -1,
		MovingAverage:     "ewma",
		HalfLives:         []time.Duration{3 * time.Second, 8 * time.Second},
		Windows:           []int{3},
	}
}

// Name returns "sabre".
func (SabreProfile) Name() string { return "sabre" }

func (p SabreProfile) prepare(run *sessionRun) error {
	cfg := run.cfg
	if p.BufferSize <= 0 {
		return fmt.Errorf("%w: sabre buffer size %v must be positive", ErrBadSession, p.BufferSize)
	}
	if p.BufferSize < cfg.Video.SegmentDuration {
		return fmt.Errorf("%w: sabre buffer size %v is below the segment duration %v", ErrBadSession, p.BufferSize, cfg.Video.SegmentDuration)
	}
	var repl *abr.SabreReplacer
	switch p.Replace {
	case "", "none":
	case "left":
		repl = abr.NewSabreLeftReplacer()
	case "right":
		repl = abr.NewSabreRightReplacer()
	default:
		return fmt.Errorf("%w: sabre replacement %q (want none, left or right)", ErrBadSession, p.Replace)
	}
	alg, err := run.buildAlgorithm(func(info abr.Info, params map[string]string) {
		if _, ok := params["b"]; !ok && run.r.hasParam(info, "b") {
			params["b"] = p.BufferSize.String()
		}
		if _, ok := params["gp"]; !ok && run.r.hasParam(info, "gp") {
			params["gp"] = strconv.FormatFloat(p.GammaP, 'g', -1, 64)
		}
	})
	if err != nil {
		return err
	}
	tp := &run.r.sab
	sh := &tp.sh
	if err := sh.reset(run, p, alg, repl); err != nil {
		return err
	}
	tp.reset(p)
	ad := &sabreAdapter{sh: sh, alg: alg}
	ad.sabre, _ = alg.(abr.SabreAlgorithm)
	if ad.sabre != nil {
		ad.plan, _ = alg.(abr.SabreAbandonPlanner)
	}
	ad.obs, _ = alg.(abr.Observer)
	ad.ab, _ = alg.(abr.Abandoner)
	ad.st, _ = alg.(abr.Starter)
	sh.ad = ad
	if ad.sabre == nil && ad.ab != nil {
		tp.everyStep = true // only the core can ask a generic Abandoner
	}
	run.coreAlg = ad

	pc := coreConfig(cfg.Video, p.BufferSize)
	pc.Wait = player.WaitRule{Headroom: true, Report: true}
	pc.Abandon = player.AbandonRedecide
	pc.AbandonFirst, pc.ReportFirstDownload = false, false
	pc.Replace = repl != nil
	pc.Estimator = (*sabreCoreEstimator)(sh)
	pc.Seed = cfg.Seed
	run.pcfg = pc
	run.tp = tp
	run.models = run.modelsOr(nil)
	run.conv = run.convOr(qoe.FullSessionConvention())
	run.finish = func(res *SessionResult) error {
		m, err := sh.finish(run.r.drv.s)
		if err != nil {
			return err
		}
		res.Sabre = &m
		return nil
	}
	return nil
}

// SabreReplaceWarnings returns how many completed replacements of the
// last sabre-profile session came too late to be used (Sabre prints
// "WARNING: too late to replace" for each).
func (r *Runner) SabreReplaceWarnings() int { return r.sab.sh.tooLate }
