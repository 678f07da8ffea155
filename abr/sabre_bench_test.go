package abr

import (
	"testing"
	"time"
)

// BenchmarkSabreDashjsDecide measures Decide of each algorithm of this
// part on the 6-rung Envivio ladder in steady state. The target is under
// 1 µs and 0 allocations per decision.
func BenchmarkSabreDashjsDecide(b *testing.B) {
	l := sabreTestLadder([]int64{300, 750, 1200, 1850, 2850, 4300}, 4*time.Second, 1000)
	buffers := []time.Duration{2 * time.Second, 9 * time.Second, 14 * time.Second, 19 * time.Second, 24 * time.Second}
	for _, name := range sabreDashjsNames {
		b.Run(name, func(b *testing.B) {
			a, err := New(name)
			if err != nil {
				b.Fatal(err)
			}
			s := dashjsSnap(l, 0, 10*time.Second, 2500)
			s.Segment = 100
			a.Decide(s)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Now += time.Second
				s.Buffer = buffers[i%len(buffers)]
				s.Estimate.Throughput = int64(1_500_000 + 250_000*(i%8))
				i++
				a.Decide(s)
			}
		})
	}
}

// BenchmarkSabreDashjsShouldAbandon measures one progress check.
func BenchmarkSabreDashjsShouldAbandon(b *testing.B) {
	l := sabreTestLadder([]int64{300, 750, 1200, 1850, 2850, 4300}, 4*time.Second, 1000)
	for _, name := range sabreDashjsNames {
		a, err := New(name)
		if err != nil {
			b.Fatal(err)
		}
		ab, ok := a.(Abandoner)
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			s := dashjsSnap(l, 0, 8*time.Second, 2500)
			s.Segment = 100
			a.Decide(s)
			b.ReportAllocs()
			p := Progress{Segment: 100, Rung: 3, Bytes: 100_000, Total: 925_000, Elapsed: time.Second, TTFB: 50 * time.Millisecond}
			for b.Loop() {
				ab.ShouldAbandon(s, p)
			}
		})
	}
}
