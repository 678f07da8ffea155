package qoe

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrInvalidSession is returned (wrapped) by Session.Validate for a log that
// breaks one of the documented invariants.
var ErrInvalidSession = errors.New("qoe: invalid session log")

// Segment is one download in a session log: a media segment that was
// requested, whether it completed or not.
//
// Times named Download* are offsets from the start of the session on the
// clock that drove it (virtual in the simulator, wall clock in the player).
type Segment struct {
	// Index is the media segment number within the presentation (0-based in
	// the simulator; live streams may start anywhere).
	Index int
	// Rung is the ladder index of the representation, 0 = lowest bitrate.
	Rung int
	// Bitrate is the nominal bitrate of the rung, in bit/s. The QoE models
	// score this value.
	Bitrate int64
	// Size is the number of bytes received. For an abandoned download it is
	// the partial count.
	Size int64
	// Duration is the media duration of the segment.
	Duration time.Duration
	// DownloadStart is when the request was issued.
	DownloadStart time.Duration
	// DownloadEnd is when the last byte arrived (or the download was
	// abandoned).
	DownloadEnd time.Duration
	// TTFB is the time from the request to the first byte.
	TTFB time.Duration
	// Rebuffer is the stall time charged to this segment: how long playback
	// was stalled, after it had started, waiting for this segment. The wait
	// for the first segment before playback starts is not a stall; it is
	// Session.StartupDelay. A record that did not play may carry stall time
	// (a stall during an abandoned download); scorers move it to the next
	// record that played.
	Rebuffer time.Duration
	// BufferAfter is the buffer level right after this download was handled.
	BufferAfter time.Duration
	// Abandoned is true when the download was stopped before it completed;
	// the segment was not buffered and did not play.
	Abandoned bool
	// Replacement is true when this download replaced a segment that was
	// already buffered (Sabre's "fast switching"); the earlier record is
	// marked Replaced.
	Replacement bool
	// Replaced is true when this segment was buffered but later overwritten
	// by a replacement download before it played; it did not play.
	Replaced bool
}

// Played reports whether the segment was played: it completed and was not
// replaced.
func (s *Segment) Played() bool { return !s.Abandoned && !s.Replaced }

// Session is the log of one streaming session: every download in the order
// it was issued, plus facts only the playback side knows.
//
// Play order is the order of Segment.Index among the records that played. A
// log whose Index values never decrease (the usual case: abandonments retry
// the same index, there are no replacements) is scored without allocating;
// otherwise the scorers sort a copy of the record positions.
type Session struct {
	// Segments holds one record per download, in the order issued.
	Segments []Segment
	// Ladder holds the bitrates of the rungs in bit/s, ascending. It may be
	// nil; the "log" model uses Ladder[0] as its base when its own base is 0.
	Ladder []int64
	// StartupDelay is the time from the session start until playback
	// started.
	StartupDelay time.Duration
	// PlayTime is the total time media was actually playing (stalls and
	// startup excluded).
	PlayTime time.Duration
	// StallCount is the number of stalls after playback started.
	StallCount int
	// StallTime is the total stall time after playback started.
	StallTime time.Duration
}

// Validate checks the invariants documented on Session and Segment: a
// strictly ascending positive ladder, non-negative sizes, durations and
// counts, positive bitrates, rungs inside the ladder when one is given,
// downloads that do not end before they start, and no record that is both
// abandoned and replaced. The error wraps ErrInvalidSession and names the
// offending record by its position in Segments and its Index.
func (s *Session) Validate() error {
	for i, b := range s.Ladder {
		if b <= 0 {
			return fmt.Errorf("%w: ladder rung %d: bitrate %d bit/s is not positive", ErrInvalidSession, i, b)
		}
		if i > 0 && b <= s.Ladder[i-1] {
			return fmt.Errorf("%w: ladder rung %d: bitrate %d bit/s is not above rung %d (%d bit/s)",
				ErrInvalidSession, i, b, i-1, s.Ladder[i-1])
		}
	}
	if s.StartupDelay < 0 || s.PlayTime < 0 || s.StallTime < 0 || s.StallCount < 0 {
		return fmt.Errorf("%w: negative session fact (startup %v, play %v, stalls %d for %v)",
			ErrInvalidSession, s.StartupDelay, s.PlayTime, s.StallCount, s.StallTime)
	}
	for i := range s.Segments {
		if err := s.Segments[i].validate(len(s.Ladder)); err != nil {
			return fmt.Errorf("%w: segment record %d (index %d): %s", ErrInvalidSession, i, s.Segments[i].Index, err)
		}
	}
	return nil
}

// validate returns a description of the first broken invariant, or nil.
func (s *Segment) validate(rungs int) error {
	switch {
	case s.Index < 0:
		return fmt.Errorf("index %d is negative", s.Index)
	case s.Rung < 0 || (rungs > 0 && s.Rung >= rungs):
		return fmt.Errorf("rung %d is outside the ladder of %d rungs", s.Rung, rungs)
	case s.Bitrate <= 0:
		return fmt.Errorf("bitrate %d bit/s is not positive", s.Bitrate)
	case s.Size < 0:
		return fmt.Errorf("size %d bytes is negative", s.Size)
	case s.Duration < 0 || s.TTFB < 0 || s.Rebuffer < 0 || s.BufferAfter < 0 || s.DownloadStart < 0:
		return fmt.Errorf("negative duration (media %v, ttfb %v, rebuffer %v, buffer %v, start %v)",
			s.Duration, s.TTFB, s.Rebuffer, s.BufferAfter, s.DownloadStart)
	case s.DownloadEnd < s.DownloadStart:
		return fmt.Errorf("download ends at %v before it starts at %v", s.DownloadEnd, s.DownloadStart)
	case s.Abandoned && s.Replaced:
		return errors.New("an abandoned download cannot have been replaced")
	}
	return nil
}

// playIter walks the records that played, in play order, and hands each
// one the stall time charged to it plus any stall time of records before it
// that did not play.
type playIter struct {
	segs  []Segment
	order []int // record positions sorted by Index; nil when log order is play order
	pos   int
}

// newPlayIter prepares a walk over segs. It allocates only when Index
// decreases somewhere in the log.
func newPlayIter(segs []Segment) playIter {
	it := playIter{segs: segs}
	for i := 1; i < len(segs); i++ {
		if segs[i].Index < segs[i-1].Index {
			it.order = make([]int, len(segs))
			for j := range it.order {
				it.order[j] = j
			}
			slices.SortStableFunc(it.order, func(a, b int) int { return cmp.Compare(segs[a].Index, segs[b].Index) })
			break
		}
	}
	return it
}

// next returns the next played record and the stall time charged to it. ok
// is false when no played record is left; stall time of trailing records
// that did not play is then dropped, as there is no segment to charge.
func (it *playIter) next() (seg *Segment, rebuffer time.Duration, ok bool) {
	for it.pos < len(it.segs) {
		k := it.pos
		if it.order != nil {
			k = it.order[it.pos]
		}
		it.pos++
		s := &it.segs[k]
		rebuffer += s.Rebuffer
		if s.Played() {
			return s, rebuffer, true
		}
	}
	return nil, 0, false
}

// PlayedCount returns the number of records that played.
func (s *Session) PlayedCount() int {
	n := 0
	for i := range s.Segments {
		if s.Segments[i].Played() {
			n++
		}
	}
	return n
}
