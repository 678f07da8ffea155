package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var testColumns = ResultColumns{Models: []string{"lin", "log"}, Sabre: true}

// TestRunSweepDeterministicAcrossWorkers: 1, 2 and 4 workers give the
// same CSV and JSON bytes, with every job once, in job order.
func TestRunSweepDeterministicAcrossWorkers(t *testing.T) {
	defer goleak.VerifyNone(t)
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	csv1, json1, res1 := runToBytes(t, jobs, SweepConfig{Workers: 1}, testColumns)
	require.Len(t, res1, len(jobs))
	for i, r := range res1 {
		assert.Equal(t, i, r.Job)
		assert.Equal(t, jobs[i].ABR, r.ABR)
		assert.Equal(t, jobs[i].Trace.Name, r.Trace)
		assert.Equal(t, jobs[i].Params.Label, r.Params)
		assert.Equal(t, jobs[i].Seed, r.Seed)
		assert.Equal(t, "native", r.Profile)
	}
	// The fake fails some jobs; a failure must not hide the others.
	failed := 0
	for _, r := range res1 {
		if r.Failed() {
			failed++
		}
	}
	require.Positive(t, failed, "the test sweep should contain failures")
	require.Less(t, failed, len(jobs))
	// 37 lines: the header and 36 rows (failure messages have a quoted
	// newline, so count records, not lines).
	tab, err := ReadResultsCSV(bytes.NewReader(csv1), "w1.csv")
	require.NoError(t, err)
	assert.Len(t, tab.Rows, 36)

	for _, w := range []int{2, 4} {
		csvN, jsonN, _ := runToBytes(t, jobs, SweepConfig{Workers: w}, testColumns)
		assert.Equal(t, string(csv1), string(csvN), "CSV with %d workers", w)
		assert.Equal(t, string(json1), string(jsonN), "JSON with %d workers", w)
	}
}

// TestShardsMergeToUnsharded: running shards 0/3, 1/3, 2/3 (with different
// worker counts) and merging gives the unsharded bytes, for CSV and for
// JSON (array layout too).
func TestShardsMergeToUnsharded(t *testing.T) {
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	wholeCSV, wholeJSON, whole := runToBytes(t, jobs, SweepConfig{Workers: 3}, testColumns)

	var csvIn, jsonIn []MergeInput
	total := 0
	// Give the shards to merge out of order: merge sorts by job.
	for _, i := range []int{2, 0, 1} {
		c, j, res := runToBytes(t, jobs, SweepConfig{Workers: i + 1, Shard: Shard{Index: i, Count: 3}}, testColumns)
		total += len(res)
		for _, r := range res {
			assert.Equal(t, i, r.Job%3, "job %d in shard %d", r.Job, i)
		}
		csvIn = append(csvIn, MergeInput{Name: fmt.Sprintf("shard%d.csv", i), Data: bytes.NewReader(c)})
		jsonIn = append(jsonIn, MergeInput{Name: fmt.Sprintf("shard%d.jsonl", i), Data: bytes.NewReader(j)})
	}
	assert.Equal(t, len(jobs), total)

	var mc bytes.Buffer
	tab, err := MergeCSV(csvIn, &mc, MergeOptions{})
	require.NoError(t, err)
	assert.Len(t, tab.Rows, len(jobs))
	assert.Equal(t, string(wholeCSV), mc.String())

	var mj bytes.Buffer
	res, err := MergeJSON(jsonIn, &mj, MergeOptions{Layout: JSONLines})
	require.NoError(t, err)
	assert.Equal(t, string(wholeJSON), mj.String())
	require.Len(t, res, len(whole))

	// The array layout of the unsharded run equals the merge into an array.
	var arr bytes.Buffer
	aw := NewJSONWriter(&arr, JSONArray)
	for i := range whole {
		require.NoError(t, aw.Write(&whole[i]))
	}
	require.NoError(t, aw.Close())
	var ma bytes.Buffer
	_, err = MergeJSON([]MergeInput{{Name: "all.jsonl", Data: bytes.NewReader(wholeJSON)}}, &ma, MergeOptions{Layout: JSONArray})
	require.NoError(t, err)
	assert.Equal(t, arr.String(), ma.String())
}

// TestRunSweepCancelKeepsCompleted: with one worker, a runner that cancels
// the sweep while running job 5 (and completes it) leaves jobs 0..5
// emitted and job 6 onwards not run.
func TestRunSweepCancelKeepsCompleted(t *testing.T) {
	defer goleak.VerifyNone(t)
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int32
	runner := func(_ context.Context, j Job) SessionResult {
		started.Add(1)
		if j.Index == 5 {
			cancel()
		}
		return fakeResult(j, 7, false)
	}
	var got []int
	st, err := RunSweep(ctx, jobs, ShareRunner(runner), SweepConfig{Workers: 1}, func(r *SessionResult) error {
		got = append(got, r.Job)
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "interrupted after 6 of 36 sessions")
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, got)
	assert.Equal(t, 6, st.Emitted)
	assert.Equal(t, int32(6), started.Load())
}

// TestRunSweepCancelManyWorkers: with several workers the emitted jobs
// are an increasing subset, interrupted sessions (an error after the
// cancellation) are dropped, and no goroutine is left behind.
func TestRunSweepCancelManyWorkers(t *testing.T) {
	defer goleak.VerifyNone(t)
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runner := func(ctx context.Context, j Job) SessionResult {
		if j.Index == 9 {
			cancel()
		}
		for range j.Index * 10 {
			runtime.Gosched()
		}
		if ctx.Err() != nil {
			return SessionResult{Err: ctx.Err().Error()}
		}
		return fakeResult(j, 3, false)
	}
	var got []int
	_, err = RunSweep(ctx, jobs, ShareRunner(runner), SweepConfig{Workers: 4}, func(r *SessionResult) error {
		assert.False(t, r.Failed(), "an interrupted session was emitted: job %d", r.Job)
		got = append(got, r.Job)
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.IsIncreasing(t, got)
	assert.Less(t, len(got), len(jobs))
}

// TestRunSweepPanicIsSessionError: a panicking session becomes a failed
// result with its identifiers; the other sessions are unaffected.
func TestRunSweepPanicIsSessionError(t *testing.T) {
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	runner := func(_ context.Context, j Job) SessionResult {
		if j.Index == 3 {
			panic("boom")
		}
		return fakeResult(j, 5, false)
	}
	var res []SessionResult
	st, err := RunSweep(context.Background(), jobs, ShareRunner(runner), SweepConfig{Workers: 2}, func(r *SessionResult) error {
		res = append(res, *r)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, res, 36)
	assert.Equal(t, "panic: boom", res[3].Err)
	assert.Equal(t, "robustmpc", res[3].ABR) // job 3: a1, seed 42
	assert.Equal(t, uint64(42), res[3].Seed)
	assert.Equal(t, 1, st.Failed)
	assert.False(t, res[4].Failed())
}

// TestRunSweepEmitErrorStops: an emit error stops the sweep and is
// returned as is.
func TestRunSweepEmitErrorStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	diskFull := errors.New("disk full")
	n := 0
	st, err := RunSweep(context.Background(), jobs, ShareRunner(fakeRunner(false)), SweepConfig{Workers: 3}, func(*SessionResult) error {
		n++
		if n == 3 {
			return diskFull
		}
		return nil
	})
	require.ErrorIs(t, err, diskFull)
	assert.Equal(t, 2, st.Emitted)
	assert.Equal(t, 3, n)
}

// TestRunSweepPerWorkerRunners: newRunner is called once per worker and
// each runner is used by one goroutine at a time.
func TestRunSweepPerWorkerRunners(t *testing.T) {
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	var made atomic.Int32
	newRunner := func(int) SessionRunner {
		made.Add(1)
		var busy atomic.Bool
		return func(ctx context.Context, j Job) SessionResult {
			if !busy.CompareAndSwap(false, true) {
				return SessionResult{Err: "runner used concurrently"}
			}
			defer busy.Store(false)
			return fakeRunner(false)(ctx, j)
		}
	}
	var bad []string
	_, err = RunSweep(context.Background(), jobs, newRunner, SweepConfig{Workers: 3}, func(r *SessionResult) error {
		if r.Err == "runner used concurrently" {
			bad = append(bad, r.Err)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, bad)
	assert.Equal(t, int32(3), made.Load())
}

func TestRunSweepBadShard(t *testing.T) {
	_, err := RunSweep(context.Background(), nil, ShareRunner(fakeRunner(false)), SweepConfig{Shard: Shard{Index: 3, Count: 3}}, nil)
	require.ErrorIs(t, err, ErrBadShard)
	assert.Contains(t, err.Error(), "shard 3 of 3: the index must be in 0..count-1")
}

// TestProgressLine checks the bar's text with a fake clock: 3 of 4 jobs
// after 2 s is 75.0%, 1.5 sessions/s, and 1 job left at that rate is
// 0.67 s, rounded to 1s.
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 4)
	t0 := time.Unix(1000, 0)
	now := t0
	p.now = func() time.Time { return now }
	p.start = t0
	now = t0.Add(2 * time.Second)
	p.add(3)
	want := "\rsim 3/4 [######################........] 75.0%  1.5 sessions/s  ETA 1s\x1b[K"
	assert.Equal(t, want, b.String())
	// A second update within 100 ms is not drawn.
	b.Reset()
	now = now.Add(50 * time.Millisecond)
	p.add(0)
	assert.Empty(t, b.String())
	now = t0.Add(4 * time.Second)
	p.add(1)
	b.Reset()
	p.finish()
	assert.Equal(t, "\rsim 4/4 [##############################] 100.0%  1.0 sessions/s\x1b[K\n", b.String())

	var nilBar *progress
	nilBar.add(1) // a nil bar draws nothing and does not panic
	nilBar.finish()
}

// BenchmarkRunSweepOverhead measures what the sweep layer costs per
// session (dispatch, reordering, identifier filling) with a runner that
// does nothing.
func BenchmarkRunSweepOverhead(b *testing.B) {
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			traces := make([]TraceInput, b.N)
			for i := range traces {
				traces[i] = TraceInput{Name: fmt.Sprint(i)}
			}
			jobs, err := (&Sweep{ABRs: []string{"nop"}, Traces: traces}).Jobs()
			require.NoError(b, err)
			nop := func(context.Context, Job) SessionResult { return SessionResult{} }
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			_, err = RunSweep(context.Background(), jobs, ShareRunner(nop), SweepConfig{Workers: workers}, func(*SessionResult) error {
				n++
				return nil
			})
			require.NoError(b, err)
			require.Equal(b, b.N, n)
		})
	}
}
