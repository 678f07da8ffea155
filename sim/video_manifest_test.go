package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func corpusMedia(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "corpus", "media", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skip("corpus media not present")
	}
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	return abs
}

// SegmentList with media ranges: the sizes are the range lengths from
// master.mpd (746-18481 is 17736 bytes, …), the duration the mean of the
// 9.982 s segments.
func TestManifestVideoFromSegmentListRanges(t *testing.T) {
	v, err := LoadManifestVideo(corpusMedia(t, "shaka-player/6339/master.mpd"))
	require.NoError(t, err)
	require.Equal(t, 1, v.Rungs())
	assert.Equal(t, 1280, v.Widths[0])
	assert.Equal(t, 5, v.Play)
	assert.Equal(t, 9982*time.Millisecond, v.SegmentDuration)
	want := []int64{18481 - 746 + 1, 32360 - 18482 + 1, 46233 - 32361 + 1, 60106 - 46234 + 1, 73979 - 60107 + 1}
	for i, w := range want {
		assert.Equal(t, w, v.Sizes[i][0], "segment %d", i)
	}
}

// SegmentBase: sizes come from the sidx of mp4ff's bbb5s_aac_sidx.mp4,
// whose three references are 32044, 31928 and 16326 bytes long (read off
// the box at offset 815 with a hex dump) over 95232, 96256 and 49152
// ticks of 48 kHz.
func TestManifestVideoFromSegmentBaseSidx(t *testing.T) {
	media := corpusMedia(t, "mp4ff/bbb5s_aac_sidx.mp4")
	dir := t.TempDir()
	mpd := `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT5.0266S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
 <Period>
  <AdaptationSet contentType="audio" mimeType="audio/mp4">
   <Representation id="a" bandwidth="128000" codecs="mp4a.40.2">
    <BaseURL>` + media + `</BaseURL>
    <SegmentBase indexRange="815-882"><Initialization range="0-786"/></SegmentBase>
   </Representation>
  </AdaptationSet>
 </Period>
</MPD>`
	path := filepath.Join(dir, "audio.mpd")
	require.NoError(t, os.WriteFile(path, []byte(mpd), 0o644))
	v, err := LoadManifestVideo(path)
	require.NoError(t, err)
	assert.Equal(t, []int64{128000}, v.Bitrates)
	require.Equal(t, 3, v.Play)
	assert.Equal(t, [][]int64{{32044}, {31928}, {16326}}, v.Sizes)
	// Mean of (95232 + 96256 + 49152) / 48000 s over 3 segments.
	assert.Equal(t, time.Duration((95232+96256+49152)*int64(time.Second)/48000/3), v.SegmentDuration)
}

// HLS without byte ranges: nominal sizes from BANDWIDTH × EXTINF.
func TestManifestVideoFromHLSNominalSizes(t *testing.T) {
	dir := t.TempDir()
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1600000,RESOLUTION=1280x720\nhi.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlo.m3u8\n"
	media := "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ns1.ts\n#EXTINF:4,\ns2.ts\n#EXTINF:2,\ns3.ts\n#EXT-X-ENDLIST\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte(master), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hi.m3u8"), []byte(media), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lo.m3u8"), []byte(media), 0o644))
	v, err := LoadManifestVideo(filepath.Join(dir, "master.m3u8"))
	require.NoError(t, err)
	// Sorted by bandwidth: 800k first. 800000 × 4 / 8 = 400000 bytes.
	assert.Equal(t, []int64{800_000, 1_600_000}, v.Bitrates)
	assert.Equal(t, []int{640, 1280}, v.Widths)
	assert.Equal(t, [][]int64{{400000, 800000}, {400000, 800000}, {200000, 400000}}, v.Sizes)
	assert.Equal(t, 10*time.Second/3, v.SegmentDuration)
}

func TestManifestVideoErrors(t *testing.T) {
	_, err := LoadManifestVideo(filepath.Join(t.TempDir(), "nope.mpd"))
	require.ErrorIs(t, err, ErrBadVideo)
	assert.Contains(t, err.Error(), "nope.mpd")

	_, err = VideoFromPresentation(&manifest.Presentation{URL: "x.mpd"}, nil)
	assert.ErrorContains(t, err, "no period")

	live := &manifest.Presentation{URL: "live.mpd", Live: true, Periods: []*manifest.Period{{AdaptationSets: []*manifest.AdaptationSet{{
		ContentType: manifest.ContentVideo,
		Representations: []*manifest.Representation{{ID: "v", Bandwidth: 1e6, Index: &manifest.SegmentIndex{
			Addressing: manifest.AddrTemplate, Timescale: 1, Duration: 2, Media: "$Number$.m4s", StartNumber: 1,
			BaseURLs: []manifest.BaseURL{{URL: "http://x/"}}}}},
	}}}}}
	_, err = VideoFromPresentation(live, nil)
	assert.ErrorContains(t, err, "open-ended")
}

func TestSyntheticBounds(t *testing.T) {
	cfg := DefaultSyntheticConfig()
	cfg.Segments = MaxVideoSegments + 1
	_, err := Synthetic(cfg)
	assert.ErrorIs(t, err, ErrBadVideo)
	cfg = DefaultSyntheticConfig()
	cfg.SegmentDuration = time.Hour
	_, err = Synthetic(cfg)
	assert.ErrorContains(t, err, "segment duration")
	cfg = DefaultSyntheticConfig()
	cfg.Bitrates = []int64{1, MaxBitrate * 2}
	_, err = Synthetic(cfg)
	assert.ErrorContains(t, err, "bitrate")
}

// A video whose mean segment duration is not a whole number of
// milliseconds must still present exactly Play segments to the core.
func TestPresentationOfFractionalSegmentDuration(t *testing.T) {
	v := &Video{Name: "odd", SegmentDuration: 1001666667, Bitrates: []int64{1e6}, Play: 12}
	for range 12 {
		v.Sizes = append(v.Sizes, []int64{125000})
	}
	p := v.Presentation()
	ix := p.Periods[0].AdaptationSets[0].Representations[0].Index
	n, bounded := ix.Len()
	require.True(t, bounded)
	assert.Equal(t, 12, n)
	last, err := ix.Segment(11)
	require.NoError(t, err)
	assert.Equal(t, 11*v.SegmentDuration, last.Start)
	assert.Equal(t, v.SegmentDuration, last.Duration)
}
