package player

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusRoot is the shared media corpus, relative to this package.
func corpusRoot(t *testing.T) string {
	dir := filepath.Join("..", "..", "shared", "corpus", "media")
	if env := os.Getenv("ABRKIT_CORPUS_MEDIA"); env != "" {
		dir = env
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("media corpus not available at %s", dir)
	}
	return dir
}

const corpusURL = "http://corpus.test/"

// fileNet answers requests for corpusURL + path from the files under
// root, honouring byte ranges, with 10 ms latency at 20 Mbit/s. Unknown
// files get 404. served counts the requests per URL and range.
func fileNet(t *testing.T, root string, served map[string]int) func(h *harness, r Request) outcome {
	return func(h *harness, r Request) outcome {
		key := r.URL
		if !r.Range.IsZero() {
			key += "#" + itoa(int(r.Range.Offset)) + "-" + itoa(int(r.Range.End()))
		}
		served[key]++
		rel, ok := strings.CutPrefix(r.URL, corpusURL)
		if !ok {
			return outcome{ttfb: 10 * ms, status: 404}
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return outcome{ttfb: 10 * ms, status: 404}
		}
		if !r.Range.IsZero() {
			end := min(r.Range.Offset+r.Range.Length, int64(len(data)))
			if r.Range.Offset >= int64(len(data)) {
				return outcome{ttfb: 10 * ms, status: 416}
			}
			data = data[r.Range.Offset:end]
		}
		return outcome{ttfb: 10 * ms, rate: 20_000_000, bytes: int64(len(data)), data: data}
	}
}

// playCorpus plays the manifest at rel (under the corpus) from its URL
// through the core and returns the harness and the session.
func playCorpus(t *testing.T, rel string, cfg Config) (*harness, *Session, map[string]int) {
	root := corpusRoot(t)
	s, err := NewSessionFromURL(cfg, corpusURL+rel, &fixedAlg{rung: 0})
	require.NoError(t, err)
	served := map[string]int{}
	h := newHarness(t, s, fileNet(t, root, served))
	h.sink = NewHeadless(1)
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err(), "%s", rel)
	require.Equal(t, StateEnded, s.State())
	return h, s, served
}

// deliveries lists the sink deliveries of the session.
func deliveries(h *harness) (inits, media int, bytes int64) {
	hs := h.sink.(*Headless)
	return hs.Delivered()
}

func assertFetchedOnce(t *testing.T, served map[string]int) {
	for u, n := range served {
		assert.Equal(t, 1, n, "fetched more than once: %s", u)
	}
}

// shaka-player/6339: SegmentList with byte ranges into one file per
// track; video 5 × 9.982 s, audio 12 × 4 s.
func TestCorpusSegmentListRanges(t *testing.T) {
	h, s, served := playCorpus(t, "shaka-player/6339/master.mpd", DefaultConfig())
	assertFetchedOnce(t, served)
	assert.Equal(t, 1, served[corpusURL+"shaka-player/6339/v.mp4#36-745"], "video init range")
	assert.Equal(t, 1, served[corpusURL+"shaka-player/6339/v.mp4#746-18481"])
	assert.Equal(t, 1, served[corpusURL+"shaka-player/6339/a.mp4#26460-28799"])
	inits, media, _ := deliveries(h)
	assert.Equal(t, 2, inits)
	assert.Equal(t, 5+12, media)
	// The media bytes delivered are exactly the ranges' lengths.
	var want int64
	for _, r := range h.reqs {
		if r.Kind == ReqMedia {
			want += r.Range.Length
		}
	}
	assert.Equal(t, want, s.Stats().MediaBytes)
	// Playback runs to the end of the longer track (5 × 9.982 s).
	assert.Equal(t, 49910*ms, s.Stats().Position)
}

// androidx-media/cmaf-multi-segment as HLS: a multivariant playlist with
// one variant and an audio rendition; the media playlists are loaded by
// the core before their first segment.
func TestCorpusHLSMultivariant(t *testing.T) {
	h, s, served := playCorpus(t, "androidx-media/cmaf-multi-segment/playlist.m3u8", DefaultConfig())
	assertFetchedOnce(t, served)
	assert.Equal(t, 1, served[corpusURL+"androidx-media/cmaf-multi-segment/stream_1.m3u8"])
	assert.Equal(t, 1, served[corpusURL+"androidx-media/cmaf-multi-segment/stream_0.m3u8"])
	tr := s.Tracks()
	require.Len(t, tr, 2)
	assert.Equal(t, manifest.ContentAudio, tr[1].Content)
	var kinds []RequestKind
	for _, r := range h.reqs[:3] {
		kinds = append(kinds, r.Kind)
	}
	assert.Equal(t, []RequestKind{ReqManifest, ReqPlaylist, ReqPlaylist}, kinds)
	inits, media, _ := deliveries(h)
	assert.Equal(t, 2, inits)
	assert.Equal(t, 12+12, media)
	assert.Len(t, h.kinds(EvPlaylistLoaded), 2)
}

// The same content as DASH.
func TestCorpusDASHCMAF(t *testing.T) {
	h, _, served := playCorpus(t, "androidx-media/cmaf-multi-segment/manifest.mpd", DefaultConfig())
	assertFetchedOnce(t, served)
	inits, media, _ := deliveries(h)
	assert.Equal(t, 2, inits)
	assert.Positive(t, media)
}

// livesim2/testpic_2s_low_delay: SegmentTemplate, three video rungs, two
// sets with role main (the first is played) and audio.
func TestCorpusTemplate(t *testing.T) {
	h, s, served := playCorpus(t, "livesim2/testpic_2s_low_delay/Manifest.mpd", DefaultConfig())
	assertFetchedOnce(t, served)
	inits, media, _ := deliveries(h)
	assert.Equal(t, 2, inits)
	assert.Equal(t, 4+4, media)
	assert.Equal(t, 8*time.Second, s.Stats().PlayTime)
	assert.Equal(t, 1, served[corpusURL+"livesim2/testpic_2s_low_delay/360/4.m4s"])
}

// shaka-player/hls-multivideo: MPEG-TS variants with VIDEO and AUDIO
// renditions; the default audio rendition is played.
func TestCorpusHLSTransportStream(t *testing.T) {
	h, s, served := playCorpus(t, "shaka-player/hls-multivideo/master.m3u8", DefaultConfig())
	assertFetchedOnce(t, served)
	tr := s.Tracks()
	require.Len(t, tr, 2)
	assert.Equal(t, "Original 128k", tr[1].Set.Name)
	_, media, _ := deliveries(h)
	assert.Positive(t, media)
	for _, r := range h.reqs {
		assert.NotEqual(t, ReqInit, r.Kind, "TS segments have no init segment")
	}
}

// SegmentBase: mp4ff's bbb5s_aac_sidx.mp4 (ftyp, moov at 90–786, sidx at
// 815–882 indexing three fragments at 883, 32927 and 64855). The core
// fetches the init range and the index range, applies the sidx, then the
// fragments by byte range.
func TestCorpusSegmentBase(t *testing.T) {
	root := corpusRoot(t)
	url := corpusURL + "mp4ff/bbb5s_aac_sidx.mp4"
	ix := &manifest.SegmentIndex{
		Addressing:     manifest.AddrBase,
		BaseURLs:       []manifest.BaseURL{{URL: url}},
		Timescale:      1,
		IndexRange:     manifest.ByteRange{Offset: 815, Length: 68},
		Init:           &manifest.InitSegment{URLs: []string{url}, Range: manifest.ByteRange{Offset: 0, Length: 787}},
		PeriodDuration: 5 * time.Second,
	}
	rep := &manifest.Representation{ID: "aac", Bandwidth: 128_000, Index: ix}
	p := &manifest.Presentation{Format: manifest.FormatDASH, URL: corpusURL + "x.mpd", Duration: 5 * time.Second,
		Periods: []*manifest.Period{{Duration: 5 * time.Second, AdaptationSets: []*manifest.AdaptationSet{
			{ID: "a", ContentType: manifest.ContentAudio, Representations: []*manifest.Representation{rep}}}}}}
	s, err := NewSession(DefaultConfig(), p, &fixedAlg{})
	require.NoError(t, err)
	served := map[string]int{}
	h := newHarness(t, s, fileNet(t, root, served))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	require.Equal(t, StateEnded, s.State())
	var got []string
	for _, r := range h.reqs {
		got = append(got, r.Kind.String()+" "+itoa(int(r.Range.Offset))+"-"+itoa(int(r.Range.End())))
	}
	assert.Equal(t, []string{"index 815-882", "init 0-786", "media 883-32926", "media 32927-64854", "media 64855-81180"}, got)
	assert.True(t, ix.IndexApplied)
	assert.Len(t, h.kinds(EvIndexLoaded), 1)
	assertFetchedOnce(t, served)
}
