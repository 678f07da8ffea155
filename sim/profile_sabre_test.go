package sim

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drvSabreExample reads testdata/sabre-example.txt: configuration name →
// the 24 lines Sabre printed.
func drvSabreExample(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sabre-example.txt"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#") || l == "":
		case strings.HasPrefix(l, "== "):
			cur = strings.TrimPrefix(l, "== ")
		default:
			out[cur] = append(out[cur], l)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// drvSabreConfig is a sabre-profile session on shared/traces/sabre/<trace>
// with the movie at <movie>.
func drvSabreConfig(t testing.TB, movie string, trace ...string) SessionConfig {
	t.Helper()
	v, err := LoadSabreMovie(drvShared(t, "traces", "sabre", movie))
	require.NoError(t, err)
	cfg := DefaultSessionConfig()
	cfg.Profile = DefaultSabreProfile()
	cfg.Video = v
	cfg.Trace = drvTrace(t, append([]string{"sabre"}, trace...)...)
	return cfg
}

// sabreEstimateLines are the four estimate-accuracy lines that
// sabre-model §12.11 allows to differ in the last digit (Go's math.Pow
// is not glibc's pow in the last bit).
var sabreEstimateLines = map[string]bool{
	"over estimate count": true, "over estimate": true,
	"leq estimate count": true, "leq estimate": true,
}

// TestSabreExample reproduces every line Sabre printed for its toy
// example (sabre-model §9) in eight configurations, through the player
// core, both with the profile's step handling and with every progress
// step reported to the core.
func TestSabreExample(t *testing.T) {
	want := drvSabreExample(t)
	cases := []struct {
		name, abr, replace string
	}{
		{"bola", "bola", ""},
		{"bola_basic_o", "bola:basic,o", ""},
		{"bolae", "bolae", ""},
		{"bola_pl", "bolae:noibr", ""},
		{"throughput", "sabre-throughput", ""},
		{"dynamic", "dynamic", ""},
		{"dynamicdash", "dynamicdash", ""},
		{"bolae_fs_left", "bolae", "left"},
	}
	require.Len(t, want, len(cases))
	r := NewRunner()
	for _, c := range cases {
		for _, every := range []bool{false, true} {
			cfg := drvSabreConfig(t, "movie.json", "network.json")
			p := DefaultSabreProfile()
			p.Replace, p.CoreEveryStep = c.replace, every
			cfg.Profile, cfg.ABR = p, c.abr
			res, err := r.Run(&cfg)
			require.NoError(t, err)
			require.Empty(t, res.Err, c.name)
			require.NotNil(t, res.Sabre)
			got := strings.Split(strings.TrimSuffix(res.Sabre.String(), "\n"), "\n")
			require.Len(t, got, 24)
			for i, line := range want[c.name] {
				name, val, _ := strings.Cut(line, ": ")
				if !sabreEstimateLines[name] {
					assert.Equal(t, line, got[i], "%s (every step %t)", c.name, every)
					continue
				}
				gname, gval, _ := strings.Cut(got[i], ": ")
				require.Equal(t, name, gname)
				w, _ := strconv.ParseFloat(val, 64)
				g, _ := strconv.ParseFloat(gval, 64)
				assert.InDelta(t, w, g, 1e-6, "%s: %s (every step %t)", c.name, name, every)
			}
			assert.Zero(t, r.SabreReplaceWarnings())
		}
	}
}

// TestSabreCoreAgrees runs Sabre's algorithms over the first 3G traces
// with -b 10, where abandonments are frequent (quirk Q2): the profile
// checks the core against Sabre's float model at every decision and
// request, and the core's stall time must equal Sabre's total rebuffer.
// The per-step mode must give the same metrics.
func TestSabreCoreAgrees(t *testing.T) {
	dir := drvShared(t, "traces", "sabre", "mmsys18", "3Glogs")
	list, err := ListTraceFiles(dir)
	require.NoError(t, err)
	v, err := LoadSabreMovie(drvShared(t, "traces", "sabre", "mmsys18", "bbb.json"))
	require.NoError(t, err)
	r := NewRunner()
	abandoned := 0
	for _, in := range list[:6] {
		tr, err := in.Load()
		require.NoError(t, err)
		for _, alg := range []string{"bola", "bolae", "sabre-throughput", "dynamicdash"} {
			var first string
			for _, every := range []bool{false, true} {
				p := DefaultSabreProfile()
				p.BufferSize = 10 * time.Second
				p.CoreEveryStep = every
				cfg := DefaultSessionConfig()
				cfg.Profile, cfg.Video, cfg.Trace, cfg.ABR = p, v, tr, alg
				res, err := r.Run(&cfg)
				require.NoError(t, err)
				require.Empty(t, res.Err, "%s %s", in.Name, alg)
				m := res.Sabre
				assert.InDelta(t, m.TotalRebuffer, res.Summary.StallTime.Seconds(), 1e-6, "%s %s", in.Name, alg)
				assert.Equal(t, 199, res.Summary.PlayedSegments)
				abandoned += res.Summary.AbandonedDownloads
				if !every {
					first = m.String()
				} else {
					assert.Equal(t, first, m.String(), "%s %s", in.Name, alg)
				}
			}
		}
	}
	assert.Greater(t, abandoned, 100, "the sessions must exercise abandonment")
}

// TestSabreOptions runs the profile's other options: -noa, -r right with
// a large buffer, the sliding-window estimator, -nm, -rmp, and an
// algorithm that is not Sabre's. Hand checks: with -noa nothing is
// abandoned; -nm 2 on the toy trace doubles every rate, so the time
// average bitrate rises; -rmp 0 ramps up at the first segment, i.e. at
// segment 0's download time (75 ms + 886360 bits / 5000 kbit/s =
// 252.272 ms).
func TestSabreOptions(t *testing.T) {
	base := drvSabreConfig(t, "movie.json", "network.json")
	run := func(abr string, edit func(*SabreProfile)) SessionResult {
		t.Helper()
		p := DefaultSabreProfile()
		edit(&p)
		cfg := base
		cfg.Profile, cfg.ABR = p, abr
		res, err := RunSession(cfg)
		require.NoError(t, err)
		require.Empty(t, res.Err, abr)
		require.NotNil(t, res.Sabre)
		return res
	}
	plain := run("bola", func(*SabreProfile) {})
	noa := run("bola", func(p *SabreProfile) { p.NoAbandon = true })
	assert.Zero(t, noa.Summary.AbandonedDownloads)
	assert.Positive(t, plain.Summary.AbandonedDownloads)

	right := run("bolae", func(p *SabreProfile) { p.Replace = "right"; p.BufferSize = 60 * time.Second })
	assert.Positive(t, right.Summary.Replacements)
	assert.Equal(t, 60000.0, right.Sabre.BufferSize)

	sliding := run("sabre-throughput", func(p *SabreProfile) { p.MovingAverage = "sliding" })
	ewma := run("sabre-throughput", func(*SabreProfile) {})
	assert.NotEqual(t, sliding.Sabre.OverEstimate, ewma.Sabre.OverEstimate)

	fast := run("bolae", func(p *SabreProfile) { p.NetworkMultiplier = 2 })
	slow := run("bolae", func(*SabreProfile) {})
	assert.Greater(t, fast.Sabre.TimeAveragePlayedBitrate, slow.Sabre.TimeAveragePlayedBitrate)

	rmp := run("bolae", func(p *SabreProfile) { p.RampupThreshold = 0 })
	assert.InDelta(t, 0.252272, rmp.Sabre.RampupTime, 1e-9)

	other := run("bba", func(*SabreProfile) {})
	assert.Equal(t, 199, other.Summary.PlayedSegments)
	assert.Positive(t, other.Sabre.TotalPlayedBitrate)
	for _, alg := range []string{"dashjs", "hlsjs"} { // abandoners that are not Sabre's
		res := run(alg, func(*SabreProfile) {})
		assert.Equal(t, 199, res.Summary.PlayedSegments, alg)
	}
}

// TestSabreMovieLength: -ml 180 repeats the 3 s movie to 60 segments.
func TestSabreMovieLength(t *testing.T) {
	cfg := drvSabreConfig(t, "movie.json", "network.json")
	v, err := cfg.Video.Repeat(180 * time.Second)
	require.NoError(t, err)
	cfg.Video, cfg.ABR = v, "bolae"
	res, err := RunSession(cfg)
	require.NoError(t, err)
	require.Empty(t, res.Err)
	assert.Equal(t, 60, res.Summary.PlayedSegments)
}

func TestSabreBadProfile(t *testing.T) {
	cfg := drvSabreConfig(t, "movie.json", "network.json")
	cfg.ABR = "bola"
	for _, edit := range []func(*SabreProfile){
		func(p *SabreProfile) { p.BufferSize = 0 },
		func(p *SabreProfile) { p.BufferSize = time.Second },
		func(p *SabreProfile) { p.Replace = "custom.py" },
		func(p *SabreProfile) { p.MovingAverage = "median" },
		func(p *SabreProfile) { p.HalfLives = nil },
		func(p *SabreProfile) { p.MovingAverage, p.Windows = "sliding", []int{0} },
	} {
		p := DefaultSabreProfile()
		edit(&p)
		cfg.Profile = p
		_, err := RunSession(cfg)
		assert.ErrorIs(t, err, ErrBadSession)
	}
}
