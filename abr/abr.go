package abr

import "time"

// Rung is one entry of the bitrate ladder, as an algorithm sees it.
type Rung struct {
	// Bitrate is the nominal (declared) bitrate in bits per second.
	Bitrate int64
	// Width and Height are the picture size in pixels, 0 when unknown or audio.
	Width, Height int
	// FrameRate in frames per second, 0 when unknown.
	FrameRate float64
	// Codecs is the RFC 6381 codecs string, empty when unknown.
	Codecs string
}

// SizeFunc returns the size in bytes of segment seg at rung q, or -1 when
// it is not known (for example a live stream without byte ranges).
type SizeFunc func(seg, q int) int64

// Ladder is the read-only view of the representations an algorithm may
// choose from, sorted by ascending Bitrate. Rung indices are positions in
// Rungs.
type Ladder struct {
	Rungs []Rung
	// SegmentDuration is the nominal duration of one segment.
	SegmentDuration time.Duration
	// Segments is the number of segments in the presentation, 0 when
	// unknown or open-ended (live).
	Segments int
	// Size gives per-segment sizes when known; nil when no size is known.
	Size SizeFunc
}

// SegmentSize returns the size in bytes of segment seg at rung q: the
// known size when Size provides one, otherwise the nominal size
// Bitrate × SegmentDuration / 8.
func (l *Ladder) SegmentSize(seg, q int) int64 {
	if l.Size != nil {
		if s := l.Size(seg, q); s >= 0 {
			return s
		}
	}
	return l.Rungs[q].Bitrate * int64(l.SegmentDuration) / int64(8*time.Second)
}

// Top returns the index of the highest rung.
func (l *Ladder) Top() int { return len(l.Rungs) - 1 }

// Download is one completed, failed or abandoned segment download, as
// recorded in the session history.
type Download struct {
	// Segment is the segment index and Rung the rung it was fetched at.
	Segment, Rung int
	// Bytes is the number of payload bytes received.
	Bytes int64
	// Start is the session time the request was issued.
	Start time.Duration
	// TTFB is the time from request to the first byte of the body.
	TTFB time.Duration
	// Transfer is the time from the first byte to the last byte received.
	Transfer time.Duration
	// CacheHit is true when the response looked like a cache hit (the
	// driver's heuristic: a response header or a transfer faster than the
	// link could have delivered it).
	CacheHit bool
	// Abandoned is true when the download was cancelled before completion.
	Abandoned bool
	// Replacement is true when the download replaced a buffered segment.
	Replacement bool
	// BufferAfter is the buffer level right after the download ended.
	BufferAfter time.Duration
}

// Elapsed returns the total time of the download, TTFB included.
func (d Download) Elapsed() time.Duration { return d.TTFB + d.Transfer }

// Throughput returns the measured throughput in bits per second over the
// whole download (TTFB included), or 0 when the elapsed time is zero.
func (d Download) Throughput() int64 {
	e := d.Elapsed()
	if e <= 0 {
		return 0
	}
	return int64(float64(d.Bytes*8) / e.Seconds())
}

// History is the session's download history, oldest first. The slice is
// owned by the caller and must not be modified or retained by algorithms.
type History []Download

// Last returns the most recent n downloads (fewer when the history is
// shorter), oldest first.
func (h History) Last(n int) History {
	if len(h) <= n {
		return h
	}
	return h[len(h)-n:]
}

// Estimate is an estimator's current view of the network.
type Estimate struct {
	// Throughput in bits per second; 0 when Valid is false.
	Throughput int64
	// Latency is the estimated time to first byte.
	Latency time.Duration
	// Valid is false until the estimator has seen enough samples.
	Valid bool
}

// BufferedSegment is a segment held in the forward buffer, as seen by a
// replacement strategy.
type BufferedSegment struct {
	Segment, Rung int
}

// Snapshot is the read-only state an algorithm decides from. The caller
// owns it and may reuse it between calls; algorithms must not retain it.
type Snapshot struct {
	// Now is the session time.
	Now time.Duration
	// Ladder is the set of rungs to choose from.
	Ladder *Ladder
	// Segment is the index of the segment to be fetched next.
	Segment int
	// SinceSeek counts the segments decided since the session started or
	// the last seek.
	SinceSeek int
	// Buffer is the forward buffer level (media time buffered ahead of
	// the playhead).
	Buffer time.Duration
	// MaxBuffer is the buffer goal of the player.
	MaxBuffer time.Duration
	// Buffered lists the segments in the forward buffer, oldest first.
	Buffered []BufferedSegment
	// HeadPlayed is how much of the first buffered segment has played.
	HeadPlayed time.Duration
	// Playhead is the current media position.
	Playhead time.Duration
	// Playing is true once playback has started and is not stalled.
	Playing bool
	// Live is true for live presentations; LiveLatency is then the
	// distance from the playhead to the live edge.
	Live        bool
	LiveLatency time.Duration
	// LastRung is the rung of the most recent media download, -1 before
	// the first one.
	LastRung int
	// History is the download history.
	History History
	// Estimate is the session estimator's current estimate.
	Estimate Estimate
	// MinRung and MaxRung bound the choice (device or user constraints);
	// callers set MaxRung to Ladder.Top() when unconstrained.
	MinRung, MaxRung int
}

// rungBounds returns the rungs a decision may use: the snapshot's
// MinRung..MaxRung kept inside the ladder, with hi >= lo.
func rungBounds(s *Snapshot) (lo, hi int) {
	top := s.Ladder.Top()
	lo = min(max(s.MinRung, 0), top)
	hi = min(max(s.MaxRung, lo), top)
	return lo, hi
}

// clampRung bounds q to rungBounds(s).
func clampRung(s *Snapshot, q int) int {
	lo, hi := rungBounds(s)
	return min(max(q, lo), hi)
}

// highestRungAtMost returns the highest rung in lo..hi whose bitrate is
// at most bps bit/s, or lo when none is.
func highestRungAtMost(l *Ladder, lo, hi int, bps float64) int {
	for i := hi; i > lo; i-- {
		if float64(l.Rungs[i].Bitrate) <= bps {
			return i
		}
	}
	return lo
}

// Reason explains a decision: which rule fired and on what values. It is
// designed to be built without allocating.
type Reason struct {
	// Rule names the rule that fired, e.g. "throughput", "bola-buffer",
	// "reservoir". Never empty in a decision.
	Rule string
	// Estimate is the throughput estimate (bit/s) the rule used, 0 if none.
	Estimate int64
	// Buffer is the buffer level the rule used.
	Buffer time.Duration
	// Value is a rule-specific number (a score, a safety-scaled rate, a
	// utility), documented by each algorithm.
	Value float64
}

// Decision is an algorithm's answer for the next segment.
type Decision struct {
	// Rung is the chosen rung index.
	Rung int
	// Delay asks the player to wait this long before issuing the request
	// (BOLA-O, BOLA-E placeholder buffer); 0 for none.
	Delay time.Duration
	// Reason explains the choice.
	Reason Reason
}

// Algorithm chooses the rung of each segment. Implementations are
// single-session state machines: they are not safe for concurrent use, do
// no I/O and read no clock.
type Algorithm interface {
	// Name returns the registry name of the algorithm.
	Name() string
	// Decide returns the rung for s.Segment.
	Decide(s *Snapshot) Decision
}

// Observer is implemented by algorithms that keep state across decisions
// from the outcome of downloads and waits.
type Observer interface {
	// OnDownload is called after each media download ends (completed or
	// abandoned); s reflects the state after the download.
	OnDownload(s *Snapshot, d Download)
	// OnWait is called when the player waited w with a full buffer
	// before asking for the next decision.
	OnWait(s *Snapshot, w time.Duration)
	// OnSeek is called when the playhead jumps; histories tied to the
	// buffer should be reset.
	OnSeek(s *Snapshot)
}

// Progress describes an in-flight download for an abandonment check.
type Progress struct {
	// Segment and Rung identify the download.
	Segment, Rung int
	// Bytes received so far and Total expected (-1 when unknown).
	Bytes, Total int64
	// Elapsed since the request was issued; TTFB is 0 until the first
	// byte arrived.
	Elapsed, TTFB time.Duration
	// Replacement is true for a download replacing a buffered segment.
	Replacement bool
}

// Abandoner is implemented by algorithms that may abandon an in-flight
// download when it progresses too slowly.
type Abandoner interface {
	// ShouldAbandon is called on download progress. It returns abandon
	// true with the rung to fetch the segment at instead, and the reason.
	ShouldAbandon(s *Snapshot, p Progress) (abandon bool, rung int, reason Reason)
}

// Starter is implemented by algorithms that choose the first segment's
// rung differently from the steady state.
type Starter interface {
	// Startup returns the decision for the first segment of a session or
	// after a seek.
	Startup(s *Snapshot) Decision
}

// Replacer is implemented by algorithms or strategies that re-fetch a
// buffered segment at a higher rung ("fast switching").
type Replacer interface {
	// Replace is called after a decision for rung q. It returns the index
	// into s.Buffered of the segment to re-fetch at rung q, and ok true,
	// or ok false to fetch the next segment as decided.
	Replace(s *Snapshot, q int) (index int, ok bool)
}

// EstimatorProvider is implemented by algorithms that come with their own
// bandwidth estimator (hls.js, Shaka, ExoPlayer, Sabre). The player uses
// it unless the user configured an estimator explicitly.
type EstimatorProvider interface {
	NewEstimator() Estimator
}

// Sample is one throughput observation fed to an estimator.
type Sample struct {
	// Bytes transferred in this sample.
	Bytes int64
	// TTFB of the request (0 for mid-download progress samples).
	TTFB time.Duration
	// Transfer is the time the bytes took to arrive, first byte to last.
	Transfer time.Duration
	// SegmentDuration is the media duration of the segment (some
	// estimators count latency per segment).
	SegmentDuration time.Duration
	// CacheHit marks samples the driver believes came from a cache.
	CacheHit bool
}

// Estimator turns download samples into a bandwidth estimate. An
// estimator is single-session state and not safe for concurrent use.
type Estimator interface {
	// Add records a completed download sample.
	Add(s Sample)
	// Estimate returns the current estimate.
	Estimate() Estimate
	// Reset forgets all samples.
	Reset()
}
