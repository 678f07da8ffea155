package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/sim"
	"github.com/abrkit/abrkit/traces"
)

func init() {
	register(command{
		name:    "sabre",
		summary: "run one session like `python3 sabre.py` (same flags, same printed metrics)",
		run:     runSabre,
	})
}

// runSabre is `abrkit sabre`: a drop-in for Sabre's command line
// (UMass-LIDS/sabre src/sabre.py at 09b03bb). It takes Sabre's flags,
// parsed as Python's argparse parses them, runs one session in the sabre
// profile and prints what Sabre prints: BOLA-E's buffer size first when
// Sabre does, one "WARNING: too late to replace" per late replacement,
// then the "name: value" metric lines. Exit status: 0 on success, 1 when
// the session cannot run (a missing file, Sabre's unimplemented bba),
// 2 for a command-line error.
func runSabre(args []string, stdout, stderr io.Writer) int {
	p := newSabreParser("abrkit sabre")
	vals, err := p.parse(args)
	if errors.Is(err, errPyHelp) {
		p.writeHelp(stdout)
		return 0
	}
	if err != nil {
		p.writeUsage(stderr)
		fmt.Fprintf(stderr, "%s: error: %v\n", p.prog, err)
		return 2
	}
	opts, err := sabreOptionsFrom(vals)
	if err != nil {
		fmt.Fprintf(stderr, "abrkit sabre: %v\n", err)
		return 2
	}
	if opts.Seek != nil {
		fmt.Fprintf(stderr, "abrkit sabre: -s %v %v: seeking is not supported; Sabre's seek is a proof-of-concept hack (sabre-model Q15) that the sabre profile does not reproduce\n", opts.Seek[0], opts.Seek[1])
		return 2
	}
	if opts.Verbose {
		fmt.Fprintln(stderr, "abrkit sabre: -v: Sabre's per-download log is not reproduced; printing the metrics only")
	}
	out, err := opts.run()
	if err != nil {
		fmt.Fprintf(stderr, "abrkit sabre: %v\n", err)
		var usage *sabreUsageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "abrkit sabre: %v\n", err)
		return 1
	}
	return 0
}

// sabreUsageError is an option value the sabre profile cannot run, as
// opposed to a failure while running (exit status 2 instead of 1).
type sabreUsageError struct{ msg string }

func (e *sabreUsageError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error {
	return &sabreUsageError{msg: fmt.Sprintf(format, a...)}
}

// sabreOptions are Sabre's command-line options after parsing, with
// Sabre's defaults for those not given.
type sabreOptions struct {
	Network           string
	NetworkMultiplier float64
	Movie             string
	// MovieLength is -ml in seconds; nil when not given.
	MovieLength   *float64
	ABR           string
	Basic         bool
	Osc           bool
	GammaP        float64
	NoIBR         bool
	MovingAverage string
	WindowSize    []int
	HalfLife      []float64
	// Seek is -s WHEN WHERE in seconds; nil when not given.
	Seek    []float64
	Replace string
	// MaxBuffer is -b in seconds.
	MaxBuffer float64
	NoAbandon bool
	// Rampup is -rmp; nil when not given.
	Rampup  *int
	Verbose bool
	// given records which options appeared on the command line, by
	// destination name.
	given map[string]bool
}

// sabreAlgorithms maps Sabre's -a names to abrkit's registry names.
// Sabre's ThroughputRule is registered as "sabre-throughput" because
// "throughput" is abrkit's own throughput rule.
var sabreAlgorithms = map[string]string{
	"bolae":       "bolae",
	"bola":        "bola",
	"throughput":  "sabre-throughput",
	"dynamic":     "dynamic",
	"dynamicdash": "dynamicdash",
}

// sabreAlgorithmNames lists Sabre's algorithm names in Sabre's order,
// for messages.
const sabreAlgorithmNames = "bola, bolae, throughput, dynamic, dynamicdash"

// newSabreParser returns the argparse-like parser of Sabre's options,
// declared in Sabre's order (the order shows in ambiguity messages).
func newSabreParser(prog string) *pyParser {
	p := &pyParser{prog: prog, description: "Simulate an ABR session (a drop-in for UMass-LIDS/sabre src/sabre.py, run on abrkit's player core in the sabre profile)."}
	p.add(&pyOption{flags: []string{"-n", "--network"}, dest: "network", nargs: 1, metavar: "NETWORK", def: "network.json", help: "Specify the .json file describing the network trace."})
	p.add(&pyOption{flags: []string{"-nm", "--network-multiplier"}, dest: "network_multiplier", nargs: 1, metavar: "MULTIPLIER", typ: pyFloat, def: "1", help: "Multiply throughput by MULTIPLIER."})
	p.add(&pyOption{flags: []string{"-m", "--movie"}, dest: "movie", nargs: 1, metavar: "MOVIE", def: "movie.json", help: "Specify the .json file describing the movie chunks."})
	p.add(&pyOption{flags: []string{"-ml", "--movie-length"}, dest: "movie_length", nargs: 1, metavar: "LEN", typ: pyFloat, def: "None", help: "Specify the movie length in seconds (use MOVIE length if None)."})
	p.add(&pyOption{flags: []string{"-a", "--abr"}, dest: "abr", nargs: 1, metavar: "ABR", def: "bolae", help: "Choose ABR algorithm from predefined list (" + sabreAlgorithmNames + ") or any abrkit algorithm name (abrkit extension)."})
	p.add(&pyOption{flags: []string{"-ab", "--abr-basic"}, dest: "abr_basic", def: "False", help: "Set ABR to BASIC (ABR strategy dependant)."})
	p.add(&pyOption{flags: []string{"-ao", "--abr-osc"}, dest: "abr_osc", def: "False", help: "Set ABR to minimize oscillations."})
	p.add(&pyOption{flags: []string{"-gp", "--gamma-p"}, dest: "gamma_p", nargs: 1, metavar: "GAMMAP", typ: pyFloat, def: "5", help: "Specify the (gamma p) product in seconds."})
	p.add(&pyOption{flags: []string{"-noibr", "--no-insufficient-buffer-rule"}, dest: "no_insufficient_buffer_rule", def: "False", help: "Disable Insufficient Buffer Rule."})
	p.add(&pyOption{flags: []string{"-ma", "--moving-average"}, dest: "moving_average", nargs: 1, metavar: "AVERAGE", choices: []string{"sliding", "ewma"}, def: "ewma", help: "Specify the moving average strategy (sliding, ewma)."})
	p.add(&pyOption{flags: []string{"-ws", "--window-size"}, dest: "window_size", nargs: nargsPlus, metavar: "WINDOW_SIZE", typ: pyInt, def: "[3]", help: "Specify sliding window size."})
	p.add(&pyOption{flags: []string{"-hl", "--half-life"}, dest: "half_life", nargs: nargsPlus, metavar: "HALF_LIFE", typ: pyFloat, def: "[3, 8]", help: "Specify EWMA half life."})
	p.add(&pyOption{flags: []string{"-s", "--seek"}, dest: "seek", nargs: 2, metavars: []string{"WHEN", "SEEK"}, typ: pyFloat, def: "None", help: "Specify when to seek in seconds and where to seek in seconds (not supported by abrkit)."})
	p.add(&pyOption{flags: []string{"-r", "--replace"}, dest: "replace", nargs: 1, metavar: "REPLACEMENT", def: "none", help: "Set replacement strategy from predefined list (none, left, right)."})
	p.add(&pyOption{flags: []string{"-b", "--max-buffer"}, dest: "max_buffer", nargs: 1, metavar: "MAXBUFFER", typ: pyFloat, def: "25", help: "Specify the maximum buffer size in seconds."})
	p.add(&pyOption{flags: []string{"-noa", "--no-abandon"}, dest: "no_abandon", def: "False", help: "Disable abandonment."})
	p.add(&pyOption{flags: []string{"-rmp", "--rampup-threshold"}, dest: "rampup_threshold", nargs: 1, metavar: "THRESHOLD", typ: pyInt, def: "None", help: "Specify at what quality index we are ramped up (None matches network)."})
	p.add(&pyOption{flags: []string{"-v", "--verbose"}, dest: "verbose", def: "False", help: "Run in verbose mode (abrkit prints the metrics only)."})
	return p
}

// parseSabreArgs parses Sabre's command line into options.
func parseSabreArgs(args []string) (*sabreOptions, error) {
	vals, err := newSabreParser("abrkit sabre").parse(args)
	if err != nil {
		return nil, err
	}
	return sabreOptionsFrom(vals)
}

// sabreOptionsFrom applies parsed values over Sabre's defaults and checks
// the values the sabre profile cannot run with.
func sabreOptionsFrom(v pyValues) (*sabreOptions, error) {
	o := &sabreOptions{
		Network: "network.json", NetworkMultiplier: 1, Movie: "movie.json",
		ABR: "bolae", GammaP: 5, MovingAverage: "ewma",
		WindowSize: []int{3}, HalfLife: []float64{3, 8},
		Replace: "none", MaxBuffer: 25,
		given: map[string]bool{},
	}
	for dest := range v {
		o.given[dest] = true
	}
	v.str("network", &o.Network)
	v.float("network_multiplier", &o.NetworkMultiplier)
	v.str("movie", &o.Movie)
	if x, ok := v["movie_length"]; ok {
		f := x[0].(float64)
		o.MovieLength = &f
	}
	v.str("abr", &o.ABR)
	v.flag("abr_basic", &o.Basic)
	v.flag("abr_osc", &o.Osc)
	v.float("gamma_p", &o.GammaP)
	v.flag("no_insufficient_buffer_rule", &o.NoIBR)
	v.str("moving_average", &o.MovingAverage)
	if x, ok := v["window_size"]; ok {
		o.WindowSize = o.WindowSize[:0]
		for _, w := range x {
			o.WindowSize = append(o.WindowSize, w.(int))
		}
	}
	if x, ok := v["half_life"]; ok {
		o.HalfLife = o.HalfLife[:0]
		for _, h := range x {
			o.HalfLife = append(o.HalfLife, h.(float64))
		}
	}
	if x, ok := v["seek"]; ok {
		o.Seek = []float64{x[0].(float64), x[1].(float64)}
	}
	v.str("replace", &o.Replace)
	v.float("max_buffer", &o.MaxBuffer)
	v.flag("no_abandon", &o.NoAbandon)
	if x, ok := v["rampup_threshold"]; ok {
		r := x[0].(int)
		o.Rampup = &r
	}
	v.flag("verbose", &o.Verbose)
	return o, o.check()
}

// check rejects values the sabre profile cannot reproduce, naming the
// option.
func (o *sabreOptions) check() error {
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case !finitePos(o.NetworkMultiplier):
		return fmt.Errorf("-nm %v: the network multiplier must be positive and finite", o.NetworkMultiplier)
	case o.MovieLength != nil && !(finitePos(*o.MovieLength) && *o.MovieLength < 1e9):
		return fmt.Errorf("-ml %v: the movie length must be a positive number of seconds", *o.MovieLength)
	case !(finitePos(o.MaxBuffer) && o.MaxBuffer < 1e9):
		return fmt.Errorf("-b %v: the maximum buffer must be a positive number of seconds", o.MaxBuffer)
	case math.IsNaN(o.GammaP) || math.IsInf(o.GammaP, 0):
		return fmt.Errorf("-gp %v: gamma p must be finite", o.GammaP)
	case o.Rampup != nil && *o.Rampup < 0:
		return fmt.Errorf("-rmp %d: a rampup threshold must be a quality index (0 or more)", *o.Rampup)
	}
	for _, w := range o.WindowSize {
		if w <= 0 {
			return fmt.Errorf("-ws %d: window sizes must be positive", w)
		}
	}
	for _, h := range o.HalfLife {
		if !(finitePos(h) && h < 1e9) {
			return fmt.Errorf("-hl %v: half-lives must be a positive number of seconds", h)
		}
	}
	return nil
}

// abrSpec returns the abrkit algorithm specification for -a with the
// flags -ab, -ao, -noibr and -ma applied where the algorithm has the
// matching parameter (Sabre's algorithms ignore the flags they do not
// use, and so does this mapping). Sabre's bba and Python plug-ins are
// errors.
func (o *sabreOptions) abrSpec(reg *abr.Registry) (string, error) {
	name := o.ABR
	switch {
	case name == "bba":
		return "", fmt.Errorf("-a bba: Sabre lists bba but does not implement it (its get_quality_delay raises NotImplementedError once segment 0 is in, sabre-model Q4); for abrkit's BBA run `abrkit sim --profile sabre --abr bba`")
	case strings.HasSuffix(name, ".py"):
		return "", usageErrorf("-a %s: Python plug-in algorithms cannot run in abrkit; write the algorithm in Go, register it with abr.Register (see examples/custom-abr) and run it with `abrkit sim --profile sabre --abr NAME`", name)
	}
	regName, ok := sabreAlgorithms[name]
	if !ok {
		regName = name
	}
	info, ok := reg.Lookup(regName)
	if !ok {
		return "", usageErrorf("-a %s: unknown algorithm (Sabre's: %s; or any abrkit algorithm: %s)", name, sabreAlgorithmNames, strings.Join(reg.Names(), ", "))
	}
	params := o.flagParams(info)
	if len(params) == 0 {
		return regName, nil
	}
	return regName + ":" + strings.Join(params, ","), nil
}

// flagParams returns the parameters -ab, -ao, -noibr and -ma set on the
// algorithm info describes, as key=value, for the parameters it has
// (Sabre's algorithms ignore the flags they do not use).
func (o *sabreOptions) flagParams(info abr.Info) []string {
	known := map[string]bool{}
	if info.Params != nil {
		for _, kv := range abr.ParamDefaults(info.Params()) {
			k, _, _ := strings.Cut(kv, "=")
			known[k] = true
		}
	}
	var params []string
	for _, p := range []struct {
		on  bool
		key string
	}{{o.Basic, "basic"}, {o.Osc, "o"}, {o.NoIBR, "noibr"}} {
		if p.on && known[p.key] {
			params = append(params, p.key+"=true")
		}
	}
	if o.MovingAverage != "ewma" && known["ma"] {
		params = append(params, "ma="+o.MovingAverage)
	}
	return params
}

// profile returns the sabre profile for the options.
func (o *sabreOptions) profile() (sim.SabreProfile, error) {
	p := sim.DefaultSabreProfile()
	p.BufferSize = secondsDuration(o.MaxBuffer)
	p.NetworkMultiplier = o.NetworkMultiplier
	p.NoAbandon = o.NoAbandon
	p.GammaP = o.GammaP
	p.MovingAverage = o.MovingAverage
	p.Windows = slices.Clone(o.WindowSize)
	p.HalfLives = p.HalfLives[:0]
	for _, h := range o.HalfLife {
		p.HalfLives = append(p.HalfLives, secondsDuration(h))
	}
	if o.Rampup != nil {
		p.RampupThreshold = *o.Rampup
	}
	switch o.Replace {
	case "none", "left", "right":
		p.Replace = o.Replace
	default:
		if strings.HasSuffix(o.Replace, ".py") {
			return p, usageErrorf("-r %s: Python replacement modules cannot run in abrkit (and Sabre itself silently ignores them, running -r none; sabre-model Q3)", o.Replace)
		}
		return p, usageErrorf("-r %s: unknown replacement strategy (want none, left or right; Sabre silently runs none for anything else)", o.Replace)
	}
	return p, nil
}

// movie loads -m and applies -ml the way Sabre does: the segment list is
// repeated and cut to ceil(ml × 1000 / p) segments, computed in float64
// as Sabre computes it.
func (o *sabreOptions) movie() (*sim.Video, error) {
	v, err := sim.LoadSabreMovie(o.Movie)
	if err != nil {
		return nil, err
	}
	return repeatMovie(v, o.MovieLength)
}

// repeatMovie applies Sabre's -ml to v (nil length: v itself).
func repeatMovie(v *sim.Video, lengthS *float64) (*sim.Video, error) {
	if lengthS == nil {
		return v, nil
	}
	pMs := float64(v.SegmentDuration) / float64(time.Millisecond)
	n := math.Ceil(*lengthS * 1000 / pMs)
	if n < 1 || n > 1e7 {
		return nil, usageErrorf("-ml %v: gives %v segments of %v ms", *lengthS, n, pMs)
	}
	return v.Repeat(time.Duration(n) * v.SegmentDuration)
}

// bolaEBufferLine returns the line Sabre's BolaEnh prints when it is
// built (quirk Q5): for bolae and dynamicdash without -noibr, the buffer
// B_e = max(10000 + 2000 × rungs, B) in ms, where the first term is a
// Python int and B a Python float, so it prints "30000" when the int wins
// or ties and "25500.0" when B is larger. Empty for other algorithms.
func (o *sabreOptions) bolaEBufferLine(rungs int) string {
	if (o.ABR != "bolae" && o.ABR != "dynamicdash") || o.NoIBR {
		return ""
	}
	minimum := 10000 + 2000*rungs
	b := o.MaxBuffer * 1000
	if !(b > float64(minimum)) {
		return strconv.Itoa(minimum) + "\n"
	}
	return pyFloatRepr(b) + "\n"
}

// run runs the session and returns what Sabre prints on stdout.
func (o *sabreOptions) run() ([]byte, error) {
	prof, err := o.profile()
	if err != nil {
		return nil, err
	}
	spec, err := o.abrSpec(abr.Default)
	if err != nil {
		return nil, err
	}
	video, err := o.movie()
	if err != nil {
		return nil, fmt.Errorf("-m %s: %w", o.Movie, err)
	}
	tr, err := traces.Load(o.Network)
	if err != nil {
		return nil, fmt.Errorf("-n %s: %w", o.Network, err)
	}
	if prof.BufferSize < video.SegmentDuration {
		return nil, usageErrorf("-b %v: the buffer must hold at least one segment of %v", o.MaxBuffer, video.SegmentDuration)
	}
	cfg := sim.DefaultSessionConfig()
	cfg.Profile = prof
	cfg.Video = video
	cfg.Trace = tr
	cfg.ABR = spec
	r := sim.NewRunner()
	res, err := r.Run(&cfg)
	if err != nil {
		return nil, err
	}
	if res.Failed() {
		return nil, fmt.Errorf("session on %s with %s failed: %s", o.Network, spec, res.Err)
	}
	if res.Sabre == nil {
		return nil, fmt.Errorf("session on %s with %s returned no Sabre metrics", o.Network, spec)
	}
	var out []byte
	out = append(out, o.bolaEBufferLine(len(video.Bitrates))...)
	for range r.SabreReplaceWarnings() {
		out = append(out, "WARNING: too late to replace\n"...)
	}
	return res.Sabre.AppendText(out), nil
}

// secondsDuration converts float seconds to a duration, rounded to the
// nanosecond.
func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// pyFloatRepr formats x as Python 3's repr of a float: the shortest
// digits that read back as x, in fixed notation with at least one
// decimal ("25000.0") when the decimal exponent is in [-4, 16), else in
// Python's exponent notation ("1e+16", "1.5e-05").
func pyFloatRepr(x float64) string { return string(qoe.AppendPyRepr(nil, x)) }

// Python argparse emulation. Sabre's options are single-dash long
// options ("-nm", "-noibr") that Go's flag package cannot express
// together with argparse's rules, so this is a small argparse: options
// with a fixed number of arguments or nargs='+', store_true flags,
// "--long" forms, unique prefixes ("--max" for "--max-buffer", "-noi" for
// "-noibr"), "-opt=value", "-nVALUE" for one-letter options, clustered
// one-letter flags, "--" ending the options, negative numbers as values,
// and argparse's error messages. It follows Python 3.11's argparse, in
// which "--" itself is left over as an unrecognized argument when, as
// here, the parser has no positional arguments.

// errPyHelp is returned by pyParser.parse when -h or --help was given.
var errPyHelp = errors.New("help requested")

// nargsPlus is pyOption.nargs for nargs='+'.
const nargsPlus = -1

// pyType is the type conversion of an option's values.
type pyType int

const (
	pyStr pyType = iota
	pyFloat
	pyInt
)

// pyOption is one option of a pyParser.
type pyOption struct {
	// flags are the option strings, short first ("-n", "--network").
	flags []string
	// dest keys the parsed value.
	dest string
	// nargs is 0 for a store_true flag, 1 or 2 for that many values,
	// nargsPlus for one or more.
	nargs int
	// metavar names the value in help; metavars names each of nargs > 1.
	metavar  string
	metavars []string
	typ      pyType
	// choices, when set, are the allowed values (after conversion).
	choices []string
	// def is the default as help shows it.
	def  string
	help string
}

// name is how argparse names the option in errors: "-n/--network".
func (o *pyOption) name() string { return strings.Join(o.flags, "/") }

// pyParser is an argparse.ArgumentParser with optional arguments only.
type pyParser struct {
	prog, description string
	opts              []*pyOption
	// order lists every option string in declaration order, "-h" and
	// "--help" first, as argparse's _option_string_actions iterates.
	order  []string
	byFlag map[string]*pyOption
}

// helpOption stands for -h/--help in byFlag.
var helpOption = &pyOption{flags: []string{"-h", "--help"}, dest: "help", help: "show this help message and exit"}

func (p *pyParser) add(o *pyOption) {
	if p.byFlag == nil {
		p.byFlag = map[string]*pyOption{"-h": helpOption, "--help": helpOption}
		p.order = []string{"-h", "--help"}
	}
	p.opts = append(p.opts, o)
	for _, f := range o.flags {
		p.byFlag[f] = o
		p.order = append(p.order, f)
	}
}

// pyValues maps an option's dest to its converted values (string,
// float64 or int; true for a flag). Only options that were given appear.
type pyValues map[string][]any

func (v pyValues) str(dest string, dst *string) {
	if x, ok := v[dest]; ok {
		*dst = x[0].(string)
	}
}

func (v pyValues) float(dest string, dst *float64) {
	if x, ok := v[dest]; ok {
		*dst = x[0].(float64)
	}
}

func (v pyValues) flag(dest string, dst *bool) {
	if _, ok := v[dest]; ok {
		*dst = true
	}
}

// pyMatch is argparse's option tuple: the option an argument names, the
// option string it matched and an explicit value ("-b10", "-b=10").
type pyMatch struct {
	opt      *pyOption // nil: looks like an option nobody declared
	flag     string
	explicit *string
}

// negativeNumber is argparse's _negative_number_matcher. The parser has
// no option that looks like a negative number, so such arguments are
// values.
var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// parseOptional is argparse's _parse_optional: nil when arg is a value.
func (p *pyParser) parseOptional(arg string) (*pyMatch, error) {
	if arg == "" || arg[0] != '-' {
		return nil, nil
	}
	if o, ok := p.byFlag[arg]; ok {
		return &pyMatch{opt: o, flag: arg}, nil
	}
	if len(arg) == 1 {
		return nil, nil
	}
	if flag, val, ok := strings.Cut(arg, "="); ok {
		if o, ok := p.byFlag[flag]; ok {
			return &pyMatch{opt: o, flag: flag, explicit: &val}, nil
		}
	}
	matches := p.optionTuples(arg)
	if len(matches) > 1 {
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.flag
		}
		return nil, fmt.Errorf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))
	}
	if len(matches) == 1 {
		return &matches[0], nil
	}
	if negativeNumber.MatchString(arg) {
		return nil, nil
	}
	if strings.Contains(arg, " ") {
		return nil, nil
	}
	return &pyMatch{flag: arg}, nil
}

// optionTuples is argparse's _get_option_tuples: the options arg may
// abbreviate. "--pre" and "--pre=value" match long options starting with
// "--pre"; "-xyz" matches the one-letter option "-x" with the value "yz"
// and every option starting with "-xyz".
func (p *pyParser) optionTuples(arg string) []pyMatch {
	var out []pyMatch
	if strings.HasPrefix(arg, "--") {
		prefix, val, hasVal := strings.Cut(arg, "=")
		for _, f := range p.order {
			if strings.HasPrefix(f, prefix) {
				m := pyMatch{opt: p.byFlag[f], flag: f}
				if hasVal {
					v := val
					m.explicit = &v
				}
				out = append(out, m)
			}
		}
		return out
	}
	_, size := utf8.DecodeRuneInString(arg[1:])
	short, shortVal := arg[:1+size], arg[1+size:]
	for _, f := range p.order {
		switch {
		case f == short:
			v := shortVal
			out = append(out, pyMatch{opt: p.byFlag[f], flag: f, explicit: &v})
		case strings.HasPrefix(f, arg):
			out = append(out, pyMatch{opt: p.byFlag[f], flag: f})
		}
	}
	return out
}

// parse parses args as argparse's parse_args does. It returns errPyHelp
// for -h/--help and otherwise an error worded as argparse words it.
func (p *pyParser) parse(args []string) (pyValues, error) {
	// Classify every argument first, as argparse does: 'O' for an option,
	// 'A' for a value, '-' for the "--" that ends the options.
	kinds := make([]byte, len(args))
	matches := make([]*pyMatch, len(args))
	rest := false
	for i, a := range args {
		switch {
		case rest:
			kinds[i] = 'A'
		case a == "--":
			kinds[i] = '-'
			rest = true
		default:
			m, err := p.parseOptional(a)
			if err != nil {
				return nil, err
			}
			if m == nil {
				kinds[i] = 'A'
			} else {
				kinds[i], matches[i] = 'O', m
			}
		}
	}
	vals := pyValues{}
	var extras []string
	for i := 0; i < len(args); {
		if kinds[i] != 'O' || matches[i].opt == nil {
			// Values no option takes, "--" itself and undeclared options
			// are left over, as in argparse's extras.
			extras = append(extras, args[i])
			i++
			continue
		}
		next, err := p.consume(args, kinds, matches[i], i, vals)
		if err != nil {
			return nil, err
		}
		i = next
	}
	if len(extras) > 0 {
		return nil, fmt.Errorf("unrecognized arguments: %s", strings.Join(extras, " "))
	}
	return vals, nil
}

// consume handles the option at args[i] (with m, its match) and returns
// the index of the next unconsumed argument.
func (p *pyParser) consume(args []string, kinds []byte, m *pyMatch, i int, vals pyValues) (int, error) {
	opt, flag, explicit := m.opt, m.flag, m.explicit
	for {
		if explicit == nil {
			run := 0
			for j := i + 1; j < len(args) && kinds[j] == 'A'; j++ {
				run++
			}
			n, err := takeCount(opt, run)
			if err != nil {
				return 0, err
			}
			if err := p.apply(opt, args[i+1:i+1+n], vals); err != nil {
				return 0, err
			}
			return i + 1 + n, nil
		}
		switch {
		case opt.nargs == 0 && flag[1] != '-' && *explicit != "":
			// "-vab": -v, then "-a" with "b", and so on.
			if err := p.apply(opt, nil, vals); err != nil {
				return 0, err
			}
			_, size := utf8.DecodeRuneInString(*explicit)
			next := "-" + (*explicit)[:size]
			o, ok := p.byFlag[next]
			if !ok {
				return 0, fmt.Errorf("argument %s: ignored explicit argument %s", opt.name(), pyRepr(*explicit))
			}
			tail := (*explicit)[size:]
			opt, flag, explicit = o, next, nil
			if tail != "" {
				explicit = &tail
			}
		case opt.nargs == 1 || opt.nargs == nargsPlus:
			if err := p.apply(opt, []string{*explicit}, vals); err != nil {
				return 0, err
			}
			return i + 1, nil
		case opt.nargs == 0:
			return 0, fmt.Errorf("argument %s: ignored explicit argument %s", opt.name(), pyRepr(*explicit))
		default:
			_, err := takeCount(opt, 1)
			return 0, err
		}
	}
}

// takeCount returns how many of the run of available values opt takes,
// or argparse's error when there are not enough.
func takeCount(opt *pyOption, run int) (int, error) {
	switch {
	case opt.nargs == 0:
		return 0, nil
	case opt.nargs == nargsPlus:
		if run == 0 {
			return 0, fmt.Errorf("argument %s: expected at least one argument", opt.name())
		}
		return run, nil
	case run < opt.nargs:
		if opt.nargs == 1 {
			return 0, fmt.Errorf("argument %s: expected one argument", opt.name())
		}
		return 0, fmt.Errorf("argument %s: expected %d arguments", opt.name(), opt.nargs)
	}
	return opt.nargs, nil
}

// apply converts and stores the values of one occurrence of opt; a later
// occurrence replaces an earlier one.
func (p *pyParser) apply(opt *pyOption, raw []string, vals pyValues) error {
	if opt == helpOption {
		return errPyHelp
	}
	if opt.nargs == 0 {
		vals[opt.dest] = []any{true}
		return nil
	}
	out := make([]any, len(raw))
	for k, s := range raw {
		switch opt.typ {
		case pyFloat:
			f, ok := parsePyFloat(s)
			if !ok {
				return fmt.Errorf("argument %s: invalid float value: %s", opt.name(), pyRepr(s))
			}
			out[k] = f
		case pyInt:
			n, ok := parsePyInt(s)
			if !ok {
				return fmt.Errorf("argument %s: invalid int value: %s", opt.name(), pyRepr(s))
			}
			out[k] = n
		default:
			out[k] = s
		}
		if opt.choices != nil && !slices.Contains(opt.choices, s) {
			quoted := make([]string, len(opt.choices))
			for c, ch := range opt.choices {
				quoted[c] = pyRepr(ch)
			}
			return fmt.Errorf("argument %s: invalid choice: %s (choose from %s)", opt.name(), pyRepr(s), strings.Join(quoted, ", "))
		}
	}
	vals[opt.dest] = out
	return nil
}

// pyFloatSyntax is what Python's float() accepts after stripping
// whitespace (digits may be grouped with single underscores).
var pyFloatSyntax = regexp.MustCompile(`(?i)^[+-]?(?:(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:e[+-]?\d(?:_?\d)*)?|inf|infinity|nan)$`)

// parsePyFloat parses s as Python's float(s) does.
func parsePyFloat(s string) (float64, bool) {
	s = asciiDigits(strings.TrimSpace(s))
	if !pyFloatSyntax.MatchString(s) || !strings.ContainsAny(s, "0123456789iInN") {
		return 0, false
	}
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	if !strings.ContainsAny(mant, "0123456789in") {
		return 0, false // "e5", ".e1"
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// pyIntSyntax is what Python's int() accepts after stripping whitespace.
var pyIntSyntax = regexp.MustCompile(`^[+-]?\d(?:_?\d)*$`)

// parsePyInt parses s as Python's int(s) does, within Go's int range.
func parsePyInt(s string) (int, bool) {
	s = asciiDigits(strings.TrimSpace(s))
	if !pyIntSyntax.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 0)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// asciiDigits replaces the Unicode decimal digits in s ("٣") by ASCII
// ones, since Python's int() and float() accept any of them. Unicode
// encodes decimal digits in runs of ten, 0 to 9, so a digit's value is
// its offset in its run of consecutive digits, modulo 10.
func asciiDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsDigit(r) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r <= unicode.MaxASCII || !unicode.IsDigit(r) {
			return r
		}
		start := r
		for unicode.IsDigit(start - 1) {
			start--
		}
		return '0' + (r-start)%10
	}, s)
}

// pyRepr quotes s as Python's repr of a str does for printable text.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// usageLine returns the options part of the usage line.
func (p *pyParser) usageLine() string {
	parts := []string{"[-h]"}
	for _, o := range p.opts {
		switch {
		case o.nargs == 0:
			parts = append(parts, "["+o.flags[0]+"]")
		case o.nargs == nargsPlus:
			parts = append(parts, fmt.Sprintf("[%s %s [%s ...]]", o.flags[0], o.metavar, o.metavar))
		case len(o.metavars) > 0:
			parts = append(parts, "["+o.flags[0]+" "+strings.Join(o.metavars, " ")+"]")
		default:
			parts = append(parts, "["+o.flags[0]+" "+o.metavar+"]")
		}
	}
	return strings.Join(parts, " ")
}

func (p *pyParser) writeUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s\n", p.prog, p.usageLine())
}

// writeHelp prints the usage, the description and every option with its
// default, like argparse's ArgumentDefaultsHelpFormatter.
func (p *pyParser) writeHelp(w io.Writer) {
	p.writeUsage(w)
	fmt.Fprintf(w, "\n%s\n\noptions:\n", p.description)
	fmt.Fprintf(w, "  -h, --help\n        %s\n", helpOption.help)
	for _, o := range p.opts {
		var forms []string
		for _, f := range o.flags {
			switch {
			case o.nargs == 0:
				forms = append(forms, f)
			case o.nargs == nargsPlus:
				forms = append(forms, fmt.Sprintf("%s %s [%s ...]", f, o.metavar, o.metavar))
			case len(o.metavars) > 0:
				forms = append(forms, f+" "+strings.Join(o.metavars, " "))
			default:
				forms = append(forms, f+" "+o.metavar)
			}
		}
		fmt.Fprintf(w, "  %s\n        %s (default: %s)\n", strings.Join(forms, ", "), o.help, o.def)
	}
	fmt.Fprintln(w, "\nOutput: the lines Sabre prints, \"name: value\" in Sabre's order and format.")
}
