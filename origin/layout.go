package origin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"

	"github.com/Eyevinn/mp4ff/mp4"
)

// fragLayout is one generated segment: the encoded boxes up to and
// including the mdat header, and the sample sizes that define the payload.
// Payload bytes are computed from their position, never stored.
type fragLayout struct {
	header []byte  // [styp] moof mdat-header
	offs   []int64 // payload offset of each sample; len samples+1
	video  bool
	filler []byte
}

func (l *fragLayout) size() int64 {
	return int64(len(l.header)) + l.offs[len(l.offs)-1]
}

// layout generates the boxes of segment k (0-based) of t.
func (s *Synth) layout(t *track, k int, withStyp bool) (*fragLayout, error) {
	n := t.samples(k)
	start := t.starts[k]
	oh, err := s.fragmentOverhead(n, start)
	if err != nil {
		return nil, fmt.Errorf("origin: track %s segment %d: %w", t.id, k+1, err)
	}
	sizes := s.sampleSizes(t, k, n, t.frag[k]-oh)
	samples := make([]mp4.Sample, n)
	l := &fragLayout{offs: make([]int64, n+1), video: t.kind == Video, filler: s.filler}
	for i, size := range sizes {
		flags := mp4.SyncSampleFlags
		if t.kind == Video && i > 0 {
			flags = mp4.SetNonSyncSampleFlags(0)
		}
		samples[i] = mp4.Sample{Flags: flags, Dur: t.sampleDur, Size: size}
		l.offs[i+1] = l.offs[i] + int64(size)
	}
	frag, err := newFragment(uint32(k+1), start, samples)
	if err != nil {
		return nil, fmt.Errorf("origin: track %s segment %d: %w", t.id, k+1, err)
	}
	var buf bytes.Buffer
	if withStyp {
		buf.Write(s.styp)
	}
	if err := frag.Encode(&buf); err != nil {
		return nil, fmt.Errorf("origin: track %s segment %d: encode: %w", t.id, k+1, err)
	}
	l.header = buf.Bytes()
	if got, want := int64(buf.Len())+l.offs[n], t.frag[k]+int64(len(s.styp))*b2i(withStyp); got != want {
		return nil, fmt.Errorf("origin: track %s segment %d: generated %d bytes, planned %d", t.id, k+1, got, want)
	}
	return l, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// sampleSizes splits payload bytes over n samples. Every sample gets its
// minimum (a NAL length and header for video) and the rest is shared in
// proportion to weights: for video the IDR frame weighs 8192 and each
// other frame a hashed weight uniform in [768, 1280), so the key frame is
// about eight times a typical frame; audio frames weigh the same. The
// split is exact: the sizes sum to payload.
func (s *Synth) sampleSizes(t *track, k, n int, payload int64) []uint32 {
	weights := make([]uint64, n)
	var total uint64
	for i := range weights {
		w := uint64(1)
		if t.kind == Video {
			if i == 0 {
				w = iFrameWeight
			} else {
				w = pFrameWeightBase + hash(s.seed, streamFrame, t.key, uint64(k)<<32|uint64(i))%pFrameWeightSpan
			}
		}
		weights[i] = w
		total += w
	}
	minSize := t.minSample()
	extra := uint64(payload - int64(n)*minSize)
	sizes := make([]uint32, n)
	var cum, prev uint64
	for i, w := range weights {
		cum += w
		hi, lo := bits.Mul64(extra, cum)
		upto, _ := bits.Div64(hi, lo, total) // floor(extra·cum/total) ≤ extra
		sizes[i] = uint32(minSize) + uint32(upto-prev)
		prev = upto
	}
	return sizes
}

// fill copies the segment's bytes from offset off into p and returns the
// count, which is less than len(p) only at the end of the segment.
func (l *fragLayout) fill(p []byte, off int64) int {
	n := 0
	if hl := int64(len(l.header)); off < hl {
		n = copy(p, l.header[off:])
		off += int64(n)
	}
	x := off - int64(len(l.header)) // payload offset
	last := len(l.offs) - 1
	if n == len(p) || x >= l.offs[last] {
		return n
	}
	i := sort.Search(last, func(i int) bool { return l.offs[i+1] > x })
	for ; i < last && n < len(p); i++ {
		end := l.offs[i+1]
		for n < len(p) && x < end {
			if j := x - l.offs[i]; l.video && j < minVideoSample {
				p[n] = l.nalByte(i, j)
				n++
				x++
				continue
			}
			f := x % int64(len(l.filler))
			c := copy(p[n:min(int64(len(p)), int64(n)+end-x)], l.filler[f:])
			n += c
			x += int64(c)
		}
	}
	return n
}

// nalByte returns byte j (0-4) of video sample i: the 4-byte big-endian
// NAL unit length, then the NAL header (IDR for the first sample).
func (l *fragLayout) nalByte(i int, j int64) byte {
	if j == 4 {
		if i == 0 {
			return nalTypeIDR
		}
		return nalTypeNonIDR
	}
	nalLen := uint32(l.offs[i+1]-l.offs[i]) - 4
	return byte(nalLen >> (8 * (3 - j)))
}

// source is something a virtualReader reads from.
type source interface {
	readAt(p []byte, off int64) (int, error)
}

func (l *fragLayout) readAt(p []byte, off int64) (int, error) { return l.fill(p, off), nil }

// fileSource is the single-file form of a track: init, sidx, fragments.
// It caches the layout of the fragment read last, so sequential reads
// generate each fragment's boxes once.
type fileSource struct {
	s      *Synth
	t      *track
	cached int
	layout *fragLayout
}

func (f *fileSource) readAt(p []byte, off int64) (int, error) {
	t := f.t
	n := 0
	for n < len(p) {
		switch {
		case off < int64(len(t.init)):
			c := copy(p[n:], t.init[off:])
			n += c
			off += int64(c)
		case off < t.fileOff[0]:
			c := copy(p[n:], t.sidx[off-int64(len(t.init)):])
			n += c
			off += int64(c)
		case off < t.fileOff[len(t.fileOff)-1]:
			k := sort.Search(len(t.frag), func(k int) bool { return t.fileOff[k+1] > off })
			if k != f.cached {
				l, err := f.s.layout(t, k, false)
				if err != nil {
					return n, err
				}
				f.cached, f.layout = k, l
			}
			c := f.layout.fill(p[n:], off-t.fileOff[k])
			n += c
			off += int64(c)
		default:
			return n, nil
		}
	}
	return n, nil
}

// virtualReader is an io.ReadSeeker over generated bytes.
type virtualReader struct {
	size int64
	pos  int64
	src  source
}

var errNegativeSeek = errors.New("origin: seek to a negative offset")

// Read generates the bytes at the current position.
func (v *virtualReader) Read(p []byte) (int, error) {
	if v.pos >= v.size {
		return 0, io.EOF
	}
	if rem := v.size - v.pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := v.src.readAt(p, v.pos)
	v.pos += int64(n)
	if n == 0 && err == nil {
		// Cannot happen below the size; never let a copy spin.
		return 0, io.ErrNoProgress
	}
	return n, err
}

// Seek sets the position; positions past the end read as EOF.
func (v *virtualReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += v.pos
	case io.SeekEnd:
		offset += v.size
	default:
		return v.pos, fmt.Errorf("origin: seek whence %d", whence)
	}
	if offset < 0 {
		return v.pos, errNegativeSeek
	}
	v.pos = offset
	return offset, nil
}
