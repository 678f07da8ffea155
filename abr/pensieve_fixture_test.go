package abr

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pensieveEnvivioRates are the Envivio ladder's bitrates (Pensieve
// VIDEO_BIT_RATE, kbit/s × 1000).
var pensieveEnvivioRates = []int64{300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000}

// pensieveEnvivioSizes reads testdata/envivio/video_size_{0..5}: sizes[q][i]
// is the size in bytes of chunk i at rung q (49 chunks).
func pensieveEnvivioSizes(tb testing.TB) [][]int64 {
	tb.Helper()
	sizes := make([][]int64, len(pensieveEnvivioRates))
	for q := range sizes {
		name := filepath.Join("testdata", "envivio", fmt.Sprintf("video_size_%d", q))
		f, err := os.Open(name)
		require.NoError(tb, err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			n, err := strconv.ParseInt(sc.Text(), 10, 64)
			require.NoError(tb, err, "%s: %q", name, sc.Text())
			sizes[q] = append(sizes[q], n)
		}
		require.NoError(tb, sc.Err())
		require.NoError(tb, f.Close())
		require.Len(tb, sizes[q], 49, name)
	}
	return sizes
}

// pensieveEnvivioLadder is the 6-rung Envivio ladder with its real chunk
// sizes, 4 s chunks and 48 played chunks, as Pensieve's simulator sees it.
// Size answers for chunk 48 too (the 49th line), which mpc.py reads.
func pensieveEnvivioLadder(tb testing.TB) *Ladder {
	sizes := pensieveEnvivioSizes(tb)
	l := &Ladder{SegmentDuration: 4 * time.Second, Segments: 48}
	res := [][2]int{{320, 180}, {640, 360}, {768, 432}, {1024, 576}, {1280, 720}, {1920, 1080}}
	for q, r := range pensieveEnvivioRates {
		l.Rungs = append(l.Rungs, Rung{Bitrate: r, Width: res[q][0], Height: res[q][1], FrameRate: 29.97, Codecs: "avc1.4D401E"})
	}
	l.Size = func(seg, q int) int64 {
		if seg < 0 || seg >= len(sizes[q]) {
			return -1
		}
		return sizes[q][seg]
	}
	return l
}

// pensieveSnap returns a snapshot on ladder l with the rung range open.
func pensieveSnap(l *Ladder) *Snapshot {
	return &Snapshot{Ladder: l, MinRung: 0, MaxRung: l.Top(), LastRung: -1, MaxBuffer: 60 * time.Second, Playing: true}
}

// pensieveDL is a completed download of bytes in elapsed (TTFB included,
// 80 ms of it as TTFB when the elapsed time allows).
func pensieveDL(seg, rung int, bytes int64, elapsed time.Duration) Download {
	ttfb := min(80*time.Millisecond, elapsed/2)
	return Download{Segment: seg, Rung: rung, Bytes: bytes, TTFB: ttfb, Transfer: elapsed - ttfb}
}
