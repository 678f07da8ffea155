package player

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// playCorpusE2E serves testdata/corpus over HTTP, plays rel with alg and
// returns the outcome and the count of each logged request, keyed by
// path and Range header.
func playCorpusE2E(t *testing.T, rel string, alg abr.Algorithm, requests int) (played, map[string]int) {
	t.Helper()
	o, srv := newTestOrigin(t, origin.Config{Dir: corpusDir})
	p := playE2E(t, srv.URL+"/"+rel, e2eConfig(), alg)
	return p, loggedRequests(t, o, requests)
}

// counts turns a list of request keys into counts.
func counts(keys ...string) map[string]int {
	m := map[string]int{}
	for _, k := range keys {
		m[k]++
	}
	return m
}

// segmentTicks parses a source init and media segments of the corpus
// with mp4ff alone and returns the timescale and the sum of their trun
// sample durations of the init's first track: the independent
// expectation for a recorded file.
func segmentTicks(t *testing.T, init string, segments ...string) (uint32, uint64) {
	t.Helper()
	tracks := sourceTicks(t, init, segments...)
	ini := decodeCorpusFile(t, init)
	tr := tracks[ini.Init.Moov.Trak.Tkhd.TrackID]
	return tr.timescale, tr.ticks
}

// sourceTicks is segmentTicks for every track of the init.
func sourceTicks(t *testing.T, init string, segments ...string) map[uint32]trackFile {
	t.Helper()
	ini := decodeCorpusFile(t, init)
	require.NotNil(t, ini.Init, init)
	out := map[uint32]trackFile{}
	for _, trak := range ini.Init.Moov.Traks {
		id := trak.Tkhd.TrackID
		var trex *mp4.TrexBox
		for _, x := range ini.Init.Moov.Mvex.Trexs {
			if x.TrackID == id {
				trex = x
			}
		}
		require.NotNil(t, trex, init)
		tf := trackFile{timescale: trak.Mdia.Mdhd.Timescale}
		for _, seg := range segments {
			f := decodeCorpusFile(t, seg)
			for _, s := range f.Segments {
				for _, frag := range s.Fragments {
					samples, err := frag.GetFullSamples(trex)
					require.NoError(t, err, seg)
					for _, x := range samples {
						tf.ticks += uint64(x.Dur)
					}
				}
			}
		}
		out[id] = tf
	}
	return out
}

func decodeCorpusFile(t *testing.T, rel string) *mp4.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, filepath.FromSlash(rel)))
	require.NoError(t, err)
	f, err := mp4.DecodeFile(bytes.NewReader(data))
	require.NoError(t, err, rel)
	return f
}

// livesim2 testpic_2s_low_delay: SegmentTemplate $Number$, three real
// GPAC encodes (360p, 720p, 1080p) of 4 × 2 s, AAC audio. The cycling
// algorithm plays segments 1-4 at 360p, 720p, 1080p, 360p.
func TestE2ECorpusTemplateSwitching(t *testing.T) {
	const dir = "livesim2/testpic_2s_low_delay/"
	want := counts("/"+dir+"Manifest.mpd",
		"/"+dir+"360/init.mp4", "/"+dir+"720/init.mp4", "/"+dir+"1080/init.mp4", "/"+dir+"A48/init.mp4",
		"/"+dir+"360/1.m4s", "/"+dir+"720/2.m4s", "/"+dir+"1080/3.m4s", "/"+dir+"360/4.m4s",
		"/"+dir+"A48/1.m4s", "/"+dir+"A48/2.m4s", "/"+dir+"A48/3.m4s", "/"+dir+"A48/4.m4s")
	p, got := playCorpusE2E(t, dir+"Manifest.mpd", cycleAlg{}, 13)
	assert.Equal(t, want, got)

	v := readTrackFile(t, p.files["video"])
	ts, ticks := segmentTicks(t, dir+"360/init.mp4", dir+"360/1.m4s")
	_, t2 := segmentTicks(t, dir+"720/init.mp4", dir+"720/2.m4s")
	_, t3 := segmentTicks(t, dir+"1080/init.mp4", dir+"1080/3.m4s")
	_, t4 := segmentTicks(t, dir+"360/init.mp4", dir+"360/4.m4s")
	assert.Equal(t, ts, v.timescale)
	assert.Equal(t, ticks+t2+t3+t4, v.ticks)
	assert.Equal(t, 8*time.Second, v.duration(), "4 segments of 2 s (MPD @duration 2000 at timescale 1000)")
	assert.Equal(t, []string{"avc1", "avc1", "avc1"}, v.entries, "one sample entry per resolution")
	assert.Equal(t, map[uint32]int{1: 2, 2: 1, 3: 1}, v.sdIndexes)

	a := readTrackFile(t, p.files["audio"])
	ats, aticks := segmentTicks(t, dir+"A48/init.mp4", dir+"A48/1.m4s", dir+"A48/2.m4s", dir+"A48/3.m4s", dir+"A48/4.m4s")
	assert.Equal(t, ats, a.timescale)
	assert.Equal(t, aticks, a.ticks)
	assert.InDelta(t, 8.0, a.duration().Seconds(), 1024.0/48000, "8 s within one AAC frame")
}

// androidx-media cmaf-multi-segment, as DASH (SegmentTimeline) and as
// HLS (multivariant + two media playlists) over the same files: both
// fetch every segment once and record byte-identical files.
func TestE2ECorpusCMAFDashAndHLS(t *testing.T) {
	const dir = "androidx-media/cmaf-multi-segment/"
	media := []string{"/" + dir + "video_init.mp4", "/" + dir + "audio_init.mp4"}
	for k := 1; k <= 12; k++ {
		media = append(media, "/"+dir+"video_"+itoa(k)+".m4s", "/"+dir+"audio_"+itoa(k)+".m4s")
	}
	alg := func() abr.Algorithm { a, err := abr.New("throughput"); require.NoError(t, err); return a }

	dash, got := playCorpusE2E(t, dir+"manifest.mpd", alg(), 1+len(media))
	assert.Equal(t, counts(append([]string{"/" + dir + "manifest.mpd"}, media...)...), got)
	hls, got := playCorpusE2E(t, dir+"playlist.m3u8", alg(), 3+len(media))
	assert.Equal(t, counts(append([]string{"/" + dir + "playlist.m3u8", "/" + dir + "stream_0.m3u8", "/" + dir + "stream_1.m3u8"}, media...)...), got)

	// The MPD's SegmentTimeline: video 12 segments summing to 46080 at
	// 15360 (3 s). Audio: the timeline sums to 132300 at 44100 (3 s), but
	// its last entry (10444) is not whole AAC frames; the media holds
	// 11264 there, 1024 more, as the source files say.
	v := readTrackFile(t, dash.files["video"])
	assert.Equal(t, uint32(15360), v.timescale)
	assert.Equal(t, uint64(46080), v.ticks)
	a := readTrackFile(t, dash.files["audio"])
	var audioSegs []string
	for k := 1; k <= 12; k++ {
		audioSegs = append(audioSegs, dir+"audio_"+itoa(k)+".m4s")
	}
	ts, ticks := segmentTicks(t, dir+"audio_init.mp4", audioSegs...)
	assert.Equal(t, uint32(44100), ts)
	assert.Equal(t, uint64(132300+1024), ticks)
	assert.Equal(t, ts, a.timescale)
	assert.Equal(t, ticks, a.ticks)
	for _, content := range []string{"video", "audio"} {
		d, err := os.ReadFile(dash.files[content])
		require.NoError(t, err)
		h, err := os.ReadFile(hls.files[content])
		require.NoError(t, err)
		assert.True(t, bytes.Equal(d, h), "%s: DASH and HLS recordings differ", content)
	}
}

// androidx-media hls-multi-segment: a media playlist on its own (no
// multivariant playlist), EXT-X-MAP, two segments (EXTINF 0.500 and
// 0.550) of muxed video (30000 Hz) and audio (44100 Hz). The recording
// keeps both tracks, each with the source's samples.
func TestE2ECorpusHLSMediaPlaylist(t *testing.T) {
	const dir = "androidx-media/hls-multi-segment/"
	p, got := playCorpusE2E(t, dir+"playlist.m3u8", cycleAlg{}, 4)
	assert.Equal(t, counts("/"+dir+"playlist.m3u8", "/"+dir+"init.mp4", "/"+dir+"playlist0.m4s", "/"+dir+"playlist1.m4s"), got)
	require.Len(t, p.files, 1)
	var rec map[uint32]trackFile
	for _, path := range p.files {
		rec = readTracks(t, path)
	}
	src := sourceTicks(t, dir+"init.mp4", dir+"playlist0.m4s", dir+"playlist1.m4s")
	require.Len(t, src, 2)
	for id, s := range src {
		assert.Equal(t, s.timescale, rec[id].timescale, "track %d", id)
		assert.Equal(t, s.ticks, rec[id].ticks, "track %d", id)
	}
	// Video: 2 × 15 frames of 1001 at 30000 (1.001 s); audio: 45 AAC
	// frames at 44100 (1.045 s).
	assert.Equal(t, uint64(30*1001), src[1].ticks)
	assert.Equal(t, uint64(45*1024), src[2].ticks)
}

// shaka-player hls-multivideo: MPEG-2 TS variants with a VIDEO group and
// an AUDIO group. The cycling algorithm starts at rung 0 (400 kbit/s,
// red_2); the default audio rendition is "Original 128k". Each playlist
// has one segment; the TS recordings are those segments byte for byte.
func TestE2ECorpusHLSTransportStream(t *testing.T) {
	const dir = "shaka-player/hls-multivideo/"
	p, got := playCorpusE2E(t, dir+"master.m3u8", cycleAlg{}, 5)
	assert.Equal(t, counts("/"+dir+"master.m3u8", "/"+dir+"red_2.m3u8", "/"+dir+"original_128k.m3u8",
		"/"+dir+"red_2.ts", "/"+dir+"original_128k.ts"), got)
	for content, src := range map[string]string{"video": "red_2.ts", "audio": "original_128k.ts"} {
		require.Contains(t, p.files, content)
		assert.True(t, strings.HasSuffix(p.files[content], ".ts"), p.files[content])
		rec, err := os.ReadFile(p.files[content])
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join(corpusDir, dir, src))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, rec), "%s recording differs from %s", content, src)
		assert.Zero(t, len(rec)%188, "whole TS packets")
	}
}

// shaka-player 6339: SegmentList with Initialization@range and
// SegmentURL@mediaRange into one file per track; every range is fetched
// once and the recordings hold every fragment of the files.
func TestE2ECorpusSegmentListRanges(t *testing.T) {
	const dir = "shaka-player/6339/"
	v, a := "/"+dir+"v.mp4", "/"+dir+"a.mp4"
	want := []string{"/" + dir + "master.mpd", requestKey(v, "bytes=36-745"), requestKey(a, "bytes=36-663")}
	for _, r := range []string{"746-18481", "18482-32360", "32361-46233", "46234-60106", "60107-73979"} {
		want = append(want, requestKey(v, "bytes="+r))
	}
	for _, r := range []string{"664-3020", "3021-5373", "5374-7713", "7714-10053", "10054-12393", "12394-14746",
		"14747-17086", "17087-19426", "19427-21766", "21767-24119", "24120-26459", "26460-28799"} {
		want = append(want, requestKey(a, "bytes="+r))
	}
	p, got := playCorpusE2E(t, dir+"master.mpd", cycleAlg{}, len(want))
	assert.Equal(t, counts(want...), got)

	for content, src := range map[string]string{"video": "v.mp4", "audio": "a.mp4"} {
		rec := readTrackFile(t, p.files[content])
		ts, ticks := segmentTicks(t, dir+src, dir+src)
		assert.Equal(t, ts, rec.timescale, content)
		assert.Equal(t, ticks, rec.ticks, content)
	}
	// SegmentList durations: video 5 × 9.982 s, audio 12 × 4 s.
	assert.InDelta(t, 49.91, readTrackFile(t, p.files["video"]).duration().Seconds(), 0.1)
	assert.InDelta(t, 48.0, readTrackFile(t, p.files["audio"]).duration().Seconds(), 0.1)
}
