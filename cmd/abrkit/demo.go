package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/sim"
	"github.com/abrkit/abrkit/traces"
)

func init() {
	register(command{
		name:    "demo",
		summary: "the demo lab (what a bare `abrkit` runs): stock algorithms × embedded traces, table and plots",
		run:     runDemo,
	})
}

// demoOutEnv overrides the demo's output directory, like --out.
const demoOutEnv = "ABRKIT_OUT"

// demoOutDefault is where the demo writes when neither --out nor
// $ABRKIT_OUT says otherwise.
const demoOutDefault = "abrkit-out"

// demoAlgorithms are the stock algorithms the demo compares: Pensieve's
// baselines (buffer-based, rate-based, robustMPC), BBA, the throughput
// rule, and the default logic of dash.js (its DYNAMIC rule and BOLA),
// hls.js, Shaka Player and ExoPlayer.
var demoAlgorithms = []string{"bba", "rb", "robustmpc", "throughput", "bola-dashjs", "dashjs", "hlsjs", "shaka", "exoplayer"}

// demoNoticeName is the file the demo writes the embedded traces'
// attribution and licence texts to, as their BSD licence asks of a
// program that redistributes them.
const demoNoticeName = "TRACES-NOTICE.txt"

// runDemo is `abrkit demo` and a bare `abrkit`: the stock algorithms on
// the embedded traces and the embedded Envivio video in the native
// profile, scored with the lin, log and hd QoE models. It prints the
// table, writes results, plots and the traces' notice to ./abrkit-out/
// (or --out, or $ABRKIT_OUT) and says where on stderr.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("abrkit demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := demoOutDefault
	if env := os.Getenv(demoOutEnv); env != "" {
		def = env
	}
	out := fs.String("out", def, "output directory (or set $"+demoOutEnv+")")
	workers := fs.Int("workers", 0, "sessions run in parallel (default: one per CPU)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: abrkit [demo] [--out DIR] [--workers N]")
		fmt.Fprintln(stderr, "Runs the demo lab: the stock algorithms on the embedded network traces and the")
		fmt.Fprintln(stderr, "embedded Envivio video, in abrkit's native profile. For your own experiments")
		fmt.Fprintln(stderr, "see abrkit sim -h.")
		fs.PrintDefaults()
	}
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return 2
	}
	if *workers < 0 {
		fmt.Fprintf(stderr, "abrkit demo: --workers %d: must not be negative\n", *workers)
		return 2
	}
	exp, err := demoExperiment(*out, *workers)
	if err != nil {
		fmt.Fprintf(stderr, "abrkit demo: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code = exp.run(ctx, stdout, stderr)
	if code == 0 {
		fmt.Fprintf(stderr, "abrkit demo: open %s to compare the algorithms' QoE; run `abrkit sim -h` for your own traces, videos and algorithms\n",
			filepath.Join(*out, "qoe_cdf_lin.svg"))
	}
	return code
}

// demoExperiment returns the demo's sweep writing into out.
func demoExperiment(out string, workers int) (*experiment, error) {
	inputs, err := traceInputs(nil)
	if err != nil {
		return nil, err
	}
	models, err := qoe.ParseModels("lin,log,hd")
	if err != nil {
		return nil, err
	}
	base := sim.DefaultSessionConfig()
	base.Profile = sim.DefaultNativeProfile()
	base.Video = sim.Envivio()
	base.Models = models
	return &experiment{
		sweep: sim.Sweep{
			Profile:   "native",
			ABRs:      demoAlgorithms,
			Traces:    inputs,
			Timelines: sim.TimelineFirstTrace,
		},
		base:     base,
		models:   []string{"lin", "log", "hd"},
		outDir:   out,
		outFiles: map[string]string{demoNoticeName: traces.EmbeddedNotice()},
		workers:  workers,
		name:     "abrkit demo",
	}, nil
}
