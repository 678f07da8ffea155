package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/sim"
	"github.com/abrkit/abrkit/traces"
)

func init() {
	register(command{
		name:    "sim",
		summary: "run an ABR experiment: algorithms × traces on a video; table, CSV/JSON, plots (sim merge: join shards)",
		run:     runSim,
	})
}

// Output file names inside --out.
const (
	resultsCSVName  = "results.csv"
	resultsJSONName = "results.jsonl"
	summaryName     = "summary.txt"
)

// experiment is one sweep as the sim and demo commands run it: what to
// run, and where its outputs go.
type experiment struct {
	// sweep lists the algorithms, traces and seeds; its Profile is the
	// profile's name.
	sweep sim.Sweep
	// base is the session configuration every job starts from (profile,
	// video, QoE models).
	base sim.SessionConfig
	// models are the QoE model names in the table and the CSV columns.
	models []string
	// sabreColumns adds Sabre's metrics to the CSV.
	sabreColumns bool
	// outDir receives results.csv, results.jsonl, summary.txt and the
	// plots; empty for none.
	outDir string
	// outFiles are more files written into outDir before the run, by
	// name (the demo's traces notice).
	outFiles map[string]string
	// csvPath and jsonPath are extra result files; empty for none.
	csvPath, jsonPath string
	// workers and shard configure the run.
	workers int
	shard   sim.Shard
	// name prefixes messages on stderr ("abrkit sim").
	name string
}

// runSim is `abrkit sim` and, with "merge" first, `abrkit sim merge`.
func runSim(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return sim.MergeCommand(args[1:], stdout, stderr)
	}
	exp, code := parseSimArgs(args, stderr, os.Getenv)
	if exp == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return exp.run(ctx, stdout, stderr)
}

// stringList is a repeatable flag collecting its values.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const simUsage = `usage: abrkit sim [flags] [--traces] PATH...
       abrkit sim merge [-o FILE] [-format csv|json|jsonl] [-partial] [-summary] FILE...

Runs every algorithm on every trace on one video in a simulation profile,
prints a per-algorithm summary table, and writes per-session results and
plots. PATHs are trace files or directories (read recursively, names
relative to the directory); without any, the embedded traces are used.

  --video SPEC   envivio (embedded, default) | envivio:DIR (Pensieve's
                 video_size_0..5) | sabre:FILE (Sabre movie JSON) |
                 synth[:bitrates=300/750/1200,seg=4s,segments=150,
                 duration=10m,vbr=0.25,seed=1]
  --movie FILE   the same as --video sabre:FILE
  --profile P    native (abrkit's player on a trace-driven link, default),
                 pensieve (Pensieve's deterministic test environment) or
                 sabre (Sabre's simulator; see --sabre-args)
  --sabre-args "..."  Sabre's own flags for the sabre profile (as
                 abrkit sabre takes them; -n is --traces, -m is --movie,
                 -a is --abr in Sabre's names; implies --profile sabre)

flags:
`

// parseSimArgs parses `abrkit sim`'s command line into an experiment.
// It returns nil and the exit status after printing a message when the
// command line is wrong or asks for help.
func parseSimArgs(args []string, stderr io.Writer, getenv func(string) string) (*experiment, int) {
	fs := flag.NewFlagSet("abrkit sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tracePaths, abrs stringList
	fs.Var(&tracePaths, "traces", "trace file or directory (repeatable; more PATHs may follow)")
	fs.Var(&abrs, "abr", "algorithms, comma-separated specs such as bba,robustmpc,bola-dashjs:gamma=5 (repeatable; default bba,rb,robustmpc)")
	video := fs.String("video", "", "video model SPEC (see above)")
	movie := fs.String("movie", "", "Sabre movie JSON (same as --video sabre:FILE)")
	profile := fs.String("profile", "", "simulation profile: native, pensieve or sabre (default native)")
	qoeList := fs.String("qoe", "", "QoE models, comma-separated: lin, log, hd (default lin; none for the sabre profile, which has Sabre's metrics)")
	outDir := fs.String("out", "", "directory for "+resultsCSVName+", "+resultsJSONName+", "+summaryName+" and the plots (PNG and SVG)")
	csvPath := fs.String("csv", "", "write the per-session CSV here")
	jsonPath := fs.String("json", "", "write per-session JSON here (JSON Lines for .jsonl, else one array)")
	workers := fs.Int("workers", 0, "sessions run in parallel (default: one per CPU); the output does not depend on it")
	shard := fs.String("shard", "", "run shard i/N of the sweep (default from $"+sim.ShardEnv+", Slurm array or $"+sim.JobCompletionIndexEnv+" with $"+sim.ShardCountEnv+"); join with abrkit sim merge")
	seed := fs.Uint64("seed", 0, "seed of every session's randomness")
	sabreArgs := fs.String("sabre-args", "", "Sabre's flags for the sabre profile, e.g. \"-a bola -b 10\"")
	timelines := fs.String("timelines", "", "per-session timeline plots: none, first (each algorithm on the first trace) or all (default first with --out)")
	fs.Usage = func() {
		fmt.Fprint(stderr, simUsage)
		fs.PrintDefaults()
	}
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return nil, code
	}
	tracePaths = append(tracePaths, pos...)
	fail := func(format string, a ...any) (*experiment, int) {
		fmt.Fprintf(stderr, "abrkit sim: "+format+"\n", a...)
		return nil, 2
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	exp := &experiment{outDir: *outDir, csvPath: *csvPath, jsonPath: *jsonPath, workers: *workers, name: "abrkit sim"}
	if *workers < 0 {
		return fail("--workers %d: must not be negative", *workers)
	}

	// The Sabre flags, when given, select the sabre profile.
	var sopts *sabreOptions
	if given["sabre-args"] {
		if *profile != "" && *profile != "sabre" {
			return fail("--sabre-args needs --profile sabre, not %q", *profile)
		}
		*profile = "sabre"
		o, err := parseSabreArgLine(*sabreArgs)
		if err != nil {
			return fail("--sabre-args %q: %v", *sabreArgs, err)
		}
		sopts = o
	}
	if *profile == "" {
		*profile = "native"
	}
	if *profile == "sabre" && sopts == nil {
		o, err := parseSabreArgs(nil)
		if err != nil {
			return fail("%v", err)
		}
		sopts = o
	}
	prof, err := simProfile(*profile, sopts)
	if err != nil {
		return fail("%v", err)
	}

	// Algorithms.
	specs, err := splitABRList(abrs)
	if err != nil {
		return fail("--abr: %v", err)
	}
	if sopts != nil {
		specs, err = sopts.applyToSpecs(specs)
		if err != nil {
			return fail("%v", err)
		}
	}
	if len(specs) == 0 {
		specs = []string{"bba", "rb", "robustmpc"}
	}
	for _, s := range specs {
		if _, err := abr.New(s); err != nil {
			return fail("--abr %s: %v", s, err)
		}
	}

	// Video.
	v, err := simVideo(*video, *movie, sopts)
	if err != nil {
		return fail("%v", err)
	}

	// Traces.
	inputs, err := traceInputs(tracePaths)
	if err != nil {
		return fail("%v", err)
	}

	// QoE models.
	models, err := qoe.ParseModels(*qoeList)
	if err != nil {
		return fail("--qoe: %v", err)
	}
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Name
	}
	if !given["qoe"] {
		models, names = nil, []string{"lin"}
		if *profile == "sabre" {
			names = []string{}
		}
	}

	// Shard: the flag, else the scheduler's environment.
	if *shard != "" {
		exp.shard, err = sim.ParseShard(*shard)
		if err != nil {
			return fail("--shard: %v", err)
		}
	} else if s, ok, err := sim.ShardFromEnv(getenv); err != nil {
		return fail("%v", err)
	} else if ok {
		exp.shard = s
	}

	policy := sim.TimelineNone
	switch *timelines {
	case "":
		if *outDir != "" {
			policy = sim.TimelineFirstTrace
		}
	case "none":
	case "first":
		policy = sim.TimelineFirstTrace
	case "all":
		policy = sim.TimelineAll
	default:
		return fail("--timelines %q: want none, first or all", *timelines)
	}
	if policy != sim.TimelineNone && *outDir == "" {
		return fail("--timelines %s: timelines are plotted into --out, which is not set", *timelines)
	}

	exp.sweep = sim.Sweep{Profile: prof.Name(), ABRs: specs, Traces: inputs, Seeds: []uint64{*seed}, Timelines: policy}
	if line := strings.Join(strings.Fields(*sabreArgs), " "); line != "" {
		// The params column records the Sabre flags of every row.
		exp.sweep.Params = []sim.ParamSet{{Label: line, Value: prof}}
	}
	exp.base = sim.DefaultSessionConfig()
	exp.base.Profile = prof
	exp.base.Video = v
	exp.base.Models = models
	exp.models = names
	exp.sabreColumns = *profile == "sabre"
	return exp, 0
}

// parseSabreArgLine parses --sabre-args: Sabre's flags in one string,
// split at white space (quotes are not interpreted, and no Sabre value
// needs them), with the options `abrkit sim` takes otherwise refused.
func parseSabreArgLine(line string) (*sabreOptions, error) {
	o, err := parseSabreArgs(strings.Fields(line))
	if err != nil {
		return nil, err
	}
	switch {
	case o.given["network"]:
		return nil, fmt.Errorf("-n: give the traces with --traces")
	case o.Seek != nil:
		return nil, fmt.Errorf("-s: seeking is not supported (sabre-model Q15)")
	case o.Verbose:
		return nil, fmt.Errorf("-v: the per-download log is not available in sweeps")
	}
	return o, nil
}

// applyToSpecs returns the algorithm specs of a sabre-profile sweep: the
// --abr specs with Sabre's -ab, -ao, -noibr and -ma added where the
// algorithm has that parameter and the spec does not set it, or, without
// --abr, the -a algorithm in Sabre's naming.
func (o *sabreOptions) applyToSpecs(specs []string) ([]string, error) {
	if len(specs) == 0 {
		s, err := o.abrSpec(abr.Default)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if o.given["abr"] {
		return nil, fmt.Errorf("give the algorithms either with --abr (abrkit names) or with -a in --sabre-args (Sabre's names), not both")
	}
	out := make([]string, len(specs))
	for i, s := range specs {
		name, params, err := abr.ParseSpec(s)
		if err != nil {
			return nil, fmt.Errorf("--abr %s: %w", s, err)
		}
		info, ok := abr.Default.Lookup(name)
		if !ok {
			out[i] = s // the registry's message comes later
			continue
		}
		var extra []string
		for _, kv := range o.flagParams(info) {
			k, _, _ := strings.Cut(kv, "=")
			if _, set := params[k]; !set {
				extra = append(extra, kv)
			}
		}
		switch {
		case len(extra) == 0:
			out[i] = s
		case len(params) == 0:
			out[i] = name + ":" + strings.Join(extra, ",")
		default:
			out[i] = s + "," + strings.Join(extra, ",")
		}
	}
	return out, nil
}

// simProfile returns the named profile; the sabre profile takes Sabre's
// options.
func simProfile(name string, sopts *sabreOptions) (sim.Profile, error) {
	switch name {
	case "native":
		return sim.DefaultNativeProfile(), nil
	case "pensieve":
		return sim.DefaultPensieveProfile(), nil
	case "sabre":
		return sopts.profile()
	}
	return nil, fmt.Errorf("--profile %q: want native, pensieve or sabre", name)
}

// simVideo returns the video of --video or --movie; without either, the
// sabre profile reads -m (Sabre's default movie.json) and the others use
// the embedded Envivio video. Sabre's -ml applies in the sabre profile.
func simVideo(spec, movie string, sopts *sabreOptions) (*sim.Video, error) {
	switch {
	case spec != "" && movie != "":
		return nil, fmt.Errorf("give the video either with --video or with --movie, not both")
	case movie != "":
		spec = "sabre:" + movie
	case spec == "" && sopts != nil:
		spec = "sabre:" + sopts.Movie
	case spec == "":
		spec = "envivio"
	}
	v, err := parseVideoSpec(spec)
	if err != nil {
		return nil, err
	}
	if sopts != nil {
		v, err = repeatMovie(v, sopts.MovieLength)
		if err != nil {
			return nil, fmt.Errorf("--sabre-args: %w", err)
		}
	}
	return v, nil
}

// videoSpecKinds names the accepted spec forms, for messages.
const videoSpecKinds = "envivio, envivio:DIR, sabre:FILE, manifest:PATH or synth[:key=value,...]"

// parseVideoSpec builds the video model a --video SPEC names.
func parseVideoSpec(spec string) (*sim.Video, error) {
	kind, arg, hasArg := strings.Cut(spec, ":")
	var v *sim.Video
	var err error
	switch kind {
	case "envivio":
		if !hasArg {
			return sim.Envivio(), nil
		}
		if arg == "" {
			return nil, fmt.Errorf("video spec %q: envivio: needs a directory after the colon, or no colon for the embedded video", spec)
		}
		v, err = sim.LoadEnvivio(arg)
	case "sabre":
		if arg == "" {
			return nil, fmt.Errorf("video spec %q: sabre: needs a movie file, as in sabre:movie.json", spec)
		}
		v, err = sim.LoadSabreMovie(arg)
	case "synth":
		v, err = syntheticVideo(arg)
	case "manifest":
		if arg == "" {
			return nil, fmt.Errorf("video spec %q: manifest: needs a local MPD or playlist path, as in manifest:stream.mpd", spec)
		}
		v, err = sim.LoadManifestVideo(arg)
	default:
		return nil, fmt.Errorf("video spec %q: unknown kind %q (want %s)", spec, kind, videoSpecKinds)
	}
	if err != nil {
		return nil, fmt.Errorf("video spec %q: %w", spec, err)
	}
	return v, nil
}

// Bounds of synthetic videos, far above any real stream, that keep a
// mistyped spec from allocating without limit.
const (
	maxSynthSegments = 1_000_000
	maxSynthSegment  = 10 * time.Minute
)

// syntheticVideo parses the key=value list of a synth video spec over
// sim.DefaultSyntheticConfig.
func syntheticVideo(list string) (*sim.Video, error) {
	cfg := sim.DefaultSyntheticConfig()
	var duration time.Duration
	seen := map[string]bool{}
	for _, kv := range strings.Split(list, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("synth: %q is not key=value", kv)
		}
		if seen[k] {
			return nil, fmt.Errorf("synth: %s given twice", k)
		}
		seen[k] = true
		var err error
		switch k {
		case "bitrates":
			cfg.Bitrates, err = parseKbpsLadder(val)
		case "seg":
			cfg.SegmentDuration, err = parseSeconds(val)
		case "segments":
			cfg.Segments, err = strconv.Atoi(val)
			if err == nil && cfg.Segments <= 0 {
				err = errors.New("must be positive")
			}
		case "duration":
			duration, err = parseSeconds(val)
		case "vbr":
			cfg.VBR, err = strconv.ParseFloat(val, 64)
		case "seed":
			cfg.Seed, err = strconv.ParseUint(val, 10, 64)
		default:
			return nil, fmt.Errorf("synth: unknown key %q (known: bitrates, seg, segments, duration, vbr, seed)", k)
		}
		if err != nil {
			return nil, fmt.Errorf("synth: %s=%q: %w", k, val, err)
		}
	}
	if cfg.SegmentDuration > maxSynthSegment {
		return nil, fmt.Errorf("synth: seg=%v is longer than %v", cfg.SegmentDuration, maxSynthSegment)
	}
	if seen["duration"] {
		if seen["segments"] {
			return nil, fmt.Errorf("synth: give segments or duration, not both")
		}
		n := (duration + cfg.SegmentDuration - 1) / cfg.SegmentDuration
		if n > maxSynthSegments {
			return nil, fmt.Errorf("synth: duration=%v makes %d segments of %v, more than %d", duration, n, cfg.SegmentDuration, maxSynthSegments)
		}
		cfg.Segments = int(n)
	}
	if cfg.Segments > maxSynthSegments {
		return nil, fmt.Errorf("synth: segments=%d is more than %d", cfg.Segments, maxSynthSegments)
	}
	return sim.Synthetic(cfg)
}

// parseKbpsLadder parses "300/750/1200" (kbit/s, ascending) into bit/s.
func parseKbpsLadder(s string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(s, "/") {
		k, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(k > 0 && k < 1e9) {
			return nil, fmt.Errorf("bitrate %q is not a positive number of kbit/s", part)
		}
		b := int64(math.Round(k * 1000))
		if len(out) > 0 && b <= out[len(out)-1] {
			return nil, fmt.Errorf("bitrates must ascend (%s)", s)
		}
		out = append(out, b)
	}
	return out, nil
}

// parseSeconds parses a Go duration ("4s", "10m") or a bare number of
// seconds; the result must be positive.
func parseSeconds(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.Abs(f) > 1e9 {
			return 0, fmt.Errorf("not a duration (4s, 10m) or a number of seconds")
		}
		d = secondsDuration(f)
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return d, nil
}

// splitABRList splits --abr values into algorithm specs. Specs are
// separated by commas, but a comma also separates an algorithm's
// parameters, so a piece that is key=value without a name joins the spec
// before it: "bola:gp=5,b=10s,bba" is "bola:gp=5,b=10s" and "bba".
func splitABRList(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		open := false
		for _, piece := range strings.Split(v, ",") {
			piece = strings.TrimSpace(piece)
			if piece == "" {
				return nil, fmt.Errorf("empty algorithm in %q", v)
			}
			if open && strings.Contains(piece, "=") && !strings.Contains(piece, ":") {
				out[len(out)-1] += "," + piece
				continue
			}
			out = append(out, piece)
			open = strings.Contains(piece, ":")
		}
	}
	for i, s := range out {
		for _, prev := range out[:i] {
			if prev == s {
				return nil, fmt.Errorf("%s given twice", s)
			}
		}
	}
	return out, nil
}

// traceInputs lists the traces of PATHs: a file is one trace named by its
// file name, a directory every trace file below it named by its relative
// path. No PATH means the embedded traces.
func traceInputs(paths []string) ([]sim.TraceInput, error) {
	if len(paths) == 0 {
		trs, err := traces.Embedded()
		if err != nil {
			return nil, fmt.Errorf("embedded traces: %w", err)
		}
		out := make([]sim.TraceInput, len(trs))
		for i, tr := range trs {
			out[i] = sim.TraceInput{Name: tr.Name, Trace: tr}
		}
		return out, nil
	}
	var out []sim.TraceInput
	from := map[string]string{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("--traces: %w", err)
		}
		var ins []sim.TraceInput
		if st.IsDir() {
			ins, err = sim.ListTraceFiles(p)
			if err != nil {
				return nil, fmt.Errorf("--traces %s: %w", p, err)
			}
		} else {
			ins = []sim.TraceInput{{Name: filepath.Base(p), Path: p}}
		}
		for _, in := range ins {
			if prev, dup := from[in.Name]; dup {
				return nil, fmt.Errorf("--traces: two traces are named %q (from %s and %s); give their common parent directory instead", in.Name, prev, p)
			}
			from[in.Name] = p
		}
		out = append(out, ins...)
	}
	return out, nil
}

// run runs the experiment, writes its outputs and prints the table. It
// returns the exit status: 0 when at least one session succeeded, 1
// otherwise or when an output cannot be written or the run was
// interrupted.
func (e *experiment) run(ctx context.Context, stdout, stderr io.Writer) int {
	failf := func(format string, a ...any) int {
		fmt.Fprintf(stderr, e.name+": "+format+"\n", a...)
		return 1
	}
	jobs, err := e.sweep.Jobs()
	if err != nil {
		return failf("%v", err)
	}
	cols := sim.ResultColumns{Models: e.models, Sabre: e.sabreColumns}
	var sinks []resultSink
	closeAll := func() error {
		var errs []error
		for _, s := range sinks {
			errs = append(errs, s.close())
		}
		sinks = nil
		return errors.Join(errs...)
	}
	defer closeAll()
	addCSV := func(path string) error {
		s, err := newCSVSink(path, cols)
		if err == nil {
			sinks = append(sinks, s)
		}
		return err
	}
	addJSON := func(path string) error {
		s, err := newJSONSink(path)
		if err == nil {
			sinks = append(sinks, s)
		}
		return err
	}
	if e.outDir != "" {
		if err := os.MkdirAll(e.outDir, 0o755); err != nil {
			return failf("--out: %v", err)
		}
		for name, text := range e.outFiles {
			if err := os.WriteFile(filepath.Join(e.outDir, name), []byte(text), 0o644); err != nil {
				return failf("%v", err)
			}
		}
		if err := addCSV(filepath.Join(e.outDir, resultsCSVName)); err != nil {
			return failf("%v", err)
		}
		if err := addJSON(filepath.Join(e.outDir, resultsJSONName)); err != nil {
			return failf("%v", err)
		}
	}
	if e.csvPath != "" {
		if err := addCSV(e.csvPath); err != nil {
			return failf("%v", err)
		}
	}
	if e.jsonPath != "" {
		if err := addJSON(e.jsonPath); err != nil {
			return failf("%v", err)
		}
	}

	cfg := sim.DefaultSweepConfig()
	if e.workers > 0 {
		cfg.Workers = e.workers
	}
	cfg.Shard = e.shard
	if f, ok := stderr.(*os.File); ok && sim.IsTerminal(f) {
		cfg.Progress = stderr
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var results []sim.SessionResult
	start := time.Now()
	stats, runErr := sim.RunSweep(ctx, jobs, sim.SweepRunner(e.base), cfg, func(r *sim.SessionResult) error {
		for _, s := range sinks {
			if err := s.write(r); err != nil {
				return err
			}
		}
		results = append(results, *r)
		return nil
	})
	elapsed := time.Since(start)
	if err := closeAll(); err != nil && runErr == nil {
		runErr = err
	}

	rep := sim.NewSweepReport(results, e.models)
	if err := rep.WriteTable(stdout); err != nil {
		return failf("%v", err)
	}
	var written []string
	if e.outDir != "" {
		for name := range e.outFiles {
			written = append(written, filepath.Join(e.outDir, name))
		}
		written = append(written, filepath.Join(e.outDir, resultsCSVName), filepath.Join(e.outDir, resultsJSONName))
		if err := writeSummary(filepath.Join(e.outDir, summaryName), rep); err != nil {
			return failf("%v", err)
		}
		written = append(written, filepath.Join(e.outDir, summaryName))
		files, err := sim.WritePlots(e.outDir, results, e.models, sim.DefaultPlotConfig())
		written = append(written, files...)
		if err != nil && !errors.Is(err, sim.ErrNoPlotData) {
			return failf("plots: %v", err)
		}
	}
	shardNote := ""
	if !e.shard.Whole() {
		shardNote = " (shard " + e.shard.String() + "; join the shards' files with abrkit sim merge)"
	}
	fmt.Fprintf(stderr, "%s: %d sessions, %d failed, in %v%s\n", e.name, stats.Emitted, stats.Failed, elapsed.Round(time.Millisecond), shardNote)
	if len(written) > 0 {
		fmt.Fprintf(stderr, "%s: wrote %d files to %s (%s, plots as PNG and SVG)\n", e.name, len(written), e.outDir, resultsCSVName)
	}
	if runErr != nil {
		return failf("%v", runErr)
	}
	if stats.Emitted > 0 && stats.Failed == stats.Emitted {
		return failf("every session failed; see the error column")
	}
	return 0
}

// writeSummary writes the table to path as well.
func writeSummary(path string, rep *sim.SweepReport) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteTable(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// resultSink is one result file being written.
type resultSink struct {
	f     *os.File
	write func(*sim.SessionResult) error
	end   func() error
}

// close finishes and closes the file; it may be called again.
func (s *resultSink) close() error {
	if s.f == nil {
		return nil
	}
	err := s.end()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", s.f.Name(), err)
	}
	s.f = nil
	return err
}

func newCSVSink(path string, cols sim.ResultColumns) (resultSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return resultSink{}, err
	}
	w, err := sim.NewCSVWriter(f, cols)
	if err != nil {
		f.Close()
		return resultSink{}, fmt.Errorf("%s: %w", path, err)
	}
	return resultSink{f: f, write: w.Write, end: w.Close}, nil
}

func newJSONSink(path string) (resultSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return resultSink{}, err
	}
	layout := sim.JSONArray
	if strings.HasSuffix(path, ".jsonl") {
		layout = sim.JSONLines
	}
	w := sim.NewJSONWriter(f, layout)
	return resultSink{f: f, write: w.Write, end: w.Close}, nil
}
