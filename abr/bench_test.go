package abr

import (
	"testing"
	"time"
)

// benchSnapshot is a mid-session state on the Envivio ladder with real
// chunk sizes: segment 20 of 48, 14 s buffered, 20 chunks of history
// around rungs 2–4 at 2–4.5 Mbit/s with an 80 ms TTFB, a valid 3 Mbit/s
// estimate.
func benchSnapshot(b *testing.B) *Snapshot {
	l := pensieveEnvivioLadder(b)
	s := pensieveSnap(l)
	s.Now, s.Segment, s.SinceSeek = 100*time.Second, 20, 20
	s.Buffer, s.Playhead, s.LastRung = 14*time.Second, 66*time.Second, 3
	for k := range 20 {
		q := 2 + k%3
		bytes := l.SegmentSize(k, q)
		mbps := 2 + 2.5*float64((k*7)%5)/4
		elapsed := time.Duration(float64(bytes)*8/(mbps*1e6)*float64(time.Second)) + 80*time.Millisecond
		s.History = append(s.History, Download{Segment: k, Rung: q, Bytes: bytes, Start: time.Duration(k) * 4 * time.Second,
			TTFB: 80 * time.Millisecond, Transfer: elapsed - 80*time.Millisecond, BufferAfter: 14 * time.Second})
	}
	s.LastRung = s.History[len(s.History)-1].Rung
	for k := 17; k < 20; k++ {
		s.Buffered = append(s.Buffered, BufferedSegment{Segment: k, Rung: s.History[k].Rung})
	}
	s.Estimate = Estimate{Throughput: 3_000_000, Latency: 80 * time.Millisecond, Valid: true}
	return s
}

// BenchmarkDecide times one decision of every registered algorithm.
// Targets: robustmpc ≤ 20 µs, the others ≤ 1 µs, no allocations.
func BenchmarkDecide(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			a, err := New(name)
			if err != nil {
				b.Fatal(err)
			}
			s := benchSnapshot(b)
			if st, ok := a.(Starter); ok {
				st.Startup(s)
			}
			a.Decide(s)
			b.ReportAllocs()
			for b.Loop() {
				a.Decide(s)
			}
		})
	}
}
