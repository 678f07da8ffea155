package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/abrkit/abrkit/abr"
)

// safeRate fetches the highest rung whose bitrate fits in Share of the
// throughput estimate, the lowest allowed rung when none does.
type safeRate struct {
	Share float64 `abr:"share"`
}

// Name returns the name the algorithm is registered under.
func (r *safeRate) Name() string { return "safe-rate" }

// Decide picks the rung for s.Segment and says why.
func (r *safeRate) Decide(s *abr.Snapshot) abr.Decision {
	budget := int64(r.Share * float64(s.Estimate.Throughput))
	q := s.MinRung
	for i := s.MinRung + 1; i <= s.MaxRung; i++ {
		if s.Ladder.Rungs[i].Bitrate <= budget {
			q = i
		}
	}
	return abr.Decision{Rung: q, Reason: abr.Reason{Rule: "safe-rate", Estimate: s.Estimate.Throughput, Value: float64(budget)}}
}

func init() {
	err := abr.Register(abr.Info{
		Name:    "safe-rate",
		Summary: "highest rung within a share of the estimate (abrkit example)",
		Params:  func() any { return &safeRate{Share: 0.8} },
		New: func(params map[string]string) (abr.Algorithm, error) {
			r := &safeRate{Share: 0.8}
			return r, abr.SetParams(r, params)
		},
	})
	if err != nil {
		panic(err)
	}
}

// script is the throughput of the network during each segment download,
// in Mbit/s.
var script = []float64{4, 4, 2, 0.8, 1.5, 8, 8, 8, 8, 8}

// run builds the algorithm from spec and plays the script: each segment is
// fetched at the decided rung over the scripted throughput, fed to a
// harmonic-mean estimator, and the decision is printed to w.
func run(w io.Writer, spec string) error {
	alg, err := abr.New(spec)
	if err != nil {
		return err
	}
	est, err := abr.NewHarmonicEstimator(abr.DefaultHarmonicParams())
	if err != nil {
		return err
	}
	ladder := &abr.Ladder{SegmentDuration: 4 * time.Second, Segments: len(script)}
	for _, kbps := range []int64{300, 750, 1200, 1850, 2850, 4300} {
		ladder.Rungs = append(ladder.Rungs, abr.Rung{Bitrate: kbps * 1000})
	}
	s := &abr.Snapshot{Ladder: ladder, LastRung: -1, MinRung: 0, MaxRung: ladder.Top(), MaxBuffer: 30 * time.Second}
	fmt.Fprintf(w, "%s on %d rungs\n", spec, len(ladder.Rungs))
	for seg, mbps := range script {
		s.Segment, s.Estimate = seg, est.Estimate()
		d := alg.Decide(s)
		fmt.Fprintf(w, "segment %d: estimate %6.3f Mbit/s, buffer %5.2fs -> rung %d (%4d kbit/s) [%s]\n",
			seg, float64(s.Estimate.Throughput)/1e6, s.Buffer.Seconds(), d.Rung, ladder.Rungs[d.Rung].Bitrate/1000, d.Reason.Rule)

		bytes := ladder.SegmentSize(seg, d.Rung)
		transfer := time.Duration(float64(bytes*8) / (mbps * 1e6) * float64(time.Second))
		est.Add(abr.Sample{Bytes: bytes, Transfer: transfer, SegmentDuration: ladder.SegmentDuration})
		s.Buffer = min(max(s.Buffer-transfer, 0)+ladder.SegmentDuration, s.MaxBuffer)
		s.Now += transfer
		s.LastRung = d.Rung
		s.History = append(s.History, abr.Download{Segment: seg, Rung: d.Rung, Bytes: bytes, Transfer: transfer, BufferAfter: s.Buffer})
	}
	return nil
}

func main() {
	if err := run(os.Stdout, "safe-rate:share=0.6"); err != nil {
		fmt.Fprintln(os.Stderr, "custom-abr:", err)
		os.Exit(1)
	}
}
