package sim

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/abrkit/abrkit/traces"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJobsOrder checks the documented expansion order on testSweep:
// 3 traces × 2 params × 3 algorithms × 2 seeds = 36 jobs, traces
// outermost, seeds innermost. Job k = ((t·2 + p)·3 + a)·2 + s.
func TestJobsOrder(t *testing.T) {
	sw := testSweep()
	jobs, err := sw.Jobs()
	require.NoError(t, err)
	require.Len(t, jobs, 36)
	for i, j := range jobs {
		assert.Equal(t, i, j.Index)
		assert.Equal(t, "native", j.Profile)
	}
	type key struct {
		trace, params, abr string
		seed               uint64
	}
	k := func(j Job) key { return key{j.Trace.Name, j.Params.Label, j.ABR, j.Seed} }
	// Job 0: t0 p0 a0 s0. Job 1: seed 42. Job 2: a1 s0.
	assert.Equal(t, key{"hsdpa/bus.log", "buf30", "bba", 1}, k(jobs[0]))
	assert.Equal(t, key{"hsdpa/bus.log", "buf30", "bba", 42}, k(jobs[1]))
	assert.Equal(t, key{"hsdpa/bus.log", "buf30", "robustmpc", 1}, k(jobs[2]))
	// Job 6 = ((0·2+1)·3+0)·2+0: t0 p1 a0 s0.
	assert.Equal(t, key{"hsdpa/bus.log", "buf60", "bba", 1}, k(jobs[6]))
	// Job 12 = ((1·2+0)·3+0)·2: t1 p0 a0 s0.
	assert.Equal(t, key{"hsdpa/car.log", "buf30", "bba", 1}, k(jobs[12]))
	// Job 35: the last of everything.
	assert.Equal(t, key{"norway \"tram\".log", "buf60", "throughput,safety=0.9", 42}, k(jobs[35]))
	// TimelineFirstTrace: the 12 jobs of the first trace, and no other.
	for _, j := range jobs {
		assert.Equal(t, j.Index < 12, j.Timeline, "job %d", j.Index)
	}
}

func TestJobsDefaults(t *testing.T) {
	sw := &Sweep{ABRs: []string{"bba"}, Traces: []TraceInput{{Name: "a"}, {Name: "b"}}}
	jobs, err := sw.Jobs()
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	for _, j := range jobs {
		assert.Equal(t, DefaultParamsLabel, j.Params.Label)
		assert.Nil(t, j.Params.Value)
		assert.Equal(t, uint64(0), j.Seed)
		assert.False(t, j.Timeline)
	}
	sw.Timelines = TimelineAll
	jobs, err = sw.Jobs()
	require.NoError(t, err)
	assert.True(t, jobs[0].Timeline && jobs[1].Timeline)
}

func TestSweepValidation(t *testing.T) {
	tr := []TraceInput{{Name: "a"}}
	cases := []struct {
		name string
		sw   Sweep
		msg  string
	}{
		{"no algorithm", Sweep{Traces: tr}, "no algorithm"},
		{"no trace", Sweep{ABRs: []string{"bba"}}, "no trace"},
		{"duplicate algorithm", Sweep{ABRs: []string{"bba", "bola", "bba"}, Traces: tr}, `algorithm "bba" given twice`},
		{"duplicate trace", Sweep{ABRs: []string{"bba"}, Traces: []TraceInput{{Name: "x"}, {Name: "x"}}}, `trace "x" given twice`},
		{"empty label", Sweep{ABRs: []string{"bba"}, Traces: tr, Params: []ParamSet{{Label: ""}}}, "parameter set 0 has an empty name"},
		{"control character", Sweep{ABRs: []string{"bb\na"}, Traces: tr}, "contains a control character"},
		{"duplicate seed", Sweep{ABRs: []string{"bba"}, Traces: tr, Seeds: []uint64{3, 3}}, "seed 3 given twice"},
		{"bad policy", Sweep{ABRs: []string{"bba"}, Traces: tr, Timelines: 7}, "unknown timeline policy 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.sw.Jobs()
			require.ErrorIs(t, err, ErrBadSweep)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestListTraceFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	cooked := "0 1.5\n1 2.5\n2 0.5\n"
	write("b.log", cooked)
	write("a/x.log", cooked)
	write("a-b.log", cooked)
	write("README.md", "docs")
	write("LICENSE", "licence")
	write(".hidden", cooked)
	write(".git/objects.log", cooked)
	ins, err := ListTraceFiles(dir)
	require.NoError(t, err)
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	// Byte order: '-' (0x2d) sorts before '/' (0x2f) before letters.
	assert.Equal(t, []string{"a-b.log", "a/x.log", "b.log"}, names)
	assert.Equal(t, filepath.Join(dir, "a", "x.log"), ins[1].Path)
	tr, err := ins[1].Load()
	require.NoError(t, err)
	assert.Equal(t, traces.FormatPensieve, tr.Format)

	_, err = ListTraceFiles(t.TempDir())
	require.ErrorIs(t, err, traces.ErrNoTraces)
	_, err = TraceInput{Name: "nothing"}.Load()
	require.ErrorIs(t, err, ErrBadSweep)
}
