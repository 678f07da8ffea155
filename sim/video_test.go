package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvivioMatchesPensieveFacts(t *testing.T) {
	v := Envivio()
	require.Equal(t, 6, v.Rungs())
	require.Len(t, v.Sizes, 49)
	assert.Equal(t, 48, v.Play)
	assert.Equal(t, 4*time.Second, v.SegmentDuration)
	// Chunk 0 sizes quoted in abr-literature.md §1.2.
	assert.Equal(t, []int64{181801, 450283, 668286, 1034108, 1728879, 2354772}, v.Sizes[0])
	// Totals over 49 chunks from the Envivio README.
	totals := []int64{7404071, 18381706, 29331015, 45144703, 69527769, 104841641}
	for q, want := range totals {
		var sum int64
		for i := range v.Sizes {
			sum += v.Sizes[i][q]
		}
		assert.Equal(t, want, sum, "rung %d", q)
	}
	// Mean encoded rate of the lowest rung over the 48 played chunks:
	// 303.8 kbit/s per the README (sum × 8 / 192 s).
	var sum int64
	for i := 0; i < 48; i++ {
		sum += v.Sizes[i][0]
	}
	assert.InDelta(t, 303.8, float64(sum*8)/192/1000, 0.05)

	l := v.Ladder()
	assert.Equal(t, int64(4_300_000), l.Rungs[5].Bitrate)
	assert.Equal(t, 1080, l.Rungs[5].Height)
	assert.Equal(t, int64(2354772), l.SegmentSize(0, 5))
	// Look-ahead past the played chunks still has a size (chunk 48),
	// beyond the table the nominal size is used: 300 kbit/s × 4 s / 8.
	assert.Equal(t, v.Sizes[48][0], l.SegmentSize(48, 0))
	assert.Equal(t, int64(150000), l.SegmentSize(49, 0))
}

func TestLoadEnvivioFromShared(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "traces", "videos", "envivio")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("shared traces not present")
	}
	v, err := LoadEnvivio(dir)
	require.NoError(t, err)
	assert.Equal(t, Envivio().Sizes, v.Sizes)
}

func TestParseChunkSizesErrorsNameLine(t *testing.T) {
	_, err := ParseChunkSizes([]byte("100\n200\nabc\n"), "video_size_9")
	require.ErrorIs(t, err, ErrBadVideo)
	assert.Contains(t, err.Error(), "video_size_9:3")
	_, err = ParseChunkSizes([]byte("100\r\n-5\r\n"), "f")
	assert.ErrorContains(t, err, "f:2")
	_, err = ParseChunkSizes(nil, "empty")
	assert.ErrorContains(t, err, "no chunk sizes")
	got, err := ParseChunkSizes([]byte("1\r\n\r\n2\r\n"), "crlf")
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, got)
}

func TestParseSabreMovie(t *testing.T) {
	v, err := ParseSabreMovie([]byte(`{"segment_duration_ms": 3000, "bitrates_kbps": [230, 331],
		"segment_sizes_bits": [[886360, 1180512], [800, 1600]]}`), "m.json")
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, v.SegmentDuration)
	assert.Equal(t, []int64{230000, 331000}, v.Bitrates)
	// 886360 bits = 110795 bytes.
	assert.Equal(t, [][]int64{{110795, 147564}, {100, 200}}, v.Sizes)
	assert.Equal(t, 2, v.Play)

	_, err = ParseSabreMovie([]byte(`{"segment_duration_ms": 3000, "bitrates_kbps": [230],
		"segment_sizes_bits": [[7]]}`), "odd.json")
	assert.ErrorContains(t, err, "odd.json")
	_, err = ParseSabreMovie([]byte(`{"bitrates_kbps": [230]}`), "short.json")
	assert.ErrorContains(t, err, "segment_duration_ms")
	_, err = ParseSabreMovie([]byte(`{"segment_duration_ms": 3000, "bitrates_kbps": [300, 200],
		"segment_sizes_bits": [[8, 8]]}`), "desc.json")
	assert.ErrorContains(t, err, "ascend")
}

func TestSabreMovieFromShared(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "traces", "sabre", "movie.json")
	if _, err := os.Stat(path); err != nil {
		t.Skip("shared traces not present")
	}
	v, err := LoadSabreMovie(path)
	require.NoError(t, err)
	// Sabre README: 199 segments × 3 s, 10 rungs 230-6000 kbit/s.
	assert.Equal(t, 199, v.Play)
	assert.Len(t, v.Bitrates, 10)
	assert.Equal(t, int64(230_000), v.Bitrates[0])
	assert.Equal(t, int64(6_000_000), v.Bitrates[9])
	assert.Equal(t, int64(886360/8), v.Sizes[0][0])

	// -ml 180 gives ceil(180/3) = 60 segments, repeating from the start.
	r, err := v.Repeat(180 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, 60, r.Play)
	r2, err := v.Repeat(700 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, 234, r2.Play) // ceil(700/3)
	assert.Equal(t, v.Sizes[0], r2.Sizes[199])
}

func TestSyntheticDeterministicAndUnbiased(t *testing.T) {
	cfg := DefaultSyntheticConfig()
	cfg.Segments = 2000
	a, err := Synthetic(cfg)
	require.NoError(t, err)
	b, err := Synthetic(cfg)
	require.NoError(t, err)
	assert.Equal(t, a.Sizes, b.Sizes)
	cfg.Seed = 2
	c, err := Synthetic(cfg)
	require.NoError(t, err)
	assert.NotEqual(t, a.Sizes, c.Sizes)
	// Mean factor 1: the mean size of rung 0 is within 3% of
	// 300 kbit/s × 4 s / 8 = 150000 bytes (σ = 0.25 over 2000 draws gives a
	// standard error of about 0.6%).
	var sum int64
	for _, row := range a.Sizes {
		sum += row[0]
	}
	assert.InEpsilon(t, 150000.0, float64(sum)/2000, 0.03)

	cfg.VBR = 0
	flat, err := Synthetic(cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(2_150_000), flat.Sizes[17][5]) // 4.3 Mbit/s × 4 s / 8
}

func TestEnvivioPresentation(t *testing.T) {
	v := Envivio()
	p := v.Presentation()
	require.Len(t, p.Periods, 1)
	reps := p.Periods[0].AdaptationSets[0].Representations
	require.Len(t, reps, 6)
	assert.Equal(t, int64(1_850_000), reps[3].Bandwidth)
	assert.Equal(t, 192*time.Second, p.Duration)
}

func FuzzParseChunkSizes(f *testing.F) {
	f.Add([]byte("181801\n155580\n"))
	f.Add([]byte("1\r\n\r\n-2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sizes, err := ParseChunkSizes(data, "fuzz")
		if err == nil {
			for _, s := range sizes {
				if s <= 0 {
					t.Fatalf("accepted non-positive size %d", s)
				}
			}
		}
	})
}

func FuzzParseSabreMovie(f *testing.F) {
	f.Add([]byte(`{"segment_duration_ms": 3000, "bitrates_kbps": [230, 331], "segment_sizes_bits": [[8, 16]]}`))
	f.Add([]byte(`{"segment_duration_ms": -1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseSabreMovie(data, "fuzz")
		if err == nil {
			_ = v.Ladder()
			_ = v.Presentation()
		}
	})
}
