package sim

import (
	"time"

	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/traces"
)

// NativeProfile runs the normal player (player.DefaultConfig: 30 s
// buffer goal, 1 s startup and 2 s rebuffer thresholds, abandonment that
// switches down, retries with timeouts) on a trace-driven link
// (TraceLink): the trace's rate, shared by the transfers in flight, after
// a per-request latency. It is abrkit's own profile; nothing in it
// imitates another simulator.
type NativeProfile struct {
	// Player is the player configuration. Sizes, MediaOnly, Seed and
	// Events are set by the simulator (the video's sizes, no init
	// segments, the session's seed, no event queue). Default
	// player.DefaultConfig().
	Player player.Config
	// Link configures the trace-driven link. Default DefaultLinkConfig():
	// the trace's own latency when it has one, no payload overhead,
	// looping.
	Link LinkConfig
	// DefaultLatency is added to every request's latency when the trace
	// carries no latency of its own (Pensieve, Mahimahi and CSV traces
	// usually don't; Sabre's do). Default 40 ms, a typical round trip
	// between a client and a CDN edge; one round trip is what a request
	// on an open connection costs before its first byte.
	DefaultLatency time.Duration
	// ProgressInterval is how often body progress is reported to the
	// player while bytes arrive (abandonment rules and the no-progress
	// timeout run on it). Default 100 ms; 0 reports completions only.
	ProgressInterval time.Duration
}

// DefaultNativeProfile returns the native profile's defaults (see the
// fields).
func DefaultNativeProfile() NativeProfile {
	return NativeProfile{
		Player:           player.DefaultConfig(),
		Link:             DefaultLinkConfig(),
		DefaultLatency:   40 * time.Millisecond,
		ProgressInterval: 100 * time.Millisecond,
	}
}

// Name returns "native".
func (NativeProfile) Name() string { return "native" }

func (p NativeProfile) prepare(run *sessionRun) error {
	alg, err := run.buildAlgorithm(nil)
	if err != nil {
		return err
	}
	cfg := run.cfg
	run.coreAlg = alg
	pc := p.Player
	pc.Sizes = cfg.Video.Size
	pc.MediaOnly = true
	pc.Seed = cfg.Seed
	pc.Events = 0
	run.pcfg = pc

	lc := p.Link
	if !hasLatency(cfg.Trace) || !lc.UseTraceLatency {
		lc.Latency += p.DefaultLatency
	}
	link, err := run.r.traceLink(cfg.Trace, lc)
	if err != nil {
		return err
	}
	run.r.net.reset(link, p.ProgressInterval)
	run.tp = &run.r.net
	run.models = run.modelsOr([]qoe.Model{qoe.Lin()})
	run.conv = run.convOr(qoe.FullSessionConvention())
	return nil
}

// hasLatency reports whether any sample of tr carries a latency.
func hasLatency(tr *traces.Trace) bool {
	for _, s := range tr.Samples {
		if s.Latency > 0 {
			return true
		}
	}
	return false
}

// traceLink returns a TraceLink over tr with lc, reusing the runner's
// last one when it was built for the same trace and configuration.
func (r *Runner) traceLink(tr *traces.Trace, lc LinkConfig) (*TraceLink, error) {
	if r.link != nil && r.linkTrace == tr && r.linkCfg == lc {
		r.link.Reset()
		return r.link, nil
	}
	l, err := NewTraceLink(tr, lc)
	if err != nil {
		return nil, err
	}
	r.link, r.linkTrace, r.linkCfg = l, tr, lc
	return l, nil
}
