package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestInspectSampleJSON(t *testing.T) {
	code, out, errs := runCLI("inspect", "--json", "--segments", "2")
	require.Equal(t, 0, code, errs)
	var rep struct {
		Format    string   `json:"format"`
		Live      bool     `json:"live"`
		DurationS *float64 `json:"duration_s"`
		Periods   []struct {
			ID             string   `json:"id"`
			StartS         float64  `json:"start_s"`
			DurationS      *float64 `json:"duration_s"`
			AdaptationSets []struct {
				ContentType     string `json:"content_type"`
				Representations []struct {
					ID           string `json:"id"`
					Bandwidth    int64  `json:"bandwidth"`
					Width        int    `json:"width"`
					Height       int    `json:"height"`
					Codecs       string `json:"codecs"`
					SegmentCount *int   `json:"segment_count"`
					Segments     []struct {
						URL       string          `json:"url"`
						StartS    float64         `json:"start_s"`
						DurationS float64         `json:"duration_s"`
						Range     json.RawMessage `json:"range"`
					} `json:"segments"`
				} `json:"representations"`
			} `json:"adaptation_sets"`
		} `json:"periods"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "dash", rep.Format)
	assert.False(t, rep.Live)
	require.NotNil(t, rep.DurationS)
	assert.Equal(t, 120.0, *rep.DurationS)
	require.Len(t, rep.Periods, 1)
	p := rep.Periods[0]
	assert.Equal(t, "p0", p.ID)
	require.Len(t, p.AdaptationSets, 2)
	assert.Equal(t, "video", p.AdaptationSets[0].ContentType)
	assert.Equal(t, "audio", p.AdaptationSets[1].ContentType)
	v := p.AdaptationSets[0].Representations[2]
	assert.Equal(t, "v2500", v.ID)
	assert.Equal(t, int64(2_500_000), v.Bandwidth)
	assert.Equal(t, 1280, v.Width)
	assert.Equal(t, 720, v.Height)
	assert.Equal(t, "avc1.640028", v.Codecs)
	// 120 s / (360000 / 90000 s) = 30 segments.
	require.NotNil(t, v.SegmentCount)
	assert.Equal(t, 30, *v.SegmentCount)
	require.Len(t, v.Segments, 2)
	assert.Equal(t, "https://cdn-a.example.com/sample/v2500/seg-00002.m4s", v.Segments[1].URL)
	assert.Equal(t, 4.0, v.Segments[1].StartS)
	assert.Equal(t, 4.0, v.Segments[1].DurationS)
	assert.Equal(t, "null", string(v.Segments[1].Range))
}

func TestInspectDefaultIsSampleText(t *testing.T) {
	code, out, _ := runCLI("inspect")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "builtin:sample.mpd: DASH, VOD, duration 120.000s")
	assert.Contains(t, out, `rep "v5000"`)
}

func TestInspectRejectsMalformedWithOneMessage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.mpd")
	require.NoError(t, os.WriteFile(bad, []byte(`<?xml version="1.0"?><MPD type="static" mediaPresentationDuration="PT10S"><Period>`), 0o644))
	code, out, errs := runCLI("inspect", bad)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "broken.mpd")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %q", errs)

	code, _, errs = runCLI("inspect", filepath.Join(dir, "missing.m3u8"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "missing.m3u8")
}

func TestInspectLocalMultivariantReadsMediaPlaylists(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "media", "shaka-player", "hls-multivideo")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present")
	}
	code, out, errs := runCLI("inspect", "--json", filepath.Join(dir, "master.m3u8"))
	require.Equal(t, 0, code, errs)
	var rep struct {
		Format  string `json:"format"`
		Periods []struct {
			AdaptationSets []struct {
				ContentType     string `json:"content_type"`
				Representations []struct {
					Bandwidth    int64 `json:"bandwidth"`
					SegmentCount *int  `json:"segment_count"`
					Segments     []struct {
						URL string `json:"url"`
					} `json:"segments"`
				} `json:"representations"`
			} `json:"adaptation_sets"`
		} `json:"periods"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "hls", rep.Format)
	vs := rep.Periods[0].AdaptationSets[0]
	assert.Equal(t, "video", vs.ContentType)
	require.Len(t, vs.Representations, 2)
	assert.Equal(t, int64(800000), vs.Representations[0].Bandwidth)
	require.NotNil(t, vs.Representations[0].SegmentCount)
	assert.Equal(t, 1, *vs.Representations[0].SegmentCount)
	assert.True(t, strings.HasSuffix(vs.Representations[0].Segments[0].URL, "red_1.ts"))
}

func TestUnknownCommand(t *testing.T) {
	code, _, errs := runCLI("frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `unknown command "frobnicate"`)
}

func TestInspectMissingMediaPlaylistIsAWarning(t *testing.T) {
	dir := t.TempDir()
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlo.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1600000\nhi.m3u8\n"
	media := "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ns1.ts\n#EXTINF:4,\ns2.ts\n#EXT-X-ENDLIST\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte(master), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lo.m3u8"), []byte(media), 0o644))
	code, out, errs := runCLI("inspect", filepath.Join(dir, "master.m3u8"))
	require.Equal(t, 0, code, errs)
	assert.Contains(t, errs, "1 media playlist(s) not loaded")
	assert.Contains(t, errs, "hi.m3u8")
	assert.Contains(t, out, "lo.m3u8")
	assert.Contains(t, out, "media playlist not loaded")

	require.NoError(t, os.Remove(filepath.Join(dir, "lo.m3u8")))
	code, _, errs = runCLI("inspect", filepath.Join(dir, "master.m3u8"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "lo.m3u8")
}
