package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPensieveNetwork(t *testing.T) {
	n, err := NewPensieveNetwork(netCooked(t, "0 9\n1 8\n2 4\n3 16\n"), DefaultPensieveConfig())
	require.NoError(t, err)
	var _ Network = n

	id := netStart(t, n, 0, 1_000_000, 5)
	// The RTT comes first in the adapter: first byte at 80 ms. The delay is
	// 1185.2631578947369 ms (TestPensieveDownload) -> 1185263158 ns.
	at, ok := n.Next()
	require.True(t, ok)
	assert.Equal(t, 80*time.Millisecond, at)
	_, err = n.Advance(580*time.Millisecond, nil)
	require.NoError(t, err)
	// 500 ms of data in interval 1: 1e6 B/s * 0.5 s * 0.95 = 475000 bytes.
	d, err := n.Delivered(id)
	require.NoError(t, err)
	assert.Equal(t, int64(475_000), d)
	// Another transfer while this one runs: the reference fetches one
	// chunk at a time.
	_, err = n.Start(580*time.Millisecond, TransferSpec{Size: 1})
	assert.ErrorIs(t, err, ErrLinkBusy)

	ev := netRun(t, n)
	assert.Equal(t, []TransferEvent{{At: 1185263158, ID: id, Tag: 5, Kind: TransferDone, Bytes: 1_000_000}}, ev)

	// 500 ms idle: Pensieve's sleep walk moves the trace to 1.6052631578947372 s,
	// inside interval 2 (4 Mbit/s = 500000 B/s) with 0.3947 s left. 100000
	// bytes: 100000/500000/0.95 s + 80 ms = 290.5263157894737 ms.
	start := 1185263158*time.Nanosecond + 500*time.Millisecond
	id = netStart(t, n, start, 100_000, 6)
	ev = netRun(t, n)
	require.Len(t, ev, 2)
	assert.Equal(t, start+80*time.Millisecond, ev[0].At)
	assert.Equal(t, start+290526316, ev[1].At)
	assert.Equal(t, id, ev[1].ID)
}

func TestPensieveNetworkCancel(t *testing.T) {
	n, err := NewPensieveNetwork(netCooked(t, "0 9\n1 8\n2 4\n3 16\n"), DefaultPensieveConfig())
	require.NoError(t, err)
	id := netStart(t, n, 0, 1_000_000, 0)
	_, err = n.Advance(580*time.Millisecond, nil)
	require.NoError(t, err)
	got, err := n.Cancel(580*time.Millisecond, id)
	require.NoError(t, err)
	assert.Equal(t, int64(475_000), got)
	// The trace moved by the 500 ms of data only (not the RTT): 0.5 s into
	// interval 1. 100000 bytes at 1e6 B/s: 100000/1e6/0.95 s + 80 ms =
	// 185.26315789473685 ms.
	netStart(t, n, 580*time.Millisecond, 100_000, 0)
	ev := netRun(t, n)
	assert.Equal(t, 580*time.Millisecond+185263158, ev[1].At)
	_, err = n.Cancel(ev[1].At, id)
	assert.ErrorIs(t, err, ErrUnknownTransfer)
}

func TestSabreNetwork(t *testing.T) {
	n, err := NewSabreNetwork(netSabreTrace(t, netToyJSON), DefaultSabreConfig())
	require.NoError(t, err)
	var _ Network = n
	// 886360 bits = 110795 bytes: TTFB 75 ms, done at 252.272 ms.
	id := netStart(t, n, 0, 110_795, 1)
	st, err := n.Status(id)
	require.NoError(t, err)
	assert.Equal(t, TransferStatus{Tag: 1, Size: 110_795, Start: 0, FirstByte: 75 * time.Millisecond}, st)
	_, err = n.Advance(175*time.Millisecond, nil)
	require.NoError(t, err)
	// 100 ms of data at 5000 bits/ms = 500000 bits = 62500 bytes.
	d, err := n.Delivered(id)
	require.NoError(t, err)
	assert.Equal(t, int64(62_500), d)
	ev := netRun(t, n)
	assert.Equal(t, []TransferEvent{{At: 252272 * time.Microsecond, ID: id, Tag: 1, Kind: TransferDone, Bytes: 110_795}}, ev)

	// Idle until 29950 ms of network time: the next latency crosses into
	// period 1 and blends to 100 ms (TestSabreLatencyAcrossPeriods).
	id = netStart(t, n, 29950*time.Millisecond, 18_750, 2) // 150000 bits
	ev = netRun(t, n)
	assert.Equal(t, []TransferEvent{
		{At: 30050 * time.Millisecond, ID: id, Tag: 2, Kind: TransferFirstByte},
		{At: 30100 * time.Millisecond, ID: id, Tag: 2, Kind: TransferDone, Bytes: 18_750},
	}, ev)

	// A zero-byte request costs nothing in Sabre.
	id = netStart(t, n, 31*time.Second, 0, 3)
	assert.Equal(t, []TransferEvent{
		{At: 31 * time.Second, ID: id, Tag: 3, Kind: TransferFirstByte},
		{At: 31 * time.Second, ID: id, Tag: 3, Kind: TransferDone},
	}, netRun(t, n))
}

func TestSabreNetworkCancelAndBackToBack(t *testing.T) {
	n, err := NewSabreNetwork(netSabreTrace(t, netToyJSON), DefaultSabreConfig())
	require.NoError(t, err)
	id := netStart(t, n, 0, 110_795, 0)
	_, err = n.Advance(100*time.Millisecond, nil)
	require.NoError(t, err)
	// 25 ms of data at 5000 bits/ms = 125000 bits = 15625 bytes.
	got, err := n.Cancel(100*time.Millisecond, id)
	require.NoError(t, err)
	assert.Equal(t, int64(15_625), got)
	// The cursor is at 100 ms of network time: a 5000-bit request pays 75 ms
	// of latency and 1 ms of data.
	id = netStart(t, n, 100*time.Millisecond, 625, 0)
	ev, err := n.Advance(176*time.Millisecond, nil)
	require.NoError(t, err)
	assert.Equal(t, TransferEvent{At: 176 * time.Millisecond, ID: id, Kind: TransferDone, Bytes: 625}, ev[1])

	// Back to back without collecting the done event at exactly that time:
	// allowed, and the old transfer's events come first.
	n.Reset()
	a := netStart(t, n, 0, 625, 1) // done at 76 ms
	_, err = n.Advance(75*time.Millisecond, nil)
	require.NoError(t, err)
	_, err = n.Advance(76*time.Millisecond-1, nil)
	require.NoError(t, err)
	_, err = n.Start(77*time.Millisecond, TransferSpec{Size: 1})
	assert.ErrorIs(t, err, ErrPendingEvents)
	b := netStart(t, n, 76*time.Millisecond, 625, 2)
	got, err = n.Delivered(a)
	require.NoError(t, err)
	assert.Equal(t, int64(625), got)
	ev, err = n.Advance(76*time.Millisecond, nil)
	require.NoError(t, err)
	assert.Equal(t, []TransferEvent{{At: 76 * time.Millisecond, ID: a, Tag: 1, Kind: TransferDone, Bytes: 625}}, ev)
	ev = netRun(t, n)
	assert.Equal(t, b, ev[0].ID)
	assert.Equal(t, 76*time.Millisecond+76*time.Millisecond, ev[1].At)

	_, err = n.Advance(0, nil)
	assert.ErrorIs(t, err, ErrClockBackwards)
	_, err = n.Start(0, TransferSpec{Size: 1})
	assert.ErrorIs(t, err, ErrClockBackwards)
	_, err = n.Start(n.Now(), TransferSpec{Size: -1})
	assert.ErrorIs(t, err, ErrBadTransfer)
	_, err = n.Status(a)
	assert.ErrorIs(t, err, ErrUnknownTransfer)
}
