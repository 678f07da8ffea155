package player

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// synthRung builds a one-rung synthetic video track (2 s segments, 30
// fps) of the given size and timescale at 300 kbit/s.
func synthRung(t testing.TB, width, height int, timescale uint32) *origin.Synth {
	return synthRungRate(t, width, height, timescale, 300_000)
}

// synthRungRate is synthRung at a given bitrate.
func synthRungRate(t testing.TB, width, height int, timescale uint32, bitrate int64) *origin.Synth {
	c := origin.DefaultContent()
	c.Video = []origin.VideoRung{{ID: "v", Bitrate: bitrate, Width: width, Height: height}}
	c.Audio = nil
	c.Duration = 6 * time.Second
	c.VideoTimescale = timescale
	sy, err := origin.NewSynth(c)
	require.NoError(t, err)
	return sy
}

// synthBytes returns the init segment and media segments 1-3 of sy.
func synthBytes(t testing.TB, sy *origin.Synth) (init []byte, segs [][]byte) {
	init, err := sy.InitSegment("v")
	require.NoError(t, err)
	for n := 1; n <= 3; n++ {
		r, err := sy.OpenSegment("v", n)
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		segs = append(segs, b)
	}
	return init, segs
}

// withTrackID re-encodes an init segment and media segments with track
// ID id (tkhd, trex, tfhd), as another packager might number the track.
func withTrackID(t *testing.T, id uint32, init []byte, segs [][]byte) ([]byte, [][]byte) {
	f, err := mp4.DecodeFile(bytes.NewReader(init))
	require.NoError(t, err)
	f.Init.Moov.Trak.Tkhd.TrackID = id
	f.Init.Moov.Mvex.Trex.TrackID = id
	var b bytes.Buffer
	require.NoError(t, f.Init.Encode(&b))
	var out [][]byte
	for _, seg := range segs {
		f, err := mp4.DecodeFile(bytes.NewReader(seg))
		require.NoError(t, err)
		for _, s := range f.Segments {
			for _, frag := range s.Fragments {
				frag.Moof.Traf.Tfhd.TrackID = id
			}
		}
		var sb bytes.Buffer
		require.NoError(t, f.Encode(&sb))
		out = append(out, sb.Bytes())
	}
	return b.Bytes(), out
}

// feed delivers deliveries to a new file sink and returns the recorded
// file of track 0.
func feed(t *testing.T, ds ...Delivery) string {
	t.Helper()
	dir := t.TempDir()
	fs, err := NewFileSink(dir, 1)
	require.NoError(t, err)
	for i := range ds {
		require.NoError(t, fs.Deliver(0, &ds[i]), "delivery %d", i)
	}
	require.NoError(t, fs.Close())
	require.Len(t, fs.Files(), 1)
	left, err := filepath.Glob(filepath.Join(dir, ".track*"))
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files removed")
	return fs.Files()[0]
}

func initOf(rung int, data []byte) Delivery {
	return Delivery{Content: manifest.ContentVideo, Rep: &manifest.Representation{ID: itoa(rung)}, Rung: rung,
		Init: true, Data: data, Bytes: int64(len(data))}
}

func mediaOf(rung, seg int, data []byte) Delivery {
	return Delivery{Content: manifest.ContentVideo, Rep: &manifest.Representation{ID: itoa(rung)}, Rung: rung,
		Segment: seg, Number: uint64(seg + 1), Start: time.Duration(seg) * 2 * time.Second, Duration: 2 * time.Second,
		Data: data, Bytes: int64(len(data))}
}

// A switch to a representation with another track ID, picture size and
// timescale (15360 instead of 90000): its fragment is rebuilt at 90 kHz
// with the output track ID and its own sample entry; a switch back
// re-uses the first entry and passes fragments through.
func TestFileSinkSwitchTimescaleAndTrackID(t *testing.T) {
	initA, segA := synthBytes(t, synthRung(t, 640, 360, 90000))
	for _, tc := range []struct {
		name      string
		timescale uint32
	}{{"rewrite", 90000}, {"rebuild", 15360}} {
		t.Run(tc.name, func(t *testing.T) {
			initB, segB := synthBytes(t, synthRung(t, 1280, 720, tc.timescale))
			initB, segB = withTrackID(t, 2, initB, segB)
			path := feed(t,
				initOf(0, initA), mediaOf(0, 0, segA[0]),
				initOf(1, initB), mediaOf(1, 1, segB[1]),
				initOf(0, initA), mediaOf(0, 2, segA[2]))
			f := readTrackFile(t, path)
			assert.Equal(t, uint32(90000), f.timescale)
			assert.Equal(t, []string{"avc1", "avc1"}, f.entries)
			// Three 2 s segments at 90 kHz, tiling the timeline (checked by
			// readTrackFile), all on the output's track ID.
			assert.Equal(t, uint64(3*2*90000), f.ticks)
			assert.Equal(t, 3, f.fragments)
			assert.Equal(t, map[uint32]int{1: 2, 2: 1}, f.sdIndexes)
			assert.Equal(t, 3*60, f.samples, "30 fps × 2 s per fragment")
		})
	}
}

// A replacement (same start time, delivered later) overrides the
// segment first recorded for that time.
func TestFileSinkReplacementOverrides(t *testing.T) {
	initA, segA := synthBytes(t, synthRung(t, 640, 360, 90000))
	initB, segB := synthBytes(t, synthRung(t, 1280, 720, 90000))
	repl := mediaOf(1, 1, segB[1])
	repl.Replacement = true
	path := feed(t, initOf(0, initA), mediaOf(0, 0, segA[0]), mediaOf(0, 1, segA[1]), mediaOf(0, 2, segA[2]),
		initOf(1, initB), repl)
	f := readTrackFile(t, path)
	assert.Equal(t, 3, f.fragments)
	assert.Equal(t, uint64(3*2*90000), f.ticks)
	assert.Equal(t, map[uint32]int{1: 2, 2: 1}, f.sdIndexes)
}

// TS segments are concatenated in media-time order, an init (EXT-X-MAP
// over TS) before the segment that followed it.
func TestFileSinkTransportStream(t *testing.T) {
	dir := filepath.Join(corpusDir, "shaka-player", "hls-multivideo")
	red1, err := os.ReadFile(filepath.Join(dir, "red_1.ts"))
	require.NoError(t, err)
	red2, err := os.ReadFile(filepath.Join(dir, "red_2.ts"))
	require.NoError(t, err)
	pat := red1[:188] // a packet stands in for a TS init segment
	path := feed(t, mediaOf(0, 1, red1), initOf(0, pat), mediaOf(0, 0, red2))
	assert.Equal(t, ".ts", filepath.Ext(path))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want := append(append(append([]byte{}, pat...), red2...), red1...)
	assert.True(t, bytes.Equal(want, got), "init, segment 0, segment 1")
}

func TestFileSinkErrors(t *testing.T) {
	initA, segA := synthBytes(t, synthRung(t, 640, 360, 90000))
	red1, err := os.ReadFile(filepath.Join(corpusDir, "shaka-player", "hls-multivideo", "red_1.ts"))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		ds   []Delivery
		want string
	}{
		{"no payload", []Delivery{initOf(0, nil)}, "no payload"},
		{"media before init", []Delivery{mediaOf(0, 0, segA[0])}, "before any init segment"},
		{"init is garbage", []Delivery{initOf(0, []byte("not an mp4 file at all"))}, "init segment"},
		{"segment truncated", []Delivery{initOf(0, initA), mediaOf(0, 0, segA[0][:100])}, "exceeds"},
		{"TS after fMP4", []Delivery{initOf(0, initA), mediaOf(0, 0, red1)}, "TS segment in an fMP4 track"},
		{"fMP4 after TS", []Delivery{mediaOf(0, 0, red1), mediaOf(0, 1, segA[0])}, "not an MPEG-2 TS segment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := NewFileSink(t.TempDir(), 1)
			require.NoError(t, err)
			defer fs.Close()
			var last error
			for i := range tc.ds {
				if last = fs.Deliver(0, &tc.ds[i]); last != nil {
					break
				}
			}
			require.Error(t, last)
			assert.ErrorIs(t, last, ErrFileSink)
			assert.Contains(t, last.Error(), tc.want)
		})
	}
}

// The file sink keeps time like the headless sink it embeds.
func TestFileSinkKeepsTime(t *testing.T) {
	initA, segA := synthBytes(t, synthRung(t, 640, 360, 90000))
	fs, err := NewFileSink(t.TempDir(), 2)
	require.NoError(t, err)
	defer fs.Close()
	for _, d := range []Delivery{initOf(0, initA), mediaOf(0, 0, segA[0]), mediaOf(0, 1, segA[1])} {
		require.NoError(t, fs.Deliver(0, &d))
	}
	fs.SetPlaying(0, true)
	// 1 s of session time at speed 2 plays 2 s of the 4 s buffered (the
	// range holding the playhead is kept whole).
	st := fs.Status(time.Second)
	assert.Equal(t, 2*time.Second, st.Playhead)
	assert.Equal(t, []TimeRange{{Start: 0, End: 4 * time.Second}}, st.Buffered)
	inits, media, _ := fs.Delivered()
	assert.Equal(t, 1, inits)
	assert.Equal(t, 2, media)
	require.NoError(t, fs.Close())
	require.Error(t, fs.Deliver(0, &Delivery{Data: []byte{1}}), "delivery after Close")
}

// FuzzFileSinkParsers feeds arbitrary bytes to the file sink's parsers:
// as a media segment of the output init's own representation (pass
// through), of one with the same timescale (moof rewrite) and of one
// with another timescale (rebuild), and as an init segment joining the
// output. They return errors, never panic, and what they accept encodes.
func FuzzFileSinkParsers(f *testing.F) {
	// Small segments (about 2 kB at 8 kbit/s) keep the fuzzer fast.
	initA, segA := synthBytes(f, synthRungRate(f, 64, 64, 90000, 8000))
	initB, segB := synthBytes(f, synthRungRate(f, 128, 64, 90000, 8000))
	initC, segC := synthBytes(f, synthRungRate(f, 128, 128, 15360, 8000))
	for _, s := range [][]byte{segA[0], segB[1], segC[2], segA[1][:200], initB, initC, initA[:50], {}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseSrcInit(initA)
		require.NoError(t, err)
		out := newOutInit(a)
		for _, init := range [][]byte{initB, initC} {
			si, err := parseSrcInit(init)
			require.NoError(t, err)
			require.NoError(t, out.add(si))
			_, _ = out.fragments(si, data)
		}
		_, _ = out.fragments(a, data)
		if si, err := parseSrcInit(data); err == nil {
			if out.add(si) == nil {
				_, _ = out.fragments(si, segA[0])
			}
		}
		_, _ = out.encode()
	})
}
