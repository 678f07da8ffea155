package manifest

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// grafovDecode runs grafov/m3u8's lenient decoder behind a recover:
// v0.12.1 panics on some valid playlists.
func grafovDecode(data []byte) (pl m3u8.Playlist, kind m3u8.ListType, panicked any, err error) {
	defer func() { panicked = recover() }()
	pl, kind, err = m3u8.DecodeFrom(bytes.NewReader(data), false)
	return pl, kind, nil, err
}

// TestHLSAgainstGrafov compares our parser with grafov/m3u8 v0.12.1, an
// independent implementation, on the corpus playlists labelled valid,
// for what grafov gets right: the variant streams (URI, BANDWIDTH,
// CODECS, RESOLUTION) and the media segments (URI, duration). Playlists
// that use features grafov does not implement (variables), those we
// accept only with warnings, and those on which grafov panics are
// counted, not compared.
func TestHLSAgainstGrafov(t *testing.T) {
	dir := corpusDir(t)
	entries, err := readCorpusLabels(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	var compared, panics, skipped int
	for _, e := range entries {
		if e.expect != "valid" || !strings.HasSuffix(e.path, ".m3u8") {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(e.path))
		data, err := os.ReadFile(full)
		require.NoError(t, err)
		if bytes.Contains(data, []byte("#EXT-X-DEFINE")) {
			skipped++
			continue
		}
		gpl, kind, panicked, gerr := grafovDecode(data)
		if panicked != nil {
			panics++
			t.Logf("%s: grafov panics (%v); ours parses it: %v", e.path, panicked, parseOK(data, full))
			continue
		}
		if gerr != nil {
			skipped++
			continue
		}
		p, err := ParseHLS(data, full)
		require.NoError(t, err, e.path)
		if len(p.Warnings) > 0 {
			// A tolerated deviation: the parsers may repair it differently.
			skipped++
			continue
		}
		res := newHLSResolver(full)
		switch kind {
		case m3u8.MASTER:
			compareGrafovMaster(t, e.path, gpl.(*m3u8.MasterPlaylist), p, &res)
		case m3u8.MEDIA:
			compareGrafovMedia(t, e.path, gpl.(*m3u8.MediaPlaylist), p, &res)
		}
		compared++
	}
	t.Logf("compared %d valid playlists with grafov/m3u8; grafov panicked on %d, %d skipped", compared, panics, skipped)
	require.Positive(t, compared)
}

func parseOK(data []byte, name string) string {
	if _, err := ParseHLS(data, name); err != nil {
		return err.Error()
	}
	return "ok"
}

func compareGrafovMaster(t *testing.T, name string, g *m3u8.MasterPlaylist, p *Presentation, res *hlsResolver) {
	var ours, iframes []*Representation
	for _, set := range p.Periods[0].AdaptationSets {
		switch set.ID {
		case hlsVariantsSetID, hlsAudioVariantsSetID:
			ours = append(ours, set.Representations...)
		case hlsIFramesSetID:
			iframes = append(iframes, set.Representations...)
		}
	}
	// Ours keeps playlist order within the video and audio-only sets;
	// compare by variant ID, which is the playlist position.
	byID := map[string]*Representation{}
	for _, r := range ours {
		byID[r.ID] = r
	}
	var gv, gi []*m3u8.Variant
	for _, v := range g.Variants {
		if v.Iframe {
			gi = append(gi, v)
		} else if v.URI != "" {
			gv = append(gv, v)
		}
	}
	require.Len(t, ours, len(gv), "%s: variants", name)
	require.Len(t, iframes, len(gi), "%s: I-frame streams", name)
	check := func(r *Representation, v *m3u8.Variant) {
		assert.Equal(t, res.resolve(v.URI), r.Index.Playlist.URL, "%s %s URI", name, r.ID)
		assert.Equal(t, int64(v.Bandwidth), r.Bandwidth, "%s %s BANDWIDTH", name, r.ID)
		assert.Equal(t, v.Codecs, r.Codecs, "%s %s CODECS", name, r.ID)
		if v.Resolution != "" {
			assert.Equal(t, v.Resolution, fmt.Sprintf("%dx%d", r.Width, r.Height), "%s %s RESOLUTION", name, r.ID)
		}
	}
	for i, v := range gv {
		r := byID[fmt.Sprintf("v%d", i)]
		require.NotNil(t, r, "%s: variant %d", name, i)
		check(r, v)
	}
	for i, v := range gi {
		check(iframes[i], v)
	}
}

func compareGrafovMedia(t *testing.T, name string, g *m3u8.MediaPlaylist, p *Presentation, res *hlsResolver) {
	idx := p.Periods[0].AdaptationSets[0].Representations[0].Index
	n := int(g.Count())
	require.Len(t, idx.Segments, n, "%s: segments", name)
	for i := 0; i < n; i++ {
		gs, s := g.Segments[i], idx.Segments[i]
		assert.Equal(t, res.resolve(gs.URI), s.URLs[0], "%s segment %d URI", name, i)
		want := time.Duration(math.Round(gs.Duration * 1e9))
		assert.InDelta(t, float64(want), float64(s.Duration), float64(time.Microsecond), "%s segment %d duration", name, i)
	}
}
