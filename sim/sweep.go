package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/abrkit/abrkit/traces"
)

// ErrBadSweep is wrapped by every error about a sweep specification.
var ErrBadSweep = errors.New("sim: bad sweep")

// TraceInput is one network trace of a sweep.
type TraceInput struct {
	// Name identifies the trace in outputs: its path relative to the
	// directory the traces were listed from, with forward slashes, or the
	// trace's own name for traces not read from a directory.
	Name string
	// Path is the file to load the trace from when Trace is nil. It may be
	// empty when Trace is set.
	Path string
	// Trace is the loaded trace, or nil to have the runner load Path when
	// its job runs (which keeps a sharded sweep from reading every trace).
	Trace *traces.Trace
}

// Load returns Trace, or loads it from Path with traces.Load. The loaded
// trace is not stored, so TraceInput values may be shared between workers.
func (in TraceInput) Load() (*traces.Trace, error) {
	if in.Trace != nil {
		return in.Trace, nil
	}
	if in.Path == "" {
		return nil, fmt.Errorf("%w: trace %q has neither a trace nor a path", ErrBadSweep, in.Name)
	}
	return traces.Load(in.Path)
}

// ParamSet is one set of parameters a sweep runs every algorithm and trace
// with, for example a buffer size or a player configuration.
type ParamSet struct {
	// Label identifies the set in outputs (the "params" column). Labels are
	// unique within a sweep.
	Label string
	// Value is handed to the SessionRunner unchanged; the sweep never looks
	// inside it. The runner knows its concrete type.
	Value any
}

// DefaultParamsLabel is the label of the single parameter set a sweep uses
// when it is given none.
const DefaultParamsLabel = "default"

// TimelinePolicy says which jobs ask their runner for a per-segment
// timeline (SessionResult.Timeline). Timelines cost memory, so by default
// none is kept.
type TimelinePolicy int

// Timeline policies.
const (
	// TimelineNone keeps no timeline.
	TimelineNone TimelinePolicy = iota
	// TimelineFirstTrace keeps the timelines of the jobs on the sweep's
	// first trace: one per algorithm, parameter set and seed, so the plots
	// show every algorithm on the same network.
	TimelineFirstTrace
	// TimelineAll keeps every timeline.
	TimelineAll
)

// Sweep is an experiment: every algorithm on every trace with every
// parameter set and every seed. Jobs expands it into an ordered job list.
type Sweep struct {
	// Profile names the simulation profile ("native", "pensieve",
	// "sabre"); it is copied into every job and result.
	Profile string
	// ABRs are the algorithm specifications, as the runner understands
	// them (for example "bba" or "bola:gamma=5"). At least one; no
	// duplicates.
	ABRs []string
	// Traces are the network traces. At least one; names are unique.
	Traces []TraceInput
	// Params are the parameter sets. Empty means one set labelled
	// DefaultParamsLabel with a nil Value.
	Params []ParamSet
	// Seeds are the seeds each combination runs with. Empty means the single
	// seed 0.
	Seeds []uint64
	// Timelines selects the jobs that keep a per-segment timeline.
	Timelines TimelinePolicy
}

// Job is one session of a sweep. Index is its position in the full,
// unsharded job list; it keys the session's output row.
type Job struct {
	// Index is the job's position in Sweep.Jobs, from 0.
	Index int
	// Profile is Sweep.Profile.
	Profile string
	// ABR is the algorithm specification.
	ABR string
	// Trace is the network trace.
	Trace TraceInput
	// Params is the parameter set.
	Params ParamSet
	// Seed seeds every randomness source of the session.
	Seed uint64
	// Timeline asks the runner to fill SessionResult.Timeline.
	Timeline bool
}

// Jobs validates the sweep and expands it. The order, and so every job's
// Index, depends only on the sweep: traces outermost, then parameter sets,
// then algorithms, then seeds, each in the order given. Rows of one trace
// are therefore adjacent, and within a trace the algorithms under one
// parameter set follow each other.
func (s *Sweep) Jobs() ([]Job, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	params := s.Params
	if len(params) == 0 {
		params = []ParamSet{{Label: DefaultParamsLabel}}
	}
	seeds := s.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{0}
	}
	jobs := make([]Job, 0, len(s.Traces)*len(params)*len(s.ABRs)*len(seeds))
	for ti, tr := range s.Traces {
		for _, p := range params {
			for _, a := range s.ABRs {
				for _, seed := range seeds {
					jobs = append(jobs, Job{
						Index:    len(jobs),
						Profile:  s.Profile,
						ABR:      a,
						Trace:    tr,
						Params:   p,
						Seed:     seed,
						Timeline: s.Timelines == TimelineAll || (s.Timelines == TimelineFirstTrace && ti == 0),
					})
				}
			}
		}
	}
	return jobs, nil
}

// validate checks the rules documented on Sweep's fields.
func (s *Sweep) validate() error {
	if len(s.ABRs) == 0 {
		return fmt.Errorf("%w: no algorithm", ErrBadSweep)
	}
	if len(s.Traces) == 0 {
		return fmt.Errorf("%w: no trace", ErrBadSweep)
	}
	if s.Timelines < TimelineNone || s.Timelines > TimelineAll {
		return fmt.Errorf("%w: unknown timeline policy %d", ErrBadSweep, s.Timelines)
	}
	if err := unique("algorithm", s.ABRs, func(a string) string { return a }); err != nil {
		return err
	}
	if err := unique("trace", s.Traces, func(t TraceInput) string { return t.Name }); err != nil {
		return err
	}
	if err := unique("parameter set", s.Params, func(p ParamSet) string { return p.Label }); err != nil {
		return err
	}
	seen := make(map[uint64]bool, len(s.Seeds))
	for _, seed := range s.Seeds {
		if seen[seed] {
			return fmt.Errorf("%w: seed %d given twice", ErrBadSweep, seed)
		}
		seen[seed] = true
	}
	return nil
}

// unique checks that the keys of items are non-empty, distinct and free of
// control characters (they become CSV cells and file names).
func unique[T any](what string, items []T, key func(T) string) error {
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		k := key(it)
		switch {
		case k == "":
			return fmt.Errorf("%w: %s %d has an empty name", ErrBadSweep, what, i)
		case strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return fmt.Errorf("%w: %s %q contains a control character", ErrBadSweep, what, k)
		case seen[k]:
			return fmt.Errorf("%w: %s %q given twice", ErrBadSweep, what, k)
		}
		seen[k] = true
	}
	return nil
}

// ListTraceFiles lists the trace files under dir, recursively, in byte
// order of their slash-separated relative paths, so that a sweep over a
// directory tree has the same job list on every machine. Hidden files and
// directories and documentation files are skipped (traces.IsTraceFileName).
// Each TraceInput has Name set to the relative path and Path to the file;
// Trace is nil, to be loaded by the runner. A tree without trace files
// returns an error wrapping traces.ErrNoTraces.
func ListTraceFiles(dir string) ([]TraceInput, error) {
	var out []TraceInput
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !traces.IsTraceFileName(d.Name()) {
			return nil
		}
		out = append(out, TraceInput{Name: path.Clean(p), Path: filepath.Join(dir, filepath.FromSlash(p))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sim: listing traces in %s: %w", dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sim: %s: %w", dir, traces.ErrNoTraces)
	}
	// fs.WalkDir's per-directory order is not the byte order of the joined
	// paths ("a-b" sorts before "a/x"); sort to make the documented order.
	slices.SortFunc(out, func(a, b TraceInput) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
