package player

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/require"
)

// rateAlg is a throughput rule: the highest rung at most 80 % of the
// estimate, with Observer and Abandoner hooks that do nothing, so the
// benchmark pays for every call the core makes.
type rateAlg struct{}

func (rateAlg) Name() string { return "rate" }
func (rateAlg) Decide(s *abr.Snapshot) abr.Decision {
	q := 0
	if s.Estimate.Valid {
		for i, r := range s.Ladder.Rungs {
			if float64(r.Bitrate) <= 0.8*float64(s.Estimate.Throughput) {
				q = i
			}
		}
	}
	return abr.Decision{Rung: q, Reason: abr.Reason{Rule: "rate", Estimate: s.Estimate.Throughput, Buffer: s.Buffer}}
}
func (rateAlg) OnDownload(*abr.Snapshot, abr.Download) {}
func (rateAlg) OnWait(*abr.Snapshot, time.Duration)    {}
func (rateAlg) OnSeek(*abr.Snapshot)                   {}
func (rateAlg) ShouldAbandon(*abr.Snapshot, abr.Progress) (bool, int, abr.Reason) {
	return false, 0, abr.Reason{}
}

// playScripted drives s to the end with a minimal driver: every request
// answers after 50 ms and transfers at a rate that cycles through five
// values; progress reports every 100 ms when progress is set; events are
// drained when events is set.
func playScripted(s *Session, progress, events bool) {
	var evs []Event
	s.Start(0)
	now := time.Duration(0)
	rates := [...]int64{3_000_000, 6_000_000, 12_000_000, 5_000_000, 20_000_000}
	n := 0
	for !s.Done() {
		if events {
			evs = s.AppendEvents(evs[:0])
		}
		var req Request
		has := false
		for a, ok := s.Poll(); ok; a, ok = s.Poll() {
			if a.Kind == ActRequest {
				req, has = a.Request, true
			}
		}
		if !has {
			w, ok := s.NextWake()
			if !ok {
				return
			}
			now = max(now, w)
			s.Tick(now)
			continue
		}
		size := req.Size
		rate := rates[n%len(rates)]
		n++
		now += 50 * time.Millisecond
		s.OnResponse(now, req.ID, Response{Status: 200, ContentLength: size})
		transfer := time.Duration(size * 8 * int64(time.Second) / rate)
		if progress {
			for el := 100 * time.Millisecond; el < transfer; el += 100 * time.Millisecond {
				s.OnProgress(now+el, req.ID, rate*int64(el)/int64(8*time.Second))
			}
		}
		now += transfer
		s.OnComplete(now, req.ID, size, nil)
	}
}

// benchConfig is the configuration of a simulator session.
func benchConfig() Config {
	c := DefaultConfig()
	c.MediaOnly = true
	c.Events = 0
	for _, p := range []*RetryPolicy{&c.Retry.Manifest, &c.Retry.Index, &c.Retry.Init, &c.Retry.Media} {
		p.Timeouts = Timeouts{}
	}
	return c
}

const benchSegments = 1800 // 2 hours of 4 s segments

var benchLadder = []int64{300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000}

// templateVOD is the 2-hour VOD addressed by a number template, as the
// simulator's video models build it; sizes come from Config.Sizes.
func templateVOD(b *testing.B) *manifest.Presentation {
	dur := benchSegments * 4 * time.Second
	as := &manifest.AdaptationSet{ID: "video", ContentType: manifest.ContentVideo}
	for _, br := range benchLadder {
		id := strconv.FormatInt(br/1000, 10)
		ix := &manifest.SegmentIndex{Addressing: manifest.AddrTemplate, BaseURLs: []manifest.BaseURL{{URL: "sim:///"}},
			RepresentationID: id, Bandwidth: br, Timescale: 1000, Duration: 4000, Media: "$RepresentationID$/$Number$.m4s",
			PeriodDuration: dur, AvailabilityTimeComplete: true}
		require.NoError(b, ix.Prepare())
		as.Representations = append(as.Representations, &manifest.Representation{ID: id, Bandwidth: br, Index: ix})
	}
	return &manifest.Presentation{Format: manifest.FormatDASH, URL: "sim:///x", Duration: dur,
		Periods: []*manifest.Period{{Duration: dur, AdaptationSets: []*manifest.AdaptationSet{as}}}}
}

func benchCore(b *testing.B, cfg Config, progress, template bool) {
	p := buildVOD(b, ladderSpec{segments: benchSegments, segDur: 4 * time.Second, video: benchLadder, ranges: true})
	if template {
		p = templateVOD(b)
		cfg.Sizes = func(seg, q int) int64 { return nominalSize(benchLadder[q], 4*time.Second) }
	}
	est, err := abr.NewEWMAEstimator(abr.DefaultShakaEstimatorParams())
	require.NoError(b, err)
	cfg.Estimator = est
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		est.Reset()
		s, err := NewSession(cfg, p, rateAlg{})
		if err != nil {
			b.Fatal(err)
		}
		playScripted(s, progress, cfg.Events != 0)
		if s.Stats().Segments != benchSegments || s.Err() != nil {
			b.Fatalf("session played %d segments, err %v", s.Stats().Segments, s.Err())
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	segs := float64(b.N) * benchSegments
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/segs, "ns/segment")
	if cpu > 0 {
		// Process CPU time (GC included): robust on a busy machine.
		b.ReportMetric(float64(cpu.Nanoseconds())/segs, "cpu-ns/segment")
	}
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/segs, "allocs/segment")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/segs, "B/segment")
}

// BenchmarkCorePerSegment plays a 2-hour VOD (1800 segments of 4 s, six
// rungs) through the core with a scripted driver, the way the simulator
// does: no payloads, no events, per-segment log on. "plain" addresses
// segments by an explicit list with byte ranges, "template" by a number
// template (each segment's URL is built: one allocation), "progress"
// adds a progress report every 100 ms (abandonment checks), and
// "progress+events" queues and drains every event.
func BenchmarkCorePerSegment(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchCore(b, benchConfig(), false, false) })
	b.Run("template", func(b *testing.B) { benchCore(b, benchConfig(), false, true) })
	b.Run("progress", func(b *testing.B) { benchCore(b, benchConfig(), true, false) })
	b.Run("progress+events", func(b *testing.B) {
		c := benchConfig()
		c.Events = AllEvents
		benchCore(b, c, true, false)
	})
}

// BenchmarkIdleSessionHeap reports the heap held by a started session
// waiting for its first response, over a shared presentation.
func BenchmarkIdleSessionHeap(b *testing.B) {
	p := buildVOD(b, ladderSpec{segments: benchSegments, segDur: 4 * time.Second, video: benchLadder, ranges: true})
	const n = 1000
	sessions := make([]*Session, n)
	var ms0, ms1 runtime.MemStats
	var total, iters float64
	for b.Loop() {
		clear(sessions)
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		for i := range sessions {
			s, err := NewSession(benchConfig(), p, rateAlg{})
			if err != nil {
				b.Fatal(err)
			}
			s.Start(0)
			for _, ok := s.Poll(); ok; _, ok = s.Poll() {
			}
			sessions[i] = s
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		runtime.KeepAlive(sessions)
		total += float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)
		iters++
	}
	b.ReportMetric(total/iters/n, "B/session")
}
