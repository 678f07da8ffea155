package player

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
)

// track is one elementary stream the session fetches: the video (main)
// track and, when the manifest has separate audio, an audio track.
type track struct {
	id      int
	content manifest.ContentType
	main    bool
	// period is the index of the period being fetched; sets and
	// periodReps hold the adaptation set and its playable
	// representations of every period.
	period     int
	sets       []*manifest.AdaptationSet
	periodReps [][]*manifest.Representation
	set        *manifest.AdaptationSet
	// reps is the ladder: the set's representations by ascending
	// bandwidth (stable for equal bandwidths).
	reps   []*manifest.Representation
	ladder abr.Ladder

	// inits caches each rung's init segment (nil: not fetched yet) and
	// initSizes their sizes in bytes.
	inits     [][]byte
	initSizes []int64
	// initRung is the rung whose init segment was delivered last, -1.
	initRung int

	// next is the index of the next segment to fetch in the current
	// representation, -1 when it must be found from nextStart.
	next      int
	nextStart time.Duration
	// lastRung is the rung of the last completed media download, -1.
	lastRung int
	// finished is true once every segment was fetched.
	finished bool
	// sinceSeek counts completed media downloads since the start or the
	// last seek.
	sinceSeek int

	// buf holds the forward buffer from head on, oldest first.
	buf      []bufSeg
	head     int
	bufBytes int64
	// end is the end of the buffered media.
	end time.Duration
	// bufVer changes whenever buf does.
	bufVer uint64

	// The pending fetch plan: set by a decision, consumed by the media
	// request.
	plan    plan
	hasPlan bool
	// full is true while the track waits for buffer room, since
	// fullSince.
	full      bool
	fullSince time.Duration

	// f is the resource being fetched (or waiting for a timer).
	f fetchState

	// sidxMore lists the index ranges of a hierarchical sidx of sidxRep
	// still to fetch.
	sidxRep  *manifest.Representation
	sidxMore []manifest.ByteRange
}

// plan is a decided fetch.
type plan struct {
	seg     int
	rung    int
	replace bool
}

// bufSeg is a buffered media segment.
type bufSeg struct {
	seg        int
	rung       int
	period     int
	rep        *manifest.Representation
	start, end time.Duration
	bytes      int64
	bitrate    int64
	// logIdx is the segment's record in the session log, -1 for none.
	logIdx  int
	started bool
}

// buffered returns the forward buffer.
func (t *track) buffered() []bufSeg { return t.buf[t.head:] }

// push appends a segment to the forward buffer.
func (t *track) push(b bufSeg) {
	if t.head > 16 && t.head*2 > len(t.buf) {
		n := copy(t.buf, t.buf[t.head:])
		clear(t.buf[n:])
		t.buf, t.head = t.buf[:n], 0
	}
	t.buf = append(t.buf, b)
	t.bufVer++
	t.bufBytes += b.bytes
	t.end = max(t.end, b.end)
}

// popPlayed drops segments that ended at or before pos; it returns true
// when the head segment changed.
func (t *track) popPlayed(pos time.Duration) bool {
	changed := false
	for t.head < len(t.buf) && t.buf[t.head].end <= pos {
		t.bufBytes -= t.buf[t.head].bytes
		t.head++
		changed = true
	}
	if t.head == len(t.buf) {
		t.buf, t.head = t.buf[:0], 0
	}
	if changed {
		t.bufVer++
	}
	return changed
}

// flush empties the forward buffer.
func (t *track) flush(pos time.Duration) {
	t.buf, t.head, t.bufBytes = t.buf[:0], 0, 0
	t.end = pos
	t.bufVer++
}

// level returns the track's forward buffer at pos.
func (t *track) level(pos time.Duration) time.Duration {
	return max(t.end-pos, 0)
}

// setup selects the tracks of p and prepares their ladders. Every
// period must offer the same tracks (video, audio); they are played one
// after the other.
func (s *Session) setup(p *manifest.Presentation) error {
	if p.Live {
		return fmt.Errorf("%w: %s", ErrLive, p.URL)
	}
	if len(p.Periods) == 0 {
		return fmt.Errorf("%w: %s has no period", ErrNoTracks, p.URL)
	}
	var tracks []*track
	for k, period := range p.Periods {
		video, audio := pickSets(p.Format, period.AdaptationSets, s.cfg.AudioLanguage)
		if s.cfg.NoAudio && video != nil {
			audio = nil
		}
		var sets []*manifest.AdaptationSet
		var reps [][]*manifest.Representation
		if video != nil {
			r := video.Representations
			if audio != nil && p.Format == manifest.FormatHLS {
				r = variantsOfGroup(r, audio.ID)
			}
			sets, reps = append(sets, video), append(reps, r)
		}
		if audio != nil {
			sets, reps = append(sets, audio), append(reps, audio.Representations)
		}
		if len(sets) == 0 {
			return fmt.Errorf("%w: %s period %d has no video or audio adaptation set with representations", ErrNoTracks, p.URL, k)
		}
		if k == 0 {
			for i, set := range sets {
				content := set.ContentType
				if i == 0 && content == manifest.ContentUnknown {
					content = manifest.ContentVideo
				}
				tracks = append(tracks, &track{id: i, content: content, initRung: -1, next: -1, lastRung: -1})
			}
		} else if len(sets) != len(tracks) || (audio != nil) != (tracks[len(tracks)-1].content == manifest.ContentAudio) {
			return fmt.Errorf("%w: %s period %d has other tracks than period 0", ErrNoTracks, p.URL, k)
		}
		for i, t := range tracks {
			for _, r := range reps[i] {
				if r.Index == nil {
					return fmt.Errorf("%w: %s: representation %q has no segment index", ErrBadContent, p.URL, r.ID)
				}
			}
			t.sets = append(t.sets, sets[i])
			t.periodReps = append(t.periodReps, reps[i])
		}
	}
	tracks[0].main = true
	s.pres = p
	s.tracks = tracks
	s.main = tracks[0]
	k := s.periodAt(s.cfg.StartPosition)
	for _, t := range tracks {
		t.nextStart = max(s.cfg.StartPosition, p.Periods[k].Start)
		t.end = t.nextStart
		s.enterPeriod(t, k)
	}
	s.ph.pos = tracks[0].nextStart
	s.log.Ladder = make([]int64, len(s.main.reps))
	for q, r := range s.main.reps {
		s.log.Ladder[q] = r.Bandwidth
	}
	return nil
}

// periodAt returns the index of the period holding pos: the last one
// starting at or before it.
func (s *Session) periodAt(pos time.Duration) int {
	k := 0
	for i, p := range s.pres.Periods {
		if p.Start <= pos {
			k = i
		}
	}
	return k
}

// enterPeriod makes period k's adaptation set t's ladder.
func (s *Session) enterPeriod(t *track, k int) {
	prevRate := int64(-1)
	if t.lastRung >= 0 {
		prevRate = t.reps[t.lastRung].Bandwidth
	}
	t.period = k
	t.set = t.sets[k]
	t.reps = slices.Clone(t.periodReps[k])
	slices.SortStableFunc(t.reps, func(a, b *manifest.Representation) int { return cmp.Compare(a.Bandwidth, b.Bandwidth) })
	n := len(t.reps)
	t.inits, t.initSizes, t.initRung = make([][]byte, n), make([]int64, n), -1
	t.ladder.Rungs = make([]abr.Rung, n)
	for q, r := range t.reps {
		t.ladder.Rungs[q] = abr.Rung{Bitrate: r.Bandwidth, Width: r.Width, Height: r.Height, FrameRate: r.FrameRate, Codecs: r.Codecs}
	}
	t.ladder.Segments, t.ladder.SegmentDuration = 0, 0
	t.next = -1
	t.nextStart = max(t.nextStart, s.pres.Periods[k].Start)
	t.sidxRep, t.sidxMore = nil, nil
	if prevRate >= 0 {
		// The rung of the new ladder closest to the last bitrate, so that
		// algorithms see a continuous "last rung".
		t.lastRung = 0
		for q, r := range t.reps {
			if r.Bandwidth <= prevRate {
				t.lastRung = q
			}
		}
	}
	s.refreshLadder(t)
	if t.main {
		s.applyConstraints()
		if s.log.Ladder != nil {
			s.logLadder(t)
		}
	}
}

// logLadder keeps the QoE log's ladder only while every period has the
// same bitrates.
func (s *Session) logLadder(t *track) {
	if len(s.log.Ladder) != len(t.reps) {
		s.log.Ladder = nil
		return
	}
	for q, r := range t.reps {
		if s.log.Ladder[q] != r.Bandwidth {
			s.log.Ladder = nil
			return
		}
	}
}

// endOfPeriod moves t to the next period when it fetched the last
// segment of its period, or marks it finished after the last period.
func (s *Session) endOfPeriod(t *track) {
	if t.period+1 < len(t.sets) {
		s.enterPeriod(t, t.period+1)
		return
	}
	t.finished = true
}

// refreshLadder sets the ladder's segment duration, count and size
// function from the first representation whose index is loaded.
func (s *Session) refreshLadder(t *track) {
	if t.ladder.Size == nil {
		t.ladder.Size = func(seg, q int) int64 { return s.segmentSize(t, seg, q) }
	}
	for _, r := range t.reps {
		ix := r.Index
		if ix.NeedsIndex() || (ix.Playlist != nil && !ix.Playlist.Loaded) {
			continue
		}
		n, bounded := ix.Len()
		if !bounded || n == 0 {
			continue
		}
		seg, err := ix.Segment(0)
		if err != nil {
			continue
		}
		t.ladder.Segments = n
		t.ladder.SegmentDuration = seg.Duration
		return
	}
	if t.ladder.SegmentDuration == 0 {
		t.ladder.SegmentDuration = s.pres.MaxSegmentDuration
	}
}

// segmentSize is the track ladder's size function: Config.Sizes for the
// main track when set, else the byte range of an explicitly listed
// segment, else -1.
func (s *Session) segmentSize(t *track, seg, q int) int64 {
	if t.main && s.cfg.Sizes != nil {
		return s.cfg.Sizes(seg, q)
	}
	if q < 0 || q >= len(t.reps) {
		return -1
	}
	ix := t.reps[q].Index
	switch ix.Addressing {
	case manifest.AddrList, manifest.AddrPlaylist, manifest.AddrBase:
		if seg >= 0 && seg < len(ix.Segments) && ix.Segments[seg].Range.Length > 0 {
			return ix.Segments[seg].Range.Length
		}
	}
	return -1
}

// pickSets chooses the video set and the audio set to play. Video: the
// first non-trick-mode video set with representations, preferring one
// with role "main". Audio: among the audio sets with representations
// (for HLS, the renditions rather than audio-only variants when video
// variants exist), the one matching lang, else one marked default or
// main, else the first. When there is no video set, audio (or the first
// set of unknown content) is the only track.
func pickSets(format manifest.Format, sets []*manifest.AdaptationSet, lang string) (video, audio *manifest.AdaptationSet) {
	var unknown *manifest.AdaptationSet
	for _, as := range sets {
		if as.IFrameOnly || len(as.Representations) == 0 {
			continue
		}
		switch as.ContentType {
		case manifest.ContentVideo:
			if video == nil || (hasRole(as, "main") && !hasRole(video, "main")) {
				video = as
			}
		case manifest.ContentUnknown:
			if unknown == nil {
				unknown = as
			}
		}
	}
	if video == nil {
		video = unknown
	}
	var cands []*manifest.AdaptationSet
	for _, as := range sets {
		if as.IFrameOnly || len(as.Representations) == 0 || as.ContentType != manifest.ContentAudio || as == video {
			continue
		}
		if format == manifest.FormatHLS && video != nil && as.ID == "variants-audio" {
			continue
		}
		cands = append(cands, as)
	}
	if format == manifest.FormatHLS && video != nil && len(cands) > 0 {
		// Prefer renditions of a group the variants reference.
		var referenced []*manifest.AdaptationSet
		for _, as := range cands {
			if len(variantsOfGroup(video.Representations, as.ID)) > 0 {
				referenced = append(referenced, as)
			}
		}
		if len(referenced) > 0 {
			cands = referenced
		}
	}
	if len(cands) == 0 {
		return video, nil
	}
	audio = cands[0]
	if lang != "" {
		for _, as := range cands {
			if langMatches(as.Language, lang) {
				return video, as
			}
		}
	}
	for _, as := range cands {
		if hasRole(as, "default") || hasRole(as, "main") {
			return video, as
		}
	}
	return video, audio
}

// variantsOfGroup returns the variants that reference audio group id, or
// all of them when none does (muxed audio, or DASH).
func variantsOfGroup(reps []*manifest.Representation, id string) []*manifest.Representation {
	var out []*manifest.Representation
	for _, r := range reps {
		if r.AudioGroup == id {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return reps
	}
	return out
}

func hasRole(as *manifest.AdaptationSet, role string) bool {
	for _, r := range as.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// langMatches reports whether tag has the BCP 47 prefix want.
func langMatches(tag, want string) bool {
	if len(tag) < len(want) || !strings.EqualFold(tag[:len(want)], want) {
		return false
	}
	return len(tag) == len(want) || tag[len(want)] == '-'
}
