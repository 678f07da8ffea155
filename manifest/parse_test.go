package manifest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		data, url string
		want      Format
	}{
		{"#EXTM3U\n", "x", FormatHLS},
		{"\uFEFF\r\n  #EXTM3U\n", "x.mpd", FormatHLS}, // content wins over the name
		{"# comment\n#EXTM3U\n", "x", FormatHLS},
		{`<?xml version="1.0"?><MPD/>`, "x.m3u8", FormatDASH},
		{"\n\t<MPD/>", "x", FormatDASH},
		{"a.ts\n", "https://h/p/index.M3U8?x=1", FormatHLS},
		{"", "https://h/p/manifest.mpd#frag", FormatDASH},
		{"garbage", "remote.xml", FormatDASH},
		{"garbage", "list.m3u", FormatHLS},
		{"garbage", "file.txt", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, detectFormat([]byte(c.data), c.url), "%q %q", c.data, c.url)
	}
}

func TestParseDispatch(t *testing.T) {
	p, err := Parse([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n"), "https://h/v.m3u8")
	require.NoError(t, err)
	assert.Equal(t, FormatHLS, p.Format)
	assert.Equal(t, "https://h/a.ts", p.Periods[0].AdaptationSets[0].Representations[0].Index.Segments[0].URLs[0])

	const mpd = `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="p0">
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <SegmentTemplate media="$Number$.m4s" initialization="init.mp4" duration="2" startNumber="1"/>
      <Representation id="v" bandwidth="1000000" codecs="avc1.64001f" width="1280" height="720"/>
    </AdaptationSet>
  </Period>
</MPD>`
	p, err = Parse([]byte(mpd), "https://h/m.mpd")
	require.NoError(t, err)
	assert.Equal(t, FormatDASH, p.Format)

	_, err = Parse([]byte("garbage"), "file.txt")
	require.ErrorIs(t, err, ErrUnknownFormat)
	assert.Contains(t, err.Error(), "file.txt")
	_, err = Parse(nil, "file")
	require.ErrorIs(t, err, ErrUnknownFormat)
	assert.Contains(t, err.Error(), "file: empty manifest")
	_, err = Parse(nil, "file.m3u8")
	require.ErrorIs(t, err, ErrHLSSyntax)
	assert.Contains(t, err.Error(), "file.m3u8: empty playlist")
}
