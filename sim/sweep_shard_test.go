package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParseShard(t *testing.T) {
	good := map[string]Shard{
		"0/1":     {0, 1},
		"0/4":     {0, 4},
		"3/4":     {3, 4},
		" 2 / 5 ": {2, 5},
	}
	for in, want := range good {
		got, err := ParseShard(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	bad := map[string]string{
		"":      "want i/N",
		"3":     "want i/N",
		"4/4":   "the index must be in 0..3 (shards count from 0)",
		"-1/4":  "the index must be in 0..3",
		"1/0":   "the shard count must be at least 1",
		"a/4":   "want i/N with whole numbers",
		"1/b":   "want i/N with whole numbers",
		"1/2/3": "want i/N with whole numbers",
	}
	for in, msg := range bad {
		_, err := ParseShard(in)
		require.ErrorIs(t, err, ErrBadShard, in)
		assert.Contains(t, err.Error(), msg, in)
		assert.Contains(t, err.Error(), `"`+in+`"`, "the error quotes the input")
	}
}

func TestShardZeroValueIsWhole(t *testing.T) {
	var s Shard
	require.NoError(t, s.Validate())
	assert.True(t, s.Whole())
	assert.Equal(t, "0/1", s.String())
	for i := range 5 {
		assert.True(t, s.Contains(i))
	}
	require.ErrorIs(t, Shard{Index: 1}.Validate(), ErrBadShard)
	require.ErrorIs(t, Shard{Index: 0, Count: -2}.Validate(), ErrBadShard)
}

// TestShardPartition: for any job count and shard count, the shards are
// disjoint, together hold every job exactly once, keep job order, and
// differ in size by at most one.
func TestShardPartition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "jobs")
		count := rapid.IntRange(1, 20).Draw(t, "shards")
		jobs := make([]Job, n)
		for i := range jobs {
			jobs[i].Index = i
		}
		seen := make([]int, n)
		sizes := map[int]bool{}
		for i := range count {
			sel := Shard{Index: i, Count: count}.Select(jobs)
			sizes[len(sel)] = true
			for k, j := range sel {
				seen[j.Index]++
				if k > 0 && sel[k-1].Index >= j.Index {
					t.Fatalf("shard %d/%d out of order", i, count)
				}
			}
		}
		for idx, c := range seen {
			if c != 1 {
				t.Fatalf("job %d in %d shards", idx, c)
			}
		}
		if len(sizes) > 2 {
			t.Fatalf("shard sizes %v differ by more than one", sizes)
		}
	})
}

func TestShardFromEnv(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want Shard
		ok   bool
		err  string
	}{
		{"nothing set", nil, Shard{}, false, ""},
		{"explicit", map[string]string{ShardEnv: "2/5"}, Shard{2, 5}, true, ""},
		{"explicit wins over slurm", map[string]string{ShardEnv: "1/2", SlurmTaskIDEnv: "0", SlurmTaskCountEnv: "4"}, Shard{1, 2}, true, ""},
		{"explicit bad", map[string]string{ShardEnv: "5/5"}, Shard{}, false, "ABRKIT_SHARD: sim: bad shard \"5/5\""},
		{"slurm 0-based", map[string]string{SlurmTaskIDEnv: "3", SlurmTaskCountEnv: "8"}, Shard{3, 8}, true, ""},
		// --array=1-8: IDs 1..8, MIN 1, so ID 1 is shard 0 and ID 8 shard 7.
		{"slurm 1-based first", map[string]string{SlurmTaskIDEnv: "1", SlurmTaskCountEnv: "8", SlurmTaskMinEnv: "1"}, Shard{0, 8}, true, ""},
		{"slurm 1-based last", map[string]string{SlurmTaskIDEnv: "8", SlurmTaskCountEnv: "8", SlurmTaskMinEnv: "1"}, Shard{7, 8}, true, ""},
		// --array=0-14:2: IDs 0, 2, …, 14, 8 tasks; ID 10 is shard 5.
		{"slurm step", map[string]string{SlurmTaskIDEnv: "10", SlurmTaskCountEnv: "8", SlurmTaskMinEnv: "0", SlurmTaskStepEnv: "2"}, Shard{5, 8}, true, ""},
		{"slurm off step", map[string]string{SlurmTaskIDEnv: "3", SlurmTaskCountEnv: "8", SlurmTaskStepEnv: "2"}, Shard{}, false, "SLURM_ARRAY_TASK_ID=3 does not fit an array of SLURM_ARRAY_TASK_COUNT=8 tasks from 0 in steps of 2"},
		{"slurm no count", map[string]string{SlurmTaskIDEnv: "3"}, Shard{}, false, "SLURM_ARRAY_TASK_ID=3 is set but SLURM_ARRAY_TASK_COUNT is not"},
		{"slurm id too big", map[string]string{SlurmTaskIDEnv: "8", SlurmTaskCountEnv: "8"}, Shard{}, false, "does not fit"},
		{"slurm not a number", map[string]string{SlurmTaskIDEnv: "x", SlurmTaskCountEnv: "8"}, Shard{}, false, `SLURM_ARRAY_TASK_ID="x" is not a non-negative whole number`},
		{"k8s", map[string]string{JobCompletionIndexEnv: "4", ShardCountEnv: "10"}, Shard{4, 10}, true, ""},
		{"k8s no count", map[string]string{JobCompletionIndexEnv: "4"}, Shard{}, false, "JOB_COMPLETION_INDEX=4 is set but ABRKIT_SHARD_COUNT is not"},
		{"k8s index too big", map[string]string{JobCompletionIndexEnv: "10", ShardCountEnv: "10"}, Shard{}, false, "JOB_COMPLETION_INDEX=10 is not below ABRKIT_SHARD_COUNT=10"},
		{"k8s negative", map[string]string{JobCompletionIndexEnv: "-1", ShardCountEnv: "10"}, Shard{}, false, `JOB_COMPLETION_INDEX="-1" is not a non-negative whole number`},
		{"slurm wins over k8s", map[string]string{SlurmTaskIDEnv: "1", SlurmTaskCountEnv: "2", JobCompletionIndexEnv: "0", ShardCountEnv: "3"}, Shard{1, 2}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, ok, err := ShardFromEnv(func(k string) string { return c.env[k] })
			if c.err != "" {
				require.ErrorIs(t, err, ErrBadShard)
				assert.Contains(t, err.Error(), c.err)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, s)
		})
	}
}
