package player

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

// Sentinel errors callers branch on.
var (
	// ErrBadConfig is wrapped by errors about an inconsistent Config.
	ErrBadConfig = errors.New("player: bad config")
	// ErrNoTracks is wrapped when a presentation has no playable track.
	ErrNoTracks = errors.New("player: no playable track")
	// ErrLive is wrapped when a live presentation is given: this version
	// of the core plays VOD only.
	ErrLive = errors.New("player: live presentations are not supported")
	// ErrRequestFailed is wrapped by the session error when a request
	// failed on every URL candidate after its retries.
	ErrRequestFailed = errors.New("player: request failed")
	// ErrBadContent is wrapped by the session error when a manifest,
	// playlist or index could not be used.
	ErrBadContent = errors.New("player: bad content")
	// ErrSink is wrapped by the session error after the sink reported an
	// error.
	ErrSink = errors.New("player: sink error")
)

// RequestID identifies a request the session issued. IDs start at 1 and
// are never reused within a session.
type RequestID uint64

// RequestKind is the class of a request; each class has its own retry
// policy.
type RequestKind uint8

// Request kinds.
const (
	// ReqManifest is the DASH MPD or HLS multivariant playlist.
	ReqManifest RequestKind = iota + 1
	// ReqPlaylist is an HLS media playlist (retried as ReqManifest).
	ReqPlaylist
	// ReqIndex is a SegmentBase index range (sidx).
	ReqIndex
	// ReqInit is an initialisation segment.
	ReqInit
	// ReqMedia is a media segment.
	ReqMedia
)

var reqKindNames = [...]string{"", "manifest", "playlist", "index", "init", "media"}

// String returns the kind's lower-case name.
func (k RequestKind) String() string {
	if int(k) < len(reqKindNames) && k != 0 {
		return reqKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Priorities of requests; higher is more urgent. Drivers that multiplex
// requests (HTTP/2) may use them; others may ignore them.
const (
	PriorityMedia    = 1
	PriorityInit     = 2
	PriorityManifest = 3
)

// Request asks the driver to fetch a URL.
type Request struct {
	// ID names the request in the driver's later inputs.
	ID RequestID
	// Kind is the request class.
	Kind RequestKind
	// Track is the track index (see Session.Tracks), -1 for the manifest.
	Track int
	// URL is absolute.
	URL string
	// Range is the byte range; zero means the whole resource.
	Range manifest.ByteRange
	// Priority is one of the Priority constants.
	Priority int
	// Timeouts are the bounds the session enforces on this request.
	Timeouts Timeouts
	// Rep is the representation fetched (nil for the manifest), and Rung
	// its index in the track's ladder (ascending bitrate; -1 for the
	// manifest).
	Rep  *manifest.Representation
	Rung int
	// Segment is the media segment's index in its representation (0 for
	// the first segment), -1 for other kinds.
	Segment int
	// Size is the expected body size in bytes when known (from the byte
	// range or Config.Sizes), -1 otherwise.
	Size int64
	// Attempt counts the attempts at this resource, 1 for the first.
	Attempt int
	// Replacement is true for a media request that replaces a buffered
	// segment.
	Replacement bool
}

// Response is what the driver reports when the response headers arrived.
type Response struct {
	// Status is the HTTP status code. A status outside 200–299 fails the
	// request: the session cancels it and applies the retry policy.
	Status int
	// RetryAfter is the parsed Retry-After header, 0 when absent.
	RetryAfter time.Duration
	// ContentLength is the body length, -1 when unknown.
	ContentLength int64
	// CacheHit is the driver's cache-hit hint (a response header such as
	// X-Cache or Age, or a transfer faster than the link allows).
	CacheHit bool
}

// FailureClass classifies a failed request.
type FailureClass uint8

// Failure classes.
const (
	// FailNetwork is a network error before or during the transfer (DNS,
	// connection refused); retried.
	FailNetwork FailureClass = iota + 1
	// FailTimeout is a timeout (first byte, total or no progress); retried.
	FailTimeout
	// FailReset is a connection reset or a truncated body; retried.
	FailReset
	// FailStatus is an HTTP status outside 200–299: 408, 429 and 5xx are
	// retried, other statuses make the session fail over at once.
	FailStatus
	// FailTooLarge is a body over the driver's size limit; not retried on
	// the same URL.
	FailTooLarge
)

var failNames = [...]string{"", "network", "timeout", "reset", "status", "too-large"}

// String returns the class's lower-case name.
func (c FailureClass) String() string {
	if int(c) < len(failNames) && c != 0 {
		return failNames[c]
	}
	return "failure(" + strconv.Itoa(int(c)) + ")"
}

// Failure describes why a request failed.
type Failure struct {
	// Class is the failure class.
	Class FailureClass
	// Status is the HTTP status for FailStatus.
	Status int
	// RetryAfter is the server's Retry-After, 0 when absent.
	RetryAfter time.Duration
	// Err is the underlying error, for messages; may be nil.
	Err error
}

// retryable reports whether the same URL may be tried again.
func (f Failure) retryable() bool {
	switch f.Class {
	case FailNetwork, FailTimeout, FailReset:
		return true
	case FailStatus:
		return f.Status == 408 || f.Status == 429 || (f.Status >= 500 && f.Status <= 599)
	}
	return false
}

// String describes the failure in a few words.
func (f Failure) String() string {
	s := f.Class.String()
	if f.Class == FailStatus {
		s = "HTTP " + strconv.Itoa(f.Status)
	}
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

// ActionKind says what an Action asks of the driver.
type ActionKind uint8

// Action kinds.
const (
	// ActRequest: start Action.Request.
	ActRequest ActionKind = iota + 1
	// ActCancel: abort the request Action.ID; report nothing more about
	// it (later inputs for it are ignored).
	ActCancel
	// ActDeliver: hand Action.Delivery to the sink.
	ActDeliver
	// ActFlush: the sink drops all buffered media; playback continues from
	// Action.Position (a seek).
	ActFlush
	// ActPlayback: the sink starts (Action.Playing true) or stops
	// rendering (pause, stall, end, stop).
	ActPlayback
)

var actNames = [...]string{"", "request", "cancel", "deliver", "flush", "playback"}

// String returns the kind's lower-case name.
func (k ActionKind) String() string {
	if int(k) < len(actNames) && k != 0 {
		return actNames[k]
	}
	return "action(" + strconv.Itoa(int(k)) + ")"
}

// Delivery is one init or media segment for the sink.
type Delivery struct {
	// Track is the track index; Content its content type.
	Track   int
	Content manifest.ContentType
	// Rep is the representation and Rung its ladder index.
	Rep  *manifest.Representation
	Rung int
	// Init is true for an initialisation segment.
	Init bool
	// Segment is the media segment's index in its representation, and
	// Number its $Number$ / media sequence number (both 0 for init).
	Segment int
	Number  uint64
	// Start and Duration place a media segment on the presentation
	// timeline.
	Start, Duration time.Duration
	// Data holds the bytes. It may be nil for media when the driver does
	// not carry payloads (the simulator); Bytes holds the size.
	Data  []byte
	Bytes int64
	// Replacement is true when the segment replaces one delivered before
	// for the same time range.
	Replacement bool
}

// Action is one thing the session asks the driver to do. Only the fields
// of its Kind are set.
type Action struct {
	// Kind selects the fields below.
	Kind ActionKind
	// Request for ActRequest.
	Request Request
	// ID for ActCancel.
	ID RequestID
	// Delivery for ActDeliver.
	Delivery Delivery
	// Position for ActFlush.
	Position time.Duration
	// Playing for ActPlayback.
	Playing bool
}

// String renders the action on one line, deterministically (no
// pointers), for logs and golden tests.
func (a Action) String() string {
	switch a.Kind {
	case ActRequest:
		r := &a.Request
		s := fmt.Sprintf("request id=%d %s track=%d url=%s", r.ID, r.Kind, r.Track, r.URL)
		if !r.Range.IsZero() {
			s += fmt.Sprintf(" range=%d-%d", r.Range.Offset, r.Range.End())
		}
		if r.Rep != nil {
			s += fmt.Sprintf(" rep=%s rung=%d", r.Rep.ID, r.Rung)
		}
		if r.Kind == ReqMedia {
			s += fmt.Sprintf(" seg=%d", r.Segment)
		}
		s += fmt.Sprintf(" size=%d attempt=%d prio=%d", r.Size, r.Attempt, r.Priority)
		if r.Replacement {
			s += " replacement"
		}
		return s
	case ActCancel:
		return fmt.Sprintf("cancel id=%d", a.ID)
	case ActDeliver:
		d := &a.Delivery
		rep := ""
		if d.Rep != nil {
			rep = d.Rep.ID
		}
		if d.Init {
			return fmt.Sprintf("deliver track=%d init rep=%s rung=%d bytes=%d", d.Track, rep, d.Rung, d.Bytes)
		}
		s := fmt.Sprintf("deliver track=%d rep=%s rung=%d seg=%d num=%d start=%v dur=%v bytes=%d",
			d.Track, rep, d.Rung, d.Segment, d.Number, d.Start, d.Duration, d.Bytes)
		if d.Replacement {
			s += " replacement"
		}
		return s
	case ActFlush:
		return fmt.Sprintf("flush position=%v", a.Position)
	case ActPlayback:
		return fmt.Sprintf("playback playing=%t", a.Playing)
	}
	return a.Kind.String()
}
