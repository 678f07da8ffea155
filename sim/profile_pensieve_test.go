package sim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/qoe"
)

// drvScripted fetches rungs[i] for segment i (Pensieve's RL agent is not
// in the repository; its first three rungs are written down instead).
type drvScripted struct{ rungs []int }

func (a *drvScripted) Name() string { return "script" }
func (a *drvScripted) Decide(s *abr.Snapshot) abr.Decision {
	q := a.rungs[min(s.Segment, len(a.rungs)-1)]
	return abr.Decision{Rung: q, Reason: abr.Reason{Rule: "script"}}
}
func (a *drvScripted) Startup(s *abr.Snapshot) abr.Decision { return a.Decide(s) }

func drvPensieveConfig(t testing.TB, trace string) SessionConfig {
	t.Helper()
	cfg := DefaultSessionConfig()
	cfg.Profile = DefaultPensieveProfile()
	cfg.Video = Envivio()
	cfg.Trace = drvTrace(t, "pensieve-hsdpa", "test", trace)
	return cfg
}

// TestPensieveThreeChunkLog reproduces the first three lines of
// Pensieve's log_sim_rl_norway_bus_1 (abr-literature §1.7): the RL agent
// fetched rungs 1, 4 and 3 on the HSDPA test trace norway_bus_1.
//
// Chunk 0 (rung 1, 450283 bytes) starts at the first sample with an empty
// buffer: delay 887.2836624630917 ms (RTT included), all of it rebuffering
// (0.8872836624630916 s), buffer 4 s afterwards. Chunk 1 (rung 4) takes
// 2928.2371844001777 ms, leaving 4 − 2.928… + 4 = 5.071762815599823 s.
// Chunk 2 (rung 3) takes 2017.673021335005 ms: 7.054089794264818 s.
// Rewards: 0.75 − 4.3 × 0.887… = −3.0653197…; 2.85 − |2.85 − 0.75| = 0.75;
// 1.85 − |1.85 − 2.85| = 0.85.
func TestPensieveThreeChunkLog(t *testing.T) {
	cfg := drvPensieveConfig(t, "norway_bus_1")
	cfg.Algorithm = &drvScripted{rungs: []int{1, 4, 3}}
	r := NewRunner()
	res, err := r.Run(&cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	log := r.PensieveLog()
	require.Len(t, log, 48)

	assert.Equal(t, int64(750_000), log[0].Bitrate)
	assert.Equal(t, 887.2836624630917, log[0].DelayMs)
	assert.Equal(t, 0.8872836624630916, log[0].RebufferS)
	assert.Equal(t, 4.0, log[0].BufferS)
	assert.Equal(t, int64(450283), log[0].SizeBytes)
	assert.InDelta(t, -3.0653197485912937, log[0].Reward, 1e-15)

	assert.Equal(t, int64(2_850_000), log[1].Bitrate)
	assert.Equal(t, 2928.2371844001777, log[1].DelayMs)
	assert.Equal(t, 0.0, log[1].RebufferS)
	assert.Equal(t, 5.071762815599823, log[1].BufferS)
	assert.InDelta(t, 0.75, log[1].Reward, 1e-15)

	assert.Equal(t, int64(1_850_000), log[2].Bitrate)
	assert.Equal(t, 2017.673021335005, log[2].DelayMs)
	assert.Equal(t, 0.0, log[2].RebufferS)
	assert.Equal(t, 7.054089794264818, log[2].BufferS)
	assert.InDelta(t, 0.85, log[2].Reward, 1e-15)

	// The lines as Pensieve writes them: time stamp (s) and delay as
	// Python 2's str (12 significant digits), the rest as repr.
	var b []byte
	b = qoe.AppendPensieveLogLine(b, log[0])
	assert.Equal(t, "0.887283662463\t750\t4.0\t0.8872836624630916\t450283\t887.283662463\t-3.065319748591294\n", string(b))
	b = qoe.AppendPensieveLogLine(b[:0], log[1])
	assert.Regexp(t, `^3\.81552084686\t2850\t5\.071762815599823\t0\.0\t1431809\t2928\.2371844\t0\.75\d*\n$`, string(b))
	b = qoe.AppendPensieveLogLine(b[:0], log[2])
	assert.Regexp(t, `^5\.8331938682\t1850\t7\.054089794264818\t0\.0\t\d+\t2017\.67302134\t0\.85\d*\n$`, string(b))
}

// TestPensieveSpotValues reproduces the QoE_lin totals over chunks 2..48
// of abr-literature §1.7 for Pensieve's bb, rb and robustMPC on five
// HSDPA test traces, each trace from its first sample with fresh
// algorithm state (robustMPC's error history reset per session).
func TestPensieveSpotValues(t *testing.T) {
	want := map[string][3]float64{
		"norway_bus_1":   {80.9500, 73.6172, 97.2280},
		"norway_car_1":   {45.5245, 22.2002, 47.4192},
		"norway_ferry_1": {50.8779, 61.8500, 52.0621},
		"norway_train_1": {13.3080, 30.1000, 38.0364},
		"norway_tram_1":  {17.5705, 19.0500, 12.1128},
	}
	r := NewRunner()
	for trace, w := range want {
		for i, alg := range []string{"bb", "rb", "robustmpc"} {
			cfg := drvPensieveConfig(t, trace)
			cfg.ABR = alg
			res, err := r.Run(&cfg)
			require.NoError(t, err)
			require.Empty(t, res.Err, "%s %s", trace, alg)
			sc := res.Scores["lin"]
			assert.InDelta(t, w[i], sc.Total, 1e-4, "%s %s", trace, alg)
			assert.Equal(t, 2, sc.FirstChunk)
			assert.Equal(t, 48, sc.LastChunk)
		}
	}
}

// TestPensieveCoreAgrees runs robustMPC, BB and BOLA-O (which asks for
// delays, idle time in the profile) over the whole HSDPA test set: every
// session must complete without the core and Pensieve's float model
// diverging (the profile checks request times and buffer levels at every
// chunk), and the core's own stall time must equal Pensieve's rebuffering
// after the first chunk (which the core counts as startup).
func TestPensieveCoreAgrees(t *testing.T) {
	dir := drvShared(t, "traces", "pensieve-hsdpa", "test")
	list, err := ListTraceFiles(dir)
	require.NoError(t, err)
	require.Len(t, list, 142)
	r := NewRunner()
	for _, in := range list {
		tr, err := in.Load()
		require.NoError(t, err)
		for _, alg := range []string{"robustmpc", "bb", "bola:o"} {
			cfg := DefaultSessionConfig()
			cfg.Profile = DefaultPensieveProfile()
			cfg.Video = Envivio()
			cfg.Trace = tr
			cfg.ABR = alg
			res, err := r.Run(&cfg)
			require.NoError(t, err)
			require.Empty(t, res.Err, "%s %s", in.Name, alg)
			var rebuf float64
			for _, l := range r.PensieveLog()[1:] {
				rebuf += l.RebufferS
			}
			assert.InDelta(t, rebuf, res.Summary.StallTime.Seconds(), 48e-9, "%s %s", in.Name, alg)
			assert.InDelta(t, r.PensieveLog()[0].RebufferS, res.Summary.StartupDelay.Seconds(), 1e-9)
			assert.Equal(t, 48, res.Summary.PlayedSegments)
		}
	}
}

// TestPensieveSleep: a fast link fills the 60 s buffer, after which every
// chunk is followed by a whole number of 500 ms sleeps that bring the
// buffer back to at most 60 s, in the core and in the log alike.
func TestPensieveSleep(t *testing.T) {
	cfg := drvPensieveConfig(t, "norway_train_1")
	cfg.Trace = drvConstant(t, 100_000_000, time.Hour)
	cfg.Algorithm = &drvScripted{rungs: []int{1}}
	r := NewRunner()
	res, err := r.Run(&cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	log := r.PensieveLog()
	var slept int
	for i, l := range log {
		assert.LessOrEqual(t, l.BufferS, 60.0, "chunk %d", i)
		if i > 0 && l.BufferS < log[i-1].BufferS+4-l.DelayMs/1000-1e-9 {
			slept++
		}
	}
	// 750 kbit/s chunks of ~0.45 MB at 95 Mbit/s take ~118 ms: the buffer
	// grows by ~3.88 s per chunk and hits the cap after 15 chunks.
	assert.Greater(t, slept, 25)
	assert.Zero(t, res.Summary.StallCount)
}

func TestPensieveBadDefaultRung(t *testing.T) {
	cfg := drvPensieveConfig(t, "norway_bus_1")
	p := DefaultPensieveProfile()
	p.DefaultRung = 6
	cfg.Profile = p
	cfg.ABR = "bb"
	_, err := RunSession(cfg)
	assert.ErrorIs(t, err, ErrBadSession)
}

// TestPensieveDecisionDelay: Pensieve's environment has no decision
// delays; BOLA-O's are idle time: the log's time stamp grows by more than
// the download and the 500 ms sleeps.
func TestPensieveDecisionDelay(t *testing.T) {
	cfg := drvPensieveConfig(t, "norway_ferry_1")
	cfg.ABR = "bola:o"
	r := NewRunner()
	res, err := r.Run(&cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	log := r.PensieveLog()
	idle := 0
	for i := 1; i < len(log); i++ {
		gap := log[i].TimeStampMs - log[i-1].TimeStampMs - log[i].DelayMs
		if rest := math.Mod(gap, 500); rest > 1e-6 && rest < 500-1e-6 {
			idle++
		}
	}
	assert.Positive(t, idle)
}
