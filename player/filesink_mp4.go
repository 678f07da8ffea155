package player

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/Eyevinn/mp4ff/mp4"
)

// srcInit is a parsed init segment of one representation.
type srcInit struct {
	data      []byte
	init      *mp4.InitSegment
	trackID   uint32
	timescale uint32
	handler   string
	trex      *mp4.TrexBox
	stsd      *mp4.StsdBox
	enc       [][]byte // encoded sample entries
	multi     bool     // the init has more than one track

	// Set when the init joins the output: the output sample description
	// index (1-based) of each of its sample entries, and whether it is
	// the output init itself (its fragments pass through).
	index []uint32
	same  bool
}

// parseSrcInit parses a fragmented MP4 init segment (ftyp+moov with
// mvex).
func parseSrcInit(data []byte) (si *srcInit, err error) {
	// Box sizes are checked first: the box library allocates a box's
	// declared size before it reads it.
	if err := fmp4Boxes(data, func(string, []byte) error { return nil }); err != nil {
		return nil, err
	}
	defer recoverMP4(&err)
	f, err := mp4.DecodeFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if f.Init == nil || f.Init.Moov == nil || f.Init.Moov.Trak == nil {
		return nil, errors.New("not a fragmented MP4 init segment (no moov with an empty track)")
	}
	moov := f.Init.Moov
	trak := moov.Trak
	if trak.Tkhd == nil || trak.Mdia == nil || trak.Mdia.Mdhd == nil || trak.Mdia.Minf == nil ||
		trak.Mdia.Minf.Stbl == nil || trak.Mdia.Minf.Stbl.Stsd == nil {
		return nil, errors.New("track without tkhd, mdhd or stsd")
	}
	if moov.Mvex == nil || len(moov.Mvex.Trexs) == 0 {
		return nil, errors.New("no mvex/trex: not a fragmented MP4 init segment")
	}
	si = &srcInit{
		data:      data,
		init:      f.Init,
		trackID:   trak.Tkhd.TrackID,
		timescale: trak.Mdia.Mdhd.Timescale,
		stsd:      trak.Mdia.Minf.Stbl.Stsd,
		multi:     len(moov.Traks) > 1,
		trex:      moov.Mvex.Trexs[0],
	}
	if trak.Mdia.Hdlr != nil {
		si.handler = trak.Mdia.Hdlr.HandlerType
	}
	for _, t := range moov.Mvex.Trexs {
		if t.TrackID == si.trackID {
			si.trex = t
		}
	}
	if si.timescale == 0 {
		return nil, errors.New("media timescale 0")
	}
	if len(si.stsd.Children) == 0 {
		return nil, errors.New("no sample entry")
	}
	for _, e := range si.stsd.Children {
		var b bytes.Buffer
		if err := e.Encode(&b); err != nil {
			return nil, fmt.Errorf("sample entry %s: %w", e.Type(), err)
		}
		si.enc = append(si.enc, b.Bytes())
	}
	return si, nil
}

// outInit is the init of an output file: the first init of the track,
// with the sample entries of the later ones appended to its stsd.
type outInit struct {
	first   *srcInit
	entries []mp4.Box
	enc     [][]byte
}

func newOutInit(si *srcInit) *outInit {
	o := &outInit{first: si}
	si.same = true
	for i, e := range si.stsd.Children {
		o.entries = append(o.entries, e)
		o.enc = append(o.enc, si.enc[i])
		si.index = append(si.index, uint32(i+1))
	}
	return o
}

// add maps si's sample entries to output entries, appending new ones.
func (o *outInit) add(si *srcInit) error {
	if o.first.multi || si.multi {
		return errors.New("switching between different multi-track init segments is not supported")
	}
	if si.handler != o.first.handler {
		return fmt.Errorf("handler %q differs from the track's %q", si.handler, o.first.handler)
	}
	for i, enc := range si.enc {
		idx := -1
		for j, have := range o.enc {
			if bytes.Equal(enc, have) {
				idx = j
				break
			}
		}
		if idx < 0 {
			o.entries = append(o.entries, si.stsd.Children[i])
			o.enc = append(o.enc, enc)
			idx = len(o.enc) - 1
		}
		si.index = append(si.index, uint32(idx+1))
	}
	return nil
}

// encode returns the output init: the first init's bytes when no entry
// was added, else the first init with every entry in its stsd.
func (o *outInit) encode() (out []byte, err error) {
	if len(o.entries) == len(o.first.stsd.Children) {
		return o.first.data, nil
	}
	defer recoverMP4(&err)
	stsd := o.first.stsd
	stsd.Children = o.entries
	stsd.SampleCount = uint32(len(o.entries))
	var b bytes.Buffer
	if err := o.first.init.Encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// fragments returns the boxes of media segment data, ready for the
// output file: styp and sidx dropped, and fragments of a representation
// other than the output init's rewritten or rebuilt (see FileSink).
func (o *outInit) fragments(si *srcInit, data []byte) (out []byte, err error) {
	if si.same {
		return appendBoxes(make([]byte, 0, len(data)), data)
	}
	defer recoverMP4(&err)
	if si.timescale != o.first.timescale {
		return o.rebuild(si, data)
	}
	out = make([]byte, 0, len(data)+64)
	err = fmp4Boxes(data, func(typ string, box []byte) error {
		switch {
		case dropped(typ):
		case typ == "moof":
			b, err := o.rewriteMoof(si, box)
			if err != nil {
				return err
			}
			out = append(out, b...)
		default:
			out = append(out, box...)
		}
		return nil
	})
	return out, err
}

// sourceIndex returns the output sample description index of a track
// fragment of si.
func (o *outInit) sourceIndex(si *srcInit, tfhd *mp4.TfhdBox) (uint32, error) {
	src := si.trex.DefaultSampleDescriptionIndex
	if tfhd.HasSampleDescriptionIndex() {
		src = tfhd.SampleDescriptionIndex
	}
	if src == 0 {
		src = 1
	}
	if int(src) > len(si.index) {
		return 0, fmt.Errorf("sample description index %d beyond the init's %d entries", src, len(si.index))
	}
	return si.index[src-1], nil
}

// rewriteMoof retargets a moof of si at the output init.
func (o *outInit) rewriteMoof(si *srcInit, box []byte) ([]byte, error) {
	b, err := mp4.DecodeBox(0, bytes.NewReader(box))
	if err != nil {
		return nil, err
	}
	moof, ok := b.(*mp4.MoofBox)
	if !ok || len(moof.Trafs) == 0 {
		return nil, errors.New("moof without traf")
	}
	for _, traf := range moof.Trafs {
		tfhd := traf.Tfhd
		switch {
		case tfhd == nil:
			return nil, errors.New("traf without tfhd")
		case tfhd.TrackID != si.trackID:
			return nil, fmt.Errorf("fragment of track %d, init describes track %d", tfhd.TrackID, si.trackID)
		case tfhd.HasBaseDataOffset():
			return nil, errors.New("explicit base_data_offset cannot be moved")
		}
		idx, err := o.sourceIndex(si, tfhd)
		if err != nil {
			return nil, err
		}
		tfhd.TrackID = o.first.trackID
		tfhd.SampleDescriptionIndex = idx
		tfhd.Flags |= mp4.TfhdSampleDescriptionIndexPresentFlag
		if !tfhd.HasDefaultSampleDuration() {
			tfhd.DefaultSampleDuration = si.trex.DefaultSampleDuration
			tfhd.Flags |= mp4.TfhdDefaultSampleDurationPresentFlag
		}
		if !tfhd.HasDefaultSampleSize() {
			tfhd.DefaultSampleSize = si.trex.DefaultSampleSize
			tfhd.Flags |= mp4.TfhdDefaultSampleSizePresentFlag
		}
		if !tfhd.HasDefaultSampleFlags() {
			tfhd.DefaultSampleFlags = si.trex.DefaultSampleFlags
			tfhd.Flags |= mp4.TfhdDefaultSampleFlagsPresentFlag
		}
		for _, trun := range traf.Truns {
			if !trun.HasDataOffset() {
				return nil, errors.New("trun without data_offset")
			}
		}
	}
	delta := int64(moof.Size()) - int64(len(box))
	for _, traf := range moof.Trafs {
		for _, trun := range traf.Truns {
			off := int64(trun.DataOffset) + delta
			if off > math.MaxInt32 || off <= 0 {
				return nil, fmt.Errorf("data_offset %d out of range after the rewrite", off)
			}
			trun.DataOffset = int32(off)
		}
	}
	var w bytes.Buffer
	w.Grow(int(moof.Size()))
	if err := moof.Encode(&w); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// rebuild re-creates si's fragments at the output timescale.
func (o *outInit) rebuild(si *srcInit, data []byte) ([]byte, error) {
	frags, err := appendBoxes(nil, data)
	if err != nil {
		return nil, err
	}
	f, err := mp4.DecodeFile(bytes.NewReader(frags))
	if err != nil {
		return nil, err
	}
	from, to := uint64(si.timescale), uint64(o.first.timescale)
	var out bytes.Buffer
	for _, seg := range f.Segments {
		for _, frag := range seg.Fragments {
			if frag.Moof == nil || frag.Mdat == nil || frag.Moof.Traf == nil || frag.Moof.Traf.Tfhd == nil {
				return nil, errors.New("fragment without moof, traf or mdat")
			}
			idx, err := o.sourceIndex(si, frag.Moof.Traf.Tfhd)
			if err != nil {
				return nil, err
			}
			samples, err := frag.GetFullSamples(si.trex)
			if err != nil {
				return nil, err
			}
			if len(samples) == 0 {
				return nil, fmt.Errorf("fragment without samples of track %d", si.trackID)
			}
			nf, err := mp4.CreateFragment(frag.Moof.Mfhd.SequenceNumber, o.first.trackID)
			if err != nil {
				return nil, err
			}
			tfhd := nf.Moof.Traf.Tfhd
			tfhd.SampleDescriptionIndex = idx
			tfhd.Flags |= mp4.TfhdSampleDescriptionIndexPresentFlag
			for _, s := range samples {
				start, err := rescale(s.DecodeTime, to, from)
				if err != nil {
					return nil, err
				}
				end, err := rescale(s.DecodeTime+uint64(s.Dur), to, from)
				if err != nil {
					return nil, err
				}
				if end-start > math.MaxUint32 {
					return nil, fmt.Errorf("sample duration %d out of range", end-start)
				}
				cto := int64(s.CompositionTimeOffset)
				abs, err := rescale(uint64(max(cto, -cto)), to, from)
				if err != nil || abs > math.MaxInt32 {
					return nil, fmt.Errorf("composition offset %d out of range", cto)
				}
				s.DecodeTime, s.Dur = start, uint32(end-start)
				s.CompositionTimeOffset = int32(abs)
				if cto < 0 {
					s.CompositionTimeOffset = -int32(abs)
				}
				nf.AddFullSample(s)
			}
			if err := nf.Encode(&out); err != nil {
				return nil, err
			}
		}
	}
	return out.Bytes(), nil
}

// rescale returns round(x × num / den) without intermediate overflow.
func rescale(x, num, den uint64) (uint64, error) {
	hi, lo := bits.Mul64(x, num)
	if hi >= den {
		return 0, fmt.Errorf("time %d × %d / %d overflows", x, num, den)
	}
	q, r := bits.Div64(hi, lo, den)
	if r >= den-r {
		q++
	}
	return q, nil
}

// recoverMP4 turns a panic of the MP4 box library into an error.
func recoverMP4(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("mp4 box parser failed: %v", r)
	}
}
