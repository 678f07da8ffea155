package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/traces"
)

// Errors of RunSession. Callers branch on them with errors.Is.
var (
	// ErrBadSession is wrapped by errors about a SessionConfig: a missing
	// video or trace, an unknown profile or an algorithm that cannot be
	// built.
	ErrBadSession = errors.New("sim: bad session")
	// ErrStuck is wrapped when a session can make no progress: the core
	// waits for nothing the driver can deliver, or the virtual time limit
	// (SessionConfig.MaxTime) passed.
	ErrStuck = errors.New("sim: session stuck")
	// ErrDiverged is wrapped when the player core and a reference model's
	// exact float view of the same session disagree by more than
	// ShadowTolerance (see the profile docs). It is a bug report: please
	// file it with the session's inputs.
	ErrDiverged = errors.New("sim: player core and reference model diverged")
)

// ShadowTolerance is how far the player core's buffer level and clock may
// stray from a reference profile's exact float view before the session
// fails with ErrDiverged. By construction they differ by the rounding of
// float milliseconds to whole nanoseconds, a few nanoseconds at most.
const ShadowTolerance = time.Microsecond

// Profile is a simulation profile: a player configuration plus a network
// model, and the exact bookkeeping of a reference simulator when there is
// one. NativeProfile, PensieveProfile and SabreProfile implement it; a
// profile is not a second player, every decision comes from the player
// core (package player) calling the algorithm.
type Profile interface {
	// Name returns the profile's name: "native", "pensieve" or "sabre".
	Name() string
	// prepare sets up run for one session.
	prepare(run *sessionRun) error
}

// ProfileNames lists the profile names ProfileByName knows.
func ProfileNames() []string { return []string{"native", "pensieve", "sabre"} }

// ProfileByName returns the named profile with its defaults.
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "native", "":
		return DefaultNativeProfile(), nil
	case "pensieve":
		return DefaultPensieveProfile(), nil
	case "sabre":
		return DefaultSabreProfile(), nil
	}
	return nil, fmt.Errorf("%w: unknown profile %q (known: native, pensieve, sabre)", ErrBadSession, name)
}

// SessionConfig describes one simulated session. Start from
// DefaultSessionConfig and set at least Video, Trace and ABR (or
// Algorithm).
type SessionConfig struct {
	// Profile is the simulation profile. nil means DefaultNativeProfile().
	Profile Profile
	// Video is the video model played.
	Video *Video
	// Trace is the network trace.
	Trace *traces.Trace
	// ABR is the algorithm specification ("name" or "name:key=value,…",
	// see abr.New). Ignored when Algorithm is set.
	ABR string
	// Algorithm, when set, is used instead of building ABR. An algorithm
	// instance carries session state: give each session its own.
	Algorithm abr.Algorithm
	// Registry builds ABR; nil means abr.Default.
	Registry *abr.Registry
	// Seed seeds every randomness source of the session (the player's
	// retry jitter). Reference profiles are deterministic without it.
	Seed uint64
	// Models are the QoE models scored into SessionResult.Scores. nil
	// means the profile's default (qoe.Lin for native and pensieve, none
	// for sabre, whose metrics are Sabre's own); an empty non-nil slice
	// scores none.
	Models []qoe.Model
	// Convention overrides the profile's QoE convention (which chunks
	// count): qoe.PensieveConvention for pensieve, qoe.FullSessionConvention
	// otherwise.
	Convention *qoe.Convention
	// Timeline keeps the per-download timeline in SessionResult.Timeline.
	Timeline bool
	// MaxTime bounds the session's virtual time; the session fails with
	// ErrStuck beyond it. Default 24 h.
	MaxTime time.Duration
	// Context, when set, lets a caller cancel a running session.
	Context context.Context
}

// DefaultSessionConfig returns the defaults: the native profile, seed 0,
// the profile's QoE models and convention, no timeline, a 24 h limit.
// Video, Trace and ABR must still be set.
func DefaultSessionConfig() SessionConfig {
	return SessionConfig{Profile: DefaultNativeProfile(), MaxTime: 24 * time.Hour}
}

// RunSession runs one session with a fresh Runner. A session that fails
// inside (a request that failed for good, a stuck session) returns its
// result with Err set and a nil error; the error is for a configuration
// that cannot run at all.
func RunSession(cfg SessionConfig) (SessionResult, error) {
	return NewRunner().Run(&cfg)
}

// Runner runs sessions one after another, reusing its memory (network
// models, reference-model state, action buffers) between them. A Runner
// is not safe for concurrent use: give each worker its own.
//
// The Runner keeps the network model of the last trace it ran, so that
// several algorithms on one trace share its setup; traces and videos must
// not be changed while a Runner uses them.
type Runner struct {
	pres map[*Video]*manifest.Presentation
	drv  driver
	net  netTransport
	pen  pensieveTransport
	sab  sabreTransport

	link      *TraceLink
	linkTrace *traces.Trace
	linkCfg   LinkConfig

	// params caches the parameter names of registry entries, by name
	// (one registry per Runner: the cache is cleared when it changes).
	params    map[string]map[string]bool
	paramsReg *abr.Registry
}

// NewRunner returns a Runner.
func NewRunner() *Runner {
	return &Runner{pres: map[*Video]*manifest.Presentation{}}
}

// sessionRun is the state of one session while it is set up and run.
type sessionRun struct {
	r    *Runner
	cfg  *SessionConfig
	pres *manifest.Presentation
	// coreAlg is what the core is given: the configured algorithm or a
	// profile's adapter around it.
	coreAlg abr.Algorithm
	pcfg    player.Config
	tp      transport
	// models and conv score the session; chunks, when set, are the
	// exact per-chunk values of a reference profile, scored instead of
	// the core's log.
	models []qoe.Model
	conv   qoe.Convention
	chunks []qoe.PensieveChunk
	// finish fills the profile's part of the result after the run.
	finish func(res *SessionResult) error
}

// Run runs one session described by cfg. See RunSession for the error
// contract.
func (r *Runner) Run(cfg *SessionConfig) (SessionResult, error) {
	var res SessionResult
	if cfg.Video == nil || cfg.Trace == nil {
		return res, fmt.Errorf("%w: a session needs a video and a trace", ErrBadSession)
	}
	prof := cfg.Profile
	if prof == nil {
		prof = DefaultNativeProfile()
	}
	res.Profile = prof.Name()
	res.ABR = cfg.ABR
	res.Trace = cfg.Trace.Name
	res.Seed = cfg.Seed
	pres, err := r.presentation(cfg.Video)
	if err != nil {
		return res, err
	}
	run := &sessionRun{r: r, cfg: cfg, pres: pres}
	if err := prof.prepare(run); err != nil {
		return res, err
	}
	if cfg.Algorithm != nil && res.ABR == "" {
		res.ABR = cfg.Algorithm.Name()
	}
	s, err := player.NewSession(run.pcfg, run.pres, run.coreAlg)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadSession, err)
	}
	d := &r.drv
	d.reset(s, run.tp, cfg)
	runErr := d.run()
	if runErr == nil {
		runErr = s.Err()
	}
	if runErr == nil && run.finish != nil {
		runErr = run.finish(&res)
	}
	if runErr != nil {
		res.Err = runErr.Error()
		res.Sabre = nil
		return res, nil
	}
	if err := run.score(s, &res); err != nil {
		res.Err = err.Error()
		return res, nil
	}
	if cfg.Timeline {
		res.Timeline = d.timeline(s.QoE())
	}
	return res, nil
}

// presentation returns v's presentation, built and prepared once per
// Runner. Its segment templates are expanded into explicit segment lists
// (listSegments), since every session of the Runner asks for the same
// segments: the core then finds each segment's URLs instead of
// formatting them anew for every request.
func (r *Runner) presentation(v *Video) (*manifest.Presentation, error) {
	if p, ok := r.pres[v]; ok {
		return p, nil
	}
	if err := v.validate(v.Name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSession, err)
	}
	p := v.Presentation()
	for _, per := range p.Periods {
		for _, as := range per.AdaptationSets {
			for _, rep := range as.Representations {
				if err := rep.Index.Prepare(); err != nil {
					return nil, fmt.Errorf("%w: video %q rung %s: %w", ErrBadSession, v.Name, rep.ID, err)
				}
				rep.Index = listSegments(rep.Index)
			}
		}
	}
	r.pres[v] = p
	return p, nil
}

// maxListedSegments bounds the segments listSegments expands per
// representation (some 200 bytes each).
const maxListedSegments = 20_000

// listSegments returns a prepared template index as an explicit segment
// list with the same segments (times, numbers and URLs, as the template
// gives them) and the same other fields; other indexes, and templates of
// more than maxListedSegments segments, are returned as they are.
func listSegments(ix *manifest.SegmentIndex) *manifest.SegmentIndex {
	if ix.Addressing != manifest.AddrTemplate {
		return ix
	}
	n, bounded := ix.Len()
	if !bounded || n <= 0 || n > maxListedSegments {
		return ix
	}
	segs, err := ix.AppendSegments(make([]manifest.Segment, 0, n), 0, n)
	if err != nil || len(segs) != n {
		return ix
	}
	x := *ix
	x.Addressing, x.Segments = manifest.AddrList, segs
	if x.Prepare() != nil {
		return ix
	}
	return &x
}

// buildAlgorithm returns cfg.Algorithm or builds cfg.ABR, applying fix to
// the parsed parameters first (nil for none).
func (run *sessionRun) buildAlgorithm(fix func(info abr.Info, params map[string]string)) (abr.Algorithm, error) {
	cfg := run.cfg
	if cfg.Algorithm != nil {
		return cfg.Algorithm, nil
	}
	reg := cfg.Registry
	if reg == nil {
		reg = abr.Default
	}
	name, params, err := abr.ParseSpec(cfg.ABR)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSession, err)
	}
	info, ok := reg.Lookup(name)
	if !ok {
		_, err := reg.New(cfg.ABR) // for the registry's message listing the known names
		return nil, fmt.Errorf("%w: %w", ErrBadSession, err)
	}
	if run.r.paramsReg != reg {
		run.r.params, run.r.paramsReg = nil, reg
	}
	if fix != nil {
		fix(info, params)
	}
	a, err := info.New(params)
	if err != nil {
		return nil, fmt.Errorf("%w: abr %q: %w", ErrBadSession, cfg.ABR, err)
	}
	return a, nil
}

// hasParam reports whether the algorithm described by info has a
// parameter named key. The answers are cached per registry entry, since
// listing the parameters goes through reflection.
func (r *Runner) hasParam(info abr.Info, key string) bool {
	if info.Params == nil {
		return false
	}
	keys, ok := r.params[info.Name]
	if !ok {
		keys = map[string]bool{}
		for _, kv := range abr.ParamDefaults(info.Params()) {
			k, _, _ := strings.Cut(kv, "=")
			keys[k] = true
		}
		if r.params == nil {
			r.params = map[string]map[string]bool{}
		}
		r.params[info.Name] = keys
	}
	return keys[key]
}

// modelsOr returns the configured models or def.
func (run *sessionRun) modelsOr(def []qoe.Model) []qoe.Model {
	if run.cfg.Models != nil {
		return run.cfg.Models
	}
	return def
}

// convOr returns the configured convention or def.
func (run *sessionRun) convOr(def qoe.Convention) qoe.Convention {
	if run.cfg.Convention != nil {
		return *run.cfg.Convention
	}
	return def
}

// score fills the summary and the QoE scores.
func (run *sessionRun) score(s *player.Session, res *SessionResult) error {
	log := s.QoE()
	res.Summary = qoe.Summarize(log)
	if len(run.models) == 0 {
		return nil
	}
	res.Scores = make(map[string]qoe.Score, len(run.models))
	for _, m := range run.models {
		var sc qoe.Score
		var err error
		if run.chunks != nil {
			sc, err = m.ScoreChunks(run.chunks, run.conv)
		} else {
			sc, err = m.Score(log, run.conv)
		}
		if err != nil {
			return fmt.Errorf("sim: QoE model %q: %w", m.Name, err)
		}
		res.Scores[m.Name] = sc
	}
	return nil
}

// coreConfig returns the player configuration the reference profiles
// share: no startup or rebuffer threshold, no init segments, no byte
// cap, no timeouts (a simulated download may take arbitrarily long), the
// video's sizes, no events.
func coreConfig(v *Video, goal time.Duration) player.Config {
	c := player.DefaultConfig()
	c.BufferGoal = goal
	c.StartupThreshold, c.RebufferThreshold = 0, 0
	c.MediaOnly = true
	c.MaxBufferBytes = 0
	c.Sizes = v.Size
	c.Events = 0
	for _, p := range []*player.RetryPolicy{&c.Retry.Manifest, &c.Retry.Index, &c.Retry.Init, &c.Retry.Media} {
		p.Timeouts = player.Timeouts{}
	}
	return c
}

// msToDuration converts float milliseconds to a duration, rounded to the
// nanosecond.
func msToDuration(ms float64) time.Duration {
	return time.Duration(msToNs(ms))
}

// durationMs converts a duration to float milliseconds.
func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// near reports whether a and b differ by at most ShadowTolerance.
func near(a, b time.Duration) bool {
	d := a - b
	return d <= ShadowTolerance && -d <= ShadowTolerance
}

// bitsPerSecond returns bytes×8 over d, rounded, 0 for no time.
func bitsPerSecond(bytes int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Round(float64(bytes*8) / d.Seconds()))
}

// ConfigPatch changes a session's configuration; a sweep's ParamSet.Value
// may be one (see SweepRunner).
type ConfigPatch func(*SessionConfig)

// SweepRunner returns a RunSweep runner factory that runs every job with
// base: each worker gets its own Runner, and each job sets the
// algorithm (Job.ABR), the trace (loaded from Job.Trace, the last one
// kept per worker since a sweep's jobs of one trace are adjacent), the
// seed, the timeline request and the context. Job.Profile, when it names
// another profile than base's, selects that profile with its defaults.
// Job.Params.Value may be nil, a Profile (replacing the profile) or a
// ConfigPatch (applied last). A session that cannot run reports its error
// in SessionResult.Err.
func SweepRunner(base SessionConfig) func(worker int) SessionRunner {
	return func(int) SessionRunner {
		r := NewRunner()
		var lastKey TraceInput
		var lastTrace *traces.Trace
		return func(ctx context.Context, job Job) SessionResult {
			cfg := base
			cfg.ABR, cfg.Algorithm = job.ABR, nil
			cfg.Seed, cfg.Timeline, cfg.Context = job.Seed, job.Timeline, ctx
			if job.Profile != "" && (cfg.Profile == nil || cfg.Profile.Name() != job.Profile) {
				p, err := ProfileByName(job.Profile)
				if err != nil {
					return SessionResult{Err: err.Error()}
				}
				cfg.Profile = p
			}
			switch v := job.Params.Value.(type) {
			case nil:
			case Profile:
				cfg.Profile = v
			case ConfigPatch:
				v(&cfg)
			case func(*SessionConfig):
				v(&cfg)
			default:
				return SessionResult{Err: fmt.Sprintf("sim: parameter set %q: unsupported value %T (want a Profile or a ConfigPatch)", job.Params.Label, v)}
			}
			tr := job.Trace.Trace
			if tr == nil {
				if lastTrace == nil || lastKey != job.Trace {
					t, err := job.Trace.Load()
					if err != nil {
						return SessionResult{Err: err.Error()}
					}
					lastKey, lastTrace = job.Trace, t
				}
				tr = lastTrace
			}
			cfg.Trace = tr
			res, err := r.Run(&cfg)
			if err != nil {
				res.Err = err.Error()
			}
			return res
		}
	}
}
