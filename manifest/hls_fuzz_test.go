package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hlsSeedFiles returns the HLS playlists that seed the fuzz target: the
// package's testdata and, when present, every playlist of the corpus.
func hlsSeedFiles(f *testing.F) []string {
	var files []string
	_ = filepath.WalkDir(filepath.Join("testdata", "hls"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".m3u8") {
			files = append(files, p)
		}
		return nil
	})
	dir := os.Getenv("ABRKIT_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	for _, top := range []string{"hls", "media"} {
		_ = filepath.WalkDir(filepath.Join(dir, top), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".m3u8") {
				if info, err := d.Info(); err == nil && info.Size() < 64<<10 {
					files = append(files, p)
				}
			}
			return nil
		})
	}
	if len(files) == 0 {
		f.Fatal("no seed playlists found")
	}
	return files
}

// FuzzParseHLS feeds arbitrary bytes to the multivariant and the media
// playlist parser. Either may reject the input, with an error wrapping
// ErrHLSSyntax or ErrHLSVariable, but never panic or hang, and what they
// accept keeps the index invariants.
func FuzzParseHLS(f *testing.F) {
	for _, name := range hlsSeedFiles(f) {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(multivariantTest))
	f.Fuzz(func(t *testing.T, data []byte) {
		const base = "https://example.com/live/master.m3u8?token=1"
		p, err := ParseHLS(data, base)
		if err != nil {
			requireHLSError(t, err)
		} else {
			checkPresentation(t, p)
			// Load the first media playlists with the same bytes:
			// exercises the media installation, variable import and the
			// timing refresh. (All of them would make the harness
			// quadratic in the input size.)
			fetches := 0
			lerr := LoadHLSMedia(p, func(string) ([]byte, error) {
				if fetches++; fetches > 8 {
					return nil, errFuzzFetch
				}
				return data, nil
			})
			if lerr != nil {
				for _, e := range lerr.(interface{ Unwrap() []error }).Unwrap() {
					if !errors.Is(e, errFuzzFetch) {
						requireHLSError(t, e)
					}
				}
			}
			checkPresentation(t, p)
			if p.Live {
				require.Zero(t, p.Duration)
			}
		}
		idx, err := ParseHLSMedia(data, base)
		if err != nil {
			requireHLSError(t, err)
			return
		}
		checkHLSIndex(t, idx)
		var total time.Duration
		for _, s := range idx.Segments {
			total += s.Duration
		}
		if idx.Playlist.EndList {
			require.Equal(t, total, idx.PeriodDuration)
		}
	})
}

// errFuzzFetch is the fetch error of the fuzz harness.
var errFuzzFetch = errors.New("not fetched")

func requireHLSError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrHLSSyntax) && !errors.Is(err, ErrHLSVariable) {
		t.Fatalf("error without an HLS sentinel: %v", err)
	}
}

// hls2hPlaylist generates a two-hour media playlist: 1,800 segments of
// 4 s, each with EXT-X-PROGRAM-DATE-TIME; the first half are byte ranges
// of one file (offsets implied after the first), the second half files
// of their own.
func hls2hPlaylist() []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:1000\n")
	b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 1800; i++ {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", t0.Add(time.Duration(i)*4*time.Second).Format("2006-01-02T15:04:05.000Z"))
		b.WriteString("#EXTINF:4.000,\n")
		switch {
		case i == 0:
			b.WriteString("#EXT-X-BYTERANGE:1048576@0\nmedia.mp4\n")
		case i < 900:
			b.WriteString("#EXT-X-BYTERANGE:1048576\nmedia.mp4\n")
		default:
			fmt.Fprintf(&b, "segment_%05d.m4s\n", i)
		}
	}
	return []byte(b.String())
}

func BenchmarkParseHLSMedia2h(b *testing.B) {
	data := hls2hPlaylist()
	idx, err := ParseHLSMedia(data, "https://cdn.example.com/live/video/720p.m3u8")
	require.NoError(b, err)
	require.Len(b, idx.Segments, 1800)
	// Segment 899 is the 900th range of media.mp4: offset 899 MiB.
	require.Equal(b, ByteRange{Offset: 899 << 20, Length: 1 << 20}, idx.Segments[899].Range)
	require.Empty(b, idx.Playlist.Warnings)
	require.Equal(b, 7200*time.Second, idx.Segments[1799].Start+idx.Segments[1799].Duration)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseHLSMedia(data, "https://cdn.example.com/live/video/720p.m3u8"); err != nil {
			b.Fatal(err)
		}
	}
}
