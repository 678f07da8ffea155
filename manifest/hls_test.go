package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sec converts a decimal number of seconds written in a test into a
// Duration without floating-point error.
func sec(s string) time.Duration {
	d, err := hlsDecimalDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "hls", filepath.FromSlash(name)))
	require.NoError(t, err)
	return data
}

func TestHLSMediaByteRangeImpliedOffsets(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-VERSION:4
#EXT-X-TARGETDURATION:10
#EXTINF:10,
#EXT-X-BYTERANGE:1000@0
a.ts
#EXTINF:10,
#EXT-X-BYTERANGE:500
a.ts
#EXTINF:10,
#EXT-X-BYTERANGE:300@5000
b.ts
#EXTINF:10,
#EXT-X-BYTERANGE:200
b.ts
#EXTINF:10,
#EXT-X-BYTERANGE:100
a.ts
#EXT-X-ENDLIST
`
	idx, err := ParseHLSMedia([]byte(pl), "https://example.com/v/index.m3u8")
	require.NoError(t, err)
	require.Len(t, idx.Segments, 5)
	want := []struct {
		url   string
		rng   ByteRange
		end   int64
		start time.Duration
	}{
		{"https://example.com/v/a.ts", ByteRange{Offset: 0, Length: 1000}, 999, 0},
		// No offset: continues a.ts after byte 999.
		{"https://example.com/v/a.ts", ByteRange{Offset: 1000, Length: 500}, 1499, 10 * time.Second},
		{"https://example.com/v/b.ts", ByteRange{Offset: 5000, Length: 300}, 5299, 20 * time.Second},
		// Continues b.ts: 5000 + 300.
		{"https://example.com/v/b.ts", ByteRange{Offset: 5300, Length: 200}, 5499, 30 * time.Second},
		// Continues a.ts where its last range ended (1000 + 500), although
		// a b.ts segment came in between (tolerated with a warning).
		{"https://example.com/v/a.ts", ByteRange{Offset: 1500, Length: 100}, 1599, 40 * time.Second},
	}
	for i, w := range want {
		s := idx.Segments[i]
		assert.Equal(t, []string{w.url}, s.URLs, "segment %d", i)
		assert.Equal(t, w.rng, s.Range, "segment %d", i)
		assert.Equal(t, w.end, s.Range.End(), "segment %d", i)
		assert.Equal(t, w.start, s.Start, "segment %d", i)
		assert.Equal(t, uint64(i), s.Number, "segment %d", i)
	}
	require.Len(t, idx.Playlist.Warnings, 1)
	assert.Contains(t, idx.Playlist.Warnings[0], "index.m3u8 line 17")
	assert.Contains(t, idx.Playlist.Warnings[0], "another resource")
}

func TestHLSMediaMapWithByteRange(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-MAP:URI="main.mp4",BYTERANGE="720@0"
#EXTINF:6.006,
#EXT-X-BYTERANGE:5666510@720
main.mp4
#EXTINF:6.006,
#EXT-X-BYTERANGE:5861486
main.mp4
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="../ad/init.mp4",BYTERANGE="600"
#EXTINF:4,
../ad/seg1.m4s
#EXT-X-ENDLIST
`
	idx, err := ParseHLSMedia([]byte(pl), "https://example.com/vod/main/media.m3u8")
	require.NoError(t, err)
	require.Len(t, idx.Segments, 3)
	s0, s1, s2 := idx.Segments[0], idx.Segments[1], idx.Segments[2]

	require.NotNil(t, s0.Init)
	assert.Equal(t, []string{"https://example.com/vod/main/main.mp4"}, s0.Init.URLs)
	// Bytes 0..719 hold the init section.
	assert.Equal(t, ByteRange{Offset: 0, Length: 720}, s0.Init.Range)
	assert.Same(t, s0.Init, s1.Init, "segments under one EXT-X-MAP share the init segment")
	assert.Same(t, s0.Init, idx.Init, "the index init is the first EXT-X-MAP")
	assert.Equal(t, ByteRange{Offset: 720, Length: 5666510}, s0.Range)
	// 720 + 5666510 = 5667230.
	assert.Equal(t, ByteRange{Offset: 5667230, Length: 5861486}, s1.Range)

	require.NotNil(t, s2.Init)
	assert.NotSame(t, s0.Init, s2.Init)
	assert.Equal(t, []string{"https://example.com/vod/ad/init.mp4"}, s2.Init.URLs)
	// A MAP byte range without offset starts at the resource's first byte.
	assert.Equal(t, ByteRange{Offset: 0, Length: 600}, s2.Init.Range)
	assert.True(t, s2.Range.IsZero())
	assert.Equal(t, []string{"https://example.com/vod/ad/seg1.m4s"}, s2.URLs)
	assert.Empty(t, idx.Playlist.Warnings)
}

func TestHLSMediaDiscontinuitySequence(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-DISCONTINUITY-SEQUENCE:7
#EXTINF:4,
s100.ts
#EXT-X-DISCONTINUITY
#EXTINF:4.5,
s101.ts
#EXTINF:3.25,
s102.ts
#EXT-X-DISCONTINUITY
#EXTINF:6,
s103.ts
`
	idx, err := ParseHLSMedia([]byte(pl), "/srv/live/index.m3u8")
	require.NoError(t, err)
	require.Len(t, idx.Segments, 4)
	// Starts: 0, 4, 4+4.5 = 8.5, 8.5+3.25 = 11.75.
	want := []struct {
		number, discSeq uint64
		disc            bool
		start, dur      time.Duration
	}{
		{100, 7, false, 0, sec("4")},
		{101, 8, true, sec("4"), sec("4.5")},
		{102, 8, false, sec("8.5"), sec("3.25")},
		{103, 9, true, sec("11.75"), sec("6")},
	}
	for i, w := range want {
		s := idx.Segments[i]
		assert.Equal(t, w.number, s.Number, "segment %d", i)
		assert.Equal(t, w.discSeq, s.DiscontinuitySequence, "segment %d", i)
		assert.Equal(t, w.disc, s.Discontinuity, "segment %d", i)
		assert.Equal(t, w.start, s.Start, "segment %d", i)
		assert.Equal(t, w.dur, s.Duration, "segment %d", i)
	}
	assert.Equal(t, "/srv/live/s103.ts", idx.Segments[3].URLs[0])
	assert.Equal(t, uint64(100), idx.StartNumber)
	assert.Equal(t, uint64(100), idx.Playlist.MediaSequence)
	assert.Equal(t, uint64(7), idx.Playlist.DiscontinuitySequence)
	assert.False(t, idx.Playlist.EndList)
}

func TestHLSResolve(t *testing.T) {
	cases := []struct{ base, ref, want string }{
		// RFC 3986 section 5.4.1 normal examples.
		{"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
		{"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
		{"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
		{"http://a/b/c/d;p?q", "/g", "http://a/g"},
		{"http://a/b/c/d;p?q", "//g", "http://g"},
		{"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
		{"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
		{"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
		{"http://a/b/c/d;p?q", "g#s", "http://a/b/c/g#s"},
		{"http://a/b/c/d;p?q", ";x", "http://a/b/c/;x"},
		{"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
		{"http://a/b/c/d;p?q", "../..", "http://a/"},
		{"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
		{"http://a/b/c/d;p?q", "g:h", "g:h"},
		// Playlist cases.
		{"https://cdn.example.com/live/main/master.m3u8?token=abc", "v1/prog.m3u8", "https://cdn.example.com/live/main/v1/prog.m3u8"},
		{"https://cdn.example.com/live/main/master.m3u8", "../audio/a.m3u8", "https://cdn.example.com/live/audio/a.m3u8"},
		{"https://cdn.example.com/live/main/master.m3u8", "//other.example.com/x.ts", "https://other.example.com/x.ts"},
		{"https://cdn.example.com/live/main/master.m3u8", "seg.ts?x=1", "https://cdn.example.com/live/main/seg.ts?x=1"},
		{"https://cdn.example.com/live/main/master.m3u8", "data:text/plain;base64,AAAA", "data:text/plain;base64,AAAA"},
		{"https://cdn.example.com/live/main/master.m3u8", "skd://key-1", "skd://key-1"},
		{"https://h", "a.ts", "https://h/a.ts"},
		// File paths.
		{"/srv/media/hls/master.m3u8", "v1/p.m3u8", "/srv/media/hls/v1/p.m3u8"},
		{"/srv/media/hls/master.m3u8", "../x.ts", "/srv/media/x.ts"},
		{"/srv/media/hls/master.m3u8", "/abs/x.ts", "/abs/x.ts"},
		{"corpus/hls/master.m3u8", "a/b.m3u8", "corpus/hls/a/b.m3u8"},
		{"master.m3u8", "a.ts", "a.ts"},
		{"../../x/master.m3u8", "../y/a.ts", "../../y/a.ts"},
	}
	for _, c := range cases {
		r := newHLSResolver(c.base)
		assert.Equal(t, c.want, r.resolve(c.ref), "%s + %s", c.base, c.ref)
	}
}

// multivariantTest is a hand-written multivariant playlist exercising
// groups, session data and keys, content steering and I-frame streams.
const multivariantTest = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-CONTENT-STEERING:SERVER-URI="steer.json",PATHWAY-ID="cdn-a"
#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="Demo",LANGUAGE="en"
#EXT-X-SESSION-DATA:DATA-ID="com.example.chapters",URI="chapters.json"
#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://k1",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch",LANGUAGE="de",CHANNELS="6/JOC",URI="audio/de.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.easy-to-read",URI="subs/en.m3u8"
#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",LANGUAGE="en",INSTREAM-ID="CC1"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1800000,CODECS="avc1.64001f,mp4a.40.2,wvtt",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO="aac",SUBTITLES="subs",CLOSED-CAPTIONS="cc",PATHWAY-ID="cdn-a"
video/720.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aac",SUBTITLES="subs",CLOSED-CAPTIONS=NONE
video/360.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.5"
audio/only.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,CODECS="avc1.64001f",RESOLUTION=1280x720,URI="video/720-iframe.m3u8"
`

func TestHLSMultivariantGroups(t *testing.T) {
	p, err := ParseHLS([]byte(multivariantTest), "https://example.com/vod/master.m3u8")
	require.NoError(t, err)
	assert.Equal(t, FormatHLS, p.Format)
	assert.Empty(t, p.Warnings)
	assert.True(t, p.IndependentSegments)
	assert.False(t, p.Live)
	assert.Zero(t, p.Duration, "unknown until media playlists are loaded")
	require.NotNil(t, p.ContentSteering)
	assert.Equal(t, "https://example.com/vod/steer.json", p.ContentSteering.ServerURL)
	assert.Equal(t, "cdn-a", p.ContentSteering.DefaultPathway)
	assert.Equal(t, []SessionData{
		{DataID: "com.example.title", Value: "Demo", Language: "en"},
		{DataID: "com.example.chapters", URI: "https://example.com/vod/chapters.json"},
	}, p.SessionData)
	assert.Equal(t, []Key{{Method: "SAMPLE-AES", URI: "skd://k1", KeyFormat: "com.apple.streamingkeydelivery", KeyFormatVersions: "1"}}, p.SessionKeys)

	require.Len(t, p.Periods, 1)
	sets := p.Periods[0].AdaptationSets
	type setView struct {
		id, name, lang string
		ct             ContentType
		reps           []string
	}
	var got []setView
	for _, s := range sets {
		v := setView{id: s.ID, name: s.Name, lang: s.Language, ct: s.ContentType}
		for _, r := range s.Representations {
			v.reps = append(v.reps, r.ID)
		}
		got = append(got, v)
	}
	assert.Equal(t, []setView{
		{"variants", "", "", ContentVideo, []string{"v0", "v1"}},
		{"variants-audio", "", "", ContentAudio, []string{"v2"}},
		{"aac", "English", "en", ContentAudio, []string{"r0"}},
		{"aac", "Deutsch", "de", ContentAudio, []string{"r1"}},
		{"subs", "English", "en", ContentText, []string{"r2"}},
		{"cc", "CC1", "en", ContentText, nil},
		{"iframes", "", "", ContentVideo, []string{"i0"}},
	}, got)

	v0 := sets[0].Representations[0]
	assert.Equal(t, int64(2000000), v0.Bandwidth)
	assert.Equal(t, int64(1800000), v0.AverageBandwidth)
	assert.Equal(t, "avc1.64001f,mp4a.40.2,wvtt", v0.Codecs)
	assert.Equal(t, 1280, v0.Width)
	assert.Equal(t, 720, v0.Height)
	assert.InDelta(t, 29.97, v0.FrameRate, 1e-9)
	assert.Equal(t, "aac", v0.AudioGroup)
	assert.Equal(t, "subs", v0.SubtitleGroup)
	assert.Equal(t, "cc", v0.ClosedCaptions)
	assert.Equal(t, "cdn-a", v0.Pathway)
	require.NotNil(t, v0.Index)
	assert.Equal(t, AddrPlaylist, v0.Index.Addressing)
	assert.Equal(t, "v0", v0.Index.RepresentationID)
	assert.Equal(t, int64(2000000), v0.Index.Bandwidth)
	assert.Equal(t, &MediaPlaylist{URL: "https://example.com/vod/video/720.m3u8"}, v0.Index.Playlist)

	v1 := sets[0].Representations[1]
	assert.Equal(t, "", v1.ClosedCaptions, "CLOSED-CAPTIONS=NONE")
	assert.Equal(t, "", v1.Pathway)

	en := sets[2]
	assert.Equal(t, []string{"default", "autoselect"}, en.Roles)
	r0 := en.Representations[0]
	// The group's audio codec comes from the variants that use the group.
	assert.Equal(t, "mp4a.40.2", r0.Codecs)
	assert.Equal(t, 2, r0.AudioChannels)
	assert.Equal(t, "en", r0.Language)
	assert.Equal(t, "https://example.com/vod/audio/en.m3u8", r0.Index.Playlist.URL)
	assert.Equal(t, 6, sets[3].Representations[0].AudioChannels)
	assert.Empty(t, sets[3].Roles)

	subs := sets[4]
	assert.Equal(t, []string{"public.accessibility.transcribes-spoken-dialog", "public.easy-to-read"}, subs.Accessibility)
	assert.Equal(t, "wvtt", subs.Representations[0].Codecs)
	assert.Equal(t, "CC1", sets[5].InstreamID)

	iframes := sets[6]
	assert.True(t, iframes.IFrameOnly)
	i0 := iframes.Representations[0]
	assert.Equal(t, int64(200000), i0.Bandwidth)
	assert.Equal(t, "https://example.com/vod/video/720-iframe.m3u8", i0.Index.Playlist.URL)
}

func TestHLSMultivariantAudioOnly(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"
hi.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.5"
lo.m3u8
`
	p, err := ParseHLS([]byte(pl), "https://example.com/radio/master.m3u8")
	require.NoError(t, err)
	sets := p.Periods[0].AdaptationSets
	require.Len(t, sets, 1)
	assert.Equal(t, "variants", sets[0].ID)
	assert.Equal(t, ContentAudio, sets[0].ContentType)
	assert.Len(t, sets[0].Representations, 2)
}

func TestHLSLowLatencyTagsKept(t *testing.T) {
	const media = `#EXTM3U
#EXT-X-TARGETDURATION:4
#EXT-X-VERSION:9
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24,PART-HOLD-BACK=1.002,HOLD-BACK=12
#EXT-X-PART-INF:PART-TARGET=0.334
#EXT-X-MEDIA-SEQUENCE:266
#EXT-X-SKIP:SKIPPED-SEGMENTS=3
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.00008,
fileSequence269.mp4
#EXT-X-PART:DURATION=0.334,URI="filePart270.0.mp4",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.334,URI="filePart270.1.mp4",GAP=YES
#EXTINF:4.00008,
fileSequence270.mp4
#EXT-X-PART:DURATION=0.334,URI="filePart271.mp4",BYTERANGE="1000@0"
#EXT-X-PART:DURATION=0.334,URI="filePart271.mp4",BYTERANGE="2000"
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="filePart271.mp4",BYTERANGE-START=3000,BYTERANGE-LENGTH=500
#EXT-X-RENDITION-REPORT:URI="../1M/waitForMSN.php",LAST-MSN=273,LAST-PART=2
`
	const base = "https://example.com/2M/live.m3u8"
	idx, err := ParseHLSMedia([]byte(media), base)
	require.NoError(t, err)
	pl := idx.Playlist
	assert.Equal(t, uint64(3), pl.Skipped)
	assert.Equal(t, uint64(266), pl.MediaSequence)
	// The first listed segment follows the 3 skipped ones: 266 + 3.
	assert.Equal(t, uint64(269), idx.StartNumber)
	require.Len(t, idx.Segments, 2)
	assert.Equal(t, uint64(269), idx.Segments[0].Number)
	assert.Equal(t, uint64(270), idx.Segments[1].Number)
	assert.Equal(t, sec("4.00008"), idx.Segments[1].Start)
	assert.Equal(t, &ServerControl{
		CanSkipUntil: 24 * time.Second, HoldBack: 12 * time.Second,
		PartHoldBack: sec("1.002"), CanBlockReload: true,
	}, pl.ServerControl)
	assert.Equal(t, sec("0.334"), pl.PartTarget)
	d := sec("0.334")
	assert.Equal(t, []Part{
		{Segment: 1, URL: "https://example.com/2M/filePart270.0.mp4", Duration: d, Independent: true},
		{Segment: 1, URL: "https://example.com/2M/filePart270.1.mp4", Duration: d, Gap: true},
		// Parts after the last segment belong to the one being produced
		// (index len(Segments) = 2); the second continues the first's range.
		{Segment: 2, URL: "https://example.com/2M/filePart271.mp4", Duration: d, Range: ByteRange{Offset: 0, Length: 1000}},
		{Segment: 2, URL: "https://example.com/2M/filePart271.mp4", Duration: d, Range: ByteRange{Offset: 1000, Length: 2000}},
	}, pl.Parts)
	assert.Equal(t, []PreloadHint{{Type: "PART", URL: "https://example.com/2M/filePart271.mp4", Range: ByteRange{Offset: 3000, Length: 500}}}, pl.PreloadHints)
	assert.False(t, pl.EndList)
	assert.Empty(t, pl.Warnings)

	p, err := ParseHLS([]byte(media), base)
	require.NoError(t, err)
	assert.True(t, p.Live)
	assert.Zero(t, p.Duration)
	assert.Equal(t, 4*time.Second, p.MaxSegmentDuration)
	assert.Equal(t, LiveTiming{
		MinimumUpdatePeriod:        4 * time.Second,
		SuggestedPresentationDelay: 12 * time.Second,
		PartHoldBack:               sec("1.002"),
	}, p.Timing)
}

func TestHLSKeyChangesMidPlaylist(t *testing.T) {
	// video.js fixture: EXT-X-KEY changes before and after EXT-X-MAP;
	// grafov/m3u8 v0.12.1 panics on it.
	data := readTestdata(t, "videojs-m3u8-parser/diff-init-key.m3u8")
	idx, err := ParseHLSMedia(data, "https://example.com/diff-init-key.m3u8")
	require.NoError(t, err)
	assert.Empty(t, idx.Playlist.Warnings)
	const kb = "https://priv.example.com/key.php?r="
	const mb = "http://media.example.com/"
	aes := func(r string) *Key { return &Key{Method: "AES-128", URI: kb + r} }
	k53b := &Key{Method: "AES-128", URI: kb + "53", IV: "0x00000000000000000000014BB69D61E4"}
	want := []struct {
		uri     string
		dur     string
		key     *Key
		init    string
		initKey *Key
	}{
		{"fileSequence52-A.m4s", "2.833", aes("52"), "init52.mp4", aes("52")},
		{"fileSequence52-B.m4s", "15.0", aes("52"), "init52.mp4", aes("52")},
		{"fileSequence52-C.m4s", "13.333", aes("52"), "init52.mp4", aes("52")},
		{"fileSequence53-A.m4s", "15.0", aes("53"), "init53-A.mp4", aes("53")},
		{"fileSequence53-B.m4s", "14.0", k53b, "init53-B.mp4", k53b},
		// METHOD=NONE before the MAP: clear init, then a key for the media.
		{"fileSequence54-A.m4s", "12.0", aes("54"), "init54-A.mp4", nil},
		{"fileSequence54-B.m4s", "13.0", aes("54"), "init54-A.mp4", nil},
		// A key for the init, then METHOD=NONE for the media.
		{"fileSequence54-A.m4s", "10.0", nil, "init54-B.mp4", aes("54")},
		{"fileSequence54-B.m4s", "11.0", nil, "init54-B.mp4", aes("54")},
		// One key for the init, another (same KEYFORMAT) for the media.
		{"fileSequence54-A.m4s", "4.0", aes("54-b"), "init54-D.mp4", aes("54-a")},
		{"fileSequence54-A.m4s", "12.0", nil, "init54-E.mp4", nil},
	}
	require.Len(t, idx.Segments, len(want))
	var start time.Duration
	for i, w := range want {
		s := idx.Segments[i]
		assert.Equal(t, uint64(7794+i), s.Number, "segment %d", i)
		assert.Equal(t, []string{mb + w.uri}, s.URLs, "segment %d", i)
		assert.Equal(t, sec(w.dur), s.Duration, "segment %d", i)
		assert.Equal(t, start, s.Start, "segment %d", i)
		assert.Equal(t, w.key, s.Key, "segment %d key", i)
		if w.key == nil {
			assert.Nil(t, s.Keys, "segment %d keys", i)
		} else {
			assert.Equal(t, []*Key{w.key}, s.Keys, "segment %d keys", i)
		}
		require.NotNil(t, s.Init, "segment %d", i)
		assert.Equal(t, []string{mb + w.init}, s.Init.URLs, "segment %d init", i)
		assert.Equal(t, w.initKey, s.Init.Key, "segment %d init key", i)
		start += sec(w.dur)
	}
	// Sum of the durations: 2.833+15+13.333+15+14+12+13+10+11+4+12 = 122.166 s.
	assert.Equal(t, sec("122.166"), start)
	assert.Same(t, idx.Segments[0].Init, idx.Segments[2].Init)
	assert.Same(t, idx.Segments[0].Key, idx.Segments[2].Key)
}

func TestHLSKeysPerKeyFormat(t *testing.T) {
	data := readTestdata(t, "hlsjs/multi-drm-keys-fairplay-widevine-playready.m3u8")
	idx, err := ParseHLSMedia(data, "https://example.com/drm.m3u8")
	require.NoError(t, err)
	require.Len(t, idx.Segments, 1)
	s := idx.Segments[0]
	require.Len(t, s.Keys, 3)
	assert.Equal(t, "com.apple.streamingkeydelivery", s.Keys[0].KeyFormat)
	assert.Equal(t, "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed", s.Keys[1].KeyFormat)
	assert.Equal(t, "data:text/plain;base64,AAAA", s.Keys[1].URI)
	assert.Equal(t, "com.microsoft.playready", s.Keys[2].KeyFormat)
	assert.Same(t, s.Keys[0], s.Key)

	// Rotating one format keeps the others and the order.
	const rot = `#EXTM3U
#EXT-X-TARGETDURATION:6
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://a1",KEYFORMAT="com.apple.streamingkeydelivery"
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:,w1",KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"
#EXTINF:6,
1.mp4
#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:,w2",KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"
#EXTINF:6,
2.mp4
`
	idx, err = ParseHLSMedia([]byte(rot), "https://example.com/rot.m3u8")
	require.NoError(t, err)
	require.Len(t, idx.Segments, 2)
	k0, k1 := idx.Segments[0].Keys, idx.Segments[1].Keys
	require.Len(t, k0, 2)
	require.Len(t, k1, 2)
	assert.Equal(t, "data:,w1", k0[1].URI, "the first segment keeps its key")
	assert.Same(t, k0[0], k1[0], "the FairPlay key stays in effect")
	assert.Equal(t, "data:,w2", k1[1].URI)
}

func TestHLSAES256KeyPerSegmentLenient(t *testing.T) {
	// Shaka fixture: EXTINF without comma (lenient), a key for the init
	// segment and one per media segment; grafov v0.12.1 panics on it.
	data := readTestdata(t, "shaka-player/hls-aes-256-media.m3u8")
	p, err := ParseHLS(data, "https://example.com/aes/media.m3u8")
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "media.m3u8 line 11: EXTINF without the comma")
	assert.Contains(t, p.Warnings[0], "(and 4 more lines)")
	idx := p.Periods[0].AdaptationSets[0].Representations[0].Index
	require.Len(t, idx.Segments, 5)
	assert.Equal(t, &Key{Method: "AES-256", URI: "https://example.com/aes/init.key", IV: "0xF9EBE119F65FCF2E5F3FDEEB4A3EB3D5"}, idx.Init.Key)
	assert.Equal(t, "https://example.com/aes/seg0.key", idx.Segments[0].Key.URI)
	assert.Equal(t, "AES-256-CTR", idx.Segments[4].Key.Method)
	assert.Equal(t, "0x035022245B6DBA858C56F2F0079BAC96", idx.Segments[4].Key.IV)
	assert.Equal(t, uint64(1), idx.Segments[0].Number)
	assert.False(t, p.Live)
	// 5 segments of 4 s.
	assert.Equal(t, 20*time.Second, p.Duration)
	assert.Equal(t, 20*time.Second, p.Periods[0].Duration)
}

func TestHLSProgramDateTime(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-TARGETDURATION:5
#EXTINF:4,
a.ts
#EXT-X-PROGRAM-DATE-TIME:2020-01-01T00:00:00Z
#EXTINF:4,
b.ts
#EXTINF:4.5,
c.ts
#EXT-X-DISCONTINUITY
#EXTINF:4,
d.ts
#EXT-X-PROGRAM-DATE-TIME:2020-01-01T01:00:00.500+01:00
#EXTINF:4,
e.ts
#EXTINF:4,
f.ts
`
	idx, err := ParseHLSMedia([]byte(pl), "https://example.com/pdt.m3u8")
	require.NoError(t, err)
	midnight := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []time.Time{
		midnight.Add(-4 * time.Second), // backfilled from b
		midnight,
		midnight.Add(4 * time.Second), // extrapolated from b
		{},                            // after a discontinuity without a date
		midnight.Add(500 * time.Millisecond),
		midnight.Add(4500 * time.Millisecond),
	}
	require.Len(t, idx.Segments, len(want))
	for i, w := range want {
		assert.True(t, w.Equal(idx.Segments[i].ProgramDateTime), "segment %d: want %v, got %v", i, w, idx.Segments[i].ProgramDateTime)
	}
}

func TestHLSVariableSubstitution(t *testing.T) {
	data := readTestdata(t, "hlsjs/master-define-substitution-content-steering.m3u8")
	p, err := ParseHLS(data, "https://example.com/master.m3u8")
	require.NoError(t, err)
	assert.Empty(t, p.Warnings)
	assert.Equal(t, map[string]string{
		"host": "example.com", "foo": "ok", "bar": "ok", "vcodec": "avc1.64001f", "session-var": "hmm",
		"p": ".", "v1": "1", "two": "2", "language": "eng",
	}, p.Variables)
	assert.Equal(t, &ContentSteering{ServerURL: "https://example.com/steering-manifest.json", DefaultPathway: "ok-CDN"}, p.ContentSteering)
	assert.Equal(t, []SessionData{{DataID: "var-applied", Value: "hmm"}}, p.SessionData)
	assert.Equal(t, []Key{{Method: "SAMPLE-AES", URI: "skd://hmm", IV: "0x00000002", KeyFormat: "com.apple.streamingkeydelivery", KeyFormatVersions: "1/2"}}, p.SessionKeys)
	sets := p.Periods[0].AdaptationSets
	require.Len(t, sets, 2)
	vs := sets[0].Representations
	require.Len(t, vs, 2)
	assert.Equal(t, "https://example.com/sec/video/1.m3u8", vs[0].Index.Playlist.URL)
	assert.Equal(t, "https://example.com/sec/avc1.64001f/2.m3u8", vs[1].Index.Playlist.URL)
	assert.Equal(t, "mp4a.40.2,avc1.64001f", vs[0].Codecs)
	assert.Equal(t, "200k", vs[0].AudioGroup)
	assert.Equal(t, "200k", sets[1].ID)
	assert.Equal(t, "eng", sets[1].Language)
	assert.Equal(t, "https://example.com/200k.m3u8", sets[1].Representations[0].Index.Playlist.URL)

	// QUERYPARAM takes the value from the playlist URL.
	const q = `#EXTM3U
#EXT-X-DEFINE:QUERYPARAM="token"
#EXT-X-STREAM-INF:BANDWIDTH=1
v.m3u8?t={$token}
`
	p, err = ParseHLS([]byte(q), "https://h/m.m3u8?token=abc")
	require.NoError(t, err)
	assert.Equal(t, "https://h/v.m3u8?t=abc", p.Periods[0].AdaptationSets[0].Representations[0].Index.Playlist.URL)
	// Without the parameter, the reference fails.
	_, err = ParseHLS([]byte(q), "https://h/m.m3u8")
	require.ErrorIs(t, err, ErrHLSVariable)
	assert.Contains(t, err.Error(), "https://h/m.m3u8 line 4")
}

func TestHLSImportThroughMultivariant(t *testing.T) {
	media := readTestdata(t, "hlsjs/media-define-import-llhls.m3u8")
	_, err := ParseHLSMedia(media, "https://example.com/media0/a.m3u8")
	require.ErrorIs(t, err, ErrHLSVariable, "IMPORT needs the multivariant playlist")

	const master = `#EXTM3U
#EXT-X-DEFINE:NAME="mvpVariable",VALUE="xyz"
#EXT-X-STREAM-INF:BANDWIDTH=1000000
media0/a.m3u8
`
	p, err := ParseHLS([]byte(master), "https://example.com/master.m3u8")
	require.NoError(t, err)
	rep := p.Periods[0].AdaptationSets[0].Representations[0]
	require.NoError(t, p.AttachHLSMedia(rep, media))
	idx := rep.Index
	assert.True(t, idx.Playlist.Loaded)
	assert.Equal(t, "v0", idx.RepresentationID)
	assert.Equal(t, int64(1000000), idx.Bandwidth)
	require.Len(t, idx.Segments, 4)
	s0 := idx.Segments[0]
	// MEDIA-SEQUENCE 1 + SKIPPED-SEGMENTS 3.
	assert.Equal(t, uint64(4), s0.Number)
	assert.Equal(t, "https://example.com/media0/axyz.mp4", s0.URLs[0])
	assert.Equal(t, "no desc {$mvpVariable}", s0.Title, "titles are not substituted")
	assert.Equal(t, []string{"https://example.com/media0/xyz.mp4"}, s0.Init.URLs)
	assert.Equal(t, ByteRange{Offset: 0, Length: 718}, s0.Init.Range)
	assert.Equal(t, &Key{Method: "SAMPLE-AES", URI: "skd://key-data", IV: "0x00000002", KeyFormat: "com.apple.streamingkeydelivery", KeyFormatVersions: "1/2"}, s0.Key)
	require.Len(t, idx.Playlist.Parts, 4)
	assert.Equal(t, "https://example.com/media0/part-4-1.mp4", idx.Playlist.Parts[0].URL)
	assert.Equal(t, ByteRange{Offset: 0, Length: 718}, idx.Playlist.Parts[0].Range)
	assert.True(t, idx.Playlist.Parts[3].Gap)
	assert.Equal(t, 3, idx.Playlist.Parts[0].Segment)
	assert.True(t, p.Live)
	assert.Equal(t, 5*time.Second, p.MaxSegmentDuration)
}

func TestHLSLoadMedia(t *testing.T) {
	const master = `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AUDIO="a"
hi.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1000000,AUDIO="a"
lo.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1000000,AUDIO="a",PATHWAY-ID="backup"
lo.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=500000,AUDIO="a"
missing.m3u8
`
	media := func(n int, d string) []byte {
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "#EXTINF:%s,\nseg%d.ts\n", d, i)
		}
		b.WriteString("#EXT-X-ENDLIST\n")
		return []byte(b.String())
	}
	files := map[string][]byte{
		"/m/hi.m3u8":    media(10, "6"), // 60 s
		"/m/lo.m3u8":    media(10, "6"),
		"/m/audio.m3u8": media(15, "4.004"), // 60.06 s
	}
	fetched := map[string]int{}
	fetch := func(u string) ([]byte, error) {
		fetched[u]++
		if d, ok := files[u]; ok {
			return d, nil
		}
		return nil, os.ErrNotExist
	}
	p, err := ParseHLS([]byte(master), "/m/master.m3u8")
	require.NoError(t, err)
	err = LoadHLSMedia(p, fetch)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "/m/missing.m3u8")
	assert.Equal(t, map[string]int{"/m/hi.m3u8": 1, "/m/lo.m3u8": 1, "/m/audio.m3u8": 1, "/m/missing.m3u8": 1}, fetched, "each URL fetched once")

	vs := p.Periods[0].AdaptationSets[0].Representations
	require.Len(t, vs, 4)
	assert.True(t, vs[0].Index.Playlist.Loaded)
	assert.Len(t, vs[0].Index.Segments, 10)
	assert.Equal(t, "v1", vs[1].Index.RepresentationID)
	assert.Equal(t, "v2", vs[2].Index.RepresentationID)
	assert.NotSame(t, vs[1].Index, vs[2].Index)
	assert.Equal(t, "/m/seg3.ts", vs[2].Index.Segments[3].URLs[0])
	assert.False(t, vs[3].Index.Playlist.Loaded)
	assert.False(t, p.Live)
	// The longest playlist: 15 × 4.004 s = 60.06 s.
	assert.Equal(t, sec("60.06"), p.Duration)
	assert.Equal(t, 6*time.Second, p.MaxSegmentDuration)

	// A second load only retries what is still missing.
	files["/m/missing.m3u8"] = media(2, "6")
	require.NoError(t, LoadHLSMedia(p, fetch))
	assert.Equal(t, 2, fetched["/m/missing.m3u8"])
	assert.Equal(t, 1, fetched["/m/hi.m3u8"])
	assert.True(t, vs[3].Index.Playlist.Loaded)
}

func TestHLSRejectsMalformed(t *testing.T) {
	cases := []struct {
		name, pl, want string
		sentinel       error
	}{
		{"empty", "", "x.m3u8: empty playlist", ErrHLSSyntax},
		{"blank", " \n\n", "x.m3u8: empty playlist", ErrHLSSyntax},
		{"no header", "#EXTINF:4,\na.ts\n", `x.m3u8 line 1: playlist does not start with #EXTM3U`, ErrHLSSyntax},
		{"uri first", "a.ts\n#EXTM3U\n", `x.m3u8 line 1: playlist does not start with #EXTM3U`, ErrHLSSyntax},
		{"glued header", "#EXTM3U#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n", "x.m3u8 line 1: text glued to #EXTM3U", ErrHLSSyntax},
		{"header only", "#EXTM3U\n", "x.m3u8: neither a media nor a multivariant playlist", ErrHLSSyntax},
		{"duplicate target duration", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-TARGETDURATION:4\n", "x.m3u8 line 3: #EXT-X-TARGETDURATION appears twice (first on line 2)", ErrHLSSyntax},
		{"media sequence late", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-MEDIA-SEQUENCE:3\n", "x.m3u8 line 5: #EXT-X-MEDIA-SEQUENCE after the first media segment", ErrHLSSyntax},
		{"skip late", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n", "x.m3u8 line 5: #EXT-X-SKIP after the first media segment", ErrHLSSyntax},
		{"gap without extinf", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-GAP\na.ts\n", `x.m3u8 line 4: EXT-X-GAP segment "a.ts" without EXTINF`, ErrHLSSyntax},
		{"undefined variable", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{$v}.ts\n", "x.m3u8 line 4: undefined variable reference {$v}", ErrHLSVariable},
		{"variable twice", "#EXTM3U\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"1\"\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"2\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", `x.m3u8 line 3: EXT-X-DEFINE: variable "a" defined twice`, ErrHLSVariable},
		{"bad byte range", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-BYTERANGE:abc\n", `x.m3u8 line 3: EXT-X-BYTERANGE: invalid byte range "abc"`, ErrHLSSyntax},
		{"map without uri", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n", "x.m3u8 line 3: EXT-X-MAP without URI", ErrHLSSyntax},
		{"key without method", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:URI=\"k\"\n", "x.m3u8 line 3: EXT-X-KEY: no METHOD", ErrHLSSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseHLS([]byte(c.pl), "x.m3u8")
			require.Error(t, err, "accepted: %+v", p)
			assert.ErrorIs(t, err, c.sentinel)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err := ParseHLSMedia([]byte(multivariantTest), "m.m3u8")
	require.ErrorIs(t, err, ErrHLSSyntax)
	assert.Contains(t, err.Error(), "m.m3u8 line 4: multivariant playlist tag #EXT-X-CONTENT-STEERING")
}

func TestHLSLenientWithWarnings(t *testing.T) {
	const pl = "# generated by a tool\n#EXTM3U\n#EXT-X-VERSION: 3\n#EXT-X-TARGETDURATION:10\n" +
		"#EXTINF:10\n a.ts \n#EXTINF:9.5\nb.ts\n#EXTINF:bogus,\nc.ts\n#EXT-X-ENDLIST\n"
	p, err := ParseHLS([]byte(pl), "l.m3u8")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"l.m3u8 line 1: comment before #EXTM3U",
		"l.m3u8 line 3: blank after the colon of #EXT-X-VERSION",
		"l.m3u8 line 5: EXTINF without the comma after the duration (and 1 more lines)",
		"l.m3u8 line 6: blanks around a line trimmed",
		`l.m3u8 line 9: EXTINF duration: invalid number of seconds "bogus"; the target duration is used`,
	}, p.Warnings)
	idx := p.Periods[0].AdaptationSets[0].Representations[0].Index
	require.Len(t, idx.Segments, 3)
	assert.Equal(t, "a.ts", idx.Segments[0].URLs[0])
	assert.Equal(t, sec("9.5"), idx.Segments[1].Duration)
	assert.Equal(t, 10*time.Second, idx.Segments[2].Duration)
	assert.Equal(t, 3, idx.Playlist.Version)
	// 10 + 9.5 + 10.
	assert.Equal(t, sec("29.5"), p.Duration)
}

func TestHLSMixedPlaylistIsMultivariant(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-TARGETDURATION:10
#EXT-X-STREAM-INF:BANDWIDTH=100
v.m3u8
#EXTINF:10,
seg.ts
`
	p, err := ParseHLS([]byte(pl), "mix.m3u8")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"mix.m3u8 line 6: URI line without EXT-X-STREAM-INF ignored",
		"mix.m3u8 line 2: media playlist tag EXT-X-TARGETDURATION in a multivariant playlist; media playlist tags are ignored",
	}, p.Warnings)
	require.Len(t, p.Periods[0].AdaptationSets, 1)
	assert.Len(t, p.Periods[0].AdaptationSets[0].Representations, 1)
}

func TestHLSStreamInfURIAttribute(t *testing.T) {
	const pl = `#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=100,URI="a/v.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=200
b.m3u8
`
	p, err := ParseHLS([]byte(pl), "https://h/m.m3u8")
	require.NoError(t, err)
	vs := p.Periods[0].AdaptationSets[0].Representations
	require.Len(t, vs, 2)
	assert.Equal(t, "https://h/a/v.m3u8", vs[0].Index.Playlist.URL)
	assert.Equal(t, "https://h/b.m3u8", vs[1].Index.Playlist.URL)
	assert.Equal(t, []string{"https://h/m.m3u8 line 2: EXT-X-STREAM-INF with a URI attribute instead of a URI line"}, p.Warnings)
}

func TestHLSMediaContentGuess(t *testing.T) {
	for _, c := range []struct {
		seg  string
		want ContentType
	}{{"a.vtt", ContentText}, {"a.aac?x=1", ContentAudio}, {"a.ts", ContentUnknown}} {
		pl := "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n" + c.seg + "\n#EXT-X-ENDLIST\n"
		p, err := ParseHLS([]byte(pl), "x.m3u8")
		require.NoError(t, err)
		assert.Equal(t, c.want, p.Periods[0].AdaptationSets[0].ContentType, c.seg)
	}
}

func TestHLSDecimalDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"4", 4 * time.Second},
		{"4.00008", 4*time.Second + 80*time.Microsecond},
		{".5", 500 * time.Millisecond},
		{"10.", 10 * time.Second},
		{"+2.5", 2500 * time.Millisecond},
		{"1.0000000019", time.Second + 1}, // beyond nanoseconds: dropped
		{"1e1", 10 * time.Second},
		{"0", 0},
	} {
		got, err := hlsDecimalDuration(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, bad := range []string{"", "-1", "NaN", "1.2.3", "4s", ".", "1e400", "99999999999999999999"} {
		_, err := hlsDecimalDuration(bad)
		assert.Error(t, err, bad)
	}
}

func TestHLSAttributeList(t *testing.T) {
	attrs, clean := hlsParseAttrs(`BANDWIDTH=1,CODECS="avc1.4d401e,mp4a.40.2",URI="",NAME="a=b"`, nil)
	assert.True(t, clean)
	assert.Equal(t, []hlsAttr{
		{key: "BANDWIDTH", val: "1"},
		{key: "CODECS", val: "avc1.4d401e,mp4a.40.2", quoted: true},
		{key: "URI", val: "", quoted: true},
		{key: "NAME", val: "a=b", quoted: true},
	}, attrs)

	attrs, clean = hlsParseAttrs(`,BANDWIDTH=1000000, JUNK ,URI="x`, nil)
	assert.False(t, clean)
	assert.Equal(t, []hlsAttr{{key: "BANDWIDTH", val: "1000000"}, {key: "URI", val: "x", quoted: true}}, attrs)
}

func TestHLSRecordsURL(t *testing.T) {
	_, err := ParseHLS([]byte("#EXTM3U\n#EXTINF:x"), "https://example.com/a/b.m3u8")
	require.NoError(t, err, "a dangling EXTINF with a bad duration is tolerated")
	_, err = ParseHLS([]byte("garbage"), "https://example.com/a/b.m3u8")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrHLSSyntax))
	assert.True(t, strings.HasPrefix(err.Error(), "https://example.com/a/b.m3u8 line 1: "), err.Error())
}

func TestHLSAttachReload(t *testing.T) {
	const master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nlive.m3u8\n"
	p, err := ParseHLS([]byte(master), "https://example.com/master.m3u8")
	require.NoError(t, err)
	rep := p.Periods[0].AdaptationSets[0].Representations[0]

	// First load: live, 2 segments; EXTINF without comma gives a warning.
	first := "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:6\ns10.ts\n#EXTINF:6,\ns11.ts\n"
	require.NoError(t, p.AttachHLSMedia(rep, []byte(first)))
	assert.True(t, p.Live)
	assert.Zero(t, p.Duration)
	assert.Equal(t, 6*time.Second, p.Timing.MinimumUpdatePeriod)
	// No HOLD-BACK: three target durations.
	assert.Equal(t, 18*time.Second, p.Timing.SuggestedPresentationDelay)
	require.Len(t, p.Warnings, 1)
	assert.Equal(t, "https://example.com/live.m3u8", rep.Index.Playlist.URL)

	// Reload: the window slid by one segment and the stream ended.
	second := "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:11\n#EXTINF:6\ns11.ts\n#EXTINF:4.5,\ns12.ts\n#EXT-X-ENDLIST\n"
	require.NoError(t, p.AttachHLSMedia(rep, []byte(second)))
	assert.False(t, p.Live)
	// 6 + 4.5 seconds listed.
	assert.Equal(t, sec("10.5"), p.Duration)
	assert.Equal(t, LiveTiming{}, p.Timing)
	assert.Len(t, p.Warnings, 1, "reload warnings stay in the playlist")
	assert.Len(t, rep.Index.Playlist.Warnings, 1)
	assert.Equal(t, uint64(11), rep.Index.Segments[0].Number)
	assert.Equal(t, "v0", rep.Index.RepresentationID)

	// A broken reload leaves the index as it was.
	require.Error(t, p.AttachHLSMedia(rep, []byte("#EXTM3U\n#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n")))
	assert.Len(t, rep.Index.Segments, 2)
	require.Error(t, p.AttachHLSMedia(&Representation{}, []byte(second)))
}
