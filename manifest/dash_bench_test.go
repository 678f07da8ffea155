package manifest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"testing"
)

// genLiveMPD2h writes a dynamic MPD covering two hours: 5 video
// representations, each with its own SegmentTemplate and a SegmentTimeline
// of 3,600 S elements with explicit, varying t and d (no @r), as a packager
// writes a 2-hour DVR window.
func genLiveMPD2h() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" profiles="urn:mpeg:dash:profile:isoff-live:2011"
 availabilityStartTime="2024-01-01T00:00:00Z" publishTime="2024-01-01T02:00:00Z" minimumUpdatePeriod="PT2S"
 timeShiftBufferDepth="PT2H" minBufferTime="PT4S" suggestedPresentationDelay="PT6S">
 <Period id="p0" start="PT0S">
  <AdaptationSet mimeType="video/mp4" contentType="video" segmentAlignment="true">
`)
	for r := 0; r < 5; r++ {
		fmt.Fprintf(&b, "   <Representation id=\"v%d\" bandwidth=\"%d\" width=\"%d\" height=\"%d\" codecs=\"avc1.64001f\">\n", r, 500000*(r+1), 640+r*320, 360+r*180)
		fmt.Fprintf(&b, "    <SegmentTemplate timescale=\"90000\" media=\"v%d/$Time$.m4s\" initialization=\"v%d/init.mp4\">\n     <SegmentTimeline>\n", r, r)
		var t uint64
		for i := 0; i < 3600; i++ {
			d := uint64(179000 + (i*37+r*11)%2000)
			fmt.Fprintf(&b, "      <S t=\"%d\" d=\"%d\"/>\n", t, d)
			t += d
		}
		b.WriteString("     </SegmentTimeline>\n    </SegmentTemplate>\n   </Representation>\n")
	}
	b.WriteString("  </AdaptationSet>\n </Period>\n</MPD>\n")
	return b.Bytes()
}

// bareMPD is the minimal struct a bare encoding/xml decode fills: the
// comparison point for ParseDASH's cost.
type bareMPD struct {
	Periods []struct {
		AdaptationSets []struct {
			Representations []struct {
				SegmentTemplate struct {
					S []struct {
						T uint64 `xml:"t,attr"`
						D uint64 `xml:"d,attr"`
						R int64  `xml:"r,attr"`
					} `xml:"SegmentTimeline>S"`
				} `xml:"SegmentTemplate"`
			} `xml:"Representation"`
		} `xml:"AdaptationSet"`
	} `xml:"Period"`
}

func BenchmarkParseDASHLive2h(b *testing.B) {
	data := genLiveMPD2h()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDASH(data, "https://example.com/live/manifest.mpd"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXMLBareDecode(b *testing.B) {
	data := genLiveMPD2h()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m bareMPD
		if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendSegments lists 100 segments of a 3,600-entry timeline
// per call, URLs included.
func BenchmarkAppendSegments(b *testing.B) {
	p, err := ParseDASH(genLiveMPD2h(), "https://example.com/live/manifest.mpd")
	if err != nil {
		b.Fatal(err)
	}
	x := p.Periods[0].AdaptationSets[0].Representations[2].Index
	buf := make([]Segment, 0, 100)
	b.ReportAllocs()
	from := 0
	for b.Loop() {
		var err error
		buf, err = x.AppendSegments(buf[:0], from, 100)
		if err != nil || len(buf) != 100 {
			b.Fatal(err, len(buf))
		}
		from = (from + 100) % 3400
	}
}
