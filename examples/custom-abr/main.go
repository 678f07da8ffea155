package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/origin"
	"github.com/abrkit/abrkit/player"
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
	return abr.Decision{Rung: q, Reason: abr.Reason{Rule: "safe-rate", Estimate: s.Estimate.Throughput, Buffer: s.Buffer, Value: float64(budget)}}
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

// play plays a real stream with the algorithm built from spec: the
// built-in origin's synthetic DASH stream (duration long, five video
// rungs from 400 kbit/s to 6 Mbit/s, and audio), served over loopback
// HTTP and fetched by the real driver at speed times real time. It prints
// each decision of the video track with the rung's bitrate and a summary.
func play(ctx context.Context, w io.Writer, spec string, duration time.Duration, speed float64) error {
	alg, err := abr.New(spec)
	if err != nil {
		return err
	}
	c := origin.DefaultContent()
	c.Duration = duration
	o, err := origin.New(origin.Config{Content: &c})
	if err != nil {
		return err
	}
	defer o.Close()
	srv := httptest.NewServer(o)
	defer srv.Close()

	cfg := player.DefaultConfig()
	cfg.PlaybackRate = speed
	// The same harmonic-mean estimator as the scripted run above; without
	// one the session uses Shaka Player's, which ignores downloads as fast
	// as loopback ones.
	if cfg.Estimator, err = abr.NewHarmonicEstimator(abr.DefaultHarmonicParams()); err != nil {
		return err
	}
	url := srv.URL + origin.PathDASH
	s, err := player.NewSessionFromURL(cfg, url, alg)
	if err != nil {
		return err
	}
	// The observer runs on the driver's goroutine and must not call the
	// session: keep the decisions and print them afterwards.
	var decisions []player.Event
	dcfg := player.DefaultDriverConfig()
	dcfg.Observer = player.ObserverFunc(func(e *player.Event) {
		if e.Kind == player.EvDecision && e.Track == 0 {
			decisions = append(decisions, *e)
		}
	})
	d, err := player.NewDriver(s, player.NewHeadless(speed), dcfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "playing %s with %s\n", url, spec)
	if err := d.Run(ctx); err != nil {
		return err
	}
	ladder := s.Tracks()[0].Ladder
	for _, e := range decisions {
		fmt.Fprintf(w, "  segment %d: estimate %7.3f Mbit/s, buffer %5.2fs -> rung %d (%4d kbit/s) [%s]\n",
			e.Segment, float64(e.Reason.Estimate)/1e6, e.Reason.Buffer.Seconds(), e.To, ladder[e.To].Bandwidth/1000, e.Reason.Rule)
	}
	sum := s.Summary()
	fmt.Fprintf(w, "%s: %d segments, average %d kbit/s, %d switches, %d rebuffers\n",
		sum.State, sum.Segments, sum.AvgBitrateBps/1000, sum.Switches, sum.RebufferCount)
	return nil
}

func main() {
	const spec = "safe-rate:share=0.6"
	if err := run(os.Stdout, spec); err != nil {
		fmt.Fprintln(os.Stderr, "custom-abr:", err)
		os.Exit(1)
	}
	fmt.Println()
	if err := play(context.Background(), os.Stdout, spec, 30*time.Second, 10); err != nil {
		fmt.Fprintln(os.Stderr, "custom-abr:", err)
		os.Exit(1)
	}
}
