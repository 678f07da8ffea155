package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/sim"
	"github.com/abrkit/abrkit/traces"
)

// bufferShare fetches the highest rung whose bitrate fits in a share of
// the throughput estimate, the share growing with the buffer: MinShare
// with an empty buffer, MaxShare from Ramp of buffer on. A thin buffer
// makes it cautious, a full one lets it use the whole estimate.
type bufferShare struct {
	MinShare float64       `abr:"min_share"`
	MaxShare float64       `abr:"max_share"`
	Ramp     time.Duration `abr:"ramp"`
}

// defaultBufferShare returns the parameters the algorithm is registered
// with.
func defaultBufferShare() bufferShare {
	return bufferShare{MinShare: 0.5, MaxShare: 1, Ramp: 20 * time.Second}
}

// Name returns the registry name.
func (b *bufferShare) Name() string { return "buffer-share" }

// Decide picks the rung for s.Segment and gives the budget as its reason.
func (b *bufferShare) Decide(s *abr.Snapshot) abr.Decision {
	fill := 1.0
	if b.Ramp > 0 {
		fill = min(1, float64(s.Buffer)/float64(b.Ramp))
	}
	share := b.MinShare + (b.MaxShare-b.MinShare)*fill
	budget := int64(share * float64(s.Estimate.Throughput))
	q := s.MinRung
	for i := s.MinRung + 1; i <= s.MaxRung; i++ {
		if s.Ladder.Rungs[i].Bitrate <= budget {
			q = i
		}
	}
	return abr.Decision{Rung: q, Reason: abr.Reason{Rule: "buffer-share", Estimate: s.Estimate.Throughput, Buffer: s.Buffer, Value: float64(budget)}}
}

func init() {
	err := abr.Register(abr.Info{
		Name:    "buffer-share",
		Summary: "highest rung within a buffer-dependent share of the estimate (abrkit research example)",
		Params:  func() any { p := defaultBufferShare(); return &p },
		New: func(params map[string]string) (abr.Algorithm, error) {
			p := defaultBufferShare()
			if err := abr.SetParams(&p, params); err != nil {
				return nil, err
			}
			if !(p.MinShare > 0 && p.MinShare <= p.MaxShare) || p.Ramp < 0 {
				return nil, fmt.Errorf("buffer-share: want 0 < min_share <= max_share and ramp >= 0, got %+v", p)
			}
			return &p, nil
		},
	})
	if err != nil {
		panic(err)
	}
}

// algorithms are the contenders: two stock algorithms and the custom one.
var algorithms = []string{"bba", "robustmpc", "buffer-share"}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags, runs the study and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("research", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("traces", "", "directory of network traces (default: the embedded traces)")
	out := fs.String("out", "research-out", "output directory for results.csv and the plots")
	workers := fs.Int("workers", 0, "sessions run in parallel (default: one per CPU)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := study(context.Background(), *dir, *out, *workers, stdout); err != nil {
		fmt.Fprintf(stderr, "research: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "research: results and plots in %s\n", *out)
	return 0
}

// study runs every algorithm on every trace, prints the table to stdout
// and writes results.csv and the plots into out.
func study(ctx context.Context, traceDir, out string, workers int, stdout io.Writer) error {
	inputs, err := traceSet(traceDir)
	if err != nil {
		return err
	}
	sweep := sim.Sweep{Profile: "native", ABRs: algorithms, Traces: inputs, Timelines: sim.TimelineFirstTrace}
	jobs, err := sweep.Jobs()
	if err != nil {
		return err
	}
	models, err := qoe.ParseModels("lin,log")
	if err != nil {
		return err
	}
	base := sim.DefaultSessionConfig()
	base.Video = sim.Envivio()
	base.Models = models

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "results.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := sim.NewCSVWriter(f, sim.ResultColumns{Models: []string{"lin", "log"}})
	if err != nil {
		return err
	}
	cfg := sim.DefaultSweepConfig()
	if workers > 0 {
		cfg.Workers = workers
	}
	var results []sim.SessionResult
	_, err = sim.RunSweep(ctx, jobs, sim.SweepRunner(base), cfg, func(r *sim.SessionResult) error {
		results = append(results, *r)
		return w.Write(r)
	})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := sim.NewSweepReport(results, nil).WriteTable(stdout); err != nil {
		return err
	}
	_, err = sim.WritePlots(out, results, nil, sim.DefaultPlotConfig())
	return err
}

// traceSet lists the traces of dir, or the embedded traces when dir is
// empty.
func traceSet(dir string) ([]sim.TraceInput, error) {
	if dir != "" {
		return sim.ListTraceFiles(dir)
	}
	trs, err := traces.Embedded()
	if err != nil {
		return nil, err
	}
	inputs := make([]sim.TraceInput, len(trs))
	for i, tr := range trs {
		inputs[i] = sim.TraceInput{Name: tr.Name, Trace: tr}
	}
	return inputs, nil
}
