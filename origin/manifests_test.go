package origin

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/grafov/m3u8"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testMPD is a reader-side view of an MPD, written for the tests.
type testMPD struct {
	XMLName  xml.Name `xml:"MPD"`
	NS       string   `xml:"xmlns,attr"`
	Type     string   `xml:"type,attr"`
	Profiles string   `xml:"profiles,attr"`
	Duration string   `xml:"mediaPresentationDuration,attr"`
	Periods  []struct {
		Sets []struct {
			ContentType string `xml:"contentType,attr"`
			MimeType    string `xml:"mimeType,attr"`
			Template    *struct {
				Timescale      uint32 `xml:"timescale,attr"`
				Duration       uint64 `xml:"duration,attr"`
				StartNumber    int    `xml:"startNumber,attr"`
				Initialization string `xml:"initialization,attr"`
				Media          string `xml:"media,attr"`
			} `xml:"SegmentTemplate"`
			Reps []struct {
				ID        string `xml:"id,attr"`
				Bandwidth int64  `xml:"bandwidth,attr"`
				Codecs    string `xml:"codecs,attr"`
				Width     int    `xml:"width,attr"`
				Height    int    `xml:"height,attr"`
				BaseURL   string `xml:"BaseURL"`
				Base      *struct {
					Timescale  uint32 `xml:"timescale,attr"`
					IndexRange string `xml:"indexRange,attr"`
					Init       struct {
						Range string `xml:"range,attr"`
					} `xml:"Initialization"`
				} `xml:"SegmentBase"`
			} `xml:"Representation"`
		} `xml:"AdaptationSet"`
	} `xml:"Period"`
}

func newSynthServer(t *testing.T, c Content) (*Synth, *httptest.Server) {
	t.Helper()
	s, err := NewSynth(c)
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func get(t *testing.T, client *http.Client, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func parseRange(t *testing.T, s string) (first, last int64) {
	t.Helper()
	a, b, ok := strings.Cut(s, "-")
	require.True(t, ok, "range %q", s)
	first, err := strconv.ParseInt(a, 10, 64)
	require.NoError(t, err)
	last, err = strconv.ParseInt(b, 10, 64)
	require.NoError(t, err)
	return first, last
}

func TestDASHTemplateManifestAddressesEverySegment(t *testing.T) {
	s, srv := newSynthServer(t, smallContent())
	resp, body := get(t, srv.Client(), srv.URL+PathDASH)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/dash+xml", resp.Header.Get("Content-Type"))
	var m testMPD
	require.NoError(t, xml.Unmarshal(body, &m))
	assert.Equal(t, "urn:mpeg:dash:schema:mpd:2011", m.NS)
	assert.Equal(t, "static", m.Type)
	assert.Equal(t, "urn:mpeg:dash:profile:isoff-live:2011", m.Profiles)
	assert.Equal(t, "PT21S", m.Duration)
	require.Len(t, m.Periods, 1)
	require.Len(t, m.Periods[0].Sets, 2)
	video, audio := m.Periods[0].Sets[0], m.Periods[0].Sets[1]
	assert.Equal(t, "video", video.ContentType)
	assert.Equal(t, "audio/mp4", audio.MimeType)
	require.NotNil(t, video.Template)
	assert.EqualValues(t, 90000, video.Template.Timescale)
	assert.EqualValues(t, 180000, video.Template.Duration) // 2 s
	assert.EqualValues(t, 48000, audio.Template.Timescale)
	assert.EqualValues(t, 96000, audio.Template.Duration)
	require.Len(t, video.Reps, 5)
	assert.Equal(t, "v400k", video.Reps[0].ID)
	assert.EqualValues(t, 400000, video.Reps[0].Bandwidth)
	assert.Equal(t, "avc1.64001E", video.Reps[0].Codecs) // High, level 3.0
	assert.Equal(t, 1920, video.Reps[4].Width)

	// Expand the template for every representation and number: each URL
	// answers 200 with the planned size; number 12 is past the end.
	for _, set := range m.Periods[0].Sets {
		for _, rep := range set.Reps {
			segs, err := s.Segments(rep.ID)
			require.NoError(t, err)
			initURL := strings.ReplaceAll(set.Template.Initialization, "$RepresentationID$", rep.ID)
			resp, body := get(t, srv.Client(), srv.URL+"/synth/dash/"+initURL)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			f, err := mp4.DecodeFile(bytes.NewReader(body))
			require.NoError(t, err)
			require.NotNil(t, f.Init)
			media := strings.ReplaceAll(set.Template.Media, "$RepresentationID$", rep.ID)
			for n := set.Template.StartNumber; n <= len(segs)+1; n++ {
				url := srv.URL + "/synth/dash/" + strings.ReplaceAll(media, "$Number$", strconv.Itoa(n))
				resp, body := get(t, srv.Client(), url)
				if n == len(segs)+1 {
					assert.Equal(t, http.StatusNotFound, resp.StatusCode)
					continue
				}
				require.Equal(t, http.StatusOK, resp.StatusCode, url)
				assert.Equal(t, "video/iso.segment", resp.Header.Get("Content-Type"))
				assert.EqualValues(t, segs[n-1].Size, len(body))
			}
		}
	}
}

func TestDASHSegmentBaseSidxMapsFragments(t *testing.T) {
	s, srv := newSynthServer(t, smallContent())
	_, body := get(t, srv.Client(), srv.URL+PathDASHBase)
	var m testMPD
	require.NoError(t, xml.Unmarshal(body, &m))
	assert.Equal(t, "urn:mpeg:dash:profile:isoff-on-demand:2011", m.Profiles)
	for _, set := range m.Periods[0].Sets {
		assert.Nil(t, set.Template)
		for _, rep := range set.Reps {
			require.NotNil(t, rep.Base)
			assert.Equal(t, rep.ID+".mp4", rep.BaseURL)
			fileURL := srv.URL + "/synth/dash-base/" + rep.BaseURL
			initFirst, initLast := parseRange(t, rep.Base.Init.Range)
			idxFirst, idxLast := parseRange(t, rep.Base.IndexRange)
			assert.EqualValues(t, 0, initFirst)
			assert.Equal(t, initLast+1, idxFirst, "sidx follows the init segment")

			// Fetch the init and index ranges the way a player does.
			resp, initData := get(t, srv.Client(), fileURL, "Range", "bytes="+rep.Base.Init.Range)
			require.Equal(t, http.StatusPartialContent, resp.StatusCode)
			_, err := mp4.DecodeFile(bytes.NewReader(initData))
			require.NoError(t, err)
			resp, idxData := get(t, srv.Client(), fileURL, "Range", "bytes="+rep.Base.IndexRange)
			require.Equal(t, http.StatusPartialContent, resp.StatusCode)
			require.EqualValues(t, idxLast-idxFirst+1, len(idxData))
			box, err := mp4.DecodeBox(uint64(idxFirst), bytes.NewReader(idxData))
			require.NoError(t, err)
			sidx, ok := box.(*mp4.SidxBox)
			require.True(t, ok, "index range holds a %s", box.Type())
			assert.Equal(t, rep.Base.Timescale, sidx.Timescale)
			require.Len(t, sidx.SidxRefs, 11)

			// Each reference must be exactly one moof+mdat whose tfdt is the
			// running sum of the durations and whose samples last
			// SubSegmentDuration.
			offset := idxLast + 1 + int64(sidx.FirstOffset)
			var t0 uint64
			for i, ref := range sidx.SidxRefs {
				rng := fmt.Sprintf("bytes=%d-%d", offset, offset+int64(ref.ReferencedSize)-1)
				resp, frag := get(t, srv.Client(), fileURL, "Range", rng)
				require.Equal(t, http.StatusPartialContent, resp.StatusCode)
				require.EqualValues(t, ref.ReferencedSize, len(frag))
				f, err := mp4.DecodeFile(bytes.NewReader(frag))
				require.NoError(t, err, "reference %d", i)
				require.Len(t, f.Segments, 1)
				require.Len(t, f.Segments[0].Fragments, 1)
				fr := f.Segments[0].Fragments[0]
				assert.EqualValues(t, i+1, fr.Moof.Mfhd.SequenceNumber)
				assert.Equal(t, t0, fr.Moof.Traf.Tfdt.BaseMediaDecodeTime())
				var dur uint64
				for _, smp := range fr.Moof.Traf.Trun.Samples {
					dur += uint64(smp.Dur)
				}
				assert.EqualValues(t, ref.SubSegmentDuration, dur)
				assert.EqualValues(t, 1, ref.StartsWithSAP)
				assert.EqualValues(t, 1, ref.SAPType)
				assert.EqualValues(t, fr.Moof.Size()+fr.Mdat.Size(), ref.ReferencedSize)
				offset += int64(ref.ReferencedSize)
				t0 += dur
			}
			info := trackInfo(t, s, rep.ID)
			assert.Equal(t, info.FileSize, offset, "the last reference ends the file")
			if rep.ID == "a128k" {
				assert.EqualValues(t, 984*1024, t0)
			} else {
				assert.EqualValues(t, 21*90000, t0)
			}
		}
	}
}

func trackInfo(t *testing.T, s *Synth, id string) TrackInfo {
	t.Helper()
	for _, tr := range s.Tracks() {
		if tr.ID == id {
			return tr
		}
	}
	t.Fatalf("no track %s", id)
	return TrackInfo{}
}

func decodePlaylist(t *testing.T, body []byte) (m3u8.Playlist, m3u8.ListType) {
	t.Helper()
	p, typ, err := m3u8.DecodeFrom(bytes.NewReader(body), true)
	require.NoError(t, err)
	return p, typ
}

// peakAndAverage computes, from the segment list, the HLS peak (largest
// per-segment bit rate) and average bit rates.
func peakAndAverage(segs []SegmentInfo, timescale uint32, byteRange bool) (peak, avg float64) {
	var bytes, ticks float64
	for _, si := range segs {
		size := float64(si.Size)
		if byteRange {
			size = float64(si.FragmentSize)
		}
		peak = math.Max(peak, size*8/(float64(si.Duration)/float64(timescale)))
		bytes += size
		ticks += float64(si.Duration)
	}
	return peak, bytes * 8 / (ticks / float64(timescale))
}

func TestHLSPlaylists(t *testing.T) {
	for _, byteRange := range []bool{false, true} {
		t.Run(fmt.Sprintf("byterange=%v", byteRange), func(t *testing.T) {
			s, srv := newSynthServer(t, smallContent())
			master := PathHLS
			if byteRange {
				master = PathHLSByteRange
			}
			resp, body := get(t, srv.Client(), srv.URL+master)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
			p, typ := decodePlaylist(t, body)
			require.Equal(t, m3u8.MASTER, typ)
			mp := p.(*m3u8.MasterPlaylist)
			require.Len(t, mp.Variants, 5)
			audioSegs, err := s.Segments("a128k")
			require.NoError(t, err)
			aPeak, aAvg := peakAndAverage(audioSegs, 48000, byteRange)
			base := srv.URL + master[:strings.LastIndex(master, "/")+1]

			var audioURI string
			for i, v := range mp.Variants {
				tr := s.Tracks()[i]
				segs, err := s.Segments(tr.ID)
				require.NoError(t, err)
				vPeak, vAvg := peakAndAverage(segs, 90000, byteRange)
				assert.InDelta(t, vPeak+aPeak, float64(v.Bandwidth), 2, "BANDWIDTH of %s", tr.ID)
				assert.InDelta(t, vAvg+aAvg, float64(v.AverageBandwidth), 2, "AVERAGE-BANDWIDTH of %s", tr.ID)
				assert.Equal(t, tr.Codecs+",mp4a.40.2", v.Codecs)
				assert.Equal(t, fmt.Sprintf("%dx%d", tr.Width, tr.Height), v.Resolution)
				assert.Equal(t, "aud", v.Audio)
				require.NotEmpty(t, v.Alternatives)
				audioURI = v.Alternatives[0].URI
				checkMediaPlaylist(t, srv, base, v.URI, tr, segs, byteRange)
			}
			checkMediaPlaylist(t, srv, base, audioURI, trackInfo(t, s, "a128k"), audioSegs, byteRange)
		})
	}
}

func checkMediaPlaylist(t *testing.T, srv *httptest.Server, base, uri string, tr TrackInfo, segs []SegmentInfo, byteRange bool) {
	t.Helper()
	resp, body := get(t, srv.Client(), base+uri)
	require.Equal(t, http.StatusOK, resp.StatusCode, uri)
	p, typ := decodePlaylist(t, body)
	require.Equal(t, m3u8.MEDIA, typ)
	mp := p.(*m3u8.MediaPlaylist)
	assert.True(t, mp.Closed, "VOD playlists end with EXT-X-ENDLIST")
	assert.Equal(t, m3u8.VOD, mp.MediaType)
	assert.EqualValues(t, 1, mp.SeqNo)
	// Video segments last 2 s; audio ones up to 94 AAC frames = 2.005 s,
	// whose ceiling is 3.
	wantTarget := 2
	if tr.Kind == Audio {
		wantTarget = 3
	}
	assert.EqualValues(t, wantTarget, mp.TargetDuration)
	assert.Contains(t, string(body), fmt.Sprintf("\n#EXT-X-TARGETDURATION:%d\n", wantTarget))
	require.NotNil(t, mp.Map)
	mediaBase := base + uri[:strings.LastIndex(uri, "/")+1]
	require.EqualValues(t, len(segs), mp.Count())
	var total float64
	for i, seg := range mp.GetAllSegments() {
		si := segs[i]
		want := float64(si.Duration) / float64(tr.Timescale)
		assert.InDelta(t, want, seg.Duration, 1e-6)
		total += seg.Duration
		if byteRange {
			assert.Equal(t, tr.ID+".mp4", seg.URI)
			assert.Equal(t, si.FragmentSize, seg.Limit)
			assert.Equal(t, si.Offset, seg.Offset)
		} else {
			assert.Equal(t, fmt.Sprintf("seg-%d.m4s", i+1), seg.URI)
		}
	}
	if tr.Kind == Video {
		assert.InDelta(t, 21.0, total, 1e-5)
	} else {
		assert.InDelta(t, 984*1024/48000.0, total, 1e-5)
	}
	if byteRange {
		assert.Equal(t, tr.ID+".mp4", mp.Map.URI)
		assert.Equal(t, tr.InitSize, mp.Map.Limit)
		assert.EqualValues(t, 0, mp.Map.Offset)
		// The byte ranges of segment 3 parse as one fragment with sequence 3.
		seg := mp.Segments[2]
		resp, frag := get(t, srv.Client(), mediaBase+seg.URI, "Range",
			fmt.Sprintf("bytes=%d-%d", seg.Offset, seg.Offset+seg.Limit-1))
		require.Equal(t, http.StatusPartialContent, resp.StatusCode)
		f, err := mp4.DecodeFile(bytes.NewReader(frag))
		require.NoError(t, err)
		assert.EqualValues(t, 3, f.Segments[0].Fragments[0].Moof.Mfhd.SequenceNumber)
	} else {
		assert.Equal(t, "init.mp4", mp.Map.URI)
		resp, _ := get(t, srv.Client(), mediaBase+mp.Map.URI)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		resp, seg := get(t, srv.Client(), mediaBase+mp.Segments[len(segs)-1].URI)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.EqualValues(t, segs[len(segs)-1].Size, len(seg))
	}
}

func TestISODuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "PT0S",
		2 * time.Second:                       "PT2S",
		3 * time.Minute:                       "PT3M",
		90*time.Second + 500*time.Millisecond: "PT1M30.5S",
		2*time.Hour + 5*time.Second:           "PT2H5S",
	} {
		assert.Equal(t, want, isoDuration(d), "%v", d)
	}
}

func TestUnknownSynthPathsAre404(t *testing.T) {
	_, srv := newSynthServer(t, smallContent())
	for _, p := range []string{
		"/synth/dash/v400k/seg-0.m4s", "/synth/dash/v400k/seg-01.m4s", "/synth/dash/v400k/seg-x.m4s",
		"/synth/dash/v400k/seg-1.mp4", "/synth/dash/nope/seg-1.m4s", "/synth/dash/nope/init.mp4",
		"/synth/dash-base/nope.mp4", "/synth/dash-base/v400k.m4s", "/synth/hls/v400k/other.m3u8",
		"/synth/hls-byterange/nope.m3u8", "/synth/other",
	} {
		resp, _ := get(t, srv.Client(), srv.URL+p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
	}
	resp, err := srv.Client().Post(srv.URL+PathDASH, "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
