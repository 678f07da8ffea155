package player

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/abrkit/abrkit/abr"
)

// EventKind names an event of the session's event stream.
type EventKind uint8

// Event kinds. The fields of Event each kind sets are listed with it.
const (
	// EvRequestStarted: a request was issued (Request, ReqKind, Track,
	// URL, Segment, Rung, Attempt).
	EvRequestStarted EventKind = iota + 1
	// EvFirstByte: response headers arrived (Request, Status, Total =
	// content length or -1, Duration = time to first byte, CacheHit).
	EvFirstByte
	// EvProgress: body progress (Request, Bytes so far, Total).
	EvProgress
	// EvRequestCompleted: a request completed (Request, Bytes, Duration =
	// total time, Rate = throughput over the transfer in bit/s).
	EvRequestCompleted
	// EvRequestFailed: a request failed (Request, Status, Err).
	EvRequestFailed
	// EvRequestAbandoned: the algorithm abandoned a media download
	// (Request, Bytes so far, From = its rung, To = the rung asked for,
	// Reason).
	EvRequestAbandoned
	// EvRequestCancelled: a request was cancelled by a seek or stop
	// (Request).
	EvRequestCancelled
	// EvDecision: an ABR decision (Track, Segment, From = previous rung,
	// To = chosen rung, Duration = requested delay, Reason, Replacement
	// when it re-fetches a buffered segment).
	EvDecision
	// EvWait: the track waited with a full buffer (Track, Duration).
	EvWait
	// EvBufferLevel: the forward buffer changed by a download (Track,
	// Buffer = the track's level, Bytes = bytes buffered over all tracks).
	EvBufferLevel
	// EvPlaybackStarted: playback started for the first time (Duration =
	// startup time).
	EvPlaybackStarted
	// EvStallStart: playback stalled on an empty buffer (Position).
	EvStallStart
	// EvStallEnd: playback resumed after a stall (Duration = stall time).
	EvStallEnd
	// EvSegmentPlaying: a main-track segment started playing (Segment,
	// Rung, Position).
	EvSegmentPlaying
	// EvQualitySwitch: the bitrate of the playing main-track segment
	// changed (From and To are rungs, Position).
	EvQualitySwitch
	// EvManifestLoaded: the manifest was parsed (URL).
	EvManifestLoaded
	// EvPlaylistLoaded: an HLS media playlist was attached (Track, Rung,
	// URL).
	EvPlaylistLoaded
	// EvIndexLoaded: a SegmentBase index was applied (Track, Rung).
	EvIndexLoaded
	// EvFailover: the next URL candidate is used (Request = the failed
	// request, URL = the new URL, Err = the host put in the penalty box).
	EvFailover
	// EvError: an error and the recovery taken (Request, ReqKind, Err,
	// Recovery, Duration = retry delay).
	EvError
	// EvSeek: the playhead jumped (Position).
	EvSeek
	// EvPaused and EvResumed: user pause and play.
	EvPaused
	EvResumed
	// EvReplaced: a replacement download overwrote a buffered segment
	// (Segment, From, To), or arrived too late (Err set).
	EvReplaced
	// EvEnded: the session ended (Err empty at the end of the stream,
	// "stopped" after Stop, the error after a fatal error).
	EvEnded
	evKinds
)

var evNames = [...]string{"", "request-started", "first-byte", "progress", "request-completed",
	"request-failed", "request-abandoned", "request-cancelled", "decision", "wait", "buffer-level",
	"playback-started", "stall-start", "stall-end", "segment-playing", "quality-switch",
	"manifest-loaded", "playlist-loaded", "index-loaded", "failover", "error", "seek", "paused",
	"resumed", "replaced", "ended"}

// String returns the kind's name.
func (k EventKind) String() string {
	if int(k) < len(evNames) && k != 0 {
		return evNames[k]
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// EventMask selects event kinds: bit k set selects EventKind k.
type EventMask uint64

// AllEvents selects every event kind.
const AllEvents EventMask = 1<<evKinds - 2

// MaskOf returns the mask selecting the given kinds.
func MaskOf(kinds ...EventKind) EventMask {
	var m EventMask
	for _, k := range kinds {
		m |= 1 << k
	}
	return m
}

// Has reports whether m selects k.
func (m EventMask) Has(k EventKind) bool { return m&(1<<k) != 0 }

// RecoveryAction says how the session reacted to an error (the hls.js
// error-action model).
type RecoveryAction uint8

// Recovery actions.
const (
	// RecoverNone: nothing needed (informational).
	RecoverNone RecoveryAction = iota
	// RecoverRetry: the same URL is tried again after Event.Duration.
	RecoverRetry
	// RecoverFailover: the next URL candidate is tried now.
	RecoverFailover
	// RecoverSkip: the request is dropped without harm (a failed
	// replacement download).
	RecoverSkip
	// RecoverFatal: the session stopped.
	RecoverFatal
)

var recNames = [...]string{"none", "retry", "failover", "skip", "fatal"}

// String returns the action's name.
func (r RecoveryAction) String() string {
	if int(r) < len(recNames) {
		return recNames[r]
	}
	return "recovery(" + strconv.Itoa(int(r)) + ")"
}

// Event is one entry of the session's event stream. Kind decides which
// fields are set; the others are zero.
type Event struct {
	// Time is the session time of the event.
	Time time.Duration
	// Kind of event.
	Kind EventKind
	// Track index, -1 when not about a track.
	Track int
	// Request and ReqKind identify a request.
	Request RequestID
	ReqKind RequestKind
	// URL of a request or manifest.
	URL string
	// Segment index and Rung of a media segment.
	Segment, Rung int
	// From and To are rungs (switches, decisions, abandonments).
	From, To int
	// Attempt counts attempts at a resource.
	Attempt int
	// Status is an HTTP status.
	Status int
	// Bytes and Total are byte counts (Total -1 when unknown).
	Bytes, Total int64
	// Rate is a throughput in bit/s.
	Rate int64
	// Duration is a kind-specific time (TTFB, download time, wait, stall,
	// retry delay, startup time).
	Duration time.Duration
	// Buffer is a forward buffer level.
	Buffer time.Duration
	// Position is a media time (playhead).
	Position time.Duration
	// CacheHit is the driver's cache-hit hint.
	CacheHit bool
	// Replacement marks decisions and downloads that replace a buffered
	// segment.
	Replacement bool
	// Reason explains decisions and abandonments.
	Reason abr.Reason
	// Recovery is the action taken after an error.
	Recovery RecoveryAction
	// Err describes an error.
	Err string
}

// String renders the event on one line, deterministically, with only the
// fields its kind sets.
func (e *Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s", e.Time, e.Kind)
	if e.Track >= 0 {
		fmt.Fprintf(&b, " track=%d", e.Track)
	}
	if e.Request != 0 {
		fmt.Fprintf(&b, " req=%d %s", e.Request, e.ReqKind)
	}
	switch e.Kind {
	case EvRequestStarted:
		fmt.Fprintf(&b, " url=%s seg=%d rung=%d attempt=%d", e.URL, e.Segment, e.Rung, e.Attempt)
	case EvFirstByte:
		fmt.Fprintf(&b, " status=%d total=%d ttfb=%v cache=%t", e.Status, e.Total, e.Duration, e.CacheHit)
	case EvProgress:
		fmt.Fprintf(&b, " bytes=%d total=%d", e.Bytes, e.Total)
	case EvRequestCompleted:
		fmt.Fprintf(&b, " bytes=%d time=%v rate=%d", e.Bytes, e.Duration, e.Rate)
	case EvRequestFailed:
		fmt.Fprintf(&b, " status=%d err=%q", e.Status, e.Err)
	case EvRequestAbandoned:
		fmt.Fprintf(&b, " bytes=%d from=%d to=%d rule=%s", e.Bytes, e.From, e.To, e.Reason.Rule)
	case EvDecision:
		fmt.Fprintf(&b, " seg=%d from=%d to=%d delay=%v rule=%s est=%d buf=%v value=%g replace=%t",
			e.Segment, e.From, e.To, e.Duration, e.Reason.Rule, e.Reason.Estimate, e.Reason.Buffer, e.Reason.Value, e.Replacement)
	case EvWait:
		fmt.Fprintf(&b, " wait=%v", e.Duration)
	case EvBufferLevel:
		fmt.Fprintf(&b, " buffer=%v bytes=%d", e.Buffer, e.Bytes)
	case EvPlaybackStarted:
		fmt.Fprintf(&b, " startup=%v", e.Duration)
	case EvStallStart, EvSeek:
		fmt.Fprintf(&b, " pos=%v", e.Position)
	case EvStallEnd:
		fmt.Fprintf(&b, " stall=%v", e.Duration)
	case EvSegmentPlaying:
		fmt.Fprintf(&b, " seg=%d rung=%d pos=%v", e.Segment, e.Rung, e.Position)
	case EvQualitySwitch:
		fmt.Fprintf(&b, " from=%d to=%d pos=%v", e.From, e.To, e.Position)
	case EvManifestLoaded, EvPlaylistLoaded:
		fmt.Fprintf(&b, " url=%s", e.URL)
	case EvIndexLoaded:
		fmt.Fprintf(&b, " rung=%d", e.Rung)
	case EvFailover:
		fmt.Fprintf(&b, " url=%s penalised=%s", e.URL, e.Err)
	case EvError:
		fmt.Fprintf(&b, " recovery=%s delay=%v err=%q", e.Recovery, e.Duration, e.Err)
	case EvReplaced:
		fmt.Fprintf(&b, " seg=%d from=%d to=%d", e.Segment, e.From, e.To)
		if e.Err != "" {
			fmt.Fprintf(&b, " err=%q", e.Err)
		}
	case EvEnded:
		fmt.Fprintf(&b, " pos=%v err=%q", e.Position, e.Err)
	}
	return b.String()
}

// Observer receives events. The session never calls an observer itself
// (it never blocks on one): the driver hands queued events over with
// Session.DrainEvents.
type Observer interface {
	// OnEvent is called once per event, in order. e is only valid during
	// the call.
	OnEvent(e *Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(e *Event)

// OnEvent calls f(e).
func (f ObserverFunc) OnEvent(e *Event) { f(e) }
