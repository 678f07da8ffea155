package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// netEmbedded returns the embedded trace with the given name.
func netEmbedded(tb testing.TB, name string) *traces.Trace {
	tb.Helper()
	all, err := traces.Embedded()
	require.NoError(tb, err)
	for _, tr := range all {
		if tr.Name == name {
			return tr
		}
	}
	tb.Fatalf("no embedded trace %q", name)
	return nil
}

const (
	netFCC   = "pensieve-fcc/train/trace_214390_http---www.amazon.com"
	netSabre = "sabre/mmsys18/sd_fs/trace0000"
)

// netSession plays one sequential "segment" on a Network: start, run to
// completion, then idle for a second. It allocates nothing once dst has
// grown.
type netSession struct {
	n   Network
	now time.Duration
	dst []TransferEvent
}

func (s *netSession) segment(tb testing.TB, size int64) {
	if _, err := s.n.Start(s.now, TransferSpec{Size: size}); err != nil {
		tb.Fatal(err)
	}
	for {
		at, ok := s.n.Next()
		if !ok {
			break
		}
		var err error
		if s.dst, err = s.n.Advance(at, s.dst[:0]); err != nil {
			tb.Fatal(err)
		}
		s.now = at
	}
	s.now += time.Second
}

// netShared keeps k transfers in flight on one link and processes one
// event per step, restarting each completed transfer.
type netShared struct {
	l   *TraceLink
	dst []TransferEvent
}

func newNetShared(tb testing.TB, k int) *netShared {
	l, err := NewTraceLink(netEmbedded(tb, netFCC), DefaultLinkConfig())
	require.NoError(tb, err)
	s := &netShared{l: l}
	for i := range k {
		if _, err := l.Start(0, TransferSpec{Size: 200_000 + int64(i)*1000, Tag: uint64(i)}); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func (s *netShared) step(tb testing.TB) {
	at, ok := s.l.Next()
	if !ok {
		tb.Fatal("nothing pending")
	}
	var err error
	if s.dst, err = s.l.Advance(at, s.dst[:0]); err != nil {
		tb.Fatal(err)
	}
	for _, e := range s.dst {
		if e.Kind == TransferDone {
			if _, err := s.l.Start(at, TransferSpec{Size: 200_000 + int64(e.Tag)*1000, Tag: e.Tag}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func TestNetworkZeroAllocSteadyState(t *testing.T) {
	link, err := NewTraceLink(netEmbedded(t, netFCC), DefaultLinkConfig())
	require.NoError(t, err)
	pn, err := NewPensieveNetwork(netEmbedded(t, netFCC), DefaultPensieveConfig())
	require.NoError(t, err)
	sn, err := NewSabreNetwork(netEmbedded(t, netSabre), DefaultSabreConfig())
	require.NoError(t, err)
	for name, n := range map[string]Network{"trace": link, "pensieve": pn, "sabre": sn} {
		s := &netSession{n: n}
		s.segment(t, 500_000) // grow buffers
		allocs := testing.AllocsPerRun(200, func() { s.segment(t, 500_000) })
		require.Zero(t, allocs, name)
	}
	sh := newNetShared(t, 32)
	for range 100 {
		sh.step(t)
	}
	require.Zero(t, testing.AllocsPerRun(500, func() { sh.step(t) }), "shared")

	pl, err := NewPensieveLink(netEmbedded(t, netFCC), DefaultPensieveConfig())
	require.NoError(t, err)
	require.Zero(t, testing.AllocsPerRun(200, func() { pl.Download(450_283) }), "pensieve link")
	sl, err := NewSabreLink(netEmbedded(t, netSabre), DefaultSabreConfig())
	require.NoError(t, err)
	check := func(SabreDownload, float64) bool { return false }
	require.Zero(t, testing.AllocsPerRun(200, func() { sl.DownloadChecked(2_000_000, 10_000, check) }), "sabre link")
}

func BenchmarkNetworkTraceLinkSegment(b *testing.B) {
	l, err := NewTraceLink(netEmbedded(b, netFCC), DefaultLinkConfig())
	require.NoError(b, err)
	s := &netSession{n: l}
	b.ReportAllocs()
	for b.Loop() {
		s.segment(b, 500_000)
	}
}

func BenchmarkNetworkSharedBottleneckEvent64(b *testing.B) {
	s := newNetShared(b, 64)
	b.ReportAllocs()
	for b.Loop() {
		s.step(b)
	}
}

func BenchmarkNetworkPensieveDownload(b *testing.B) {
	l, err := NewPensieveLink(netEmbedded(b, netFCC), DefaultPensieveConfig())
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		l.Download(450_283)
	}
}

func BenchmarkNetworkSabreDownloadChecked(b *testing.B) {
	l, err := NewSabreLink(netEmbedded(b, netSabre), DefaultSabreConfig())
	require.NoError(b, err)
	check := func(SabreDownload, float64) bool { return false }
	b.ReportAllocs()
	for b.Loop() {
		l.DownloadChecked(2_000_000, 10_000, check)
	}
}

func BenchmarkNetworkPensieveSegment(b *testing.B) {
	n, err := NewPensieveNetwork(netEmbedded(b, netFCC), DefaultPensieveConfig())
	require.NoError(b, err)
	s := &netSession{n: n}
	b.ReportAllocs()
	for b.Loop() {
		s.segment(b, 500_000)
	}
}

func BenchmarkNetworkSabreSegment(b *testing.B) {
	n, err := NewSabreNetwork(netEmbedded(b, netSabre), DefaultSabreConfig())
	require.NoError(b, err)
	s := &netSession{n: n}
	b.ReportAllocs()
	for b.Loop() {
		s.segment(b, 500_000)
	}
}
