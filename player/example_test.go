package player_test

import (
	"fmt"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/player"
)

// lowest always picks rung 0.
type lowest struct{}

func (lowest) Name() string { return "lowest" }
func (lowest) Decide(*abr.Snapshot) abr.Decision {
	return abr.Decision{Reason: abr.Reason{Rule: "lowest"}}
}

// A minimal virtual-time driver: every request answers after 100 ms
// latency at 4 Mbit/s, timers are honoured exactly, no payload is
// carried.
func Example() {
	// Six 2 s segments at 1 Mbit/s, listed explicitly (as the simulator
	// builds presentations); sizes are the byte ranges.
	ix := &manifest.SegmentIndex{Addressing: manifest.AddrList, Timescale: 1000, Duration: 2000, PeriodDuration: 12 * time.Second}
	for i := range 6 {
		ix.Segments = append(ix.Segments, manifest.Segment{Number: uint64(i), Start: time.Duration(i) * 2 * time.Second,
			Duration: 2 * time.Second, URLs: []string{fmt.Sprintf("sim:///%d.m4s", i)}, Range: manifest.ByteRange{Length: 250_000}})
	}
	if err := ix.Prepare(); err != nil {
		panic(err)
	}
	p := &manifest.Presentation{Format: manifest.FormatDASH, Duration: 12 * time.Second, Periods: []*manifest.Period{{
		Duration: 12 * time.Second, AdaptationSets: []*manifest.AdaptationSet{{ContentType: manifest.ContentVideo,
			Representations: []*manifest.Representation{{ID: "v", Bandwidth: 1_000_000, Index: ix}}}}}}}

	cfg := player.DefaultConfig()
	cfg.MediaOnly = true
	s, err := player.NewSession(cfg, p, lowest{})
	if err != nil {
		panic(err)
	}
	now := time.Duration(0)
	s.Start(now)
	for !s.Done() {
		var req *player.Request
		for a, ok := s.Poll(); ok; a, ok = s.Poll() {
			if a.Kind == player.ActRequest {
				r := a.Request
				req = &r
			}
		}
		if req == nil {
			at, ok := s.NextWake()
			if !ok {
				break
			}
			now = max(now, at)
			s.Tick(now)
			continue
		}
		now += 100 * time.Millisecond
		s.OnResponse(now, req.ID, player.Response{Status: 200, ContentLength: req.Size})
		now += time.Duration(req.Size * 8 * int64(time.Second) / 4_000_000)
		s.OnComplete(now, req.ID, req.Size, nil)
	}
	sum := s.Summary()
	fmt.Printf("state %s, startup %.1f s, played %.1f s, %d stalls, %d segments, %d bytes, %d bit/s\n",
		sum.State, sum.StartupS, sum.PlayedS, sum.RebufferCount, sum.Segments, sum.Bytes, sum.AvgBitrateBps)
	// Output:
	// state ended, startup 0.6 s, played 12.0 s, 0 stalls, 6 segments, 1500000 bytes, 1000000 bit/s
}
