package manifest

import (
	"fmt"
	"math"
	"time"
)

// errNoAvailabilityStart is returned for a dynamic presentation without
// MPD@availabilityStartTime.
var errNoAvailabilityStart = fmt.Errorf("%w: dynamic presentation without availabilityStartTime", ErrBadIndex)

// Available returns the positions of the first and the last segment
// (inclusive) that can be requested at wall-clock time now.
//
// For a dynamic DASH presentation it applies ISO/IEC 23009-1 5.3.9.5.3 as
// DASH-IF IOP restates it, with AST = MPD@availabilityStartTime and
// Start, Duration the segment's place on the presentation timeline:
//
//	available from   AST + Start + Duration - availabilityTimeOffset
//	available until  AST + Start + 2*Duration + timeShiftBufferDepth
//
// The availabilityTimeOffset is the index's plus that of the first
// (best) BaseURL. "INF" makes every listed segment available; for an
// open-ended index it makes a segment available from its start. Without
// timeShiftBufferDepth segments never leave the window.
//
// For static presentations every segment is available; for HLS
// (AddrPlaylist) the playlist is the window: all its segments. When no
// segment is available the error is ErrNoSegmentAvailable.
func (x *SegmentIndex) Available(now time.Time, p *Presentation) (first, last int, err error) {
	if x.NeedsIndex() {
		return 0, -1, ErrIndexRequired
	}
	prep, err := x.prepared()
	if err != nil {
		return 0, -1, err
	}
	if x.Addressing == AddrPlaylist || p == nil || !p.Live || p.Format == FormatHLS {
		if x.Addressing == AddrPlaylist && x.Playlist != nil && !x.Playlist.Loaded {
			return 0, -1, fmt.Errorf("%w: media playlist %s not loaded", ErrNoSegmentAvailable, x.Playlist.URL)
		}
		if prep.open {
			return 0, -1, fmt.Errorf("%w: open-ended index of a static presentation", ErrBadIndex)
		}
		if prep.total == 0 {
			return 0, -1, ErrNoSegmentAvailable
		}
		return 0, int(prep.total) - 1, nil
	}
	if p.Timing.AvailabilityStart.IsZero() {
		return 0, -1, errNoAvailabilityStart
	}
	elapsed := now.Sub(p.Timing.AvailabilityStart)
	ato := x.AvailabilityTimeOffset
	if len(x.BaseURLs) > 0 {
		ato = addATO(ato, x.BaseURLs[0].AvailabilityTimeOffset)
	}
	inf := ato < 0
	tsb := p.Timing.TimeShiftBufferDepth

	times := func(i int64) (time.Duration, time.Duration) {
		switch x.Addressing {
		case AddrTemplate, AddrTimeline:
			s := x.templateSegment(prep, i)
			return s.Start, s.Duration
		case AddrBase:
			if !x.IndexApplied {
				return x.PeriodStart, x.PeriodDuration
			}
		}
		return x.Segments[i].Start, x.Segments[i].Duration
	}
	// startsBy reports whether segment i is available by elapsed.
	startsBy := func(i int64) bool {
		st, d := times(i)
		a := ato
		if inf {
			a = d
		}
		return satAdd(st, d-a) <= elapsed
	}
	// endsAfter reports whether segment i is still available at elapsed.
	endsAfter := func(i int64) bool {
		if tsb <= 0 {
			return true
		}
		st, d := times(i)
		return satAdd(satAdd(st, 2*d), tsb) > elapsed
	}

	// Last available: the largest i with startsBy(i).
	var hi int64 // first position known not to satisfy startsBy
	switch {
	case !prep.open && inf:
		hi = prep.total
	case !prep.open:
		hi = searchFirst(0, prep.total, func(i int64) bool { return !startsBy(i) })
	default:
		// Open-ended: gallop to a position that is not yet available.
		lo := prep.total
		step := int64(1)
		for {
			probe := lo + step
			if probe < 0 || probe > math.MaxInt64/4 {
				return 0, -1, fmt.Errorf("%w: live edge beyond the largest position", ErrTooManySegments)
			}
			if !startsBy(probe) {
				hi = searchFirst(lo, probe+1, func(i int64) bool { return !startsBy(i) })
				break
			}
			lo = probe
			step *= 2
		}
	}
	lastPos := hi - 1
	if lastPos < 0 {
		return 0, -1, fmt.Errorf("%w: first segment not available before %s", ErrNoSegmentAvailable, x.firstAvailableAt(p, times, ato, inf))
	}
	firstPos := searchFirst(0, lastPos+1, endsAfter)
	if firstPos > lastPos {
		return 0, -1, fmt.Errorf("%w: every segment left the time-shift buffer", ErrNoSegmentAvailable)
	}
	return int(firstPos), int(lastPos), nil
}

// firstAvailableAt is the wall-clock time the first segment becomes
// available, for error messages.
func (x *SegmentIndex) firstAvailableAt(p *Presentation, times func(int64) (time.Duration, time.Duration), ato time.Duration, inf bool) string {
	if n, _ := x.Len(); n == 0 && !x.isOpen() {
		return "ever (no segments)"
	}
	st, d := times(0)
	if inf {
		ato = d
	}
	return p.Timing.AvailabilityStart.Add(satAdd(st, d-ato)).UTC().Format(time.RFC3339Nano)
}

func (x *SegmentIndex) isOpen() bool {
	p, err := x.prepared()
	return err == nil && p.open
}

// searchFirst returns the smallest i in [lo, hi) with f(i) true, or hi;
// f must be monotonic (false then true).
func searchFirst(lo, hi int64, f func(int64) bool) int64 {
	for lo < hi {
		m := lo + (hi-lo)/2
		if f(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// satAdd adds two durations, saturating instead of wrapping.
func satAdd(a, b time.Duration) time.Duration {
	c := a + b
	if a > 0 && b > 0 && c < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && c >= 0 {
		return math.MinInt64
	}
	return c
}
