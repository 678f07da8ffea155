package player

import (
	"bytes"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeSidx encodes a sidx box (timescale 1000) with the given
// references.
func encodeSidx(t *testing.T, refs ...mp4.SidxRef) []byte {
	b := &mp4.SidxBox{Version: 1, ReferenceID: 1, Timescale: 1000, SidxRefs: refs}
	var buf bytes.Buffer
	require.NoError(t, b.Encode(&buf))
	return buf.Bytes()
}

// A hierarchical index: the root sidx (at 0) references a child sidx,
// which indexes two 2 s subsegments of 1000 and 1500 bytes. The core
// fetches the root, then the range ApplySidx asks for, then the media.
func TestHierarchicalSidx(t *testing.T) {
	child := encodeSidx(t,
		mp4.SidxRef{ReferencedSize: 1000, SubSegmentDuration: 2000, StartsWithSAP: 1, SAPType: 1},
		mp4.SidxRef{ReferencedSize: 1500, SubSegmentDuration: 2000, StartsWithSAP: 1, SAPType: 1})
	root := encodeSidx(t, mp4.SidxRef{ReferencedSize: uint32(len(child) + 2500), SubSegmentDuration: 4000, ReferenceType: 1})
	file := append(append(append([]byte{}, root...), child...), make([]byte, 2500)...)
	const url = "http://h.test/a.mp4"
	ix := &manifest.SegmentIndex{
		Addressing:     manifest.AddrBase,
		BaseURLs:       []manifest.BaseURL{{URL: url}},
		Timescale:      1000,
		IndexRange:     manifest.ByteRange{Offset: 0, Length: int64(len(root))},
		PeriodDuration: 4 * time.Second,
	}
	p := &manifest.Presentation{Format: manifest.FormatDASH, URL: "http://h.test/x.mpd", Duration: 4 * time.Second,
		Periods: []*manifest.Period{{Duration: 4 * time.Second, AdaptationSets: []*manifest.AdaptationSet{
			{ID: "v", ContentType: manifest.ContentVideo, Representations: []*manifest.Representation{{ID: "v", Bandwidth: 5000, Index: ix}}}}}}}
	s, err := NewSession(DefaultConfig(), p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		end := min(r.Range.Offset+r.Range.Length, int64(len(file)))
		data := file[r.Range.Offset:end]
		return outcome{ttfb: ms, bytes: int64(len(data)), data: data}
	})
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	require.Equal(t, StateEnded, s.State())
	var got []string
	for _, r := range h.reqs {
		got = append(got, r.Kind.String()+" "+itoa(int(r.Range.Offset))+"+"+itoa(int(r.Range.Length)))
	}
	rl, cl := len(root), len(child)
	// The child is asked for with its whole referenced size (box + media,
	// under ApplySidx's 4 kB probe).
	assert.Equal(t, []string{
		"index 0+" + itoa(rl),
		"index " + itoa(rl) + "+" + itoa(cl+2500),
		"media " + itoa(rl+cl) + "+1000",
		"media " + itoa(rl+cl+1000) + "+1500",
	}, got)
	assert.Equal(t, 4*time.Second, s.Stats().PlayTime)
}
