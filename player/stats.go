package player

import (
	"strconv"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/qoe"
)

// counters are the session's running totals.
type counters struct {
	requests, retries, failovers, timeouts, failures int
	segments, abandoned, replaced, replaceLate       int
	decisions, eventsDropped                         int
	bytes, mediaBytes                                int64
}

// State is the session's playback state.
type State uint8

// Session states.
const (
	// StateIdle: Start was not called.
	StateIdle State = iota
	// StateLoading: the manifest is loading.
	StateLoading
	// StateBuffering: waiting for the startup threshold.
	StateBuffering
	// StatePlaying: the playhead moves.
	StatePlaying
	// StatePaused: paused by the user.
	StatePaused
	// StateStalled: rebuffering after the buffer ran dry.
	StateStalled
	// StateSeeking: buffering after a seek.
	StateSeeking
	// StateEnded: the stream played to its end.
	StateEnded
	// StateStopped: Stop was called.
	StateStopped
	// StateFailed: a fatal error ended the session (see Session.Err).
	StateFailed
)

var stateNames = [...]string{"idle", "loading", "buffering", "playing", "paused", "stalled", "seeking", "ended", "stopped", "failed"}

// String returns the state's name.
func (st State) String() string {
	if int(st) < len(stateNames) {
		return stateNames[st]
	}
	return "state(" + strconv.Itoa(int(st)) + ")"
}

// State returns the current playback state.
func (s *Session) State() State {
	switch {
	case s.fatal != nil:
		return StateFailed
	case s.stopped:
		return StateStopped
	case s.ph.ended:
		return StateEnded
	case !s.started:
		return StateIdle
	case s.pres == nil:
		return StateLoading
	case s.ph.paused:
		return StatePaused
	}
	switch s.ph.wait {
	case waitStartup:
		return StateBuffering
	case waitStall:
		return StateStalled
	case waitSeek:
		return StateSeeking
	}
	return StatePlaying
}

// Stats is a snapshot of a session, in the manner of Shaka Player's
// getStats and ExoPlayer's PlaybackStats.
type Stats struct {
	// State and Time (the session time of the last input).
	State State
	Time  time.Duration
	// Position is the playhead; Buffer the forward buffer level.
	Position, Buffer time.Duration
	// Started is true once playback started; StartupTime is the time
	// from Start (or the first Play without AutoPlay) to then, less time
	// paused meanwhile.
	Started     bool
	StartupTime time.Duration
	// PlayTime, PauseTime, RebufferTime and SeekWaitTime split the
	// session time after startup.
	PlayTime, PauseTime, RebufferTime, SeekWaitTime time.Duration
	// Stalls counts rebuffering events; Switches quality switches of the
	// main track as played.
	Stalls, Switches int
	// AvgBitrate is the main track's bitrate weighted by media time
	// played, in bit/s.
	AvgBitrate int64
	// Rung, Bitrate, Width, Height and Codecs describe the main-track
	// representation playing (Rung -1 before the first).
	Rung          int
	Bitrate       int64
	Width, Height int
	Codecs        string
	// Estimate is the session estimator's current estimate.
	Estimate abr.Estimate
	// Request counters.
	Requests, Retries, Failovers, Timeouts, Failures int
	// Abandoned downloads; Replaced buffered segments and replacement
	// downloads that arrived too late (ReplaceLate).
	Abandoned, Replaced, ReplaceLate int
	// Decisions counts ABR decisions.
	Decisions int
	// Segments counts completed media downloads of all tracks.
	Segments int
	// Bytes counts every body byte received (manifests, partial and
	// abandoned downloads included); MediaBytes completed media only.
	Bytes, MediaBytes int64
	// Errors counts errors (recovered and fatal).
	Errors int
	// EventsDropped counts events dropped on a full queue.
	EventsDropped int
}

// Stats returns a snapshot of the session's state and counters.
func (s *Session) Stats() Stats {
	st := Stats{
		State:         s.State(),
		Time:          s.now,
		Position:      s.ph.pos,
		Started:       s.ph.started,
		StartupTime:   s.ph.startup,
		PlayTime:      s.ph.playTime,
		PauseTime:     s.ph.pauseTime,
		RebufferTime:  s.ph.rebuffer,
		SeekWaitTime:  s.ph.seekWait,
		Stalls:        s.ph.stalls,
		Switches:      s.ph.switches,
		AvgBitrate:    s.avgBitrate(),
		Rung:          s.ph.lastRung,
		Requests:      s.stats.requests,
		Retries:       s.stats.retries,
		Failovers:     s.stats.failovers,
		Timeouts:      s.stats.timeouts,
		Failures:      s.stats.failures,
		Abandoned:     s.stats.abandoned,
		Replaced:      s.stats.replaced,
		ReplaceLate:   s.stats.replaceLate,
		Decisions:     s.stats.decisions,
		Segments:      s.stats.segments,
		Bytes:         s.stats.bytes,
		MediaBytes:    s.stats.mediaBytes,
		Errors:        s.errsTotal,
		EventsDropped: s.stats.eventsDropped,
	}
	if s.est != nil {
		st.Estimate = s.estimate()
	}
	if len(s.tracks) > 0 {
		st.Buffer = s.forwardLevel()
		if st.Buffer == forever {
			st.Buffer = 0
		}
	}
	if r := s.ph.lastRep; r != nil {
		st.Bitrate, st.Width, st.Height, st.Codecs = r.Bandwidth, r.Width, r.Height, r.Codecs
	}
	return st
}

func (s *Session) avgBitrate() int64 {
	if s.ph.playedMedia <= 0 {
		return 0
	}
	return int64(s.ph.bitSeconds / s.ph.playedMedia.Seconds())
}

// Summary is the end-of-session report; its JSON form is the file
// `abrkit play --summary` writes. Times are in seconds.
type Summary struct {
	// StartupS is the startup time (0 when playback never started).
	StartupS float64 `json:"startup_s"`
	// PlayedS is the time spent playing.
	PlayedS float64 `json:"played_s"`
	// RebufferCount and RebufferS count stalls after startup.
	RebufferCount int     `json:"rebuffer_count"`
	RebufferS     float64 `json:"rebuffer_s"`
	// Segments counts completed media downloads; Bytes every body byte
	// received.
	Segments int   `json:"segments"`
	Bytes    int64 `json:"bytes"`
	// AvgBitrateBps is the main track's time-weighted bitrate.
	AvgBitrateBps int64 `json:"avg_bitrate_bps"`
	// Switches counts quality switches as played.
	Switches int `json:"switches"`
	// Errors lists the errors met (recovered ones with the recovery in
	// parentheses), at most Config.MaxErrors of them; ErrorCount counts
	// all.
	Errors     []string `json:"errors"`
	ErrorCount int      `json:"error_count"`
	// State is the final state; Ended is true when the stream played to
	// its end; Fatal is the fatal error, if any.
	State string `json:"state"`
	Ended bool   `json:"ended"`
	Fatal string `json:"fatal,omitempty"`
	// PausedS and SeekWaitS are time paused and buffering after seeks.
	PausedS   float64 `json:"paused_s"`
	SeekWaitS float64 `json:"seek_wait_s"`
	// Abandoned, Retries and Failovers count those events.
	Abandoned int `json:"abandoned"`
	Retries   int `json:"retries"`
	Failovers int `json:"failovers"`
}

// Summary returns the session summary (meaningful at any time, final once
// Done).
func (s *Session) Summary() Summary {
	sum := Summary{
		StartupS:      s.ph.startup.Seconds(),
		PlayedS:       s.ph.playTime.Seconds(),
		RebufferCount: s.ph.stalls,
		RebufferS:     s.ph.rebuffer.Seconds(),
		Segments:      s.stats.segments,
		Bytes:         s.stats.bytes,
		AvgBitrateBps: s.avgBitrate(),
		Switches:      s.ph.switches,
		Errors:        append([]string{}, s.errs...),
		ErrorCount:    s.errsTotal,
		State:         s.State().String(),
		Ended:         s.ph.ended,
		PausedS:       s.ph.pauseTime.Seconds(),
		SeekWaitS:     s.ph.seekWait.Seconds(),
		Abandoned:     s.stats.abandoned,
		Retries:       s.stats.retries,
		Failovers:     s.stats.failovers,
	}
	if s.fatal != nil {
		sum.Fatal = s.fatal.Error()
	}
	return sum
}

// QoE returns the session log of the main track for the qoe package: one
// record per media download (completed or abandoned), with the session
// facts filled in as of now. The log is the session's own (no copy): read
// it between inputs, and do not modify it. Without Config.SegmentLog the
// record list is empty.
func (s *Session) QoE() *qoe.Session {
	s.log.StartupDelay = s.ph.startup
	s.log.PlayTime = s.ph.playTime
	s.log.StallCount = s.ph.stalls
	s.log.StallTime = s.ph.rebuffer
	return &s.log
}

// History returns the download history of the main track as handed to
// the algorithm (bounded by Config.HistoryLimit). It is the session's own
// slice: do not modify it.
func (s *Session) History() abr.History { return s.history }
