package player

import (
	"math"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

// waitKind says why playback is not running although it is not paused.
type waitKind uint8

const (
	waitNone    waitKind = iota
	waitStartup          // before the first start
	waitStall            // rebuffering
	waitSeek             // buffering after a seek
)

// forever stands for an unbounded buffer level.
const forever = time.Duration(math.MaxInt64)

// playback is the headless playhead model and its accounting.
type playback struct {
	rate float64
	unit bool // rate == 1: integer arithmetic

	pos     time.Duration // playhead (media time)
	paused  bool
	wait    waitKind
	started bool // playback started at least once
	ended   bool
	playing bool // the last ActPlayback said playing

	startRef    time.Duration // when the wait for startup began
	hasStartRef bool
	pauseAtRef  time.Duration // pauseTime at startRef
	stallStart  time.Duration

	startup     time.Duration
	playTime    time.Duration // session time spent playing
	playedMedia time.Duration // media time played
	pauseTime   time.Duration
	rebuffer    time.Duration
	stalls      int
	seekWait    time.Duration
	bitSeconds  float64 // Σ bitrate × played media seconds (main track)
	// The main-track segment playing: its rung (-1 before the first) and
	// representation.
	lastRung int
	lastRep  *manifest.Representation
	switches int
}

func (p *playback) init(cfg *Config) {
	p.rate = cfg.PlaybackRate
	p.unit = cfg.PlaybackRate == 1
	p.pos = cfg.StartPosition
	p.wait = waitStartup
	p.lastRung = -1
}

// media converts session time to media time at the playback rate.
func (p *playback) media(d time.Duration) time.Duration {
	if p.unit {
		return d
	}
	return time.Duration(float64(d) * p.rate)
}

// wall converts media time to session time, rounding up.
func (p *playback) wall(m time.Duration) time.Duration {
	if p.unit || m == forever {
		return m
	}
	return time.Duration(math.Ceil(float64(m) / p.rate))
}

// advancing reports whether the playhead moves.
func (p *playback) advancing() bool {
	return !p.paused && p.wait == waitNone && !p.ended
}

// waiting reports whether playback waits for buffer.
func (p *playback) waiting() bool { return p.wait != waitNone && !p.ended }

func (p *playback) start(s *Session, now time.Duration) {
	if s.cfg.AutoPlay {
		p.startRef, p.hasStartRef, p.pauseAtRef = now, true, p.pauseTime
	} else {
		p.paused = true
	}
}

func (p *playback) setPaused(s *Session, paused bool) {
	p.paused = paused
	if !paused && !p.started && !p.hasStartRef {
		p.startRef, p.hasStartRef, p.pauseAtRef = s.now, true, p.pauseTime
	}
	p.setPlaying(s, p.advancing())
}

// setPlaying tells the sink whether to render.
func (p *playback) setPlaying(s *Session, playing bool) {
	if p.playing == playing {
		return
	}
	p.playing = playing
	s.push(Action{Kind: ActPlayback, Playing: playing})
}

// seek moves the playhead after the tracks were flushed.
func (p *playback) seek(s *Session, pos time.Duration) {
	if p.wait == waitStall {
		p.endStall(s)
	}
	p.pos = pos
	if p.started {
		p.wait = waitSeek
	} else {
		p.wait = waitStartup
	}
	p.lastRung, p.lastRep = -1, nil
	p.setPlaying(s, false)
}

// moveTo sets the playhead from the sink's report.
func (p *playback) moveTo(s *Session, pos time.Duration) {
	p.pos = max(pos, 0)
	s.popPlayed()
}

// end stops playback for good.
func (p *playback) end(s *Session) {
	p.setPlaying(s, false)
}

// endStall closes a stall.
func (p *playback) endStall(s *Session) {
	s.emit(Event{Kind: EvStallEnd, Track: -1, Duration: s.now - p.stallStart, Position: p.pos})
}

// checkResume starts or resumes playback when enough is buffered; it
// returns true when playback started moving.
func (p *playback) checkResume(s *Session) bool {
	if p.paused || p.ended || p.wait == waitNone || len(s.tracks) == 0 {
		return false
	}
	if p.atEnd(s) {
		p.finishStream(s)
		return false
	}
	thr := s.cfg.StartupThreshold
	if p.wait == waitStall {
		thr = s.cfg.RebufferThreshold
	}
	// Once every track has downloaded its last segment, the rest of the
	// stream is all that can be buffered (a short stream or the tail of
	// one can be shorter than the threshold).
	if end, ok := s.streamEnd(); ok {
		thr = min(thr, end-p.pos)
	}
	lvl := s.forwardLevel()
	ok := lvl > 0 && lvl >= thr
	if !ok && lvl > 0 {
		// The buffer cannot grow further: a track waits for room.
		for _, t := range s.tracks {
			if t.full {
				ok = true
			}
		}
	}
	if !ok {
		return false
	}
	switch p.wait {
	case waitStartup:
		p.started = true
		p.startup = s.now - p.startRef - (p.pauseTime - p.pauseAtRef)
		s.emit(Event{Kind: EvPlaybackStarted, Track: -1, Duration: p.startup, Position: p.pos})
	case waitStall:
		p.endStall(s)
	}
	p.wait = waitNone
	p.setPlaying(s, true)
	p.markHead(s)
	return true
}

// atEnd reports whether the playhead reached the end of the stream.
func (p *playback) atEnd(s *Session) bool {
	end, ok := s.streamEnd()
	return ok && p.pos >= end
}

// finishStream ends the session at the end of the stream.
func (p *playback) finishStream(s *Session) {
	p.ended = true
	p.wait = waitNone
	s.finish("")
}

// nextEvent returns when the buffer runs dry or the stream ends.
func (p *playback) nextEvent(s *Session) (time.Duration, bool) {
	if !p.advancing() || len(s.tracks) == 0 {
		return 0, false
	}
	lvl := s.forwardLevel()
	if lvl == forever {
		return 0, false
	}
	return s.now + p.wall(lvl), true
}

// run moves the session clock to now, playing, stalling or idling.
func (p *playback) run(s *Session, now time.Duration) {
	for s.now < now && !s.terminal {
		dt := now - s.now
		switch {
		case p.ended:
			s.now = now
		case p.paused:
			p.pauseTime += dt
			s.now = now
		case p.wait != waitNone:
			switch p.wait {
			case waitStall:
				p.rebuffer += dt
			case waitSeek:
				p.seekWait += dt
			}
			s.now = now
		default:
			p.play(s, now)
		}
	}
	s.now = max(s.now, now)
}

// play plays from s.now towards now: up to the next main-track segment
// boundary, an empty buffer or now, whichever comes first.
func (p *playback) play(s *Session, now time.Duration) {
	s.popPlayed()
	dt := now - s.now
	room := s.forwardLevel()
	lim := room
	var bitrate int64
	if h := s.main.headSeg(); h != nil {
		if h.start <= p.pos {
			bitrate = h.bitrate
		}
		if h.end-p.pos < lim {
			lim = h.end - p.pos
		}
	}
	adv := p.media(dt)
	stepM, stepW := adv, dt
	if adv > lim {
		stepM = lim
		stepW = min(p.wall(lim), dt)
	}
	p.playTime += stepW
	p.playedMedia += stepM
	if bitrate > 0 {
		p.bitSeconds += float64(bitrate) * stepM.Seconds()
	}
	p.pos += stepM
	s.now += stepW
	s.popPlayed()
	if room != forever && stepM >= room {
		if p.atEnd(s) {
			p.finishStream(s)
			return
		}
		p.wait = waitStall
		p.stalls++
		p.stallStart = s.now
		p.setPlaying(s, false)
		s.emit(Event{Kind: EvStallStart, Track: -1, Position: p.pos})
	}
}

// markHead notes that the main track's head segment plays.
func (p *playback) markHead(s *Session) {
	h := s.main.headSeg()
	if h == nil || h.started {
		return
	}
	h.started = true
	s.emit(Event{Kind: EvSegmentPlaying, Track: s.main.id, Segment: h.seg, Rung: h.rung, Position: p.pos})
	if p.lastRep != nil && h.rep.Bandwidth != p.lastRep.Bandwidth {
		p.switches++
		s.emit(Event{Kind: EvQualitySwitch, Track: s.main.id, From: p.lastRung, To: h.rung, Position: p.pos})
	}
	p.lastRung, p.lastRep = h.rung, h.rep
}

// headSeg returns the first buffered segment, nil when empty.
func (t *track) headSeg() *bufSeg {
	if t.head < len(t.buf) {
		return &t.buf[t.head]
	}
	return nil
}

// popPlayed drops played segments from every track.
func (s *Session) popPlayed() {
	for _, t := range s.tracks {
		if t.popPlayed(s.ph.pos) && t.main && s.ph.advancing() {
			s.ph.markHead(s)
		}
	}
}

// forwardLevel is the media time playable from the playhead: the
// smallest forward buffer of the tracks still fetching (tracks that
// fetched everything count as unbounded), up to the end of the stream,
// and within the sink's buffered range when it reported one.
func (s *Session) forwardLevel() time.Duration {
	pos := s.ph.pos
	lvl := forever
	for _, t := range s.tracks {
		if !t.finished {
			lvl = min(lvl, t.level(pos))
		}
	}
	if end, ok := s.streamEnd(); ok {
		lvl = min(lvl, max(end-pos, 0))
	}
	if end, ok := s.sinkLimit(); ok {
		lvl = min(lvl, max(end-pos, 0))
	}
	return lvl
}

// trackLevel is the forward buffer of track t, bounded by the sink.
func (s *Session) trackLevel(t *track) time.Duration {
	lvl := t.level(s.ph.pos)
	if end, ok := s.sinkLimit(); ok {
		lvl = min(lvl, max(end-s.ph.pos, 0))
	}
	return lvl
}

// sinkLimit returns the end of the sink's buffered range holding the
// playhead, false when the sink reported none since the last delivery.
// Once every track has ended, the range extends to the end of the stream
// when it reaches the end of the track that ends first (the "ended" rule
// of MSE's buffered ranges): tracks whose media end at slightly different
// times, such as AAC audio cut on whole frames, must not stall playback
// at the earlier end, whether the sink reported before or after the last
// track finished.
func (s *Session) sinkLimit() (time.Duration, bool) {
	if !s.sinkValid {
		return 0, false
	}
	end, ok := s.streamEnd()
	if !ok {
		return s.sinkEnd, true
	}
	first := forever
	for _, t := range s.tracks {
		first = min(first, t.end)
	}
	if s.sinkEnd+mergeGap >= first {
		return end, true
	}
	return s.sinkEnd, true
}

// advance moves the session to now: playback, then request timeouts.
func (s *Session) advance(now time.Duration) {
	if now <= s.now {
		return
	}
	if !s.started || s.terminal {
		s.now = now
		return
	}
	s.ph.run(s, now)
	s.expireRequests()
}
