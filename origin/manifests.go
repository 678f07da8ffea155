package origin

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Content types of what the origin serves.
const (
	contentTypeMPD     = "application/dash+xml"
	contentTypeM3U8    = "application/vnd.apple.mpegurl"
	contentTypeSegment = "video/iso.segment"
)

// MPD structure, only as much as the synthetic presentations need.
type mpdXML struct {
	XMLName                   xml.Name  `xml:"urn:mpeg:dash:schema:mpd:2011 MPD"`
	Profiles                  string    `xml:"profiles,attr"`
	Type                      string    `xml:"type,attr"`
	MediaPresentationDuration string    `xml:"mediaPresentationDuration,attr"`
	MinBufferTime             string    `xml:"minBufferTime,attr"`
	Period                    periodXML `xml:"Period"`
}

type periodXML struct {
	ID             string             `xml:"id,attr"`
	Start          string             `xml:"start,attr"`
	AdaptationSets []adaptationSetXML `xml:"AdaptationSet"`
}

type adaptationSetXML struct {
	ID                 int                 `xml:"id,attr"`
	ContentType        string              `xml:"contentType,attr"`
	MimeType           string              `xml:"mimeType,attr"`
	Lang               string              `xml:"lang,attr,omitempty"`
	SegmentAlignment   bool                `xml:"segmentAlignment,attr"`
	StartWithSAP       int                 `xml:"startWithSAP,attr"`
	MaxWidth           int                 `xml:"maxWidth,attr,omitempty"`
	MaxHeight          int                 `xml:"maxHeight,attr,omitempty"`
	MaxFrameRate       int                 `xml:"maxFrameRate,attr,omitempty"`
	Par                string              `xml:"par,attr,omitempty"`
	AudioChannelConfig *descriptorXML      `xml:"AudioChannelConfiguration,omitempty"`
	Role               descriptorXML       `xml:"Role"`
	SegmentTemplate    *segmentTemplate    `xml:"SegmentTemplate,omitempty"`
	Representations    []representationXML `xml:"Representation"`
}

type descriptorXML struct {
	SchemeIDURI string `xml:"schemeIdUri,attr"`
	Value       string `xml:"value,attr"`
}

type segmentTemplate struct {
	Timescale      uint32 `xml:"timescale,attr"`
	Duration       uint64 `xml:"duration,attr"`
	StartNumber    int    `xml:"startNumber,attr"`
	Initialization string `xml:"initialization,attr"`
	Media          string `xml:"media,attr"`
}

type representationXML struct {
	ID                string          `xml:"id,attr"`
	Bandwidth         int64           `xml:"bandwidth,attr"`
	Codecs            string          `xml:"codecs,attr"`
	Width             int             `xml:"width,attr,omitempty"`
	Height            int             `xml:"height,attr,omitempty"`
	FrameRate         int             `xml:"frameRate,attr,omitempty"`
	Sar               string          `xml:"sar,attr,omitempty"`
	AudioSamplingRate int             `xml:"audioSamplingRate,attr,omitempty"`
	BaseURL           string          `xml:"BaseURL,omitempty"`
	SegmentBase       *segmentBaseXML `xml:"SegmentBase,omitempty"`
}

type segmentBaseXML struct {
	Timescale       uint32  `xml:"timescale,attr"`
	IndexRange      string  `xml:"indexRange,attr"`
	IndexRangeExact bool    `xml:"indexRangeExact,attr"`
	Initialization  rangeEl `xml:"Initialization"`
}

type rangeEl struct {
	Range string `xml:"range,attr"`
}

// isoDuration formats d as an xs:duration, e.g. PT3M, PT2S, PT1M30.5S.
func isoDuration(d time.Duration) string {
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if d > 0 || b.Len() == 2 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
		b.WriteString("S")
	}
	return b.String()
}

// buildManifests renders all four presentations.
func (s *Synth) buildManifests() error {
	for _, mode := range []bool{false, true} {
		path := PathDASH
		if mode {
			path = PathDASHBase
		}
		body, err := s.mpd(mode)
		if err != nil {
			return err
		}
		s.manifests[path] = manifest{body: body, contentType: contentTypeMPD}
	}
	s.hls()
	return nil
}

// mpd renders the SegmentTemplate (base=false) or SegmentBase (base=true)
// MPD. @bandwidth is the nominal rung bitrate, the mean of the VBR model.
func (s *Synth) mpd(base bool) ([]byte, error) {
	c := s.content
	m := mpdXML{
		Profiles:                  "urn:mpeg:dash:profile:isoff-live:2011",
		Type:                      "static",
		MediaPresentationDuration: isoDuration(c.Duration),
		MinBufferTime:             isoDuration(c.SegmentDuration),
		Period:                    periodXML{ID: "p0", Start: "PT0S"},
	}
	if base {
		m.Profiles = "urn:mpeg:dash:profile:isoff-on-demand:2011"
	}
	role := descriptorXML{SchemeIDURI: "urn:mpeg:dash:role:2011", Value: "main"}
	for _, kind := range []Kind{Video, Audio} {
		as := adaptationSetXML{
			ID: len(m.Period.AdaptationSets) + 1, ContentType: kind.String(),
			SegmentAlignment: true, StartWithSAP: 1, Role: role,
		}
		var ts uint32
		for _, t := range s.tracks {
			if t.kind != kind {
				continue
			}
			ts = t.timescale
			as.MimeType = t.mimeType()
			rep := representationXML{ID: t.id, Bandwidth: t.bitrate, Codecs: t.codecs}
			if kind == Video {
				rep.Width, rep.Height, rep.FrameRate, rep.Sar = t.width, t.height, c.FrameRate, "1:1"
				as.MaxWidth, as.MaxHeight, as.MaxFrameRate = max(as.MaxWidth, t.width), max(as.MaxHeight, t.height), c.FrameRate
			} else {
				rep.AudioSamplingRate = int(t.timescale)
				as.Lang = c.Audio.Language
				as.AudioChannelConfig = &descriptorXML{
					SchemeIDURI: "urn:mpeg:dash:23003:3:audio_channel_configuration:2011", Value: "2",
				}
			}
			if base {
				rep.BaseURL = t.id + ".mp4"
				rep.SegmentBase = &segmentBaseXML{
					Timescale:       t.timescale,
					IndexRange:      fmt.Sprintf("%d-%d", len(t.init), len(t.init)+len(t.sidx)-1),
					IndexRangeExact: true,
					Initialization:  rangeEl{Range: fmt.Sprintf("0-%d", len(t.init)-1)},
				}
			}
			as.Representations = append(as.Representations, rep)
		}
		if len(as.Representations) == 0 {
			continue
		}
		if !base {
			as.SegmentTemplate = &segmentTemplate{
				Timescale:      ts,
				Duration:       uint64(c.SegmentDuration.Nanoseconds()) * uint64(ts) / uint64(time.Second),
				StartNumber:    1,
				Initialization: "$RepresentationID$/init.mp4",
				Media:          "$RepresentationID$/seg-$Number$.m4s",
			}
		}
		m.Period.AdaptationSets = append(m.Period.AdaptationSets, as)
	}
	out, err := xml.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("origin: render MPD: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// segSeconds returns the duration of segment k of t in seconds.
func (t *track) segSeconds(k int) float64 {
	return float64(t.starts[k+1]-t.starts[k]) / float64(t.timescale)
}

// hlsBandwidth returns the peak and average bitrate of t as HLS defines
// them (RFC 8216 §4.3.4.2): the largest per-segment bitrate and the
// total over the duration, counting the bytes each form serves.
func (s *Synth) hlsBandwidth(t *track, byteRange bool) (peak, avg int64) {
	var total int64
	extra := int64(len(s.styp))
	if byteRange {
		extra = 0
	}
	for k, f := range t.frag {
		bytes := f + extra
		total += bytes
		peak = max(peak, int64(math.Ceil(float64(bytes*8)/t.segSeconds(k))))
	}
	avg = int64(math.Ceil(float64(total*8) / (float64(t.starts[s.nseg]) / float64(t.timescale))))
	return peak, avg
}

// hls renders the fMP4 and byte-range multivariant and media playlists.
func (s *Synth) hls() {
	c := s.content
	var audio *track
	for _, t := range s.tracks {
		if t.kind == Audio {
			audio = t
		}
	}
	for _, byteRange := range []bool{false, true} {
		dir, master := "/synth/hls/", PathHLS
		mediaURI := func(t *track) string { return t.id + "/media.m3u8" }
		if byteRange {
			dir, master = "/synth/hls-byterange/", PathHLSByteRange
			mediaURI = func(t *track) string { return t.id + ".m3u8" }
		}
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
		var aPeak, aAvg int64
		if audio != nil {
			aPeak, aAvg = s.hlsBandwidth(audio, byteRange)
			fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=%q,LANGUAGE=%q,DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=%q\n",
				c.Audio.Language, c.Audio.Language, mediaURI(audio))
		}
		for _, t := range s.tracks {
			if t.kind != Video {
				continue
			}
			peak, avg := s.hlsBandwidth(t, byteRange)
			codecs := t.codecs
			group := ""
			if audio != nil {
				codecs += "," + audio.codecs
				group = ",AUDIO=\"aud\""
			}
			fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q,RESOLUTION=%dx%d,FRAME-RATE=%.3f%s\n%s\n",
				peak+aPeak, avg+aAvg, codecs, t.width, t.height, float64(c.FrameRate), group, mediaURI(t))
		}
		s.manifests[master] = manifest{body: []byte(b.String()), contentType: contentTypeM3U8}
		for _, t := range s.tracks {
			path := dir + mediaURI(t)
			s.manifests[path] = manifest{body: []byte(s.mediaPlaylist(t, byteRange)), contentType: contentTypeM3U8}
		}
	}
}

// mediaPlaylist renders the VOD media playlist of t. The target duration
// is the largest segment duration rounded up: RFC 8216 §4.3.3.1 only asks
// for rounding to the nearest integer, but clients written to earlier
// drafts (and grafov/m3u8) expect the ceiling, which satisfies both.
func (s *Synth) mediaPlaylist(t *track, byteRange bool) string {
	target := 1
	for k := range s.nseg {
		target = max(target, int(math.Ceil(t.segSeconds(k))))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n", target)
	if byteRange {
		fmt.Fprintf(&b, "#EXT-X-MAP:URI=\"%s.mp4\",BYTERANGE=\"%d@0\"\n", t.id, len(t.init))
	} else {
		b.WriteString("#EXT-X-MAP:URI=\"init.mp4\"\n")
	}
	for k := range s.nseg {
		fmt.Fprintf(&b, "#EXTINF:%.6f,\n", t.segSeconds(k))
		if byteRange {
			fmt.Fprintf(&b, "#EXT-X-BYTERANGE:%d@%d\n%s.mp4\n", t.frag[k], t.fileOff[k], t.id)
		} else {
			fmt.Fprintf(&b, "seg-%d.m4s\n", k+1)
		}
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}
