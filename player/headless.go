package player

import (
	"fmt"
	"time"
)

// Headless is a sink that renders nothing: it keeps the buffered media
// ranges of each track and moves a playhead through them as time passes,
// Speed times faster than the session clock, stalling where the buffer
// ends. It is sans-I/O like the session: time comes in as arguments. The
// simulator and the load tests use it (or the session's own playhead
// model, which it mirrors, when no sink feedback is wanted).
type Headless struct {
	// Speed is the playback speed relative to the session clock (2 plays
	// twice as fast as real time); set the session's
	// Config.PlaybackRate to the same value.
	Speed float64
	// MaxAhead, when positive, raises backpressure while more than this
	// much media is buffered ahead of the playhead.
	MaxAhead time.Duration

	playing bool
	pos     time.Duration
	last    time.Duration
	tracks  [][]TimeRange
	common  []TimeRange
	scratch []TimeRange

	// Counters of what was delivered.
	inits, segments int
	bytes           int64
}

// NewHeadless returns a headless sink playing at speed (1 for real time).
func NewHeadless(speed float64) *Headless {
	return &Headless{Speed: speed}
}

// Deliver records a segment's media range. It returns an error for a
// negative track index or duration.
func (h *Headless) Deliver(now time.Duration, d *Delivery) error {
	h.advance(now)
	if d.Track < 0 {
		return fmt.Errorf("headless sink: negative track %d", d.Track)
	}
	for len(h.tracks) <= d.Track {
		h.tracks = append(h.tracks, nil)
	}
	h.bytes += d.Bytes
	if d.Init {
		h.inits++
		return nil
	}
	if d.Duration < 0 {
		return fmt.Errorf("headless sink: track %d segment %d has negative duration %v", d.Track, d.Segment, d.Duration)
	}
	h.segments++
	h.tracks[d.Track] = addRange(h.tracks[d.Track], TimeRange{Start: d.Start, End: d.Start + d.Duration})
	return nil
}

// Flush drops everything buffered and moves the playhead to position.
func (h *Headless) Flush(now, position time.Duration) {
	h.advance(now)
	for i := range h.tracks {
		h.tracks[i] = h.tracks[i][:0]
	}
	h.pos = position
}

// SetPlaying starts or stops the playhead.
func (h *Headless) SetPlaying(now time.Duration, playing bool) {
	h.advance(now)
	h.playing = playing
}

// Status reports the playhead, the ranges buffered on every track (valid
// until the next call) and backpressure.
func (h *Headless) Status(now time.Duration) SinkStatus {
	h.advance(now)
	h.intersect()
	st := SinkStatus{HasPlayhead: true, Playhead: h.pos, Buffered: h.common}
	if h.MaxAhead > 0 {
		st.Backpressure = h.bufferedEnd()-h.pos > h.MaxAhead
	}
	return st
}

// Delivered returns the counts of init and media segments and bytes
// delivered so far.
func (h *Headless) Delivered() (inits, segments int, bytes int64) {
	return h.inits, h.segments, h.bytes
}

// advance plays from the last update to now.
func (h *Headless) advance(now time.Duration) {
	dt := now - h.last
	if dt <= 0 {
		return
	}
	h.last = now
	if !h.playing || len(h.tracks) == 0 {
		return
	}
	speed := h.Speed
	if speed <= 0 {
		speed = 1
	}
	adv := dt
	if speed != 1 {
		adv = time.Duration(float64(dt) * speed)
	}
	h.intersect()
	h.pos = min(h.pos+adv, max(h.bufferedEnd(), h.pos))
	for i, rs := range h.tracks {
		h.tracks[i] = dropBefore(rs, h.pos)
	}
}

// bufferedEnd is the end of the common range holding the playhead, the
// playhead itself when none does. intersect must be current.
func (h *Headless) bufferedEnd() time.Duration {
	for _, r := range h.common {
		if r.Start <= h.pos && h.pos < r.End {
			return r.End
		}
	}
	return h.pos
}

// intersect computes the ranges buffered on every track into h.common.
func (h *Headless) intersect() {
	h.common = h.common[:0]
	if len(h.tracks) == 0 {
		return
	}
	h.common = append(h.common, h.tracks[0]...)
	for _, rs := range h.tracks[1:] {
		out := h.scratch[:0]
		for _, a := range h.common {
			for _, b := range rs {
				s, e := max(a.Start, b.Start), min(a.End, b.End)
				if s < e {
					out = append(out, TimeRange{Start: s, End: e})
				}
			}
		}
		h.common, h.scratch = out, h.common
	}
}

// mergeGap is the largest hole between two ranges that still counts as
// contiguous (rounding in playlists' durations).
const mergeGap = time.Millisecond

// addRange inserts r into the sorted, merged list rs.
func addRange(rs []TimeRange, r TimeRange) []TimeRange {
	if r.End <= r.Start {
		return rs
	}
	i := 0
	for i < len(rs) && rs[i].End+mergeGap < r.Start {
		i++
	}
	j := i
	for j < len(rs) && rs[j].Start <= r.End+mergeGap {
		r.Start = min(r.Start, rs[j].Start)
		r.End = max(r.End, rs[j].End)
		j++
	}
	if i == j {
		rs = append(rs, TimeRange{})
		copy(rs[i+1:], rs[i:])
		rs[i] = r
		return rs
	}
	rs[i] = r
	return append(rs[:i+1], rs[j:]...)
}

// dropBefore removes the media before pos.
func dropBefore(rs []TimeRange, pos time.Duration) []TimeRange {
	k := 0
	for k < len(rs) && rs[k].End <= pos {
		k++
	}
	if k == 0 {
		return rs
	}
	n := copy(rs, rs[k:])
	return rs[:n]
}
