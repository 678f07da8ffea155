package abr

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// propertyLadder draws a ladder of 1 to 8 rungs with increasing bitrates,
// and per-segment sizes that vary around the nominal size (or none).
func propertyLadder(t *rapid.T) *Ladder {
	n := rapid.IntRange(1, 8).Draw(t, "rungs")
	rate := int64(rapid.IntRange(100_000, 800_000).Draw(t, "rate0"))
	l := &Ladder{
		SegmentDuration: time.Duration(rapid.IntRange(1, 10).Draw(t, "segsec")) * time.Second,
		Segments:        rapid.SampledFrom([]int{0, 10, 48, 200}).Draw(t, "segments"),
	}
	for i := range n {
		l.Rungs = append(l.Rungs, Rung{Bitrate: rate, Width: 160 << i, Height: 90 << i})
		rate = int64(float64(rate)*rapid.Float64Range(1.1, 2.5).Draw(t, "step")) + 1
	}
	if rapid.Bool().Draw(t, "sizes") {
		seed := rapid.Uint64().Draw(t, "sizeseed")
		nominal := *l
		l.Size = func(seg, q int) int64 {
			h := (uint64(seg)*0x9E3779B97F4A7C15 ^ uint64(q)*0xBF58476D1CE4E5B9 ^ seed) >> 40
			return nominal.SegmentSize(seg, q) * int64(70+h%60) / 100
		}
	}
	return l
}

// propertySnapshot draws a plausible snapshot on l at time now.
func propertySnapshot(t *rapid.T, l *Ladder, now time.Duration) *Snapshot {
	top := l.Top()
	lo := rapid.IntRange(0, top).Draw(t, "min")
	s := &Snapshot{
		Now:       now,
		Ladder:    l,
		Buffer:    time.Duration(rapid.Float64Range(0, 90).Draw(t, "buffer") * float64(time.Second)),
		MaxBuffer: 60 * time.Second,
		Playing:   rapid.Bool().Draw(t, "playing"),
		LastRung:  -1,
		MinRung:   lo,
		MaxRung:   rapid.IntRange(lo, top).Draw(t, "max"),
	}
	for k := range rapid.IntRange(0, 12).Draw(t, "history") {
		s.History = append(s.History, Download{
			Segment:   k,
			Rung:      rapid.IntRange(0, top).Draw(t, "rung"),
			Bytes:     int64(rapid.IntRange(0, 5_000_000).Draw(t, "bytes")),
			TTFB:      time.Duration(rapid.IntRange(0, 500).Draw(t, "ttfb")) * time.Millisecond,
			Transfer:  time.Duration(rapid.IntRange(0, 20_000).Draw(t, "transfer")) * time.Millisecond,
			Abandoned: rapid.IntRange(0, 9).Draw(t, "abandoned") == 0,
			CacheHit:  rapid.IntRange(0, 9).Draw(t, "cache") == 0,
		})
	}
	s.Segment = len(s.History)
	if l.Segments > 0 {
		s.Segment = min(s.Segment, l.Segments)
	}
	s.SinceSeek = s.Segment
	if len(s.History) > 0 {
		s.LastRung = s.History[len(s.History)-1].Rung
	}
	if rapid.Bool().Draw(t, "valid") {
		s.Estimate = Estimate{
			Throughput: int64(rapid.IntRange(10_000, 50_000_000).Draw(t, "estimate")),
			Latency:    time.Duration(rapid.IntRange(0, 1000).Draw(t, "latency")) * time.Millisecond,
			Valid:      true,
		}
	}
	s.Live = rapid.IntRange(0, 4).Draw(t, "live") == 0
	if s.Live {
		s.LiveLatency = time.Duration(rapid.IntRange(1, 30).Draw(t, "livelatency")) * time.Second
	}
	return s
}

// propertyProgress draws an in-flight download of segment s.Segment.
func propertyProgress(t *rapid.T, s *Snapshot) Progress {
	p := Progress{
		Segment: s.Segment,
		Rung:    rapid.IntRange(s.MinRung, s.MaxRung).Draw(t, "prung"),
		Bytes:   int64(rapid.IntRange(0, 3_000_000).Draw(t, "pbytes")),
		Total:   int64(rapid.SampledFrom([]int{-1, 3_000_000, 6_000_000}).Draw(t, "ptotal")),
		Elapsed: time.Duration(rapid.IntRange(0, 30_000).Draw(t, "pelapsed")) * time.Millisecond,
	}
	if p.Bytes > 0 {
		p.TTFB = min(p.Elapsed, 100*time.Millisecond)
	}
	return p
}

// propertyStep is one decision of a and, when it can abandon, one
// abandonment check; it returns what the algorithm answered.
type propertyStep struct {
	d       Decision
	abandon bool
	rung    int
	reason  Reason
}

func propertyRun(a Algorithm, s *Snapshot, p Progress, first bool) propertyStep {
	var st propertyStep
	if sa, ok := a.(Starter); ok && first {
		st.d = sa.Startup(s)
	} else {
		st.d = a.Decide(s)
	}
	if ab, ok := a.(Abandoner); ok {
		st.abandon, st.rung, st.reason = ab.ShouldAbandon(s, p)
	}
	if o, ok := a.(Observer); ok && len(s.History) > 0 {
		o.OnDownload(s, s.History[len(s.History)-1])
	}
	return st
}

// TestPropertyDecisionsValid: every decision of every registered
// algorithm is a rung within [MinRung, MaxRung] with a reason, and so is
// every abandonment; the same inputs give the same answers.
func TestPropertyDecisionsValid(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				l := propertyLadder(t)
				a, err := New(name)
				require.NoError(t, err)
				b, err := New(name)
				require.NoError(t, err)
				steps := rapid.IntRange(1, 6).Draw(t, "steps")
				for i := range steps {
					s := propertySnapshot(t, l, time.Duration(i)*4*time.Second)
					p := propertyProgress(t, s)
					got := propertyRun(a, s, p, i == 0)
					again := propertyRun(b, s, p, i == 0)
					require.Equal(t, got, again, "%s: same inputs, different answers", name)
					d := got.d
					require.GreaterOrEqual(t, d.Rung, s.MinRung, "%s rung %d below MinRung %d (%+v)", name, d.Rung, s.MinRung, d.Reason)
					require.LessOrEqual(t, d.Rung, s.MaxRung, "%s rung %d above MaxRung %d (%+v)", name, d.Rung, s.MaxRung, d.Reason)
					require.NotEmpty(t, d.Reason.Rule, "%s: decision without a reason", name)
					require.GreaterOrEqual(t, d.Delay, time.Duration(0))
					require.False(t, math.IsNaN(d.Reason.Value), "%s: NaN in reason %+v", name, d.Reason)
					if got.abandon {
						require.GreaterOrEqual(t, got.rung, s.MinRung, "%s abandons to rung %d", name, got.rung)
						require.LessOrEqual(t, got.rung, s.MaxRung, "%s abandons to rung %d", name, got.rung)
						require.NotEmpty(t, got.reason.Rule, "%s: abandonment without a reason", name)
					}
				}
			})
		})
	}
}

// TestPropertyBBBufferMonotone: more buffer never lowers bb's choice.
func TestPropertyBBBufferMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := propertyLadder(t)
		s := propertySnapshot(t, l, 0)
		s.LastRung = rapid.IntRange(0, l.Top()).Draw(t, "last")
		extra := time.Duration(rapid.Float64Range(0, 30).Draw(t, "extra") * float64(time.Second))
		bb, err := New("bb")
		require.NoError(t, err)
		low := bb.Decide(s).Rung
		more := *s
		more.Buffer += extra
		require.GreaterOrEqual(t, bb.Decide(&more).Rung, low, "buffer %v → %v", s.Buffer, more.Buffer)
	})
}

// TestPropertyEstimateMonotone: a higher estimate never lowers rb's
// choice, nor the throughput rule's when it is registered.
func TestPropertyEstimateMonotone(t *testing.T) {
	for _, name := range []string{"rb", "throughput"} {
		t.Run(name, func(t *testing.T) {
			if _, ok := Default.Lookup(name); !ok {
				t.Skipf("%s is not registered", name)
			}
			rapid.Check(t, func(t *rapid.T) {
				l := propertyLadder(t)
				s := propertySnapshot(t, l, 0)
				s.Estimate.Valid = true
				s.Estimate.Throughput = int64(rapid.IntRange(10_000, 20_000_000).Draw(t, "low"))
				high := *s
				high.Estimate.Throughput += int64(rapid.IntRange(0, 20_000_000).Draw(t, "more"))
				a, err := New(name)
				require.NoError(t, err)
				b, err := New(name)
				require.NoError(t, err)
				lowRung := a.Decide(s).Rung
				require.GreaterOrEqual(t, b.Decide(&high).Rung, lowRung, "estimate %d → %d", s.Estimate.Throughput, high.Estimate.Throughput)
			})
		})
	}
}
