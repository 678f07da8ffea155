package sim

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// drvShared returns ../shared/<rel> (or $ABRKIT_SHARED/<rel>), skipping
// the test when it is not there.
func drvShared(t testing.TB, rel ...string) string {
	t.Helper()
	root := os.Getenv("ABRKIT_SHARED")
	if root == "" {
		root = filepath.Join("..", "..", "shared")
	}
	p := filepath.Join(append([]string{root}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	return p
}

// drvTrace loads shared/traces/<rel>.
func drvTrace(t testing.TB, rel ...string) *traces.Trace {
	t.Helper()
	tr, err := traces.Load(drvShared(t, append([]string{"traces"}, rel...)...))
	require.NoError(t, err)
	return tr
}

func drvConstant(t testing.TB, rate int64, d time.Duration) *traces.Trace {
	t.Helper()
	tr, err := traces.Constant("constant", rate, d)
	require.NoError(t, err)
	return tr
}

// TestNativeEmbedded runs the native profile on the embedded traces with
// several stock algorithms: every session plays the whole video, starts
// within the startup threshold plus the first download, and has finite
// QoE and a bitrate on the ladder.
func TestNativeEmbedded(t *testing.T) {
	trs, err := traces.Embedded()
	require.NoError(t, err)
	v := Envivio()
	r := NewRunner()
	for _, tr := range trs {
		for _, alg := range []string{"bba", "robustmpc", "dashjs", "hlsjs", "shaka", "exoplayer", "bola"} {
			cfg := DefaultSessionConfig()
			cfg.Video, cfg.Trace, cfg.ABR = v, tr, alg
			cfg.Timeline = true
			res, err := r.Run(&cfg)
			require.NoError(t, err)
			require.Empty(t, res.Err, "%s %s", tr.Name, alg)
			s := res.Summary
			assert.Equal(t, 48, s.PlayedSegments, "%s %s", tr.Name, alg)
			assert.Greater(t, s.StartupDelay, 40*time.Millisecond, "one round trip at least")
			assert.Less(t, s.StartupDelay, time.Minute)
			assert.GreaterOrEqual(t, s.TimeWeightedBitrate, int64(300_000))
			assert.LessOrEqual(t, s.TimeWeightedBitrate, int64(4_300_000))
			lin := res.Scores["lin"]
			assert.False(t, math.IsNaN(lin.Total) || math.IsInf(lin.Total, 0))
			assert.Equal(t, 48, lin.Chunks)
			require.Len(t, res.Timeline, s.Downloads)
			for i, p := range res.Timeline {
				assert.Positive(t, p.Throughput, "download %d", i)
				if i > 0 {
					assert.GreaterOrEqual(t, p.Time, res.Timeline[i-1].Time)
				}
			}
			assert.Positive(t, res.Timeline[len(res.Timeline)-1].Estimate)
		}
	}
}

// TestNativeConstantLink checks the native timing by hand: on a constant
// 10 Mbit/s link with the default 40 ms latency, BB's first chunk
// (rung 1, 450283 bytes) arrives after 40 ms + 450283·8/10⁷ s =
// 400.2264 ms, and at 10 Mbit/s every later chunk arrives well before the
// buffer drains, so nothing stalls.
func TestNativeConstantLink(t *testing.T) {
	cfg := DefaultSessionConfig()
	cfg.Video = Envivio()
	cfg.Trace = drvConstant(t, 10_000_000, time.Hour)
	cfg.ABR = "bb"
	cfg.Timeline = true
	res, err := RunSession(cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	assert.Equal(t, 400226400*time.Nanosecond, res.Timeline[0].Time)
	assert.Equal(t, int64(10_000_000), res.Timeline[0].Throughput)
	assert.Zero(t, res.Summary.StallCount)
	assert.Equal(t, 48, res.Summary.PlayedSegments)
}

// TestNativeOutageRetries: a 12 s outage in the middle of a download
// makes the player's no-progress timeout (5 s) fire; the request is
// retried after its backoff and the session still plays to the end.
func TestNativeOutageRetries(t *testing.T) {
	tr, err := traces.Steps("outage", 12*time.Second, 3_000_000, 3_000_000, 0, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000, 3_000_000)
	require.NoError(t, err)
	cfg := DefaultSessionConfig()
	cfg.Video, cfg.Trace, cfg.ABR = Envivio(), tr, "bb"
	r := NewRunner()
	res, err := r.Run(&cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	assert.Equal(t, 48, res.Summary.PlayedSegments)
	assert.GreaterOrEqual(t, res.Summary.StallCount, 1)
	st := r.drv.s.Stats()
	assert.GreaterOrEqual(t, st.Timeouts, 1)
	assert.GreaterOrEqual(t, st.Retries, 1)
}

// TestDeterminism: the same configuration gives byte-identical JSON,
// whether run on a fresh Runner or on one that ran other sessions.
func TestDeterminism(t *testing.T) {
	v := Envivio()
	sabreTrace := drvTrace(t, "sabre", "network.json")
	hsdpa := drvTrace(t, "pensieve-hsdpa", "test", "norway_ferry_1")
	movie, err := LoadSabreMovie(drvShared(t, "traces", "sabre", "movie.json"))
	require.NoError(t, err)
	cases := []SessionConfig{
		{Profile: DefaultNativeProfile(), Video: v, Trace: hsdpa, ABR: "robustmpc", Seed: 7, Timeline: true},
		{Profile: DefaultNativeProfile(), Video: v, Trace: hsdpa, ABR: "dashjs", Seed: 7, Timeline: true},
		{Profile: DefaultPensieveProfile(), Video: v, Trace: hsdpa, ABR: "rb", Timeline: true},
		{Profile: DefaultSabreProfile(), Video: movie, Trace: sabreTrace, ABR: "bolae", Timeline: true},
	}
	encode := func(res SessionResult) []byte {
		var b bytes.Buffer
		require.NoError(t, NewJSONWriter(&b, JSONLines).Write(&res))
		return b.Bytes()
	}
	reused := NewRunner()
	var first [][]byte
	for _, c := range cases {
		res, err := RunSession(c)
		require.NoError(t, err)
		require.Empty(t, res.Err)
		first = append(first, encode(res))
	}
	for round := 0; round < 2; round++ {
		for i := len(cases) - 1; i >= 0; i-- {
			c := cases[i]
			res, err := reused.Run(&c)
			require.NoError(t, err)
			assert.Equal(t, string(first[i]), string(encode(res)), "case %d round %d", i, round)
		}
	}
}

// TestSeedReachesCore: the seed drives the player's retry jitter only,
// so two seeds give the same session on a link without failures.
func TestSeedReachesCore(t *testing.T) {
	cfg := DefaultSessionConfig()
	cfg.Video, cfg.ABR = Envivio(), "bb"
	cfg.Trace = drvConstant(t, 5_000_000, time.Hour)
	a, err := RunSession(cfg)
	require.NoError(t, err)
	cfg.Seed = 99
	b, err := RunSession(cfg)
	require.NoError(t, err)
	assert.Equal(t, a.Summary, b.Summary)
	assert.Equal(t, uint64(99), b.Seed)
}

// TestSweepRunner runs a small sweep through SweepRunner with one and two
// workers: each result equals the one RunSession gives for the job.
func TestSweepRunner(t *testing.T) {
	dir := drvShared(t, "traces", "pensieve-hsdpa", "test")
	list, err := ListTraceFiles(dir)
	require.NoError(t, err)
	sw := Sweep{Profile: "pensieve", ABRs: []string{"bb", "robustmpc"}, Traces: list[:3]}
	jobs, err := sw.Jobs()
	require.NoError(t, err)
	base := DefaultSessionConfig()
	base.Video = Envivio()
	for _, workers := range []int{1, 2} {
		var got []SessionResult
		_, err := RunSweep(context.Background(), jobs, SweepRunner(base), SweepConfig{Workers: workers}, func(r *SessionResult) error {
			got = append(got, *r)
			return nil
		})
		require.NoError(t, err)
		require.Len(t, got, len(jobs))
		for i, j := range jobs {
			tr, err := j.Trace.Load()
			require.NoError(t, err)
			cfg := base
			cfg.Profile, cfg.Trace, cfg.ABR = DefaultPensieveProfile(), tr, j.ABR
			want, err := RunSession(cfg)
			require.NoError(t, err)
			assert.Equal(t, want.Scores, got[i].Scores, "job %d", i)
			assert.Equal(t, want.Summary, got[i].Summary, "job %d", i)
			assert.Equal(t, j.Trace.Name, got[i].Trace)
			assert.Equal(t, "pensieve", got[i].Profile)
		}
	}
}

// TestSweepRunnerParams: a ParamSet's value may replace the profile or
// patch the configuration; anything else is reported as the session's
// error.
func TestSweepRunnerParams(t *testing.T) {
	base := DefaultSessionConfig()
	base.Video = Envivio()
	run := SweepRunner(base)(0)
	in := TraceInput{Name: "c", Trace: drvConstant(t, 3_000_000, time.Hour)}
	small := DefaultNativeProfile()
	small.Player.BufferGoal = 8 * time.Second
	res := run(context.Background(), Job{ABR: "bb", Trace: in, Params: ParamSet{Label: "p", Value: Profile(small)}})
	require.Empty(t, res.Err)
	res2 := run(context.Background(), Job{ABR: "bb", Trace: in, Params: ParamSet{Label: "q", Value: ConfigPatch(func(c *SessionConfig) { c.Profile = DefaultPensieveProfile() })}})
	require.Empty(t, res2.Err)
	assert.Equal(t, "pensieve", res2.Profile)
	assert.NotEqual(t, res.Summary, res2.Summary)
	bad := run(context.Background(), Job{ABR: "bb", Trace: in, Params: ParamSet{Label: "x", Value: 3}})
	assert.Contains(t, bad.Err, "unsupported value int")
	unknown := run(context.Background(), Job{ABR: "nope", Trace: in})
	assert.Contains(t, unknown.Err, "nope")
}

func TestBadSessions(t *testing.T) {
	_, err := RunSession(SessionConfig{})
	assert.ErrorIs(t, err, ErrBadSession)
	cfg := DefaultSessionConfig()
	cfg.Video, cfg.Trace, cfg.ABR = Envivio(), drvConstant(t, 1_000_000, time.Minute), "no-such-abr"
	_, err = RunSession(cfg)
	assert.ErrorIs(t, err, ErrBadSession)
	_, err = ProfileByName("exoplayer")
	assert.ErrorIs(t, err, ErrBadSession)
	for _, n := range ProfileNames() {
		p, err := ProfileByName(n)
		require.NoError(t, err)
		assert.Equal(t, n, p.Name())
	}
}

// TestMaxTime: a session that cannot finish within MaxTime fails with
// ErrStuck in its result.
func TestMaxTime(t *testing.T) {
	cfg := DefaultSessionConfig()
	cfg.Video, cfg.ABR = Envivio(), "bb"
	cfg.Trace = drvConstant(t, 1_000_000, time.Hour)
	cfg.MaxTime = 30 * time.Second
	res, err := RunSession(cfg)
	require.NoError(t, err)
	assert.Contains(t, res.Err, "virtual time limit")
}

// TestCancelled: a cancelled context stops the session.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := DefaultSessionConfig()
	cfg.Video, cfg.ABR = Envivio(), "bb"
	cfg.Trace = drvConstant(t, 10_000_000, time.Hour)
	cfg.Context = ctx
	res, err := RunSession(cfg)
	require.NoError(t, err)
	assert.Contains(t, res.Err, context.Canceled.Error())
}
