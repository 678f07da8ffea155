package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApplySidxRealFile(t *testing.T) {
	// bbb5s_aac_sidx.mp4 (Eyevinn/mp4ff test data): ftyp@0 (32 B),
	// free@32 (58), moov@90 (697), free@787 (28), sidx@815 (68 B, version
	// 0, timescale 48000, earliest time 0, first_offset 0, 3 references),
	// then moof/mdat pairs at 883, 32927 and 64855.
	file, err := os.ReadFile(filepath.Join("testdata", "dash", "mp4ff", "bbb5s_aac_sidx.mp4"))
	require.NoError(t, err)
	p := mustParseDASH(t, `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT5.013S"
 profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet mimeType="audio/mp4" codecs="mp4a.40.2">
 <Representation id="a" bandwidth="128000"><BaseURL>bbb5s_aac_sidx.mp4</BaseURL>
  <SegmentBase timescale="48000" indexRange="815-882"><Initialization range="0-786"/></SegmentBase>
 </Representation></AdaptationSet></Period></MPD>`)
	x := rep(t, p, 0, "a").Index
	assert.Equal(t, AddrBase, x.Addressing)
	assert.True(t, x.NeedsIndex())
	assert.Equal(t, ByteRange{Offset: 815, Length: 68}, x.IndexRange)
	require.NotNil(t, x.Init)
	assert.Equal(t, ByteRange{Offset: 0, Length: 787}, x.Init.Range)
	assert.Equal(t, []string{"https://example.com/live/bbb5s_aac_sidx.mp4"}, x.Init.URLs)
	_, err = x.Segment(0)
	assert.ErrorIs(t, err, ErrIndexRequired)
	_, bounded := x.Len()
	assert.False(t, bounded)

	more, err := x.ApplySidx(file[815:883])
	require.NoError(t, err)
	assert.Empty(t, more)
	assert.True(t, x.IndexApplied)
	assert.False(t, x.NeedsIndex())

	// anchor = 815 + 68 + first_offset 0 = 883; each reference's size is
	// its moof + mdat: 456+31588 = 32044, 460+31468 = 31928, 276+16050 =
	// 16326. Durations 95232, 96256, 49152 at 48 kHz.
	want := []struct {
		rng   ByteRange
		time  uint64
		start time.Duration
		dur   time.Duration
	}{
		{ByteRange{883, 32044}, 0, 0, 1984 * time.Millisecond},
		{ByteRange{32927, 31928}, 95232, 1984 * time.Millisecond, 2005333333 * time.Nanosecond},
		{ByteRange{64855, 16326}, 191488, 3989333333 * time.Nanosecond, 1024 * time.Millisecond},
	}
	n, bounded := x.Len()
	require.True(t, bounded)
	require.Equal(t, len(want), n)
	for i, w := range want {
		s := segAt(t, x, i)
		assert.Equal(t, w.rng, s.Range, "range %d", i)
		assert.Equal(t, w.time, s.Time, "time %d", i)
		assert.Equal(t, w.start, s.Start, "start %d", i)
		assert.Equal(t, w.dur, s.Duration, "duration %d", i)
		assert.Equal(t, uint64(i+1), s.Number)
		assert.Equal(t, x.Init, s.Init)
		assert.Equal(t, []string{"https://example.com/live/bbb5s_aac_sidx.mp4"}, s.URLs)
		// The moof is where the range says.
		assert.Equal(t, "moof", string(file[s.Range.Offset+4:s.Range.Offset+8]))
	}
	assertSegmentAt(t, x, 2*time.Second, 1, true)

	_, err = x.ApplySidx(file[815:883])
	assert.ErrorIs(t, err, ErrBadSidx, "applied twice")
}

// sidxBytes encodes a version-0 sidx with the given references
// (type, size, duration).
func sidxBytes(t *testing.T, ept uint64, refs ...[3]uint32) []byte {
	t.Helper()
	b := &mp4.SidxBox{Timescale: 1000, EarliestPresentationTime: ept, ReferenceID: 1}
	for _, r := range refs {
		b.SidxRefs = append(b.SidxRefs, mp4.SidxRef{ReferenceType: uint8(r[0]), ReferencedSize: r[1], SubSegmentDuration: r[2], StartsWithSAP: 1, SAPType: 1})
	}
	var buf bytes.Buffer
	require.NoError(t, b.Encode(&buf))
	return buf.Bytes()
}

// hierarchy builds, from resource offset 1000: a root sidx referencing
// two sidx boxes A and B, A indexing two subsegments (100 and 200 bytes,
// 2 s each), B one (200 bytes, 3 s). A version-0 sidx is 32 + 12n bytes:
// root and A 56, B 44. So A is at 1056 (its item 56+300 = 356 bytes), B
// at 1412 (44+200 = 244 bytes), the media at 1112, 1212 and 1456.
func hierarchy(t *testing.T) []byte {
	a := sidxBytes(t, 0, [3]uint32{0, 100, 2000}, [3]uint32{0, 200, 2000})
	b := sidxBytes(t, 4000, [3]uint32{0, 200, 3000})
	root := sidxBytes(t, 0, [3]uint32{1, uint32(len(a) + 300), 4000}, [3]uint32{1, uint32(len(b) + 200), 3000})
	require.Len(t, root, 56)
	require.Len(t, a, 56)
	require.Len(t, b, 44)
	var out []byte
	out = append(out, root...)
	out = append(out, a...)
	out = append(out, make([]byte, 300)...)
	out = append(out, b...)
	out = append(out, make([]byte, 200)...)
	return out
}

func sidxIndex() *SegmentIndex {
	return &SegmentIndex{
		Addressing:  AddrBase,
		BaseURLs:    []BaseURL{{URL: "https://h/v.mp4"}},
		Timescale:   1000,
		StartNumber: 1,
		IndexRange:  ByteRange{Offset: 1000, Length: 56},
	}
}

func checkHierarchy(t *testing.T, x *SegmentIndex) {
	t.Helper()
	require.True(t, x.IndexApplied)
	want := []Segment{
		{Number: 1, Time: 0, Start: 0, Duration: 2 * time.Second, Range: ByteRange{1112, 100}},
		{Number: 2, Time: 2000, Start: 2 * time.Second, Duration: 2 * time.Second, Range: ByteRange{1212, 200}},
		{Number: 3, Time: 4000, Start: 4 * time.Second, Duration: 3 * time.Second, Range: ByteRange{1456, 200}},
	}
	n, _ := x.Len()
	require.Equal(t, 3, n)
	for i, w := range want {
		s := segAt(t, x, i)
		w.URLs = []string{"https://h/v.mp4"}
		assert.Equal(t, w, s, "segment %d", i)
	}
}

func TestApplySidxHierarchicalWhole(t *testing.T) {
	data := hierarchy(t)
	x := sidxIndex()
	more, err := x.ApplySidxAt(1000, data)
	require.NoError(t, err)
	assert.Empty(t, more, "the whole index region was given")
	checkHierarchy(t, x)
}

func TestApplySidxHierarchicalStepwise(t *testing.T) {
	data := hierarchy(t)
	at := func(off, n int64) []byte { return data[off-1000 : off-1000+n] }
	x := sidxIndex()
	// Only the root: both children are asked for, each with its whole
	// referenced size (below the 4 KiB probe).
	more, err := x.ApplySidx(at(1000, 56))
	require.NoError(t, err)
	assert.Equal(t, []ByteRange{{1056, 356}, {1412, 244}}, more)
	assert.False(t, x.IndexApplied)
	assert.True(t, x.NeedsIndex())

	// A cut short (20 bytes): its header says 56, asked for exactly.
	more, err = x.ApplySidxAt(1056, at(1056, 20))
	require.NoError(t, err)
	assert.Equal(t, []ByteRange{{1056, 56}, {1412, 244}}, more)

	more, err = x.ApplySidxAt(1056, at(1056, 56))
	require.NoError(t, err)
	assert.Equal(t, []ByteRange{{1412, 244}}, more)
	more, err = x.ApplySidxAt(1412, at(1412, 244))
	require.NoError(t, err)
	assert.Empty(t, more)
	checkHierarchy(t, x)
}

func TestApplySidxErrors(t *testing.T) {
	x := sidxIndex()
	_, err := x.ApplySidx([]byte("not a box at all, no"))
	assert.ErrorIs(t, err, ErrBadSidx)

	x = sidxIndex()
	full := sidxBytes(t, 0, [3]uint32{0, 10, 10})
	_, err = x.ApplySidx(full[:30])
	assert.ErrorIs(t, err, ErrBadSidx, "sidx cut short")

	x = sidxIndex()
	zero := sidxBytes(t, 0, [3]uint32{0, 10, 10})
	// The timescale follows the header (8), version/flags (4) and
	// reference_ID (4).
	copy(zero[16:20], []byte{0, 0, 0, 0})
	_, err = x.ApplySidx(zero)
	assert.ErrorIs(t, err, ErrBadSidx, "timescale 0")

	// A child reference pointing at something that is not a sidx.
	x = sidxIndex()
	root := sidxBytes(t, 0, [3]uint32{1, 100, 10})
	data := append(append([]byte{}, root...), make([]byte, 100)...)
	copy(data[len(root):], []byte{0, 0, 0, 16, 'f', 'r', 'e', 'e'})
	_, err = x.ApplySidxAt(1000, data)
	assert.ErrorIs(t, err, ErrBadSidx)

	tmpl := &SegmentIndex{Addressing: AddrTemplate}
	_, err = tmpl.ApplySidx(full)
	assert.ErrorIs(t, err, ErrBadSidx, "not a SegmentBase index")

	// Boxes before the sidx are skipped (an index range that starts at a
	// free box).
	x = sidxIndex()
	lead := append([]byte{0, 0, 0, 8, 'f', 'r', 'e', 'e'}, full...)
	more, err := x.ApplySidxAt(992, lead)
	require.NoError(t, err)
	assert.Empty(t, more)
	s := segAt(t, x, 0)
	// The sidx is at 1000 and 44 bytes long: the media starts at 1044.
	assert.Equal(t, ByteRange{1044, 10}, s.Range)
}
