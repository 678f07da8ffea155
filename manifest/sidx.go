package manifest

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	mp4bits "github.com/Eyevinn/mp4ff/bits"
	"github.com/Eyevinn/mp4ff/mp4"
)

// ErrBadSidx means index bytes handed to ApplySidx are not a usable
// segment index.
var ErrBadSidx = errors.New("bad segment index (sidx)")

const (
	// maxSidxSegments caps the subsegments of one index (a hierarchy of
	// sidx boxes could otherwise describe billions).
	maxSidxSegments = 1 << 20
	// maxSidxDepth caps the nesting of hierarchical sidx boxes.
	maxSidxDepth = 16
	// sidxProbeSize is how many bytes ApplySidx asks for to read a
	// referenced sidx box whose size is not known yet; a larger box is
	// then asked for exactly.
	sidxProbeSize = 4096
)

// sidxState is a segment index being assembled from a hierarchy of sidx
// boxes: leaf subsegments in order, with holes for referenced sidx boxes
// not read yet.
type sidxState struct {
	items  []sidxItem
	leaves int
	// refs counts every reference expanded, leaf or not.
	refs int
}

// sidxItem is a run of resolved subsegments or a referenced sidx box
// still to be read.
type sidxItem struct {
	segs    []Segment
	pending bool
	// offset and size of the referenced item (the child sidx box and
	// the media it indexes), depth of the child box.
	offset, size int64
	depth        int
}

// ApplySidx applies the bytes of the index range (IndexRange, starting at
// IndexRange.Offset) of an AddrBase index. When the root sidx references
// further sidx boxes (a hierarchical or daisy-chained index) that data
// does not contain, it returns their byte ranges: fetch each and hand it
// to ApplySidxAt, until no range is returned. The segments are then in
// Segments and IndexApplied is true. A caller may also pass a larger
// region from IndexRange.Offset (the whole index at once) to ApplySidxAt.
//
// ApplySidx changes the index: do not call it concurrently with other
// methods.
func (x *SegmentIndex) ApplySidx(data []byte) (more []ByteRange, err error) {
	return x.ApplySidxAt(x.IndexRange.Offset, data)
}

// ApplySidxAt is ApplySidx for bytes that start at byte offset of the
// resource: the index range at first, then the ranges ApplySidx asked
// for. Boxes other than sidx in front of the root sidx are skipped; the
// first sidx found is the root (further top-level sidx boxes of other
// tracks are ignored).
func (x *SegmentIndex) ApplySidxAt(offset int64, data []byte) (more []ByteRange, err error) {
	defer func() {
		if r := recover(); r != nil {
			more, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrBadSidx, r)
		}
	}()
	if x.Addressing != AddrBase {
		return nil, fmt.Errorf("%w: index addressing is %q, not %q", ErrBadSidx, x.Addressing, AddrBase)
	}
	if x.IndexApplied {
		return nil, fmt.Errorf("%w: index already applied", ErrBadSidx)
	}
	if offset < 0 {
		return nil, fmt.Errorf("%w: negative offset %d", ErrBadSidx, offset)
	}
	if x.sidx == nil {
		st := &sidxState{}
		if err := x.sidxRoot(st, offset, data); err != nil {
			return nil, err
		}
		x.sidx = st
	}
	st := x.sidx
	// Resolve every pending reference inside data, pass by pass: a child
	// may reference further boxes that data also holds. Offsets grow
	// along references, so there are no cycles, and the depth is capped.
	for {
		progressed := false
		next := make([]sidxItem, 0, len(st.items))
		for _, it := range st.items {
			if !it.pending || it.offset < offset || it.offset-offset >= int64(len(data)) {
				next = append(next, it)
				continue
			}
			box, start, err := sidxDecodeAt(data, it.offset-offset, offset)
			if errors.Is(err, errSidxShort) {
				next = append(next, it)
				continue
			}
			if err != nil {
				x.sidx = nil
				return nil, err
			}
			items, err := x.sidxExpand(st, box, start, it.depth)
			if err != nil {
				x.sidx = nil
				return nil, err
			}
			next = append(next, items...)
			progressed = true
		}
		st.items = next
		if !progressed {
			break
		}
	}
	for _, it := range st.items {
		if !it.pending {
			continue
		}
		need := min(it.size, sidxProbeSize)
		if it.offset >= offset && it.offset-offset < int64(len(data)) {
			// The box header was there but the box was cut short: ask for
			// all of it.
			if sz, ok := sidxBoxSize(data[it.offset-offset:]); ok {
				need = sz
			}
		}
		more = append(more, ByteRange{Offset: it.offset, Length: need})
	}
	if len(more) > 0 {
		return more, nil
	}
	x.sidxFinish(st)
	return nil, nil
}

var errSidxShort = errors.New("sidx box extends past the data")

// sidxBoxSize returns the size of the box starting at b.
func sidxBoxSize(b []byte) (int64, bool) {
	if len(b) < 8 {
		return 0, false
	}
	sz := int64(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	return sz, sz >= 8
}

// sidxDecodeAt decodes the box at data[pos:], which must be a sidx box.
// base is the resource offset of data[0]. It returns the box and its
// resource offset.
func sidxDecodeAt(data []byte, pos, base int64) (*mp4.SidxBox, int64, error) {
	b := data[pos:]
	if len(b) < 8 {
		return nil, 0, errSidxShort
	}
	sr := mp4bits.NewFixedSliceReader(b)
	hdr, err := mp4.DecodeHeaderSR(sr)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: box at byte %d: %v", ErrBadSidx, base+pos, err)
	}
	if hdr.Name != "sidx" {
		return nil, 0, fmt.Errorf("%w: box at byte %d is %q, not sidx", ErrBadSidx, base+pos, hdr.Name)
	}
	if hdr.Size > uint64(len(b)) {
		return nil, 0, errSidxShort
	}
	body := mp4bits.NewFixedSliceReader(b[hdr.Hdrlen:hdr.Size])
	box, err := mp4.DecodeSidxSR(hdr, uint64(base+pos), body)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: sidx at byte %d: %v", ErrBadSidx, base+pos, err)
	}
	sx, ok := box.(*mp4.SidxBox)
	if !ok {
		return nil, 0, fmt.Errorf("%w: sidx at byte %d did not decode", ErrBadSidx, base+pos)
	}
	return sx, base + pos, nil
}

// sidxRoot finds the first sidx box in data and expands it.
func (x *SegmentIndex) sidxRoot(st *sidxState, offset int64, data []byte) error {
	var pos int64
	for {
		if pos+8 > int64(len(data)) {
			return fmt.Errorf("%w: no sidx box in %d bytes at offset %d", ErrBadSidx, len(data), offset)
		}
		sz, ok := sidxBoxSize(data[pos:])
		if sz == 1 && pos+16 <= int64(len(data)) {
			// 64-bit size.
			hi := data[pos+8 : pos+16]
			u := uint64(hi[0])<<56 | uint64(hi[1])<<48 | uint64(hi[2])<<40 | uint64(hi[3])<<32 |
				uint64(hi[4])<<24 | uint64(hi[5])<<16 | uint64(hi[6])<<8 | uint64(hi[7])
			if u > math.MaxInt64 || u < 16 {
				return fmt.Errorf("%w: bad box size at byte %d", ErrBadSidx, offset+pos)
			}
			sz, ok = int64(u), true
		}
		if !ok {
			return fmt.Errorf("%w: bad box size %d at byte %d", ErrBadSidx, sz, offset+pos)
		}
		if string(data[pos+4:pos+8]) == "sidx" {
			box, start, err := sidxDecodeAt(data, pos, offset)
			if errors.Is(err, errSidxShort) {
				return fmt.Errorf("%w: sidx box at byte %d is %d bytes, only %d given", ErrBadSidx, offset+pos, sz, int64(len(data))-pos)
			}
			if err != nil {
				return err
			}
			items, err := x.sidxExpand(st, box, start, 0)
			if err != nil {
				return err
			}
			st.items = items
			return nil
		}
		if sz > int64(len(data))-pos {
			return fmt.Errorf("%w: no sidx box in %d bytes at offset %d", ErrBadSidx, len(data), offset)
		}
		pos += sz
	}
}

// sidxExpand turns the references of one sidx box into items: leaf
// subsegments with their byte ranges and times, and pending child boxes.
func (x *SegmentIndex) sidxExpand(st *sidxState, box *mp4.SidxBox, start int64, depth int) ([]sidxItem, error) {
	if box.Timescale == 0 {
		return nil, fmt.Errorf("%w: sidx at byte %d has timescale 0", ErrBadSidx, start)
	}
	if depth > maxSidxDepth {
		return nil, fmt.Errorf("%w: sidx hierarchy deeper than %d", ErrBadSidx, maxSidxDepth)
	}
	st.refs += len(box.SidxRefs)
	if st.refs > maxSidxSegments {
		return nil, fmt.Errorf("%w: more than %d subsegments", ErrBadSidx, maxSidxSegments)
	}
	sts := uint64(box.Timescale)
	anchor, carry := bits.Add64(uint64(start), box.Size(), 0)
	anchor, carry2 := bits.Add64(anchor, box.FirstOffset, carry)
	if carry2 != 0 || anchor > math.MaxInt64/2 {
		return nil, fmt.Errorf("%w: sidx at byte %d: first_offset out of range", ErrBadSidx, start)
	}
	off := int64(anchor)
	t := box.EarliestPresentationTime
	ts := x.timescale()
	urls := make([]string, 0, len(x.bases()))
	for _, b := range x.bases() {
		urls = append(urls, b.URL)
	}
	pto := dashTicksToDuration(x.PresentationTimeOffset, ts)
	var items []sidxItem
	var cur []Segment
	for _, ref := range box.SidxRefs {
		size := int64(ref.ReferencedSize)
		if ref.ReferenceType == 1 {
			if size == 0 {
				return nil, fmt.Errorf("%w: sidx at byte %d references an empty sidx", ErrBadSidx, start)
			}
			if len(cur) > 0 {
				items = append(items, sidxItem{segs: cur})
				cur = nil
			}
			items = append(items, sidxItem{pending: true, offset: off, size: size, depth: depth + 1})
		} else {
			hi, lo := bits.Mul64(t, ts)
			var mt uint64
			if hi < sts {
				mt, _ = bits.Div64(hi, lo, sts)
			}
			start := dashTicksToDuration(t, sts)
			cur = append(cur, Segment{
				Time:     mt,
				Start:    x.PeriodStart + start - pto,
				Duration: dashTicksToDuration(t+uint64(ref.SubSegmentDuration), sts) - start,
				URLs:     urls,
				Range:    ByteRange{Offset: off, Length: size},
			})
			st.leaves++
		}
		off += size
		t += uint64(ref.SubSegmentDuration)
	}
	if len(cur) > 0 {
		items = append(items, sidxItem{segs: cur})
	}
	return items, nil
}

// sidxFinish concatenates the resolved subsegments into Segments.
func (x *SegmentIndex) sidxFinish(st *sidxState) {
	segs := make([]Segment, 0, st.leaves)
	for _, it := range st.items {
		segs = append(segs, it.segs...)
	}
	first := max(x.StartNumber, 1)
	for i := range segs {
		segs[i].Number = first + uint64(i)
		segs[i].Init = x.Init
	}
	x.Segments = segs
	x.IndexApplied = true
	x.sidx = nil
	x.prep = nil
	if p, err := x.compute(); err == nil {
		x.prep = p
	}
}
