package manifest

import (
	"time"
)

// Format names the manifest syntax a Presentation was read from.
type Format string

// Manifest formats.
const (
	FormatDASH Format = "dash"
	FormatHLS  Format = "hls"
)

// ContentType classifies an adaptation set.
type ContentType string

// Content types of adaptation sets.
const (
	ContentVideo   ContentType = "video"
	ContentAudio   ContentType = "audio"
	ContentText    ContentType = "text"
	ContentImage   ContentType = "image"
	ContentUnknown ContentType = ""
)

// Presentation is a whole streaming presentation: one DASH MPD or one HLS
// multivariant playlist (with its media playlists, once loaded). The model
// is independent of the parsers and may be built by hand.
type Presentation struct {
	// Format is the syntax the presentation was read from.
	Format Format
	// URL is where the manifest was loaded from (file path or URL); all
	// relative references were resolved against it.
	URL string
	// Live is true for dynamic MPDs and HLS playlists without ENDLIST.
	Live bool
	// Duration is the total media duration, 0 when unknown (open-ended
	// live).
	Duration time.Duration
	// MinBufferTime is the DASH MPD@minBufferTime (0 for HLS).
	MinBufferTime time.Duration
	// MaxSegmentDuration is MPD@maxSegmentDuration or HLS TARGETDURATION.
	MaxSegmentDuration time.Duration
	// Profiles lists DASH profiles or is empty.
	Profiles []string
	// Periods in presentation order. HLS presentations have exactly one.
	Periods []*Period
	// Locations are the DASH MPD Location elements (where to refresh the
	// MPD from), resolved.
	Locations []string
	// Live timing; zero values when not applicable.
	Timing LiveTiming
	// UTCTiming lists the DASH clock synchronisation schemes, in order.
	UTCTiming []UTCTiming
	// ServiceDescription carries DASH latency and playback-rate targets.
	ServiceDescription *ServiceDescription
	// ContentSteering is the DASH ContentSteering element or the HLS
	// EXT-X-CONTENT-STEERING tag.
	ContentSteering *ContentSteering
	// SessionData holds HLS EXT-X-SESSION-DATA entries.
	SessionData []SessionData
	// SessionKeys holds HLS EXT-X-SESSION-KEY entries.
	SessionKeys []Key
	// IndependentSegments is HLS EXT-X-INDEPENDENT-SEGMENTS.
	IndependentSegments bool
	// Warnings lists tolerated deviations from the specification found
	// while parsing (lenient input).
	Warnings []string
	// Variables are the HLS EXT-X-DEFINE variables of the multivariant
	// playlist (NAME/VALUE and QUERYPARAM), which media playlists may
	// IMPORT; nil when none.
	Variables map[string]string
}

// LiveTiming holds the timing attributes of a dynamic presentation.
type LiveTiming struct {
	// AvailabilityStart is MPD@availabilityStartTime.
	AvailabilityStart time.Time
	// PublishTime is MPD@publishTime.
	PublishTime time.Time
	// TimeShiftBufferDepth is MPD@timeShiftBufferDepth; 0 means unset
	// (infinite for DASH).
	TimeShiftBufferDepth time.Duration
	// MinimumUpdatePeriod is MPD@minimumUpdatePeriod; for HLS the target
	// duration (the playlist reload interval).
	MinimumUpdatePeriod time.Duration
	// SuggestedPresentationDelay is MPD@suggestedPresentationDelay; for
	// HLS the SERVER-CONTROL HOLD-BACK.
	SuggestedPresentationDelay time.Duration
	// PartHoldBack is the HLS SERVER-CONTROL PART-HOLD-BACK.
	PartHoldBack time.Duration
}

// UTCTiming is a DASH UTCTiming element.
type UTCTiming struct {
	SchemeIDURI string
	Value       string
}

// ServiceDescription holds DASH ServiceDescription latency targets.
type ServiceDescription struct {
	// TargetLatency, MinLatency and MaxLatency from the Latency element;
	// 0 when absent.
	TargetLatency, MinLatency, MaxLatency time.Duration
	// MinPlaybackRate and MaxPlaybackRate; 0 when absent.
	MinPlaybackRate, MaxPlaybackRate float64
}

// ContentSteering describes a content steering server.
type ContentSteering struct {
	// ServerURL is the steering manifest URL, resolved.
	ServerURL string
	// DefaultPathway is the pathway (DASH defaultServiceLocation or HLS
	// PATHWAY-ID) to use before the first steering response.
	DefaultPathway string
	// QueryBeforeStart is the DASH queryBeforeStart attribute.
	QueryBeforeStart bool
}

// SessionData is one HLS EXT-X-SESSION-DATA tag.
type SessionData struct {
	DataID, Value, URI, Language string
}

// Period is a DASH Period; HLS presentations have one period.
type Period struct {
	// ID is Period@id (may be empty).
	ID string
	// Start is the period start on the presentation timeline.
	Start time.Duration
	// Duration is the period duration, 0 when unknown (last period of a
	// live presentation).
	Duration time.Duration
	// BaseURLs are the resolved BaseURL alternatives at period level.
	BaseURLs []BaseURL
	// AdaptationSets of the period.
	AdaptationSets []*AdaptationSet
	// EventStreams are the DASH EventStream elements of the period.
	EventStreams []EventStream
}

// BaseURL is one alternative location of content. A representation keeps
// every alternative so that the player can fail over.
type BaseURL struct {
	// URL is absolute (resolved against the document and outer levels).
	URL string
	// ServiceLocation is the DASH @serviceLocation (or HLS pathway ID).
	ServiceLocation string
	// Priority and Weight are the DVB @dvb:priority and @dvb:weight; 0
	// when absent (DVB defaults: priority 1, weight 1).
	Priority, Weight int
	// AvailabilityTimeOffset is the @availabilityTimeOffset effective for
	// this BaseURL, in addition to SegmentTemplate's.
	AvailabilityTimeOffset time.Duration
}

// EventStream is a DASH EventStream element, kept as parsed.
type EventStream struct {
	SchemeIDURI string
	Value       string
	Timescale   uint64
	Events      []Event
}

// Event is one DASH Event.
type Event struct {
	ID               string
	PresentationTime uint64
	Duration         uint64
	// Data is the element's text content or its messageData attribute.
	Data string
}

// AdaptationSet groups interchangeable representations of one track. HLS
// variants form one video set; alternate renditions form sets of their
// own, one per group and name.
type AdaptationSet struct {
	// ID is AdaptationSet@id, or for HLS the rendition GROUP-ID.
	ID string
	// ContentType is video, audio, text or image.
	ContentType ContentType
	// MimeType is the container MIME type, when declared.
	MimeType string
	// Language is the BCP 47 language tag, when declared.
	Language string
	// Name is the HLS rendition NAME or the DASH Label.
	Name string
	// Roles holds DASH Role values (e.g. "main", "alternate") and HLS
	// rendition flags ("default", "autoselect", "forced").
	Roles []string
	// Accessibility holds DASH Accessibility values and HLS
	// CHARACTERISTICS.
	Accessibility []string
	// ContentProtection declared at set level.
	ContentProtection []ContentProtection
	// Representations, in manifest order.
	Representations []*Representation
	// IFrameOnly is true for HLS I-frame streams and DASH trick-mode sets.
	IFrameOnly bool
	// InstreamID is the HLS CLOSED-CAPTIONS rendition INSTREAM-ID (e.g.
	// "CC1", "SERVICE3"); empty otherwise.
	InstreamID string
}

// ContentProtection is a DRM declaration, surfaced, not interpreted.
type ContentProtection struct {
	SchemeIDURI string
	Value       string
	// DefaultKID is cenc:default_KID, when present.
	DefaultKID string
	// PSSH is the base64 cenc:pssh content, when present.
	PSSH string
}

// Representation is one encoding of a track (a DASH Representation or an
// HLS variant stream or rendition).
type Representation struct {
	// ID is Representation@id; for HLS a stable identifier derived from
	// the position in the playlist.
	ID string
	// Bandwidth is the declared peak bitrate in bits per second.
	Bandwidth int64
	// AverageBandwidth is the HLS AVERAGE-BANDWIDTH, 0 when absent.
	AverageBandwidth int64
	// Codecs is the RFC 6381 codecs string.
	Codecs string
	// MimeType is the container MIME type.
	MimeType string
	// Width, Height in pixels; 0 when unknown.
	Width, Height int
	// FrameRate in frames per second; 0 when unknown.
	FrameRate float64
	// AudioSamplingRate in Hz and AudioChannels; 0 when unknown.
	AudioSamplingRate, AudioChannels int
	// Language overrides the set's language when declared here.
	Language string
	// ContentProtection declared at representation level.
	ContentProtection []ContentProtection
	// HLS group references of a variant stream: AUDIO, SUBTITLES and
	// CLOSED-CAPTIONS group IDs, and its pathway (CONTENT-STEERING).
	AudioGroup, SubtitleGroup, ClosedCaptions, Pathway string
	// VideoGroup is the HLS VIDEO group ID of a variant stream.
	VideoGroup string
	// Index addresses the representation's segments.
	Index *SegmentIndex
}
