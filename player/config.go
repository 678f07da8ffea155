package player

import (
	"fmt"
	"time"

	"github.com/abrkit/abrkit/abr"
)

// Config configures a Session. It is a plain struct: start from
// DefaultConfig and change fields. The defaults describe a normal player
// close to dash.js, hls.js and Shaka Player (sources in each field's
// comment, see ../shared/reference/players.md §3c and §4); the knobs that
// differ between a normal player and the idealised players of Sabre and
// Pensieve are grouped under "Player model".
type Config struct {
	// BufferGoal is the forward buffer the player fills up to, per track.
	// Default 30 s (hls.js maxBufferLength, GStreamer max-buffering-time;
	// dash.js uses 30 s at top quality).
	BufferGoal time.Duration
	// MaxBufferBytes caps the forward buffer in bytes, over all tracks; 0
	// means no cap. Default 60 MB (hls.js maxBufferSize).
	MaxBufferBytes int64
	// StartupThreshold is the forward buffer needed before playback
	// starts, after the session start and after a seek. 0 means playback
	// starts as soon as the first media segment of every track arrived.
	// Default 1 s (Media3: 1 s to start).
	StartupThreshold time.Duration
	// RebufferThreshold is the forward buffer needed to resume after a
	// stall; 0 means resume as soon as any media is buffered. Default 2 s
	// (Media3: 2 s after a rebuffer).
	RebufferThreshold time.Duration
	// Wait is the rule for waiting while the buffer is full.
	Wait WaitRule
	// AutoPlay starts playback once the startup threshold is met; when
	// false the session buffers and waits for Play. Default true.
	AutoPlay bool
	// StartPosition is the media time playback starts at. Default 0.
	StartPosition time.Duration
	// PlaybackRate is the speed of the headless playhead model relative to
	// the session clock (2 plays twice as fast as real time). Default 1.
	PlaybackRate float64

	// AudioLanguage selects the audio adaptation set by BCP 47 language
	// (prefix match, case-insensitive: "en" matches "en-GB"). Empty: the
	// set marked default or main, else the first one.
	AudioLanguage string
	// NoAudio drops separate audio tracks (video only).
	NoAudio bool
	// AudioShare is the share of the throughput estimate the audio track
	// may use: audio plays the highest rung whose bitrate is at most
	// AudioShare × estimate, the lowest rung while there is no estimate.
	// Default 0.1.
	AudioShare float64

	// Player model: the knobs that turn the normal player into the
	// idealised players of Sabre and Pensieve.

	// MediaOnly skips init segments (neither fetched nor delivered). The
	// simulator sets it for presentations built by hand.
	MediaOnly bool
	// Abandon says what follows an abandoned download. Default
	// AbandonSwitch.
	Abandon AbandonMode
	// ReportFirstDownload reports the first media download of the session
	// (and after each seek) to the algorithm's Observer.OnDownload. Sabre
	// does not report segment 0. Default true.
	ReportFirstDownload bool
	// AbandonFirst lets the algorithm's Abandoner check the first media
	// download of the session (and after each seek). Sabre fetches segment
	// 0 without abandonment checks. Default true.
	AbandonFirst bool
	// Replace enables the algorithm's Replacer (re-fetching buffered
	// segments at a higher rung). Default true.
	Replace bool

	// Estimator is the session's bandwidth estimator. nil: the algorithm's
	// own (abr.EstimatorProvider); when the algorithm has none either, the
	// session runs without an estimate (Snapshot.Estimate.Valid false).
	Estimator abr.Estimator
	// Constraints bound the ABR choice of the main track.
	Constraints Constraints
	// Sizes gives the size in bytes of segment seg at rung q of the main
	// track when it is known out of band (the simulator's video model). nil:
	// sizes come from the byte ranges in the segment index when present.
	Sizes abr.SizeFunc
	// HistoryLimit bounds the download history handed to algorithms to
	// the most recent HistoryLimit entries; 0 keeps everything. Default 512.
	HistoryLimit int

	// Retry is the retry and failover policy.
	Retry RetryConfig
	// Seed seeds the retry jitter.
	Seed uint64

	// Events selects the event kinds queued for PollEvent; 0 queues none.
	// Default AllEvents.
	Events EventMask
	// MaxQueuedEvents bounds the undrained event queue; events beyond it
	// are dropped and counted in Stats.EventsDropped. 0 means no bound.
	// Default 4096.
	MaxQueuedEvents int
	// SegmentLog keeps the per-segment log of the main track (QoE). Default
	// true.
	SegmentLog bool
	// MaxErrors bounds the error strings kept for the summary; later
	// errors are counted only. Default 100.
	MaxErrors int
}

// WaitRule is the rule for waiting while a track's buffer is full: the
// next media request is issued once the level is at most the threshold
// BufferGoal − segment duration (Headroom) or BufferGoal (no Headroom).
type WaitRule struct {
	// Headroom subtracts the nominal segment duration from the goal, so a
	// download never takes the buffer above the goal (dash.js, Sabre's
	// w = L + p − B). Without it the next request starts once the level is
	// back at the goal (Pensieve's 60 s rule).
	Headroom bool
	// Step rounds each full-buffer wait up to a multiple of Step
	// (Pensieve: 500 ms); 0 waits exactly.
	Step time.Duration
	// Report calls the algorithm's Observer.OnWait with the time waited,
	// right before the next decision (Sabre's report_delay).
	Report bool
}

// AbandonMode says what the session does after an abandoned download.
type AbandonMode uint8

const (
	// AbandonSwitch fetches the same segment at the rung the Abandoner
	// asked for, without a new decision. An abandonment whose rung is not
	// below the current one is ignored.
	AbandonSwitch AbandonMode = iota
	// AbandonRedecide asks the algorithm afresh for the same segment and
	// ignores the rung the Abandoner returned (Sabre's quirk Q1).
	AbandonRedecide
)

// Constraints bound the ladder the main track's algorithm may choose from
// (device or user limits). Zero fields mean no bound.
type Constraints struct {
	// MinRung and MaxRung bound the rung index; MaxRung 0 means no upper
	// bound (use MaxBitrate or MaxHeight to forbid all but rung 0).
	MinRung, MaxRung int
	// MaxHeight is the largest picture height allowed, in pixels.
	MaxHeight int
	// MaxBitrate is the largest declared bitrate allowed, in bit/s.
	MaxBitrate int64
}

// Timeouts bound one request. Zero disables a bound. The session enforces
// them itself through NextWake (a timed-out request is cancelled and
// handled as a FailTimeout failure); they are handed to the driver in the
// Request so it may set matching socket deadlines.
type Timeouts struct {
	// FirstByte bounds the time from issuing the request to the response
	// headers.
	FirstByte time.Duration
	// Total bounds the whole request.
	Total time.Duration
	// NoProgress bounds the time between two body progress reports.
	NoProgress time.Duration
}

// RetryPolicy is the retry policy of one request class. After a failure
// that may be retried (timeouts, resets, network errors, HTTP 408, 429
// and 5xx) the same URL is tried again after a backoff, up to MaxRetries
// times; then, or right away after another 4xx, the next URL candidate
// (BaseURL or pathway) is tried, and the failing host goes to the penalty
// box. When no candidate is left the session fails.
type RetryPolicy struct {
	// MaxRetries is the number of retries on one URL after its first
	// attempt.
	MaxRetries int
	// BaseDelay is the backoff before the first retry; retry n waits
	// BaseDelay × Factor^(n−1), at most MaxDelay, then jittered.
	BaseDelay time.Duration
	// Factor is the backoff multiplier; values below 1 count as 1
	// (a constant delay).
	Factor float64
	// MaxDelay caps the backoff before jitter; 0 means no cap.
	MaxDelay time.Duration
	// Jitter spreads each backoff uniformly over ±Jitter of its value
	// (0.5 = ±50 %), drawn from the session's seeded generator.
	Jitter float64
	// Timeouts bound each request of the class.
	Timeouts Timeouts
}

// RetryConfig holds the retry policy of each request class and the
// failover settings.
type RetryConfig struct {
	// Manifest applies to the manifest and to HLS media playlists.
	Manifest RetryPolicy
	// Index applies to SegmentBase index (sidx) ranges.
	Index RetryPolicy
	// Init applies to initialisation segments.
	Init RetryPolicy
	// Media applies to media segments.
	Media RetryPolicy
	// PenaltyBox is how long a host that made the session fail over is
	// avoided when choosing among URL candidates. Default 5 min (Media3's
	// location exclusion).
	PenaltyBox time.Duration
	// MaxRetryAfter caps a server's Retry-After (429, 503): a longer
	// Retry-After makes the session fail over instead. Default 30 s.
	MaxRetryAfter time.Duration
}

// DefaultRetryConfig returns the default retry policies:
//
//   - every class: exponential backoff from 1 s doubling (Shaka: 1 s base,
//     ×2) capped at 8 s (hls.js: 1 s → 8 s), jitter ±50 % (Shaka);
//   - manifest and playlists: 2 retries (dash.js: 3 attempts), timeouts 10 s
//     to first byte and 20 s total (hls.js playlist);
//   - index and init: 3 retries, 10 s / 20 s;
//   - media: 3 retries (dash.js: 3 attempts; Media3: at least 3 retries),
//     10 s to first byte and 120 s total (hls.js fragment);
//   - every class: 5 s without progress (Shaka's stall timeout).
func DefaultRetryConfig() RetryConfig {
	pol := func(retries int, firstByte, total time.Duration) RetryPolicy {
		return RetryPolicy{
			MaxRetries: retries,
			BaseDelay:  time.Second,
			Factor:     2,
			MaxDelay:   8 * time.Second,
			Jitter:     0.5,
			Timeouts:   Timeouts{FirstByte: firstByte, Total: total, NoProgress: 5 * time.Second},
		}
	}
	return RetryConfig{
		Manifest:      pol(2, 10*time.Second, 20*time.Second),
		Index:         pol(3, 10*time.Second, 20*time.Second),
		Init:          pol(3, 10*time.Second, 20*time.Second),
		Media:         pol(3, 10*time.Second, 120*time.Second),
		PenaltyBox:    5 * time.Minute,
		MaxRetryAfter: 30 * time.Second,
	}
}

// DefaultConfig returns the configuration of a normal player; see each
// field for its default and where it comes from.
func DefaultConfig() Config {
	return Config{
		BufferGoal:          30 * time.Second,
		MaxBufferBytes:      60 << 20,
		StartupThreshold:    time.Second,
		RebufferThreshold:   2 * time.Second,
		Wait:                WaitRule{Headroom: true, Report: true},
		AutoPlay:            true,
		PlaybackRate:        1,
		AudioShare:          0.1,
		Abandon:             AbandonSwitch,
		ReportFirstDownload: true,
		AbandonFirst:        true,
		Replace:             true,
		HistoryLimit:        512,
		Retry:               DefaultRetryConfig(),
		Events:              AllEvents,
		MaxQueuedEvents:     4096,
		SegmentLog:          true,
		MaxErrors:           100,
	}
}

// validate reports the first inconsistent field.
func (c *Config) validate() error {
	switch {
	case c.BufferGoal <= 0:
		return fmt.Errorf("%w: BufferGoal %v must be positive", ErrBadConfig, c.BufferGoal)
	case c.StartupThreshold < 0 || c.StartupThreshold > c.BufferGoal:
		return fmt.Errorf("%w: StartupThreshold %v must be within [0, BufferGoal %v]", ErrBadConfig, c.StartupThreshold, c.BufferGoal)
	case c.RebufferThreshold < 0 || c.RebufferThreshold > c.BufferGoal:
		return fmt.Errorf("%w: RebufferThreshold %v must be within [0, BufferGoal %v]", ErrBadConfig, c.RebufferThreshold, c.BufferGoal)
	case c.MaxBufferBytes < 0:
		return fmt.Errorf("%w: MaxBufferBytes %d is negative", ErrBadConfig, c.MaxBufferBytes)
	case c.Wait.Step < 0:
		return fmt.Errorf("%w: Wait.Step %v is negative", ErrBadConfig, c.Wait.Step)
	case !(c.PlaybackRate > 0):
		return fmt.Errorf("%w: PlaybackRate %v must be positive", ErrBadConfig, c.PlaybackRate)
	case c.AudioShare < 0:
		return fmt.Errorf("%w: AudioShare %v is negative", ErrBadConfig, c.AudioShare)
	case c.HistoryLimit < 0 || c.MaxQueuedEvents < 0 || c.MaxErrors < 0:
		return fmt.Errorf("%w: negative limit (HistoryLimit %d, MaxQueuedEvents %d, MaxErrors %d)",
			ErrBadConfig, c.HistoryLimit, c.MaxQueuedEvents, c.MaxErrors)
	case c.Constraints.MinRung < 0 || c.Constraints.MaxRung < 0 || c.Constraints.MaxHeight < 0 || c.Constraints.MaxBitrate < 0:
		return fmt.Errorf("%w: negative constraint %+v", ErrBadConfig, c.Constraints)
	}
	for _, p := range []struct {
		name string
		p    *RetryPolicy
	}{{"Manifest", &c.Retry.Manifest}, {"Index", &c.Retry.Index}, {"Init", &c.Retry.Init}, {"Media", &c.Retry.Media}} {
		if p.p.MaxRetries < 0 || p.p.BaseDelay < 0 || p.p.MaxDelay < 0 || p.p.Factor < 0 || p.p.Jitter < 0 || p.p.Jitter > 1 {
			return fmt.Errorf("%w: Retry.%s %+v: need MaxRetries, delays and Factor ≥ 0, Jitter in [0, 1]", ErrBadConfig, p.name, *p.p)
		}
	}
	return nil
}
