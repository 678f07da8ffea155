package origin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Eyevinn/mp4ff/aac"
	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"
)

// ErrUnknownTrack is returned by the Synth accessors for an ID that is not
// a rung of the content.
var ErrUnknownTrack = errors.New("origin: unknown track")

// ErrNoSegment is returned by the Synth accessors for a segment number
// outside 1..NumSegments.
var ErrNoSegment = errors.New("origin: no such segment")

// URL paths of the synthetic presentations. Every other synthetic URL is
// relative to these; see the package documentation for the full layout.
const (
	SynthPrefix      = "/synth/"
	PathDASH         = "/synth/dash/manifest.mpd"
	PathDASHBase     = "/synth/dash-base/manifest.mpd"
	PathHLS          = "/synth/hls/master.m3u8"
	PathHLSByteRange = "/synth/hls-byterange/master.m3u8"
)

// Kind tells video from audio tracks.
type Kind int

// Track kinds.
const (
	Video Kind = iota + 1
	Audio
)

// String returns "video" or "audio".
func (k Kind) String() string {
	switch k {
	case Video:
		return "video"
	case Audio:
		return "audio"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// TrackInfo describes one synthesised track (a video rung or the audio
// track).
type TrackInfo struct {
	ID        string
	Kind      Kind
	Bitrate   int64  // nominal bits per second
	Codecs    string // RFC 6381 codecs parameter, e.g. "avc1.64001F"
	Timescale uint32 // media timescale in ticks per second
	Width     int    // video only
	Height    int    // video only
	// InitSize is the size of the init segment (ftyp+moov).
	InitSize int64
	// FileSize is the size of the single-file form used by SegmentBase
	// and HLS byte-range (init, sidx, then every fragment).
	FileSize int64
	// IndexRange is the inclusive byte range of the sidx box in the
	// single file.
	IndexStart, IndexEnd int64
}

// SegmentInfo describes one media segment of a track.
type SegmentInfo struct {
	Number int // 1-based; also the mfhd sequence number
	// Start and Duration are in timescale ticks; Start is the tfdt
	// baseMediaDecodeTime.
	Start, Duration uint64
	Samples         int
	// Size is the size of the segment file (styp+moof+mdat) served by the
	// DASH SegmentTemplate and HLS fMP4 URLs.
	Size int64
	// FragmentSize is the size of moof+mdat, the unit of the single file.
	FragmentSize int64
	// Offset is the byte offset of the fragment in the single file.
	Offset int64
}

// Synth synthesises CMAF content from a Content spec and serves it as DASH
// and HLS. Segment bytes are generated on demand; only the init segments,
// manifests, and per-segment sizes and offsets are kept. A Synth is
// immutable after NewSynth and safe for concurrent use.
type Synth struct {
	content   Content
	seed      uint64
	tracks    []*track
	byID      map[string]*track
	nseg      int
	styp      []byte
	filler    []byte
	overhead  map[overheadKey]int64
	manifests map[string]manifest
	tag       uint64
	mux       *http.ServeMux
}

// track is the immutable state of one synthesised track.
type track struct {
	id        string
	kind      Kind
	key       uint64 // idKey(id)
	bitrate   int64
	timescale uint32
	sampleDur uint32
	width     int
	height    int
	codecs    string
	init      []byte
	starts    []uint64 // segment k starts at starts[k]; len nseg+1
	frag      []int64  // moof+mdat size of segment k
	fileOff   []int64  // offset of fragment k in the single file; len nseg+1
	sidx      []byte
}

// overheadKey identifies fragments of equal box overhead.
type overheadKey struct {
	samples int
	wide    bool // tfdt needs version 1
}

type manifest struct {
	body        []byte
	contentType string
}

const (
	trackID          = 1
	aacFrameSamples  = 1024
	minVideoSample   = 5 // 4-byte NAL length + NAL header
	minAudioSample   = 1
	iFrameWeight     = 8192
	pFrameWeightBase = 768
	pFrameWeightSpan = 512
	fillerSize       = 4096
)

// NewSynth validates c and precomputes init segments, manifests and the
// size of every segment. Errors wrap ErrBadContent.
func NewSynth(c Content) (*Synth, error) {
	c, err := c.normalized()
	if err != nil {
		return nil, err
	}
	s := &Synth{
		content:   c,
		seed:      uint64(c.Seed),
		byID:      map[string]*track{},
		nseg:      int((c.Duration + c.SegmentDuration - 1) / c.SegmentDuration),
		overhead:  map[overheadKey]int64{},
		manifests: map[string]manifest{},
	}
	var styp bytes.Buffer
	if err := mp4.CreateStyp().Encode(&styp); err != nil {
		return nil, fmt.Errorf("origin: encode styp: %w", err)
	}
	s.styp = styp.Bytes()
	s.filler = make([]byte, fillerSize)
	for i := range s.filler {
		// Bytes 1..255: no zero bytes, so no start-code emulation.
		s.filler[i] = byte(1 + hash(s.seed, streamFiller, 0, uint64(i))%255)
	}
	for _, r := range c.Video {
		t, err := s.videoTrack(r)
		if err != nil {
			return nil, err
		}
		s.addTrack(t)
	}
	if c.Audio != nil {
		t, err := s.audioTrack(*c.Audio)
		if err != nil {
			return nil, err
		}
		s.addTrack(t)
	}
	for _, t := range s.tracks {
		if err := s.sizeTrack(t); err != nil {
			return nil, err
		}
	}
	s.tag = idKey(fmt.Sprintf("%d|%v|%v|%v|%d|%d|%v|%+v", c.Seed, c.Video, c.SegmentDuration, c.Duration,
		c.FrameRate, c.VideoTimescale, c.VBR, audioOrNone(c.Audio)))
	if err := s.buildManifests(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

func audioOrNone(a *AudioTrack) any {
	if a == nil {
		return "none"
	}
	return *a
}

func (s *Synth) addTrack(t *track) {
	s.tracks = append(s.tracks, t)
	s.byID[t.id] = t
}

// videoTrack builds the init segment and segment timing of a video rung.
func (s *Synth) videoTrack(r VideoRung) (*track, error) {
	c := s.content
	level := chooseLevel(r.Width, r.Height, c.FrameRate, r.Bitrate)
	sps := makeSPS(r.Width, r.Height, c.FrameRate, level)
	pps := makePPS()
	parsed, err := avc.ParseSPSNALUnit(sps, false)
	if err != nil {
		return nil, fmt.Errorf("origin: rung %s: generated SPS does not parse: %w", r.ID, err)
	}
	t := &track{
		id: r.ID, kind: Video, key: idKey(r.ID), bitrate: r.Bitrate,
		timescale: c.VideoTimescale, sampleDur: c.VideoTimescale / uint32(c.FrameRate),
		width: r.Width, height: r.Height, codecs: avc.CodecString("avc1", parsed),
	}
	init := mp4.CreateEmptyInit()
	trak := init.AddEmptyTrack(t.timescale, "video", "und")
	if err := trak.SetAVCDescriptor("avc1", [][]byte{sps}, [][]byte{pps}, true); err != nil {
		return nil, fmt.Errorf("origin: rung %s: avc1 sample entry: %w", r.ID, err)
	}
	totalFrames := uint64(c.Duration.Nanoseconds() * int64(c.FrameRate) / int64(time.Second))
	segFrames := uint64(c.SegmentDuration.Nanoseconds() * int64(c.FrameRate) / int64(time.Second))
	t.starts = make([]uint64, s.nseg+1)
	for k := range t.starts {
		t.starts[k] = min(uint64(k)*segFrames, totalFrames) * uint64(t.sampleDur)
	}
	if t.init, err = encodeInit(init, t.timescale, t.starts[s.nseg]); err != nil {
		return nil, fmt.Errorf("origin: rung %s: %w", r.ID, err)
	}
	return t, nil
}

// audioTrack builds the init segment and segment timing of the audio
// track. Segment boundaries fall on the AAC frame nearest to each nominal
// boundary, so every audio segment starts within half a frame of its video
// segment.
func (s *Synth) audioTrack(a AudioTrack) (*track, error) {
	c := s.content
	t := &track{
		id: a.ID, kind: Audio, key: idKey(a.ID), bitrate: a.Bitrate,
		timescale: uint32(a.SampleRate), sampleDur: aacFrameSamples, codecs: "mp4a.40.2",
	}
	init := mp4.CreateEmptyInit()
	trak := init.AddEmptyTrack(t.timescale, "audio", a.Language)
	if err := trak.SetAACDescriptor(aac.AAClc, a.SampleRate); err != nil {
		return nil, fmt.Errorf("origin: audio %s: mp4a sample entry: %w", a.ID, err)
	}
	frameAt := func(d time.Duration) uint64 {
		// round(d × rate / 1024) in integer arithmetic; d ≤ 65535 h keeps it in range.
		num := uint64(d.Nanoseconds()) * uint64(a.SampleRate)
		den := uint64(time.Second) * aacFrameSamples
		return (num + den/2) / den
	}
	t.starts = make([]uint64, s.nseg+1)
	for k := range t.starts {
		t.starts[k] = frameAt(min(time.Duration(k)*c.SegmentDuration, c.Duration)) * aacFrameSamples
		if k > 0 && t.starts[k] <= t.starts[k-1] {
			return nil, fmt.Errorf("%w: audio segment %d would hold no AAC frame", ErrBadContent, k)
		}
	}
	var err error
	if t.init, err = encodeInit(init, t.timescale, t.starts[s.nseg]); err != nil {
		return nil, fmt.Errorf("origin: audio %s: %w", a.ID, err)
	}
	return t, nil
}

// encodeInit sets the movie timescale, adds an mehd with the total
// duration (first in mvex, as ISO/IEC 14496-12 orders it) and encodes.
func encodeInit(init *mp4.InitSegment, timescale uint32, duration uint64) ([]byte, error) {
	init.Moov.Mvhd.Timescale = timescale
	mehd := &mp4.MehdBox{FragmentDuration: int64(duration)}
	if duration > 1<<31-1 {
		mehd.Version = 1
	}
	mvex := init.Moov.Mvex
	mvex.Mehd = mehd
	mvex.Children = append([]mp4.Box{mehd}, mvex.Children...)
	var buf bytes.Buffer
	if err := init.Encode(&buf); err != nil {
		return nil, fmt.Errorf("encode init segment: %w", err)
	}
	return buf.Bytes(), nil
}

// sizeTrack computes every fragment size, the single-file offsets and
// the sidx of t.
func (s *Synth) sizeTrack(t *track) error {
	t.frag = make([]int64, s.nseg)
	refs := make([]mp4.SidxRef, s.nseg)
	for k := range s.nseg {
		n := t.samples(k)
		key := overheadKey{samples: n, wide: t.starts[k] >= 1<<32}
		oh, ok := s.overhead[key]
		if !ok {
			var err error
			if oh, err = computeOverhead(n, t.starts[k]); err != nil {
				return fmt.Errorf("origin: track %s segment %d: %w", t.id, k+1, err)
			}
			s.overhead[key] = oh
		}
		dur := t.starts[k+1] - t.starts[k]
		mean := float64(t.bitrate) * float64(dur) / (8 * float64(t.timescale))
		f := 1.0
		if t.kind == Video {
			f = s.content.VBR.factor(s.seed, t.key, k)
		}
		size := max(int64(mean*f+0.5), oh+int64(n)*t.minSample())
		if size > maxFragmentBytes {
			return fmt.Errorf("%w: track %s segment %d needs %d bytes", ErrBadContent, t.id, k+1, size)
		}
		t.frag[k] = size
		refs[k] = mp4.SidxRef{ReferencedSize: uint32(size), SubSegmentDuration: uint32(dur), StartsWithSAP: 1, SAPType: 1}
	}
	sidx := &mp4.SidxBox{ReferenceID: trackID, Timescale: t.timescale, SidxRefs: refs}
	var buf bytes.Buffer
	if err := sidx.Encode(&buf); err != nil {
		return fmt.Errorf("origin: track %s: encode sidx: %w", t.id, err)
	}
	t.sidx = buf.Bytes()
	t.fileOff = make([]int64, s.nseg+1)
	t.fileOff[0] = int64(len(t.init) + len(t.sidx))
	for k, size := range t.frag {
		t.fileOff[k+1] = t.fileOff[k] + size
	}
	return nil
}

func (t *track) samples(k int) int {
	return int((t.starts[k+1] - t.starts[k]) / uint64(t.sampleDur))
}

func (t *track) minSample() int64 {
	if t.kind == Video {
		return minVideoSample
	}
	return minAudioSample
}

// fragmentOverhead returns the moof size plus the 8-byte mdat header for
// a fragment of n samples starting at decode time start. NewSynth fills
// the cache for every segment; afterwards it is only read, so concurrent
// requests never write it.
func (s *Synth) fragmentOverhead(n int, start uint64) (int64, error) {
	if oh, ok := s.overhead[overheadKey{samples: n, wide: start >= 1<<32}]; ok {
		return oh, nil
	}
	return computeOverhead(n, start)
}

func computeOverhead(n int, start uint64) (int64, error) {
	frag, err := newFragment(1, start, make([]mp4.Sample, n))
	if err != nil {
		return 0, err
	}
	return int64(frag.Moof.Size()) + 8, nil
}

// newFragment returns a single-track fragment whose trun carries sample
// duration, size and flags (no composition offsets: there are no
// B-frames) and whose mdat payload is left to the caller.
func newFragment(seq uint32, start uint64, samples []mp4.Sample) (*mp4.Fragment, error) {
	frag, err := mp4.CreateFragment(seq, trackID)
	if err != nil {
		return nil, fmt.Errorf("create fragment: %w", err)
	}
	trun := frag.Moof.Traf.Trun
	trun.Version = 0
	trun.Flags = mp4.TrunDataOffsetPresentFlag | mp4.TrunSampleDurationPresentFlag |
		mp4.TrunSampleSizePresentFlag | mp4.TrunSampleFlagsPresentFlag
	frag.AddSamples(samples, start)
	frag.Moof.Traf.Tfdt.SetBaseMediaDecodeTime(start)
	return frag, nil
}

// Content returns the normalised content spec (IDs filled in).
func (s *Synth) Content() Content {
	c := s.content
	c.Video = append([]VideoRung(nil), c.Video...)
	if c.Audio != nil {
		a := *c.Audio
		c.Audio = &a
	}
	return c
}

// NumSegments returns the number of media segments of every track.
func (s *Synth) NumSegments() int { return s.nseg }

// Tracks describes every track: the video rungs in ladder order, then
// the audio track.
func (s *Synth) Tracks() []TrackInfo {
	out := make([]TrackInfo, len(s.tracks))
	for i, t := range s.tracks {
		out[i] = TrackInfo{
			ID: t.id, Kind: t.kind, Bitrate: t.bitrate, Codecs: t.codecs, Timescale: t.timescale,
			Width: t.width, Height: t.height, InitSize: int64(len(t.init)), FileSize: t.fileOff[s.nseg],
			IndexStart: int64(len(t.init)), IndexEnd: int64(len(t.init)+len(t.sidx)) - 1,
		}
	}
	return out
}

// Segments describes every media segment of track id.
func (s *Synth) Segments(id string) ([]SegmentInfo, error) {
	t, err := s.track(id)
	if err != nil {
		return nil, err
	}
	out := make([]SegmentInfo, s.nseg)
	for k := range out {
		out[k] = SegmentInfo{
			Number: k + 1, Start: t.starts[k], Duration: t.starts[k+1] - t.starts[k], Samples: t.samples(k),
			Size: int64(len(s.styp)) + t.frag[k], FragmentSize: t.frag[k], Offset: t.fileOff[k],
		}
	}
	return out, nil
}

// InitSegment returns a copy of the init segment (ftyp+moov) of track id.
func (s *Synth) InitSegment(id string) ([]byte, error) {
	t, err := s.track(id)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(t.init), nil
}

// OpenSegment returns a reader of media segment number (1-based) of track
// id as served at its SegmentTemplate / HLS URL: styp, moof, mdat. The
// bytes are generated as they are read.
func (s *Synth) OpenSegment(id string, number int) (io.ReadSeeker, error) {
	t, err := s.track(id)
	if err != nil {
		return nil, err
	}
	if number < 1 || number > s.nseg {
		return nil, fmt.Errorf("%w: %s segment %d (have 1-%d)", ErrNoSegment, id, number, s.nseg)
	}
	l, err := s.layout(t, number-1, true)
	if err != nil {
		return nil, err
	}
	return &virtualReader{size: l.size(), src: l}, nil
}

// OpenFile returns a reader of the single-file form of track id (init,
// sidx, then every moof+mdat fragment) as served for SegmentBase and HLS
// byte ranges. The bytes are generated as they are read.
func (s *Synth) OpenFile(id string) (io.ReadSeeker, error) {
	t, err := s.track(id)
	if err != nil {
		return nil, err
	}
	return &virtualReader{size: t.fileOff[s.nseg], src: &fileSource{s: s, t: t, cached: -1}}, nil
}

func (s *Synth) track(id string) (*track, error) {
	t, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTrack, id)
	}
	return t, nil
}

// ServeHTTP serves the synthetic presentations under SynthPrefix.
func (s *Synth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Synth) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for path := range s.manifests {
		mux.HandleFunc("GET "+path, s.serveManifest)
	}
	mux.HandleFunc("GET /synth/dash/{id}/init.mp4", s.serveInit)
	mux.HandleFunc("GET /synth/hls/{id}/init.mp4", s.serveInit)
	mux.HandleFunc("GET /synth/dash/{id}/{seg}", s.serveSegment)
	mux.HandleFunc("GET /synth/hls/{id}/{seg}", s.serveSegment)
	mux.HandleFunc("GET /synth/dash-base/{file}", s.serveFile)
	mux.HandleFunc("GET /synth/hls-byterange/{file}", s.serveFile)
	return mux
}

func (s *Synth) setHeaders(w http.ResponseWriter, r *http.Request, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", fmt.Sprintf(`"%016x"`, mix(s.tag^idKey(r.URL.Path))))
}

func (s *Synth) serveManifest(w http.ResponseWriter, r *http.Request) {
	m := s.manifests[r.URL.Path]
	s.setHeaders(w, r, m.contentType)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(m.body))
}

func (t *track) mimeType() string {
	if t.kind == Audio {
		return "audio/mp4"
	}
	return "video/mp4"
}

func (s *Synth) serveInit(w http.ResponseWriter, r *http.Request) {
	t, ok := s.byID[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.setHeaders(w, r, t.mimeType())
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(t.init))
}

// parseSegmentName returns N of "seg-N.m4s" (decimal, no sign, no leading
// zero) or 0.
func parseSegmentName(name string) int {
	digits, ok := strings.CutPrefix(name, "seg-")
	if !ok {
		return 0
	}
	if digits, ok = strings.CutSuffix(digits, ".m4s"); !ok || digits == "" || digits[0] == '0' || len(digits) > 9 {
		return 0
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func (s *Synth) serveSegment(w http.ResponseWriter, r *http.Request) {
	t, ok := s.byID[r.PathValue("id")]
	n := parseSegmentName(r.PathValue("seg"))
	if !ok || n < 1 || n > s.nseg {
		http.NotFound(w, r)
		return
	}
	l, err := s.layout(t, n-1, true)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.setHeaders(w, r, contentTypeSegment)
	http.ServeContent(w, r, "", time.Time{}, &virtualReader{size: l.size(), src: l})
}

func (s *Synth) serveFile(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".mp4")
	t, known := s.byID[id]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	s.setHeaders(w, r, t.mimeType())
	http.ServeContent(w, r, "", time.Time{}, &virtualReader{size: t.fileOff[s.nseg], src: &fileSource{s: s, t: t, cached: -1}})
}
