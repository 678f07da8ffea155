package sim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
)

// SessionRunner runs one session of a sweep and returns its result. It is
// called from one worker goroutine at a time (see RunSweep), must be
// deterministic for a given job (the job's Seed seeds all randomness), and
// reports a failure in SessionResult.Err rather than by panicking; a panic
// is caught and reported as the session's error. It may return early when
// ctx is cancelled. The identifier fields of the result (Job, Trace, ABR,
// Profile, Params, Seed) are filled in by the sweep and need not be set.
type SessionRunner func(ctx context.Context, job Job) SessionResult

// ShareRunner returns a RunSweep runner factory that hands the same
// runner to every worker. Use it for runners that keep no per-session
// state or guard it themselves.
func ShareRunner(r SessionRunner) func(worker int) SessionRunner {
	return func(int) SessionRunner { return r }
}

// SweepConfig configures RunSweep. Start from DefaultSweepConfig.
type SweepConfig struct {
	// Workers is the number of sessions run at once. 0 means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int
	// Shard selects the jobs to run; the zero Shard runs them all.
	Shard Shard
	// Progress receives a progress bar, redrawn in place with carriage
	// returns, or nil for none. Give it the standard error stream only when
	// that is a terminal (IsTerminal).
	Progress io.Writer
	// Logger receives one warning per failed session, or nil for none.
	Logger *slog.Logger
}

// DefaultSweepConfig returns the defaults: one worker per available CPU,
// the whole sweep, no progress bar, no logging.
func DefaultSweepConfig() SweepConfig {
	return SweepConfig{}
}

// SweepStats counts what RunSweep did.
type SweepStats struct {
	// Jobs is the number of jobs in the shard.
	Jobs int
	// Emitted is the number of results handed to emit.
	Emitted int
	// Failed is the number of emitted results with an error.
	Failed int
}

// settled is a finished job as a worker reports it.
type settled struct {
	pos     int // position in the shard's job list
	res     SessionResult
	skipped bool // not run, or interrupted by cancellation
}

// RunSweep runs the jobs of cfg.Shard with cfg.Workers workers and hands
// every result to emit in job order, whatever the number of workers, so
// that everything emit writes is byte-identical for 1 and N workers. emit
// is called from the caller's goroutine, never concurrently.
//
// newRunner is called once per worker (with the worker number from 0)
// before the work starts, so a driver can give each worker its own reusable
// session state; use ShareRunner for a stateless runner.
//
// At most a few times Workers results wait for a slow earlier job, so
// memory stays bounded however long the sweep is.
//
// When ctx is cancelled, no further job is started, running sessions see
// the cancelled ctx, and every session that completed is still emitted, in
// job order (those after the first unfinished job too). A session that
// returns an error after the cancellation counts as interrupted and is not
// emitted. RunSweep then returns the emitted count and an error wrapping
// ctx's error. If emit returns an error, the sweep stops the same way and
// returns that error.
func RunSweep(ctx context.Context, jobs []Job, newRunner func(worker int) SessionRunner, cfg SweepConfig, emit func(*SessionResult) error) (SweepStats, error) {
	if err := cfg.Shard.Validate(); err != nil {
		return SweepStats{}, err
	}
	jobs = cfg.Shard.Select(jobs)
	stats := SweepStats{Jobs: len(jobs)}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(jobs)))
	runners := make([]SessionRunner, workers)
	for w := range runners {
		runners[w] = newRunner(w)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// window bounds the jobs handed out but not yet emitted; the ring holds
	// the settled ones among them, indexed by position mod window.
	window := 4 * workers
	tokens := make(chan struct{}, window)
	todo := make(chan int)
	done := make(chan settled, workers)
	go func() {
		defer close(todo)
		for pos := range jobs {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case todo <- pos:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(run SessionRunner) {
			defer wg.Done()
			for pos := range todo {
				done <- runJob(ctx, run, &jobs[pos], pos, cfg.Logger)
			}
		}(runners[w])
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	bar := newProgress(cfg.Progress, len(jobs))
	ring := make([]settled, window)
	have := make([]bool, window)
	next := 0
	var emitErr error
	for s := range done {
		bar.add(1)
		ring[s.pos%window], have[s.pos%window] = s, true
		for have[next%window] {
			k := next % window
			r := ring[k]
			ring[k], have[k] = settled{}, false
			next++
			<-tokens
			if r.skipped || emitErr != nil {
				continue
			}
			if r.res.Failed() && cfg.Logger != nil {
				cfg.Logger.Warn("session failed", "job", r.res.Job, "trace", r.res.Trace, "abr", r.res.ABR, "error", r.res.Err)
			}
			if err := emit(&r.res); err != nil {
				emitErr = err
				cancel()
				continue
			}
			stats.Emitted++
			if r.res.Failed() {
				stats.Failed++
			}
		}
	}
	bar.finish()
	if emitErr != nil {
		return stats, emitErr
	}
	if err := ctx.Err(); err != nil && stats.Emitted < stats.Jobs {
		return stats, fmt.Errorf("sim: sweep interrupted after %d of %d sessions: %w", stats.Emitted, stats.Jobs, ctx.Err())
	}
	return stats, nil
}

// runJob runs one job, turning a panic into the session's error (and the
// panic's stack into an error log line), and fills in the result's
// identifiers.
func runJob(ctx context.Context, run SessionRunner, job *Job, pos int, logger *slog.Logger) (s settled) {
	s.pos = pos
	if ctx.Err() != nil {
		s.skipped = true
		return s
	}
	defer func() {
		if p := recover(); p != nil {
			s.res = SessionResult{Err: fmt.Sprintf("panic: %v", p)}
			s.res.setJob(job)
			if logger != nil {
				logger.Error("session panicked", "job", job.Index, "panic", p, "stack", string(debug.Stack()))
			}
		}
	}()
	s.res = run(ctx, *job)
	s.res.setJob(job)
	if s.res.Failed() && ctx.Err() != nil {
		s.skipped = true
	}
	return s
}
