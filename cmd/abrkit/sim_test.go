package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/sim"
)

// readCSV reads a CSV file into a header and rows keyed by column name.
func readCSV(t *testing.T, path string) (header []string, rows []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	header = recs[0]
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return header, rows
}

func cell(t *testing.T, row map[string]string, col string) float64 {
	t.Helper()
	v, ok := row[col]
	require.True(t, ok, "column %s", col)
	f, err := strconv.ParseFloat(v, 64)
	require.NoError(t, err, "column %s", col)
	return f
}

// TestSimPensieveProfileCSV runs Pensieve's deterministic test
// environment through the CLI on five HSDPA test traces and checks the
// CSV against the spot values of abr-literature §1.7 (QoE_lin totals over
// chunks 2..48, computed by an independent reimplementation checked
// against Pensieve's own logs).
func TestSimPensieveProfileCSV(t *testing.T) {
	test := sharedPath(t, "traces", "pensieve-hsdpa", "test")
	envivio := sharedPath(t, "traces", "videos", "envivio")
	want := map[string][3]float64{ // bb, rb, robustmpc
		"norway_bus_1":   {80.9500, 73.6172, 97.2280},
		"norway_car_1":   {45.5245, 22.2002, 47.4192},
		"norway_ferry_1": {50.8779, 61.8500, 52.0621},
		"norway_train_1": {13.3080, 30.1000, 38.0364},
		"norway_tram_1":  {17.5705, 19.0500, 12.1128},
	}
	csvPath := filepath.Join(t.TempDir(), "pensieve.csv")
	args := []string{"sim", "--profile", "pensieve", "--video", "envivio:" + envivio, "--abr", "bb,rb,robustmpc", "--csv", csvPath, "--traces"}
	for _, name := range []string{"norway_bus_1", "norway_car_1", "norway_ferry_1", "norway_train_1", "norway_tram_1"} {
		args = append(args, filepath.Join(test, name))
	}
	code, out, errs := runCLI(args...)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "robustmpc")
	assert.Contains(t, errs, "15 sessions, 0 failed")

	header, rows := readCSV(t, csvPath)
	for _, col := range []string{"trace", "abr", "qoe_lin", "rebuffer_s", "bitrate_kbps"} {
		assert.Contains(t, header, col)
	}
	require.Len(t, rows, 15)
	algs := map[string]int{"bb": 0, "rb": 1, "robustmpc": 2}
	for _, row := range rows {
		w, ok := want[row["trace"]]
		require.True(t, ok, "trace column %q is not the file name", row["trace"])
		assert.InDelta(t, w[algs[row["abr"]]], cell(t, row, "qoe_lin"), 1e-4, "%s %s", row["trace"], row["abr"])
		assert.Contains(t, row["qoe_convention"], "chunks 2..48")
		assert.GreaterOrEqual(t, cell(t, row, "rebuffer_s"), 0.0)
		// Envivio's ladder is 300..4300 kbit/s.
		assert.GreaterOrEqual(t, cell(t, row, "bitrate_kbps"), 300.0)
		assert.LessOrEqual(t, cell(t, row, "bitrate_kbps"), 4300.0)
		assert.Equal(t, "pensieve", row["profile"])
		assert.Empty(t, row["error"])
	}
}

// sabreColumnNames returns Sabre's printed metric names (from the §9
// table) lower-cased with '_' for spaces.
func sabreColumnNames(t *testing.T) []string {
	var names []string
	for _, row := range strings.Split(strings.TrimSpace(sabreModelTable), "\n")[1:] {
		names = append(names, strings.ReplaceAll(splitTableRow(row)[0], " ", "_"))
	}
	require.Len(t, names, 24)
	return names
}

// TestSimSabreProfileSweep sweeps a directory tree with the sabre profile
// and checks the CSV: Sabre's columns, trace names relative to the
// directory, and values equal to Sabre's (sabre-model §9, bola column,
// for the toy trace) and to `abrkit sabre` for the 3G trace.
func TestSimSabreProfileSweep(t *testing.T) {
	src := sharedPath(t, "traces", "sabre")
	dir := t.TempDir()
	copyFile(t, filepath.Join(src, "network.json"), filepath.Join(dir, "network.json"))
	g3 := filepath.Join(src, "mmsys18", "3Glogs", "report.2010-09-13_1003CEST.json")
	copyFile(t, g3, filepath.Join(dir, "3g", "a.json"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a trace"), 0o644))
	movie := filepath.Join(src, "movie.json")
	out := filepath.Join(t.TempDir(), "sabre.csv")

	code, stdout, errs := runCLI("sim", "--profile", "sabre", "--sabre-args", "-a bola", "--traces", dir, "--movie", movie, "--csv", out)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, stdout, "bola")
	header, rows := readCSV(t, out)
	for _, col := range append([]string{"trace"}, sabreColumnNames(t)...) {
		assert.Contains(t, header, col)
	}
	require.Len(t, rows, 2)
	assert.Equal(t, "3g/a.json", rows[0]["trace"])
	assert.Equal(t, "network.json", rows[1]["trace"])
	assert.Equal(t, "-a bola", rows[0]["params"])
	assert.Equal(t, "bola", rows[0]["abr"])

	// The toy trace row is Sabre's bola column of §9.
	toy := rows[1]
	assert.Equal(t, 2876.593494, round6(cell(t, toy, "time_average_played_bitrate")))
	assert.Equal(t, 478.523117, round6(cell(t, toy, "total_played_utility")))
	assert.Equal(t, 82.26136, round6(cell(t, toy, "total_reaction_time")))
	assert.Equal(t, 6.252272, round6(cell(t, toy, "rampup_time")))
	assert.Equal(t, 25000.0, cell(t, toy, "buffer_size"))

	// The 3G row agrees with a single `abrkit sabre` run, line by line.
	code, single, errs := runCLI("sabre", "-a", "bola", "-n", g3, "-m", movie)
	require.Equal(t, 0, code, errs)
	for _, line := range strings.Split(strings.TrimSpace(single), "\n") {
		name, val, ok := strings.Cut(line, ": ")
		require.True(t, ok, line)
		want, err := strconv.ParseFloat(val, 64)
		require.NoError(t, err)
		col := strings.ReplaceAll(name, " ", "_")
		assert.Equal(t, want, round6(cell(t, rows[0], col)), col)
	}
}

// round6 rounds to Sabre's six printed decimals.
func round6(x float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 6, 64), 64)
	return f
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, data, 0o644))
}

// TestSimShardsMergeToTheWholeSweep runs a sweep whole with one and two
// workers and as two shards, merges the shards with `abrkit sim merge`,
// and requires the same bytes every time.
func TestSimShardsMergeToTheWholeSweep(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	base := []string{"sim", "--abr", "bba,throughput", "--video", "synth:segments=20,seg=2s,seed=4", "--qoe", "lin,log"}
	for _, run := range [][]string{
		{"--workers", "1", "--csv", path("w1.csv")},
		{"--workers", "2", "--csv", path("w2.csv")},
		{"--shard", "0/2", "--csv", path("s0.csv")},
		{"--shard", "1/2", "--csv", path("s1.csv")},
	} {
		code, _, errs := runCLI(append(base, run...)...)
		require.Equal(t, 0, code, errs)
	}
	code, _, errs := runCLI("sim", "merge", path("s1.csv"), path("s0.csv"), "-o", path("merged.csv"))
	require.Equal(t, 0, code, errs)
	w1, err := os.ReadFile(path("w1.csv"))
	require.NoError(t, err)
	for _, other := range []string{"w2.csv", "merged.csv"} {
		b, err := os.ReadFile(path(other))
		require.NoError(t, err)
		assert.Equal(t, string(w1), string(b), other)
	}
	_, rows := readCSV(t, path("w1.csv"))
	assert.Len(t, rows, 10) // 5 embedded traces × 2 algorithms

	code, _, errs = runCLI("sim", "merge")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "usage: abrkit sim merge")
}

func TestSimOutDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI("sim", "--abr", "bba", "--abr", "robustmpc", "--video", "synth:segments=15,seed=2", "--out", out, "--json", filepath.Join(out, "extra.json"))
	require.Equal(t, 0, code, errs)
	assert.Contains(t, stdout, "robustmpc")
	assert.Contains(t, errs, "wrote")
	for _, f := range []string{resultsCSVName, resultsJSONName, summaryName, "extra.json", "qoe_cdf_lin.png", "qoe_cdf_lin.svg", "qoe_components_lin.svg"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	// One timeline per algorithm on the first trace.
	timelines, err := filepath.Glob(filepath.Join(out, "timeline_*.svg"))
	require.NoError(t, err)
	assert.Len(t, timelines, 2)
	summary, err := os.ReadFile(filepath.Join(out, summaryName))
	require.NoError(t, err)
	assert.Equal(t, stdout, string(summary))
	js, err := os.ReadFile(filepath.Join(out, "extra.json"))
	require.NoError(t, err)
	res, err := sim.ReadResultsJSON(strings.NewReader(string(js)), "extra.json")
	require.NoError(t, err)
	assert.Len(t, res, 10)
	assert.Equal(t, byte('['), js[0])
}

func TestVideoSpecs(t *testing.T) {
	v, err := parseVideoSpec("envivio")
	require.NoError(t, err)
	assert.Equal(t, 6, len(v.Bitrates))
	assert.Equal(t, 4*time.Second, v.SegmentDuration)

	// 1 min of 2 s segments at 300 and 750 kbit/s, no VBR: 30 segments
	// of 300000 × 2 / 8 = 75000 and 187500 bytes.
	v, err = parseVideoSpec("synth:bitrates=300/750,seg=2s,duration=1m,vbr=0,seed=3")
	require.NoError(t, err)
	assert.Equal(t, []int64{300000, 750000}, v.Bitrates)
	assert.Equal(t, 30, v.Play)
	assert.Equal(t, []int64{75000, 187500}, v.Sizes[17])

	v, err = parseVideoSpec("synth:seg=1.5,segments=4,vbr=0")
	require.NoError(t, err)
	assert.Equal(t, 1500*time.Millisecond, v.SegmentDuration)
	assert.Equal(t, 4, v.Play)

}

func TestVideoSpecsFromFiles(t *testing.T) {
	v, err := parseVideoSpec("envivio:" + sharedPath(t, "traces", "videos", "envivio"))
	require.NoError(t, err)
	assert.Equal(t, 48, v.Play) // Pensieve plays 48 of the 49 chunk sizes
	v, err = parseVideoSpec("sabre:" + sharedPath(t, "traces", "sabre", "movie.json"))
	require.NoError(t, err)
	assert.Equal(t, 199, v.Play) // Sabre's BBB: 199 × 3 s, 10 rungs
	assert.Len(t, v.Bitrates, 10)
	assert.Equal(t, 3*time.Second, v.SegmentDuration)
}

func TestVideoSpecErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{}"), 0o644))
	missing := filepath.Join(dir, "missing")
	for spec, want := range map[string]string{
		"foo":                          `video spec "foo": unknown kind "foo" (want envivio, envivio:DIR, sabre:FILE, manifest:PATH or synth[:key=value,...])`,
		"envivio:":                     `video spec "envivio:": envivio: needs a directory`,
		"envivio:" + missing:           missing,
		"sabre:":                       `video spec "sabre:": sabre: needs a movie file`,
		"sabre:" + missing:             missing,
		"sabre:" + bad:                 bad,
		"synth:vbr=x":                  `video spec "synth:vbr=x": synth: vbr="x"`,
		"synth:nosuch=1":               `synth: unknown key "nosuch" (known: bitrates, seg, segments, duration, vbr, seed)`,
		"synth:bitrates=500/300":       `bitrates must ascend (500/300)`,
		"synth:segments=0":             `synth: segments="0": must be positive`,
		"synth:seg=-1s":                `synth: seg="-1s": must be positive`,
		"synth:seed":                   `synth: "seed" is not key=value`,
		"synth:seed=1,seed=2":          `synth: seed given twice`,
		"synth:segments=3,duration=1m": `synth: give segments or duration, not both`,
		"manifest:x.mpd":               `video spec "manifest:x.mpd": bad video model: open x.mpd`,
		"manifest:":                    `video spec "manifest:": manifest: needs a local MPD or playlist path`,
	} {
		_, err := parseVideoSpec(spec)
		require.Error(t, err, spec)
		assert.Contains(t, err.Error(), want, spec)
		assert.Contains(t, err.Error(), "video spec", spec)
	}
}

func TestSplitABRList(t *testing.T) {
	got, err := splitABRList([]string{"bba, rb", "bola-dashjs:gamma=5,min_buffer=10s,robustmpc", "bolae:o"})
	require.NoError(t, err)
	assert.Equal(t, []string{"bba", "rb", "bola-dashjs:gamma=5,min_buffer=10s", "robustmpc", "bolae:o"}, got)
	_, err = splitABRList([]string{"bba,,rb"})
	assert.EqualError(t, err, `empty algorithm in "bba,,rb"`)
	_, err = splitABRList([]string{"bba", "bba"})
	assert.EqualError(t, err, "bba given twice")
}

func TestSimArgumentErrors(t *testing.T) {
	dup := t.TempDir()
	for _, d := range []string{"a", "b"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dup, d), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dup, d, "t.csv"), []byte("duration_s,rate_bps\n1,1000000\n"), 0o644))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "foo"}, `--profile "foo": want native, pensieve or sabre`},
		{[]string{"--profile", "native", "--sabre-args", "-a bola"}, `--sabre-args needs --profile sabre, not "native"`},
		{[]string{"--sabre-args", "-n x.json"}, "-n: give the traces with --traces"},
		{[]string{"--sabre-args", "-b abc"}, "argument -b/--max-buffer: invalid float value: 'abc'"},
		{[]string{"--sabre-args", "-s 1 2"}, "-s: seeking is not supported"},
		{[]string{"--sabre-args", "-a bola", "--abr", "bola"}, "either with --abr (abrkit names) or with -a"},
		{[]string{"--abr", "nosuch"}, "--abr nosuch: unknown ABR algorithm"},
		{[]string{"--abr", "bba:nokey=1"}, "--abr bba:nokey=1:"},
		{[]string{"--workers", "-1"}, "--workers -1: must not be negative"},
		{[]string{"--shard", "3/2"}, "--shard:"},
		{[]string{"--timelines", "first"}, "--timelines first: timelines are plotted into --out, which is not set"},
		{[]string{"--timelines", "some", "--out", "x"}, `--timelines "some": want none, first or all`},
		{[]string{"--video", "envivio", "--movie", "m.json"}, "either with --video or with --movie"},
		{[]string{"--qoe", "lin,nosuch"}, `--qoe: qoe: model list "lin,nosuch"`},
		{[]string{"--traces", filepath.Join(dup, "missing")}, "--traces:"},
		{[]string{filepath.Join(dup, "a"), filepath.Join(dup, "b")}, `two traces are named "t.csv"`},
		{[]string{"--video", "nope"}, `video spec "nope"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(append([]string{"sim"}, tc.args...)...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, tc.want)
		})
	}
}

func TestSimSabreFlagsApplyToABRList(t *testing.T) {
	o, err := parseSabreArgLine("-ab -ao -noibr")
	require.NoError(t, err)
	specs, err := o.applyToSpecs([]string{"bola", "bolae:o=false", "sabre-throughput:", "bba"})
	require.NoError(t, err)
	// bola has basic and o; bolae has o (set by the user) and noibr;
	// Sabre's throughput rule has noibr only; bba has none of them.
	assert.Equal(t, []string{"bola:basic=true,o=true", "bolae:o=false,noibr=true", "sabre-throughput:noibr=true", "bba"}, specs)

	o, err = parseSabreArgLine("-a throughput -noibr")
	require.NoError(t, err)
	specs, err = o.applyToSpecs(nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"sabre-throughput:noibr=true"}, specs)
}

func TestSimShardFromEnvironment(t *testing.T) {
	env := map[string]string{sim.SlurmTaskIDEnv: "3", sim.SlurmTaskCountEnv: "4"}
	exp, code := parseSimArgs([]string{"--abr", "bba"}, os.Stderr, func(k string) string { return env[k] })
	require.NotNil(t, exp, code)
	assert.Equal(t, sim.Shard{Index: 3, Count: 4}, exp.shard)
	// The flag wins over the environment.
	exp, code = parseSimArgs([]string{"--abr", "bba", "--shard", "1/2"}, os.Stderr, func(k string) string { return env[k] })
	require.NotNil(t, exp, code)
	assert.Equal(t, sim.Shard{Index: 1, Count: 2}, exp.shard)
	// A broken environment is an error naming the variable.
	var errs strings.Builder
	exp, code = parseSimArgs([]string{"--abr", "bba"}, &errs, func(k string) string {
		if k == sim.SlurmTaskIDEnv {
			return "x"
		}
		return env[k]
	})
	assert.Nil(t, exp)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs.String(), sim.SlurmTaskIDEnv)
}

func FuzzVideoSpec(f *testing.F) {
	for _, s := range []string{"envivio", "synth", "synth:bitrates=300/750,seg=2s,duration=1m,vbr=0,seed=3", "synth:segments=3", "sabre:", "foo:bar", "synth:seg=1e-9,duration=1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if !strings.HasPrefix(spec, "synth") {
			return // the other kinds read files, covered by their loaders' fuzz targets
		}
		v, err := parseVideoSpec(spec)
		if err != nil {
			require.Contains(t, err.Error(), "video spec")
			return
		}
		require.Positive(t, v.Play)
		require.NotEmpty(t, v.Bitrates)
	})
}

func FuzzSplitABRList(f *testing.F) {
	for _, s := range []string{"bba,rb", "bola:gp=5,b=10s,bba", ",", "a:b,c=d,e:f=g,h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		specs, err := splitABRList([]string{list})
		if err != nil {
			return
		}
		// Nothing is lost or invented: the specs join back to the input
		// (up to spaces around the commas).
		var parts []string
		for _, p := range strings.Split(list, ",") {
			parts = append(parts, strings.TrimSpace(p))
		}
		require.Equal(t, strings.Join(parts, ","), strings.Join(specs, ","))
	})
}
