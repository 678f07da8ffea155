package player

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

// ErrFileSink is wrapped by every error of the file sink about the media
// it was given (as opposed to file-system errors).
var ErrFileSink = errors.New("player: file sink")

// FileSink is a sink that records each track into one playable file in a
// directory: track<N>-<content>.mp4 for fragmented MP4 (CMAF) tracks and
// track<N>-<content>.ts for MPEG-2 TS tracks (N is the session's track
// index, content "video", "audio" or "media"). It keeps time like the
// Headless sink it embeds (Speed, MaxAhead, Status, Flush and SetPlaying
// are the headless ones), so a session plays through it exactly as
// through Headless.
//
// # Representation switches
//
// An fMP4 file holds one track with one moov: the first init segment's,
// whose sample description box (stsd) gets one sample entry per distinct
// sample entry met in the track's init segments (ISO/IEC 14496-12
// §8.5.2: a track may have several sample descriptions; the track
// fragment header's sample_description_index selects one). Fragments of
// the first init's representation are copied unchanged. Fragments of
// another representation are rewritten: tfhd gets the output track ID,
// the index of its representation's sample entry, and the defaults that
// representation's trex gave (so the first init's trex does not
// reinterpret them), and trun data offsets move with the moof's new
// size. When a representation's media timescale differs from the first
// init's, its fragments are rebuilt sample by sample at the output
// timescale (decode times rounded, durations taken as differences of
// rounded times so they add up without drift). styp, sidx and ssix boxes
// are dropped: a segment index describes the segment's own file.
//
// TS tracks are concatenated; an init segment (EXT-X-MAP over TS) is
// written before the first segment that follows it.
//
// Segments are kept in a temporary file in the directory as they arrive
// and written out in media-time order by Close, one per start time: a
// replacement, or a segment delivered again after a seek, overrides the
// earlier one. Close must be called to produce the files (and remove the
// temporary ones).
type FileSink struct {
	*Headless
	dir    string
	tracks []*fileTrack
	files  []string
	closed bool
}

// NewFileSink returns a file sink writing into dir (created when
// missing) and keeping time at speed (see Headless).
func NewFileSink(dir string, speed float64) (*FileSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	return &FileSink{Headless: NewHeadless(speed), dir: dir}, nil
}

// fileTrack is one track being recorded.
type fileTrack struct {
	index   int
	content manifest.ContentType
	ts      bool // MPEG-2 TS (decided by the first segment's bytes)
	decided bool
	tmp     *os.File
	size    int64
	frags   []recorded
	seq     int

	// fMP4 state: the output init, and the init of the representation
	// being delivered.
	out    *outInit
	cur    *srcInit
	inits  map[string]*srcInit
	tsInit []byte // TS: init to write before the next segment
}

// recorded is one segment stored in the temporary file.
type recorded struct {
	start  time.Duration
	seq    int
	off, n int64
}

// Deliver records d. It returns an error for a segment without payload,
// media before any init segment of an fMP4 track, and boxes it cannot
// parse.
func (f *FileSink) Deliver(now time.Duration, d *Delivery) error {
	if f.closed {
		return fmt.Errorf("%w: delivery after Close", ErrFileSink)
	}
	if err := f.Headless.Deliver(now, d); err != nil {
		return err
	}
	if len(d.Data) == 0 {
		return fmt.Errorf("%w: track %d segment %d: no payload (the file sink needs the bytes)", ErrFileSink, d.Track, d.Segment)
	}
	t, err := f.track(d)
	if err != nil {
		return err
	}
	if d.Init {
		return t.setInit(d)
	}
	return t.addMedia(d)
}

// track returns the recorder of d's track, creating it.
func (f *FileSink) track(d *Delivery) (*fileTrack, error) {
	for len(f.tracks) <= d.Track {
		f.tracks = append(f.tracks, nil)
	}
	if t := f.tracks[d.Track]; t != nil {
		return t, nil
	}
	tmp, err := os.CreateTemp(f.dir, fmt.Sprintf(".track%d-*.part", d.Track))
	if err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	t := &fileTrack{index: d.Track, content: d.Content, tmp: tmp, inits: map[string]*srcInit{}}
	f.tracks[d.Track] = t
	return t, nil
}

// setInit takes an init segment.
func (t *fileTrack) setInit(d *Delivery) error {
	if isTS(d.Data) {
		if t.decided && !t.ts {
			return fmt.Errorf("%w: track %d: TS init segment in an fMP4 track", ErrFileSink, t.index)
		}
		t.ts, t.decided = true, true
		t.tsInit = d.Data
		return nil
	}
	if t.decided && t.ts {
		return fmt.Errorf("%w: track %d: fMP4 init segment in a TS track", ErrFileSink, t.index)
	}
	t.decided = true
	if si, ok := t.inits[string(d.Data)]; ok {
		t.cur = si
		return nil
	}
	si, err := parseSrcInit(d.Data)
	if err != nil {
		return fmt.Errorf("%w: track %d: init segment of representation %s: %w", ErrFileSink, t.index, repID(d), err)
	}
	if t.out == nil {
		t.out = newOutInit(si)
	} else if err := t.out.add(si); err != nil {
		return fmt.Errorf("%w: track %d: representation %s: %w", ErrFileSink, t.index, repID(d), err)
	}
	t.inits[string(d.Data)] = si
	t.cur = si
	return nil
}

// addMedia records a media segment.
func (t *fileTrack) addMedia(d *Delivery) error {
	if !t.decided {
		if !isTS(d.Data) {
			return fmt.Errorf("%w: track %d segment %d: fMP4 media before any init segment", ErrFileSink, t.index, d.Segment)
		}
		t.ts, t.decided = true, true
	}
	var data []byte
	if t.ts {
		if !isTS(d.Data) {
			return fmt.Errorf("%w: track %d segment %d: not an MPEG-2 TS segment", ErrFileSink, t.index, d.Segment)
		}
		data = d.Data
		if t.tsInit != nil {
			data = append(slices.Clip(t.tsInit), d.Data...)
			t.tsInit = nil
		}
	} else {
		if t.cur == nil {
			return fmt.Errorf("%w: track %d segment %d: fMP4 media before any init segment", ErrFileSink, t.index, d.Segment)
		}
		if isTS(d.Data) {
			return fmt.Errorf("%w: track %d segment %d: TS segment in an fMP4 track", ErrFileSink, t.index, d.Segment)
		}
		var err error
		if data, err = t.out.fragments(t.cur, d.Data); err != nil {
			return fmt.Errorf("%w: track %d segment %d of representation %s: %w", ErrFileSink, t.index, d.Segment, repID(d), err)
		}
	}
	n, err := t.tmp.Write(data)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	t.frags = append(t.frags, recorded{start: d.Start, seq: t.seq, off: t.size, n: int64(n)})
	t.seq++
	t.size += int64(n)
	return nil
}

// BorrowsMedia reports true: Deliver writes the bytes out before it
// returns, so the driver may reuse them (MediaBorrower).
func (f *FileSink) BorrowsMedia() bool { return true }

// Files returns the paths of the files Close wrote.
func (f *FileSink) Files() []string { return slices.Clone(f.files) }

// Close writes every track's file and removes the temporary files. It is
// safe to call more than once; later calls do nothing.
func (f *FileSink) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	var errs []error
	for _, t := range f.tracks {
		if t == nil {
			continue
		}
		name, err := t.write(f.dir)
		if err != nil {
			errs = append(errs, err)
		} else if name != "" {
			f.files = append(f.files, name)
		}
		name = t.tmp.Name()
		errs = append(errs, t.tmp.Close(), os.Remove(name))
	}
	return errors.Join(errs...)
}

// write assembles the track's file; it returns "" for a track without
// media.
func (t *fileTrack) write(dir string) (string, error) {
	if len(t.frags) == 0 {
		return "", nil
	}
	content, ext := string(t.content), ".mp4"
	if content == "" {
		content = "media"
	}
	if t.ts {
		ext = ".ts"
	}
	name := filepath.Join(dir, fmt.Sprintf("track%d-%s%s", t.index, content, ext))
	out, err := os.Create(name)
	if err != nil {
		return "", fmt.Errorf("file sink: %w", err)
	}
	err = t.writeTo(out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("file sink: track %d: %s: %w", t.index, name, err)
	}
	return name, nil
}

// writeTo writes the init (fMP4) and the segments in media-time order,
// the last delivered one for each start time.
func (t *fileTrack) writeTo(w io.Writer) error {
	if !t.ts {
		init, err := t.out.encode()
		if err != nil {
			return err
		}
		if _, err := w.Write(init); err != nil {
			return err
		}
	}
	frags := slices.Clone(t.frags)
	slices.SortFunc(frags, func(a, b recorded) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.seq, b.seq))
	})
	for i, r := range frags {
		if i+1 < len(frags) && frags[i+1].start == r.start {
			continue // overridden by a later delivery
		}
		if _, err := io.Copy(w, io.NewSectionReader(t.tmp, r.off, r.n)); err != nil {
			return err
		}
	}
	return nil
}

// isTS reports whether data starts like an MPEG-2 transport stream.
func isTS(data []byte) bool {
	return len(data) >= 188 && data[0] == 0x47 && (len(data) < 189 || data[188] == 0x47)
}

func repID(d *Delivery) string {
	if d.Rep == nil {
		return "?"
	}
	return fmt.Sprintf("%q", d.Rep.ID)
}

// fmp4Boxes calls fn for each top-level box of data with its type and
// bytes.
func fmp4Boxes(data []byte, fn func(typ string, box []byte) error) error {
	for off := 0; off < len(data); {
		if len(data)-off < 8 {
			return fmt.Errorf("%d trailing bytes at offset %d are not a box", len(data)-off, off)
		}
		size := uint64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		switch size {
		case 0:
			size = uint64(len(data) - off)
		case 1:
			if len(data)-off < 16 {
				return fmt.Errorf("box %q at offset %d: truncated large size", typ, off)
			}
			size = binary.BigEndian.Uint64(data[off+8:])
		}
		if size < 8 || size > uint64(len(data)-off) {
			return fmt.Errorf("box %q at offset %d: size %d exceeds the %d bytes left", typ, off, size, len(data)-off)
		}
		if err := fn(typ, data[off:off+int(size)]); err != nil {
			return fmt.Errorf("box %q at offset %d: %w", typ, off, err)
		}
		off += int(size)
	}
	return nil
}

// dropped lists the top-level boxes the file sink does not copy.
func dropped(typ string) bool {
	return typ == "styp" || typ == "sidx" || typ == "ssix"
}

// appendBoxes appends data's boxes but the dropped ones to dst.
func appendBoxes(dst, data []byte) ([]byte, error) {
	err := fmp4Boxes(data, func(typ string, box []byte) error {
		if !dropped(typ) {
			dst = append(dst, box...)
		}
		return nil
	})
	return dst, err
}
