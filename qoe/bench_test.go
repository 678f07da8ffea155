package qoe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pensieveSizedSession is a 48-chunk session on the Envivio ladder with a
// rung pattern that switches often and stalls now and then.
func pensieveSizedSession() *Session {
	ladder := []int64{300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000}
	s := &Session{Ladder: ladder, StartupDelay: 900 * time.Millisecond}
	for i := range 48 {
		r := (i * 7) % len(ladder)
		var rebuf time.Duration
		if i%11 == 5 {
			rebuf = 300 * time.Millisecond
		}
		s.Segments = append(s.Segments, Segment{
			Index: i, Rung: r, Bitrate: ladder[r], Size: ladder[r] / 2, Duration: 4 * time.Second, Rebuffer: rebuf,
		})
	}
	return s
}

// sabreSession plays a 199-segment Sabre session through the accumulator.
func sabreSession(a *SabreAccumulator, buf *SabreBuffer) {
	buf.Rungs = buf.Rungs[:0]
	buf.PlayedMs = 0
	a.NetworkPeriod(0, 5000, 75, buf.Rungs)
	a.Startup(252.272)
	buf.Rungs = append(buf.Rungs, 0)
	for i := 1; i < 199; i++ {
		if i%30 == 0 {
			a.NetworkPeriod(float64(i)*3000, float64(1500+(i%4)*1000), 150, buf.Rungs)
		}
		if w := buf.Level(3000) + 3000 - 25000; w > 0 {
			a.Drain(buf, w)
		}
		a.Drain(buf, 900+float64(i%5)*400)
		buf.Rungs = append(buf.Rungs, i%10)
		a.Estimate(2000, 1800+float64(i%3)*200)
	}
	a.PlayOut(buf)
}

func newBenchSabre(tb testing.TB) *SabreAccumulator {
	cfg := DefaultSabreConfig()
	cfg.SegmentMs = 3000
	cfg.BitratesKbps = []float64{230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000}
	cfg.Segments = 199
	a, err := NewSabreAccumulator(cfg)
	require.NoError(tb, err)
	return a
}

// TestZeroAllocs pins the zero-allocation target of per-session scoring.
func TestZeroAllocs(t *testing.T) {
	s := pensieveSizedSession()
	lin, log, hd := Lin(), Log(), HD()
	c := PensieveConvention()
	assert.Zero(t, testing.AllocsPerRun(50, func() {
		_, _ = lin.Score(s, c)
		_, _ = log.Score(s, c)
		_, _ = hd.Score(s, c)
	}), "Model.Score")
	assert.Zero(t, testing.AllocsPerRun(50, func() { _ = Summarize(s) }), "Summarize")

	a := newBenchSabre(t)
	buf := &SabreBuffer{Rungs: make([]int, 0, 16)}
	sabreSession(a, buf) // grows the pending list once
	out := make([]byte, 0, 2048)
	assert.Zero(t, testing.AllocsPerRun(20, func() {
		a.Reset()
		sabreSession(a, buf)
		out = a.Metrics().AppendText(out[:0])
	}), "Sabre session")

	line := make([]byte, 0, 256)
	assert.Zero(t, testing.AllocsPerRun(50, func() {
		line = AppendPensieveLogLine(line[:0], PensieveLogLine{TimeStampMs: 887.2836624630917, Bitrate: 750_000,
			BufferS: 4, RebufferS: 0.8872836624630916, SizeBytes: 450283, DelayMs: 887.2836624630917, Reward: -3.065319748591294})
	}), "AppendPensieveLogLine")
}

func BenchmarkScoreLin48(b *testing.B) {
	s := pensieveSizedSession()
	m, c := Lin(), PensieveConvention()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Score(s, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScoreAllModels48(b *testing.B) {
	s := pensieveSizedSession()
	models := []Model{Lin(), Log(), HD()}
	c := PensieveConvention()
	b.ReportAllocs()
	for b.Loop() {
		for i := range models {
			if _, err := models[i].Score(s, c); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkSummarize48(b *testing.B) {
	s := pensieveSizedSession()
	b.ReportAllocs()
	for b.Loop() {
		_ = Summarize(s)
	}
}

func BenchmarkSabreSession199(b *testing.B) {
	a := newBenchSabre(b)
	buf := &SabreBuffer{Rungs: make([]int, 0, 16)}
	out := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		a.Reset()
		sabreSession(a, buf)
		out = a.Metrics().AppendText(out[:0])
	}
}
