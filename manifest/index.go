package manifest

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// Sentinel errors of segment addressing; test with errors.Is.
var (
	// ErrIndexRequired means the segments of an AddrBase index are only
	// known once its sidx was applied (see NeedsIndex and ApplySidx).
	ErrIndexRequired = errors.New("segment index (sidx) not applied yet")
	// ErrSegmentOutOfRange means a position past the end of a bounded
	// index, or a negative one.
	ErrSegmentOutOfRange = errors.New("segment position out of range")
	// ErrTooManySegments means the addressing describes more segments
	// than MaxSegments: the input is absurd or hostile.
	ErrTooManySegments = errors.New("too many segments")
	// ErrNoSegmentAvailable means no segment of a live index is available
	// at the given time (too early, or all gone from the time-shift
	// buffer).
	ErrNoSegmentAvailable = errors.New("no segment available")
	// ErrBadIndex means the addressing fields of a SegmentIndex are
	// inconsistent (e.g. a zero timescale or segment duration).
	ErrBadIndex = errors.New("inconsistent segment index")
)

// MaxSegments is the largest number of segments one bounded index may
// describe: 10^8 is more than three years of one-second segments. Counts
// are computed arithmetically, so the cap only guards callers that
// iterate.
const MaxSegments = 100_000_000

// indexPrep holds the lookup tables of a prepared index.
type indexPrep struct {
	// runs has one entry per Timeline entry (AddrTimeline, AddrList with
	// timeline).
	runs []timelineRun
	// total is the number of positions of the bounded part.
	total int64
	// open is true when the index has no end (live without a known
	// period end).
	open bool
	// media is the compiled media template (AddrTemplate, AddrTimeline).
	media *compiledTemplate
	// init is the initialisation segment (template-expanded for
	// templates).
	init *InitSegment
}

// timelineRun is a resolved S element: the media time and number of its
// first segment sequence and the position of its first segment.
type timelineRun struct {
	t   uint64
	num uint64
	pos int64
}

// Prepare validates the addressing fields and computes the lookup tables
// that make Len, Segment, SegmentAt and Available cost O(log n) without
// expanding templates or timelines. ParseDASH prepares every index it
// builds; call Prepare again after changing fields of a SegmentIndex by
// hand. An unprepared index still works, computing the tables on every
// call. Apart from ApplySidx, the methods never modify the index, so a
// prepared index may be read from several goroutines.
func (x *SegmentIndex) Prepare() error {
	p, err := x.compute()
	if err != nil {
		return err
	}
	x.prep = p
	return nil
}

// prepared returns the lookup tables, computing them when Prepare was
// not called.
func (x *SegmentIndex) prepared() (*indexPrep, error) {
	if x.prep != nil {
		return x.prep, nil
	}
	return x.compute()
}

func (x *SegmentIndex) timescale() uint64 {
	if x.Timescale == 0 {
		return 1
	}
	return x.Timescale
}

func (x *SegmentIndex) bases() []BaseURL {
	if len(x.BaseURLs) == 0 {
		return []BaseURL{{}}
	}
	return x.BaseURLs
}

// periodEndTicks returns the period end in media time (timescale units,
// including presentationTimeOffset) and whether it is known.
func (x *SegmentIndex) periodEndTicks() (uint64, bool) {
	if x.PeriodDuration <= 0 {
		return 0, false
	}
	d := dashDurationToTicks(x.PeriodDuration, x.timescale())
	if d > math.MaxUint64-x.PresentationTimeOffset {
		return math.MaxUint64, true
	}
	return x.PresentationTimeOffset + d, true
}

func (x *SegmentIndex) compute() (*indexPrep, error) {
	p := &indexPrep{}
	switch x.Addressing {
	case AddrTemplate, AddrTimeline:
		if x.Timescale == 0 {
			return nil, fmt.Errorf("%w: timescale is 0", ErrBadIndex)
		}
		parts := parseTemplate(x.Media, x.RepresentationID, x.Bandwidth, func(string, ...any) {})
		ct, err := compileTemplate(parts, x.bases())
		if err != nil {
			return nil, fmt.Errorf("%w: media template %q: %v", ErrBadIndex, x.Media, err)
		}
		p.media = ct
		if x.Initialization != "" {
			ip := parseTemplate(x.Initialization, x.RepresentationID, x.Bandwidth, func(string, ...any) {})
			ic, err := compileTemplate(ip, x.bases())
			if err != nil {
				return nil, fmt.Errorf("%w: initialization template %q: %v", ErrBadIndex, x.Initialization, err)
			}
			p.init = &InitSegment{URLs: ic.urls(x.StartNumber, x.PresentationTimeOffset, 1)}
		}
		if x.Addressing == AddrTimeline {
			if err := x.computeRuns(p); err != nil {
				return nil, err
			}
		} else if err := x.computeTemplateCount(p); err != nil {
			return nil, err
		}
	case AddrList:
		p.init = x.Init
		p.total = int64(len(x.Segments))
	case AddrBase:
		p.init = x.Init
		switch {
		case x.IndexApplied:
			p.total = int64(len(x.Segments))
		case x.NeedsIndex():
			p.open = false
		default:
			p.total = 1
		}
	case AddrPlaylist:
		p.init = x.Init
		p.total = int64(len(x.Segments))
	default:
		return nil, fmt.Errorf("%w: unknown addressing %q", ErrBadIndex, x.Addressing)
	}
	return p, nil
}

// computeTemplateCount counts the segments of a SegmentTemplate with
// @duration: up to @endNumber and up to the period end, whichever comes
// first; open-ended when neither is known.
func (x *SegmentIndex) computeTemplateCount(p *indexPrep) error {
	if x.Duration == 0 {
		// No @duration and no timeline: one segment spans the period.
		p.total = 1
		return nil
	}
	count := uint64(math.MaxUint64)
	bounded := false
	if x.EndNumber != 0 {
		bounded = true
		if x.EndNumber < x.StartNumber {
			count = 0
		} else {
			count = x.EndNumber - x.StartNumber + 1
		}
	}
	if x.PeriodDuration > 0 {
		bounded = true
		ticks := dashDurationToTicks(x.PeriodDuration, x.timescale())
		n := ticks / x.Duration
		if ticks%x.Duration != 0 {
			n++
		}
		count = min(count, n)
	}
	if !bounded {
		p.open = true
		return nil
	}
	if count > MaxSegments {
		return fmt.Errorf("%w: template describes %d segments (max %d)", ErrTooManySegments, count, MaxSegments)
	}
	p.total = int64(count)
	return nil
}

// computeRuns resolves the SegmentTimeline into runs: explicit @t gaps,
// @n renumbering, and @r=-1 repeated up to the next S@t or the period end
// (ceil((end - t) / d), as ExoPlayer and Shaka count).
func (x *SegmentIndex) computeRuns(p *indexPrep) error {
	tl := x.Timeline
	p.runs = make([]timelineRun, len(tl))
	var t uint64
	num := x.StartNumber
	var pos int64
	endTicks, endKnown := x.periodEndTicks()
	for i, e := range tl {
		if e.HasT {
			t = e.T
		}
		if e.HasN {
			num = e.N
		}
		if e.D == 0 {
			return fmt.Errorf("%w: S[%d]@d is 0", ErrBadIndex, i)
		}
		k := max(e.K, 1)
		p.runs[i] = timelineRun{t: t, num: num, pos: pos}
		var n uint64
		switch {
		case e.R >= 0:
			n = uint64(e.R) + 1
		case i+1 < len(tl) && tl[i+1].HasT:
			n = ceilDiv(tl[i+1].T, t, e.D)
		case i+1 < len(tl):
			// r=-1 is only allowed before an S with @t; count it once.
			n = 1
		case endKnown:
			n = ceilDiv(endTicks, t, e.D)
		default:
			p.open = true
			p.total = pos
			return nil
		}
		if n > MaxSegments || n*k > MaxSegments || uint64(pos)+n*k > MaxSegments {
			return fmt.Errorf("%w: timeline describes more than %d segments", ErrTooManySegments, MaxSegments)
		}
		pos += int64(n * k)
		hi, span := mulOverflow(n, e.D)
		if hi || span > math.MaxUint64-t {
			return fmt.Errorf("%w: timeline S[%d] runs past the largest media time", ErrBadIndex, i)
		}
		t += span
		num += n
	}
	p.total = pos
	return nil
}

// ceilDiv returns ceil((end-start)/d), 0 when end <= start.
func ceilDiv(end, start, d uint64) uint64 {
	if end <= start {
		return 0
	}
	span := end - start
	n := span / d
	if span%d != 0 {
		n++
	}
	return n
}

func mulOverflow(a, b uint64) (bool, uint64) {
	if a == 0 || b == 0 {
		return false, 0
	}
	c := a * b
	return c/b != a, c
}

// NeedsIndex reports whether the segments are known only after the sidx
// at IndexRange was fetched and applied with ApplySidx (AddrBase).
func (x *SegmentIndex) NeedsIndex() bool {
	return x.Addressing == AddrBase && !x.IndexApplied && !x.IndexRange.IsZero()
}

// Len returns the number of segments. bounded is false when the index is
// open-ended (a live representation without a known end: Segment accepts
// every position from 0 on and Available says which exist) or when the
// count is not known yet (NeedsIndex). For an open-ended timeline n counts
// the segments before the open-ended S element.
func (x *SegmentIndex) Len() (n int, bounded bool) {
	if x.NeedsIndex() {
		return 0, false
	}
	p, err := x.prepared()
	if err != nil {
		return 0, true
	}
	return int(p.total), !p.open
}

// InitSegment returns the initialisation segment (template-expanded for
// templates), nil when none is declared.
func (x *SegmentIndex) InitSegment() *InitSegment {
	p, err := x.prepared()
	if err != nil {
		return nil
	}
	return p.init
}

// Segment returns the segment at position i (0-based, in presentation
// order). Templates and timelines are computed on demand. URLs[k] is
// derived from BaseURLs[k]; the URLs slice may be shared with other
// segments and must not be modified.
func (x *SegmentIndex) Segment(i int) (Segment, error) {
	var s Segment
	if x.NeedsIndex() {
		return s, ErrIndexRequired
	}
	p, err := x.prepared()
	if err != nil {
		return s, err
	}
	if i < 0 || (!p.open && int64(i) >= p.total) {
		return s, fmt.Errorf("%w: %d", ErrSegmentOutOfRange, i)
	}
	switch x.Addressing {
	case AddrTemplate, AddrTimeline:
		s = x.templateSegment(p, int64(i))
		s.URLs = p.media.urls(s.Number, s.Time, max(s.SubNumber, 1))
	case AddrBase:
		if !x.IndexApplied {
			return x.wholeResource(p), nil
		}
		s = x.Segments[i]
	default:
		s = x.Segments[i]
	}
	return s, nil
}

// wholeResource is the single segment of an AddrBase index without an
// index range: the whole resource for the whole period.
func (x *SegmentIndex) wholeResource(p *indexPrep) Segment {
	s := Segment{
		Number:   max(x.StartNumber, 1),
		Time:     x.PresentationTimeOffset,
		Start:    x.PeriodStart,
		Duration: x.PeriodDuration,
		Init:     p.init,
	}
	for _, b := range x.bases() {
		s.URLs = append(s.URLs, b.URL)
	}
	return s
}

// AppendSegments appends up to n segments starting at position from to
// dst and returns the extended slice; fewer are appended when a bounded
// index ends. The URLs of the whole batch share one allocation.
func (x *SegmentIndex) AppendSegments(dst []Segment, from, n int) ([]Segment, error) {
	if x.NeedsIndex() {
		return dst, ErrIndexRequired
	}
	p, err := x.prepared()
	if err != nil {
		return dst, err
	}
	if from < 0 || n < 0 {
		return dst, fmt.Errorf("%w: from %d, n %d", ErrSegmentOutOfRange, from, n)
	}
	end := int64(from) + int64(n)
	if !p.open && end > p.total {
		end = p.total
	}
	if int64(from) >= end {
		return dst, nil
	}
	switch x.Addressing {
	case AddrTemplate, AddrTimeline:
	case AddrBase:
		if !x.IndexApplied {
			return append(dst, x.wholeResource(p)), nil
		}
		return append(dst, x.Segments[from:end]...), nil
	default:
		return append(dst, x.Segments[from:end]...), nil
	}
	count := int(end - int64(from))
	nb := len(p.media.perBase)
	buf := make([]byte, 0, min(count*nb*(len(x.Media)+48), 64<<10))
	first := len(dst)
	for i := int64(from); i < end; i++ {
		s := x.templateSegment(p, i)
		for bi := range nb {
			buf = p.media.appendURL(buf, bi, s.Number, s.Time, max(s.SubNumber, 1))
			buf = append(buf, 0)
		}
		dst = append(dst, s)
	}
	all := string(buf)
	urls := make([]string, count*nb)
	off := 0
	for j := range urls {
		e := off
		for all[e] != 0 {
			e++
		}
		urls[j] = all[off:e]
		off = e + 1
	}
	for j := range count {
		dst[first+j].URLs = urls[j*nb : (j+1)*nb : (j+1)*nb]
	}
	return dst, nil
}

// templateSegment computes everything but the URLs of position i of a
// template or timeline index.
func (x *SegmentIndex) templateSegment(p *indexPrep, i int64) Segment {
	ts := x.timescale()
	s := Segment{Init: p.init}
	if x.Addressing == AddrTemplate {
		if x.Duration == 0 {
			s.Number = x.StartNumber
			s.Time = x.PresentationTimeOffset
			s.Start = x.PeriodStart
			s.Duration = x.PeriodDuration
			return s
		}
		s.Number = x.StartNumber + uint64(i)
		s.Time = x.PresentationTimeOffset + uint64(i)*x.Duration
		off := dashTicksToDuration(uint64(i)*x.Duration, ts)
		s.Start = x.PeriodStart + off
		s.Duration = dashTicksToDuration(uint64(i+1)*x.Duration, ts) - off
		return s
	}
	r := x.runAt(p, i)
	run := p.runs[r]
	e := x.Timeline[r]
	k := max(e.K, 1)
	off := uint64(i - run.pos)
	seq, sub := off/k, off%k
	s.Number = run.num + seq
	s.Time = run.t + seq*e.D
	start, dur := s.Time, e.D
	if k > 1 {
		s.SubNumber = sub + 1
		part := e.D / k
		start += sub * part
		dur = part
		if sub == k-1 {
			dur = e.D - (k-1)*part
		}
	}
	// Start and end are converted separately so that consecutive
	// segments tile the timeline without rounding gaps.
	rel := x.mediaToPeriod(start)
	s.Start = x.PeriodStart + rel
	s.Duration = x.mediaToPeriod(start+dur) - rel
	return s
}

// mediaToPeriod converts a media time to the offset from the period
// start (media time less presentationTimeOffset), possibly negative.
func (x *SegmentIndex) mediaToPeriod(t uint64) time.Duration {
	ts := x.timescale()
	if t >= x.PresentationTimeOffset {
		return dashTicksToDuration(t-x.PresentationTimeOffset, ts)
	}
	return -dashTicksToDuration(x.PresentationTimeOffset-t, ts)
}

// runAt returns the run holding position i (the last run whose first
// position is <= i, which skips runs of zero segments).
func (x *SegmentIndex) runAt(p *indexPrep, i int64) int {
	r := sort.Search(len(p.runs), func(j int) bool { return p.runs[j].pos > i })
	return r - 1
}

// runLen returns the number of positions of run r (MaxInt64 for the
// open-ended last run).
func (x *SegmentIndex) runLen(p *indexPrep, r int) int64 {
	if r+1 < len(p.runs) {
		return p.runs[r+1].pos - p.runs[r].pos
	}
	if p.open {
		return math.MaxInt64 - p.runs[r].pos
	}
	return p.total - p.runs[r].pos
}

// SegmentAt returns the position of the segment whose media interval
// contains the presentation time t (on the presentation timeline, like
// Segment.Start). When t falls before the first segment or into a gap it
// returns the next segment's position and false; past the end it returns
// the count and false.
func (x *SegmentIndex) SegmentAt(t time.Duration) (int, bool) {
	if x.NeedsIndex() {
		return 0, false
	}
	p, err := x.prepared()
	if err != nil {
		return 0, false
	}
	switch x.Addressing {
	case AddrTemplate:
		if x.Duration == 0 {
			if t < x.PeriodStart {
				return 0, false
			}
			if x.PeriodDuration > 0 && t >= x.PeriodStart+x.PeriodDuration {
				return 1, false
			}
			return 0, true
		}
		if t < x.PeriodStart {
			return 0, false
		}
		i := dashDurationToTicks(t-x.PeriodStart, x.timescale()) / x.Duration
		if !p.open && i >= uint64(p.total) {
			return int(p.total), false
		}
		return int(i), true
	case AddrTimeline:
		return x.timelineAt(p, t)
	case AddrBase:
		if !x.IndexApplied {
			if t < x.PeriodStart {
				return 0, false
			}
			if x.PeriodDuration > 0 && t >= x.PeriodStart+x.PeriodDuration {
				return 1, false
			}
			return 0, true
		}
	}
	segs := x.Segments
	i := sort.Search(len(segs), func(j int) bool { return segs[j].Start+segs[j].Duration > t })
	if i == len(segs) {
		return i, false
	}
	return i, segs[i].Start <= t
}

func (x *SegmentIndex) timelineAt(p *indexPrep, t time.Duration) (int, bool) {
	if len(p.runs) == 0 {
		return 0, false
	}
	rel := t - x.PeriodStart
	ts := x.timescale()
	var ticks uint64
	if rel >= 0 {
		d := dashDurationToTicks(rel, ts)
		if d > math.MaxUint64-x.PresentationTimeOffset {
			return int(p.total), false
		}
		ticks = x.PresentationTimeOffset + d
	} else {
		d := dashDurationToTicks(-rel, ts)
		if d > x.PresentationTimeOffset {
			return 0, false
		}
		ticks = x.PresentationTimeOffset - d
	}
	r := sort.Search(len(p.runs), func(j int) bool { return p.runs[j].t > ticks }) - 1
	if r < 0 {
		return 0, false
	}
	run, e := p.runs[r], x.Timeline[r]
	k := max(e.K, 1)
	seq := (ticks - run.t) / e.D
	nseq := uint64(x.runLen(p, r)) / k
	if seq >= nseq {
		next := run.pos + x.runLen(p, r)
		return int(next), false
	}
	pos := run.pos + int64(seq*k)
	if k > 1 {
		part := e.D / k
		if part > 0 {
			pos += int64(min((ticks-run.t-seq*e.D)/part, k-1))
		}
	}
	return int(pos), true
}
