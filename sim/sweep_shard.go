package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadShard is wrapped by every error about a shard specification, from
// a flag or from the environment.
var ErrBadShard = errors.New("sim: bad shard")

// Environment variables ShardFromEnv reads.
const (
	// ShardEnv holds an explicit "i/N" shard, as --shard takes it.
	ShardEnv = "ABRKIT_SHARD"
	// ShardCountEnv holds the number of shards N to go with
	// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets the index but
	// not the count; pass the Job's completions in this variable).
	ShardCountEnv = "ABRKIT_SHARD_COUNT"
	// SlurmTaskIDEnv is set by Slurm for each task of an array job.
	SlurmTaskIDEnv = "SLURM_ARRAY_TASK_ID"
	// SlurmTaskCountEnv is the number of tasks of the array job.
	SlurmTaskCountEnv = "SLURM_ARRAY_TASK_COUNT"
	// SlurmTaskMinEnv is the lowest task ID of the array job.
	SlurmTaskMinEnv = "SLURM_ARRAY_TASK_MIN"
	// SlurmTaskStepEnv is the step between task IDs of the array job.
	SlurmTaskStepEnv = "SLURM_ARRAY_TASK_STEP"
	// JobCompletionIndexEnv is set by Kubernetes for each pod of an
	// Indexed Job, from 0.
	JobCompletionIndexEnv = "JOB_COMPLETION_INDEX"
)

// Shard selects the jobs one process of a distributed sweep runs: job k
// belongs to shard k mod Count. Index counts from 0, so shard i of N is
// written "i/N" with 0 <= i < N — the numbering of Slurm's default array
// (--array=0-(N-1)) and of Kubernetes' JOB_COMPLETION_INDEX. With GNU
// parallel, pass the indices explicitly: `parallel abrkit sim --shard {}/4
// ... ::: 0 1 2 3`.
//
// Taking every Count-th job (rather than a contiguous block) spreads slow
// algorithms and long traces evenly over the shards, and makes a missing
// shard show up as gaps all through the merged job indices.
//
// The zero Shard is the whole sweep, the same as 0/1.
type Shard struct {
	// Index is this shard, 0 <= Index < Count.
	Index int
	// Count is the number of shards; 0 means 1.
	Count int
}

// count returns Count with 0 read as 1.
func (s Shard) count() int { return max(s.Count, 1) }

// Whole reports whether the shard is the whole sweep.
func (s Shard) Whole() bool { return s.count() == 1 }

// Contains reports whether job index belongs to the shard.
func (s Shard) Contains(index int) bool { return index%s.count() == s.Index }

// String returns "i/N".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.count()) }

// Validate checks 0 <= Index < Count (Count 0 read as 1).
func (s Shard) Validate() error {
	if s.Count < 0 || s.Index < 0 || s.Index >= s.count() {
		return fmt.Errorf("%w: shard %d of %d: the index must be in 0..count-1", ErrBadShard, s.Index, s.Count)
	}
	return nil
}

// Select returns the jobs of the shard, in order, keeping their indices.
func (s Shard) Select(jobs []Job) []Job {
	if s.Whole() {
		return jobs
	}
	out := make([]Job, 0, len(jobs)/s.count()+1)
	for _, j := range jobs {
		if s.Contains(j.Index) {
			out = append(out, j)
		}
	}
	return out
}

// ParseShard parses "i/N" (0 <= i < N, N >= 1), as given to --shard.
func ParseShard(spec string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%w %q: want i/N, for example 0/4 (shards count from 0)", ErrBadShard, spec)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%w %q: want i/N with whole numbers, for example 0/4", ErrBadShard, spec)
	}
	if n < 1 {
		return Shard{}, fmt.Errorf("%w %q: the shard count must be at least 1", ErrBadShard, spec)
	}
	if i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w %q: the index must be in 0..%d (shards count from 0)", ErrBadShard, spec, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// ShardFromEnv derives a shard from the environment, for sweeps started by
// a scheduler. getenv is os.Getenv or a stand-in. The sources, first match
// wins:
//
//  1. ABRKIT_SHARD="i/N".
//  2. Slurm array jobs: SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT;
//     the index is (ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
//     (MIN 0 and STEP 1 when unset), so --array=1-8 and --array=0-14:2
//     work as well as --array=0-7.
//  3. Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX with the count in
//     ABRKIT_SHARD_COUNT.
//
// ok is false when none of these is set. A variable that is set but wrong
// (not a number, index out of range, an index without a count) is an
// error naming the variable. A command-line --shard flag should take
// precedence over the environment; a flag that gives only the count can be
// fed in by wrapping getenv to answer ShardCountEnv.
func ShardFromEnv(getenv func(string) string) (s Shard, ok bool, err error) {
	if v := getenv(ShardEnv); v != "" {
		s, err := ParseShard(v)
		if err != nil {
			return Shard{}, false, fmt.Errorf("%s: %w", ShardEnv, err)
		}
		return s, true, nil
	}
	if v := getenv(SlurmTaskIDEnv); v != "" {
		return slurmShard(getenv, v)
	}
	if v := getenv(JobCompletionIndexEnv); v != "" {
		idx, err := envInt(JobCompletionIndexEnv, v)
		if err != nil {
			return Shard{}, false, err
		}
		cv := getenv(ShardCountEnv)
		if cv == "" {
			return Shard{}, false, fmt.Errorf("%w: %s=%d is set but %s is not: set it to the Job's completions",
				ErrBadShard, JobCompletionIndexEnv, idx, ShardCountEnv)
		}
		n, err := envInt(ShardCountEnv, cv)
		if err != nil {
			return Shard{}, false, err
		}
		s := Shard{Index: idx, Count: n}
		if n < 1 || idx >= n {
			return Shard{}, false, fmt.Errorf("%w: %s=%d is not below %s=%d",
				ErrBadShard, JobCompletionIndexEnv, idx, ShardCountEnv, n)
		}
		return s, true, nil
	}
	return Shard{}, false, nil
}

// slurmShard reads a Slurm array task's shard; id is SLURM_ARRAY_TASK_ID.
func slurmShard(getenv func(string) string, id string) (Shard, bool, error) {
	tid, err := envInt(SlurmTaskIDEnv, id)
	if err != nil {
		return Shard{}, false, err
	}
	cv := getenv(SlurmTaskCountEnv)
	if cv == "" {
		return Shard{}, false, fmt.Errorf("%w: %s=%d is set but %s is not", ErrBadShard, SlurmTaskIDEnv, tid, SlurmTaskCountEnv)
	}
	n, err := envInt(SlurmTaskCountEnv, cv)
	if err != nil {
		return Shard{}, false, err
	}
	lo, step := 0, 1
	if v := getenv(SlurmTaskMinEnv); v != "" {
		if lo, err = envInt(SlurmTaskMinEnv, v); err != nil {
			return Shard{}, false, err
		}
	}
	if v := getenv(SlurmTaskStepEnv); v != "" {
		if step, err = envInt(SlurmTaskStepEnv, v); err != nil {
			return Shard{}, false, err
		}
		if step == 0 {
			return Shard{}, false, fmt.Errorf("%w: %s=0", ErrBadShard, SlurmTaskStepEnv)
		}
	}
	off := tid - lo
	if off < 0 || off%step != 0 || off/step >= n || n < 1 {
		return Shard{}, false, fmt.Errorf("%w: %s=%d does not fit an array of %s=%d tasks from %d in steps of %d",
			ErrBadShard, SlurmTaskIDEnv, tid, SlurmTaskCountEnv, n, lo, step)
	}
	return Shard{Index: off / step, Count: n}, true, nil
}

// envInt parses a non-negative integer environment value.
func envInt(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s=%q is not a non-negative whole number", ErrBadShard, name, v)
	}
	return n, nil
}
