package sim

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

func newNetPensieve(t testing.TB, text string) *PensieveLink {
	t.Helper()
	l, err := NewPensieveLink(netCooked(t, text), DefaultPensieveConfig())
	require.NoError(t, err)
	return l
}

// assertCursor checks l's mahimahi_ptr and last_mahimahi_time (s).
func assertCursor(t *testing.T, l *PensieveLink, ptr int, lastS float64) {
	t.Helper()
	gotPtr, gotLast := l.Cursor()
	assert.Equal(t, ptr, gotPtr, "mahimahi_ptr")
	assert.Equal(t, lastS, gotLast, "last_mahimahi_time")
}

func TestPensieveDownload(t *testing.T) {
	// time 0,1,2,3 s; bw[1..3] = 8, 4, 16 Mbit/s (bw[0] = 9 is never used).
	l := newNetPensieve(t, "0 9\n1 8\n2 4\n3 16\n")
	assertCursor(t, l, 1, 0.0)

	// 1,000,000 bytes. Interval 1: 8 Mbit/s = 1e6 B/s for 1 s, payload
	// 1e6*1*0.95 = 950000 < 1e6, so sent = 950000, delay = 1 s, ptr = 2.
	// Interval 2: 4 Mbit/s = 500000 B/s, payload 475000; 950000+475000 > 1e6,
	// so frac = (1e6-950000)/500000/0.95 = 0.1/0.95 = 0.10526315789473684 s.
	// delay = 1.1052631578947368 s -> x1000 + 80 = 1185.2631578947369 ms.
	assert.Equal(t, 1185.2631578947369, l.Download(1_000_000))
	assertCursor(t, l, 2, 1.105263157894737)

	// Sleep 500 ms ends inside interval 2 (0.894... s left): last = 1.605263...
	assert.Equal(t, 500.0, l.Sleep(500))
	// 100,000 bytes in interval 2: 0.3947 s left carries 187500 bytes, so
	// frac = 100000/500000/0.95 = 0.21052631578947367 s -> 290.5263157894737 ms.
	assert.Equal(t, 290.5263157894737, l.Download(100_000))
}

func TestPensieveWrapQuirk(t *testing.T) {
	// The first pass starts at time[0] = 0.5 s, but after the wrap the
	// trace time restarts at 0, so interval 1 lasts 1.5 s instead of 1 s.
	l := newNetPensieve(t, "0.5 9\n1.5 8\n2.5 8\n")
	// 3,000,000 bytes at 1e6 B/s: intervals 1 and 2 carry 950000 each
	// (1.9e6, delay 2 s). Wrap: ptr = 1, last = 0; interval 1 now lasts
	// 1.5 s and would carry 1425000 > 1.1e6 left, so
	// frac = 1.1e6/1e6/0.95 = 1.1578947368421053 s.
	// delay = 3.1578947368421053 s -> 3237.8947368421054 ms.
	assert.Equal(t, 3237.8947368421054, l.Download(3_000_000))
	assertCursor(t, l, 1, 1.1578947368421053)
}

func TestPensieveBoundaryAndZeroRate(t *testing.T) {
	// bw 8, 0, 8 Mbit/s. 950000 bytes is exactly interval 1's payload; the
	// test is strict (sent+payload > size), so the walk goes on: the
	// zero-rate interval 2 adds its whole second, and in interval 3 the
	// remaining 0 bytes take 0 s. delay = 2 s -> 2080 ms.
	l := newNetPensieve(t, "0 0\n1 8\n2 0\n3 8\n")
	assert.Equal(t, 2080.0, l.Download(950_000))
	assertCursor(t, l, 3, 2.0)
}

func TestPensieveSleepQuirk(t *testing.T) {
	l := newNetPensieve(t, "0 9\n1 8\n2 4\n3 16\n")
	// Sleep 2500 ms from time 0: interval 1 (1 s) is not longer than 2.5 s,
	// so 1000 ms is taken off and ptr = 2; again for interval 2; interval 3
	// (1 s) is longer than 0.5 s, so last = 2.5. The loop's sleep variable
	// ends at 500, which is what the environment reports.
	assert.Equal(t, 500.0, l.Sleep(2500))
	assertCursor(t, l, 3, 2.5)
	// A sleep past the end wraps to ptr 1 and time 0 like a download.
	assert.Equal(t, 500.0, l.Sleep(1000)) // 0.5 s left of interval 3 -> wrap, 0.5 s into interval 1
	assertCursor(t, l, 1, 0.5)
	l.Reset()
	assertCursor(t, l, 1, 0.0)
}

func TestPensieveConfig(t *testing.T) {
	tr := netCooked(t, "0 9\n1 8\n")
	l, err := NewPensieveLink(tr, PensieveConfig{LinkRTT: 0, PacketPayloadPortion: 1})
	require.NoError(t, err)
	// 500000 bytes at 1e6 B/s with full payload and no RTT: 0.5 s.
	assert.Equal(t, 500.0, l.Download(500_000))

	for _, bad := range []string{"0 1\n1 0\n2 0\n", "0 9\n0 8\n1 0\n"} {
		_, err := NewPensieveLink(netCooked(t, bad), DefaultPensieveConfig())
		assert.ErrorIs(t, err, ErrBadLink, bad)
		assert.ErrorIs(t, err, traces.ErrZeroCapacity, bad)
	}
	_, err = NewPensieveLink(tr, PensieveConfig{PacketPayloadPortion: 0})
	assert.ErrorIs(t, err, ErrBadLink)
	// Traces from other formats get derived columns: 1 s at 8 Mbit/s.
	steps, err := traces.Steps("s", time.Second, 8_000_000)
	require.NoError(t, err)
	l, err = NewPensieveLink(steps, DefaultPensieveConfig())
	require.NoError(t, err)
	// 500000/1e6/0.95 = 0.5263157894736842 s -> 526.3157894736842 + 80 ms.
	assert.Equal(t, 606.3157894736842, l.Download(500_000))
}

func TestPensieveRealTrace(t *testing.T) {
	tr, err := traces.Load(netSharedTraces(t, "pensieve-hsdpa/test/norway_bus_1"))
	require.NoError(t, err)
	l, err := NewPensieveLink(tr, DefaultPensieveConfig())
	require.NoError(t, err)
	sizes := netEnvivioSizes(t, 1)[:5]
	require.Equal(t, []int64{450283, 398865, 350812, 382355, 411561}, sizes)
	// Expected delays from an independent implementation of the prose in
	// abr-literature.md section 1.1 (Python floats), chunks 0-4 at
	// quality 1 back to back from the start of norway_bus_1.
	want := []float64{887.2836624630917, 855.2414684014233, 771.6494632541267, 844.2648328719234, 938.6694530082957}
	for i, s := range sizes {
		assert.Equal(t, want[i], l.Download(s), "chunk %d", i)
	}
	assertCursor(t, l, 9, 3.897108879998861)
}

// netEnvivioSizes reads ../shared/traces/videos/envivio/video_size_q.
func netEnvivioSizes(t *testing.T, q int) []int64 {
	t.Helper()
	f, err := os.Open(netSharedTraces(t, filepath.Join("videos", "envivio", "video_size_"+strconv.Itoa(q))))
	require.NoError(t, err)
	defer f.Close()
	var out []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}
