package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// drvBench runs b.N sessions, session i on trs[i % len(trs)], with one
// Runner (as one sweep worker does), and reports sessions/s of wall time,
// sessions per CPU second (getrusage, robust to other load on the
// machine), segments (downloads) per second and heap allocations per
// downloaded segment. Run with -cpu 1 for per-core figures.
func drvBench(b *testing.B, base SessionConfig, trs []*traces.Trace) {
	r := NewRunner()
	cfg := base
	var downloads int
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	cpu0 := drvCPUTime()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg.Trace = trs[i%len(trs)]
		res, err := r.Run(&cfg)
		if err != nil || res.Err != "" {
			b.Fatalf("%s: %v %s", cfg.Trace.Name, err, res.Err)
		}
		downloads += res.Summary.Downloads
	}
	b.StopTimer()
	cpu := drvCPUTime() - cpu0
	runtime.ReadMemStats(&ms1)
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/wall, "sessions/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "sessions/cpu-s")
	}
	b.ReportMetric(float64(downloads)/wall, "segments/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(downloads), "allocs/segment")
}

func drvLoadDir(b *testing.B, rel ...string) []*traces.Trace {
	trs, err := traces.LoadDir(drvShared(b, append([]string{"traces"}, rel...)...))
	require.NoError(b, err)
	return trs
}

// BenchmarkSabreSweep3G is `abrkit sim --profile sabre` with Sabre's
// `-a bola -b 10` over mmsys18/3Glogs with bbb.json (86 traces of ~200
// segments; Sabre itself runs about 21 such sessions/s per core). Each
// session builds the network model of its trace, as a sweep does.
func BenchmarkSabreSweep3G(b *testing.B) {
	trs := drvLoadDir(b, "sabre", "mmsys18", "3Glogs")
	v, err := LoadSabreMovie(drvShared(b, "traces", "sabre", "mmsys18", "bbb.json"))
	require.NoError(b, err)
	p := DefaultSabreProfile()
	p.BufferSize = 10 * time.Second
	cfg := DefaultSessionConfig()
	cfg.Profile, cfg.Video, cfg.ABR = p, v, "bola"
	drvBench(b, cfg, trs)
}

// BenchmarkNativeHSDPA runs the native profile with bba and robustmpc on
// Envivio over the Pensieve HSDPA test set (142 traces, 48 segments each).
func BenchmarkNativeHSDPA(b *testing.B) {
	trs := drvLoadDir(b, "pensieve-hsdpa", "test")
	for _, alg := range []string{"bba", "robustmpc"} {
		b.Run(alg, func(b *testing.B) {
			cfg := DefaultSessionConfig()
			cfg.Video, cfg.ABR = Envivio(), alg
			drvBench(b, cfg, trs)
		})
	}
}

// BenchmarkPensieveHSDPA runs Pensieve's environment with robustMPC over
// the HSDPA test set.
func BenchmarkPensieveHSDPA(b *testing.B) {
	trs := drvLoadDir(b, "pensieve-hsdpa", "test")
	cfg := DefaultSessionConfig()
	cfg.Profile, cfg.Video, cfg.ABR = DefaultPensieveProfile(), Envivio(), "robustmpc"
	drvBench(b, cfg, trs)
}
