package manifest

import "time"

// Addressing names how a representation's segments are located.
type Addressing string

// Segment addressing modes.
const (
	// AddrTemplate is a DASH SegmentTemplate with @duration: segment
	// numbers run from StartNumber, each Duration long.
	AddrTemplate Addressing = "template"
	// AddrTimeline is a DASH SegmentTemplate with a SegmentTimeline.
	AddrTimeline Addressing = "timeline"
	// AddrList is a DASH SegmentList: explicit URLs or media ranges.
	AddrList Addressing = "list"
	// AddrBase is a DASH SegmentBase (or a bare BaseURL): one resource
	// whose segments are found through its sidx index.
	AddrBase Addressing = "base"
	// AddrPlaylist is an HLS media playlist.
	AddrPlaylist Addressing = "playlist"
)

// ByteRange is a range of bytes of a resource. Length 0 means the whole
// resource.
type ByteRange struct {
	// Offset of the first byte.
	Offset int64
	// Length in bytes.
	Length int64
}

// IsZero reports whether r means the whole resource.
func (r ByteRange) IsZero() bool { return r.Length == 0 }

// End returns the offset of the last byte of r (inclusive), as written in
// an HTTP Range header.
func (r ByteRange) End() int64 { return r.Offset + r.Length - 1 }

// TimelineEntry is one DASH SegmentTimeline S element as written: T is
// the explicit @t (HasT false when absent), D the duration and R the
// repeat count, where -1 means "repeat until the next S or the period
// end".
type TimelineEntry struct {
	T    uint64
	HasT bool
	D    uint64
	R    int64
	// K is @k, the number of segments covered by one entry when S is
	// split into sub-segments ($SubNumber$); 0 or 1 otherwise.
	K uint64
	// N is @n, the $Number$ of the entry's first segment when HasN is
	// true (the numbering then continues from it).
	N    uint64
	HasN bool
}

// InitSegment is the initialisation segment of a representation (DASH
// Initialization, HLS EXT-X-MAP).
type InitSegment struct {
	// URLs are the candidates, one per BaseURL or pathway, best first.
	URLs []string
	// Range is the byte range, zero for the whole resource.
	Range ByteRange
	// Key is the HLS EXT-X-KEY that applies to this initialisation
	// section: the one in effect where EXT-X-MAP appeared (RFC 8216
	// 4.3.2.4); nil when none.
	Key *Key
}

// Key is an HLS EXT-X-KEY or EXT-X-SESSION-KEY.
type Key struct {
	Method, URI, IV, KeyFormat, KeyFormatVersions string
}

// Segment is one media segment of a representation.
type Segment struct {
	// Number is the segment number ($Number$ in DASH, the media sequence
	// number in HLS).
	Number uint64
	// SubNumber is the $SubNumber$ of a split S element, 0 otherwise.
	SubNumber uint64
	// Time is the segment's media time in Timescale units ($Time$); 0 for
	// HLS.
	Time uint64
	// Start is the segment start on the presentation timeline (period
	// start plus the media time less presentationTimeOffset).
	Start time.Duration
	// Duration is the media duration of the segment.
	Duration time.Duration
	// URLs are the candidate locations, one per BaseURL or pathway, best
	// first.
	URLs []string
	// Range is the byte range within the resource, zero for the whole.
	Range ByteRange
	// Init is the initialisation segment that applies to this segment,
	// nil when none is declared.
	Init *InitSegment
	// HLS attributes; zero for DASH.
	Discontinuity         bool
	DiscontinuitySequence uint64
	ProgramDateTime       time.Time
	Key                   *Key
	Gap                   bool
	Title                 string
	// Keys are all HLS EXT-X-KEY tags in effect for the segment, one per
	// KEYFORMAT, in playlist order (Key is Keys[0]); nil when clear.
	// Segments under the same keys share the slice.
	Keys []*Key
}

// SegmentIndex addresses the segments of one representation. It holds the
// addressing information compactly (templates and timelines are expanded
// on demand, not stored segment by segment).
type SegmentIndex struct {
	// Addressing is the mode; it decides which fields below apply.
	Addressing Addressing

	// BaseURLs are the resolved base URL alternatives of the
	// representation (DASH), best first. Templates resolve against each.
	BaseURLs []BaseURL

	// RepresentationID and Bandwidth are substituted for
	// $RepresentationID$ and $Bandwidth$.
	RepresentationID string
	Bandwidth        int64

	// Timescale in units per second (1 when absent).
	Timescale uint64
	// PresentationTimeOffset in Timescale units.
	PresentationTimeOffset uint64
	// StartNumber is the number of the first segment (1 when absent).
	StartNumber uint64
	// EndNumber is the DASH @endNumber, 0 when absent.
	EndNumber uint64
	// Duration is the constant segment duration in Timescale units
	// (AddrTemplate, AddrList without timeline).
	Duration uint64
	// Timeline holds the S entries (AddrTimeline, AddrList with a
	// timeline).
	Timeline []TimelineEntry
	// Media and Initialization are the SegmentTemplate @media and
	// @initialization templates.
	Media, Initialization string
	// AvailabilityTimeOffset is the effective @availabilityTimeOffset
	// (seconds may be fractional; infinite is represented by a negative
	// value).
	AvailabilityTimeOffset time.Duration
	// AvailabilityTimeComplete is @availabilityTimeComplete (true when
	// absent).
	AvailabilityTimeComplete bool

	// PeriodStart and PeriodDuration place the representation on the
	// presentation timeline; PeriodDuration is 0 when unknown.
	PeriodStart, PeriodDuration time.Duration

	// IndexRange is the SegmentBase@indexRange; zero when absent.
	IndexRange ByteRange
	// IndexURLs are the candidates of the resource holding the index when
	// it is not the media resource (DASH RepresentationIndex@sourceURL),
	// one per BaseURL; nil means the media resource itself.
	IndexURLs []string
	// Init is the resolved initialisation segment (SegmentBase,
	// SegmentList, HLS), nil when the template form applies or none.
	Init *InitSegment
	// Segments is the explicit segment list (AddrList, AddrPlaylist, and
	// AddrBase once its sidx was applied).
	Segments []Segment
	// IndexApplied is true for AddrBase once sidx bytes were applied.
	IndexApplied bool

	// Playlist is the HLS media playlist information (AddrPlaylist).
	Playlist *MediaPlaylist

	// prep holds the lookup tables computed by Prepare; nil until then.
	prep *indexPrep
	// sidx holds the state of a hierarchical sidx being applied.
	sidx *sidxState
}

// MediaPlaylist holds the HLS media-playlist-level information.
type MediaPlaylist struct {
	// URL of the media playlist; all URIs were resolved against it.
	URL string
	// Loaded is false while only the multivariant playlist was read.
	Loaded bool
	// Version is EXT-X-VERSION.
	Version int
	// TargetDuration is EXT-X-TARGETDURATION.
	TargetDuration time.Duration
	// MediaSequence and DiscontinuitySequence of the first segment.
	MediaSequence, DiscontinuitySequence uint64
	// PlaylistType is "VOD", "EVENT" or empty.
	PlaylistType string
	// EndList is true when EXT-X-ENDLIST is present.
	EndList bool
	// IFramesOnly is EXT-X-I-FRAMES-ONLY.
	IFramesOnly bool
	// ServerControl is EXT-X-SERVER-CONTROL, nil when absent.
	ServerControl *ServerControl
	// PartTarget is EXT-X-PART-INF PART-TARGET, 0 when absent.
	PartTarget time.Duration
	// Parts are the EXT-X-PART tags, in order; each names the index in
	// Segments of the segment it belongs to (len(Segments) for parts of
	// the segment still being produced).
	Parts []Part
	// PreloadHints are the EXT-X-PRELOAD-HINT tags.
	PreloadHints []PreloadHint
	// Skipped is EXT-X-SKIP SKIPPED-SEGMENTS (delta updates).
	Skipped uint64
	// IndependentSegments is EXT-X-INDEPENDENT-SEGMENTS in the media
	// playlist.
	IndependentSegments bool
	// Warnings lists tolerated deviations found in the media playlist,
	// each naming the playlist URL and line.
	Warnings []string
}

// ServerControl is HLS EXT-X-SERVER-CONTROL.
type ServerControl struct {
	CanSkipUntil      time.Duration
	CanSkipDateRanges bool
	HoldBack          time.Duration
	PartHoldBack      time.Duration
	CanBlockReload    bool
}

// Part is an HLS EXT-X-PART partial segment.
type Part struct {
	// Segment is the index in SegmentIndex.Segments of the parent
	// segment.
	Segment     int
	URL         string
	Duration    time.Duration
	Range       ByteRange
	Independent bool
	Gap         bool
}

// PreloadHint is an HLS EXT-X-PRELOAD-HINT.
type PreloadHint struct {
	Type  string
	URL   string
	Range ByteRange
}
