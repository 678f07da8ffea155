package player

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/qoe"
)

// Session is the sans-I/O core of one playback session: a state machine
// that owns the presentation, the buffer and playhead model, the request
// scheduler, the ABR algorithm and the retry policy. It reads no clock,
// sleeps never, starts no goroutine and does no I/O: every input carries
// the session time now (time since the session started, on whatever clock
// the driver runs), and everything it wants done comes out of Poll.
//
// A Session is not safe for concurrent use; one driver goroutine feeds it.
// Inputs for request IDs the session does not know (finished, cancelled)
// are ignored, and a now earlier than a previous input counts as equal to
// it.
type Session struct {
	cfg  Config
	pres *manifest.Presentation

	alg abr.Algorithm
	obs abr.Observer
	ab  abr.Abandoner
	st  abr.Starter
	rp  abr.Replacer
	est abr.Estimator
	// ownEst is true when the estimator came from the algorithm (it is
	// replaced with the algorithm).
	ownEst bool
	// estCache caches the estimate while estOK.
	estCache abr.Estimate
	estOK    bool

	now     time.Duration
	started bool // Start was called

	// Manifest loading (NewSessionFromURL).
	manifestURL string
	mf          fetchState

	tracks []*track
	main   *track

	// Playback.
	ph        playback
	terminal  bool // ended, stopped or failed
	stopped   bool
	fatal     error
	backpress bool
	sinkEnd   time.Duration // end of the sink's buffered range at the playhead
	sinkValid bool

	// Requests in flight, and a free list of request records.
	inflight []*request
	free     []*request
	nextID   RequestID

	// Output queues; the head indexes are reset when drained.
	actions []Action
	actHead int
	events  []Event
	evHead  int

	// ABR state.
	snap    abr.Snapshot
	bufView []abr.BufferedSegment
	viewOf  *track // bufView mirrors viewOf's buffer at version viewVer
	viewVer uint64
	history []abr.Download
	minRung int
	maxRung int

	// Retry state.
	rng     *rand.Rand
	penalty map[string]time.Duration

	// Logs and counters.
	log       qoe.Session
	logMark   time.Duration // rebuffer time at the last main-track record
	stats     counters
	errs      []string
	errsTotal int
}

// NewSession returns a session over an already parsed presentation,
// deciding with alg. The session takes ownership of p: it attaches HLS
// media playlists and applies SegmentBase indexes to it as they are
// loaded. A presentation whose indexes are all loaded (every
// representation addressable without a fetch, as the simulator builds
// them) is only read and may be shared between sessions.
func NewSession(cfg Config, p *manifest.Presentation, alg abr.Algorithm) (*Session, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil presentation", ErrNoTracks)
	}
	s, err := newSession(cfg, alg)
	if err != nil {
		return nil, err
	}
	if err := s.setup(p); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSessionFromURL returns a session that loads its manifest from url
// (a DASH MPD or an HLS playlist): Start issues the manifest request.
func NewSessionFromURL(cfg Config, url string, alg abr.Algorithm) (*Session, error) {
	if url == "" {
		return nil, fmt.Errorf("%w: empty manifest URL", ErrBadConfig)
	}
	s, err := newSession(cfg, alg)
	if err != nil {
		return nil, err
	}
	s.manifestURL = url
	return s, nil
}

// NewSessionFromManifest parses data, the manifest loaded from url, and
// returns a session over it.
func NewSessionFromManifest(cfg Config, url string, data []byte, alg abr.Algorithm) (*Session, error) {
	p, err := parseManifest(data, url)
	if err != nil {
		return nil, err
	}
	return NewSession(cfg, p, alg)
}

func newSession(cfg Config, alg abr.Algorithm) (*Session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if alg == nil {
		return nil, fmt.Errorf("%w: nil algorithm", ErrBadConfig)
	}
	s := &Session{cfg: cfg, nextID: 1}
	s.ph.init(&s.cfg)
	s.setAlgorithm(alg)
	return s, nil
}

// setAlgorithm installs alg and its optional capabilities, and the
// estimator when the configuration does not fix one.
func (s *Session) setAlgorithm(alg abr.Algorithm) {
	s.alg = alg
	s.obs, _ = alg.(abr.Observer)
	s.ab, _ = alg.(abr.Abandoner)
	s.st, _ = alg.(abr.Starter)
	s.rp, _ = alg.(abr.Replacer)
	s.estOK = false
	if s.cfg.Estimator != nil {
		s.est = s.cfg.Estimator
		return
	}
	if pr, ok := alg.(abr.EstimatorProvider); ok {
		s.est, s.ownEst = pr.NewEstimator(), true
	} else if s.est == nil || s.ownEst {
		s.est, s.ownEst = defaultEstimator(), false
	} else {
		return // keep the default estimator and what it learnt
	}
	// A new estimator learns the session so far.
	for i := range s.history {
		d := &s.history[i]
		if !d.Abandoned && d.Elapsed() > 0 {
			s.est.Add(abr.Sample{Bytes: d.Bytes, TTFB: d.TTFB, Transfer: d.Transfer, SegmentDuration: s.segDur(), CacheHit: d.CacheHit})
		}
	}
}

// estimate returns the estimator's estimate, cached between samples (an
// abr.Estimator's estimate depends on its samples only).
func (s *Session) estimate() abr.Estimate {
	if !s.estOK {
		s.estCache, s.estOK = s.est.Estimate(), true
	}
	return s.estCache
}

// addSample feeds the estimator.
func (s *Session) addSample(x abr.Sample) {
	s.est.Add(x)
	s.estOK = false
}

// defaultEstimator is the estimator of sessions whose algorithm brings
// none: Shaka Player's dual EWMA.
func defaultEstimator() abr.Estimator {
	e, err := abr.NewEWMAEstimator(abr.DefaultShakaEstimatorParams())
	if err != nil {
		panic("player: default estimator parameters rejected: " + err.Error())
	}
	return e
}

// segDur is the main track's nominal segment duration.
func (s *Session) segDur() time.Duration {
	if s.main == nil {
		return 0
	}
	return s.main.ladder.SegmentDuration
}

// Start begins the session at now: it issues the manifest request or,
// with a presentation, the first segment requests. Calling it again has
// no effect.
func (s *Session) Start(now time.Duration) {
	if s.started {
		return
	}
	s.started = true
	s.now = max(now, 0)
	s.ph.start(s, s.now)
	if s.pres == nil {
		s.mf = fetchState{kind: ReqManifest, rung: -1, seg: -1}
		s.mf.setOne(s.manifestURL)
		s.mf.active = true
		s.issue(nil, &s.mf)
		return
	}
	s.stepAll()
}

// Tick tells the session that time now has come (a wake-up asked for by
// NextWake, or any other moment). It runs the timers that are due.
func (s *Session) Tick(now time.Duration) {
	s.advance(now)
	s.stepAll()
}

// Poll removes and returns the next action, false when none is queued.
func (s *Session) Poll() (Action, bool) {
	if s.actHead >= len(s.actions) {
		s.actions, s.actHead = s.actions[:0], 0
		return Action{}, false
	}
	a := s.actions[s.actHead]
	s.actions[s.actHead] = Action{} // drop references to delivered data
	s.actHead++
	return a, true
}

// AppendActions appends every queued action to dst, removes them from the
// queue and returns the extended slice.
func (s *Session) AppendActions(dst []Action) []Action {
	dst = append(dst, s.actions[s.actHead:]...)
	clear(s.actions)
	s.actions, s.actHead = s.actions[:0], 0
	return dst
}

// PollEvent removes and returns the next queued event, false when none.
func (s *Session) PollEvent() (Event, bool) {
	if s.evHead >= len(s.events) {
		s.events, s.evHead = s.events[:0], 0
		return Event{}, false
	}
	e := s.events[s.evHead]
	s.evHead++
	return e, true
}

// AppendEvents appends every queued event to dst, removes them from the
// queue and returns the extended slice.
func (s *Session) AppendEvents(dst []Event) []Event {
	dst = append(dst, s.events[s.evHead:]...)
	s.events, s.evHead = s.events[:0], 0
	return dst
}

// DrainEvents hands every queued event to o, in order, and empties the
// queue. o must not call back into the session.
func (s *Session) DrainEvents(o Observer) {
	for i := s.evHead; i < len(s.events); i++ {
		o.OnEvent(&s.events[i])
	}
	s.events, s.evHead = s.events[:0], 0
}

// NextWake returns the earliest session time at which the session wants
// Tick to be called, and false when it waits for inputs only. The value
// may lie in the past when a timer is overdue.
func (s *Session) NextWake() (time.Duration, bool) {
	if s.terminal || !s.started {
		return 0, false
	}
	var w wake
	if s.mf.hasWake {
		w.add(s.mf.wakeAt)
	}
	for _, t := range s.tracks {
		if t.f.hasWake {
			w.add(t.f.wakeAt)
		}
	}
	for _, r := range s.inflight {
		r.deadlines(&w)
	}
	if at, ok := s.ph.nextEvent(s); ok {
		w.add(at)
	}
	return w.at, w.ok
}

// wake accumulates the earliest of several times.
type wake struct {
	at time.Duration
	ok bool
}

func (w *wake) add(t time.Duration) {
	if !w.ok || t < w.at {
		w.at, w.ok = t, true
	}
}

// Done reports whether the session reached a terminal state: the end of
// the stream, Stop, or a fatal error (see Err).
func (s *Session) Done() bool { return s.terminal }

// Err returns the fatal error that ended the session, nil otherwise.
func (s *Session) Err() error { return s.fatal }

// Presentation returns the presentation (nil while the manifest loads).
func (s *Session) Presentation() *manifest.Presentation { return s.pres }

// TrackInfo describes one track of the session.
type TrackInfo struct {
	// Index is the track's index in requests, deliveries and events.
	Index int
	// Content is video or audio (or unknown for a single muxed track).
	Content manifest.ContentType
	// Main is true for the track the ABR algorithm drives.
	Main bool
	// Set is the adaptation set played.
	Set *manifest.AdaptationSet
	// Ladder lists the set's representations by ascending bandwidth; rung
	// q of requests and deliveries is Ladder[q].
	Ladder []*manifest.Representation
}

// Tracks describes the session's tracks (none while the manifest loads).
func (s *Session) Tracks() []TrackInfo {
	out := make([]TrackInfo, len(s.tracks))
	for i, t := range s.tracks {
		out[i] = TrackInfo{Index: i, Content: t.content, Main: t.main, Set: t.set, Ladder: t.reps}
	}
	return out
}

// Play resumes (or starts, without AutoPlay) playback.
func (s *Session) Play(now time.Duration) {
	s.advance(now)
	if !s.terminal && s.ph.paused {
		s.ph.setPaused(s, false)
		s.emit(Event{Kind: EvResumed, Track: -1, Position: s.ph.pos})
	}
	s.stepAll()
}

// Pause pauses playback; downloads go on up to the buffer goal.
func (s *Session) Pause(now time.Duration) {
	s.advance(now)
	if !s.terminal && !s.ph.paused {
		s.ph.setPaused(s, true)
		s.emit(Event{Kind: EvPaused, Track: -1, Position: s.ph.pos})
	}
	s.stepAll()
}

// Seek moves the playhead to media time pos (clamped to the
// presentation): buffers are flushed, requests in flight cancelled, and
// playback resumes once StartupThreshold is buffered at pos. The
// algorithm's Observer.OnSeek is called.
func (s *Session) Seek(now, pos time.Duration) {
	s.advance(now)
	if s.terminal || s.pres == nil {
		s.stepAll()
		return
	}
	pos = max(pos, 0)
	if d := s.pres.Duration; d > 0 && pos >= d {
		pos = d - 1
	}
	for _, t := range s.tracks {
		s.resetTrack(t, pos)
	}
	s.sinkValid = false
	s.ph.seek(s, pos)
	s.push(Action{Kind: ActFlush, Position: pos})
	s.emit(Event{Kind: EvSeek, Track: -1, Position: pos})
	if s.obs != nil && s.main != nil {
		s.obs.OnSeek(s.fillSnapshot(s.main))
	}
	s.stepAll()
}

// Stop ends the session: requests in flight are cancelled and nothing
// more is issued.
func (s *Session) Stop(now time.Duration) {
	s.advance(now)
	if s.terminal {
		return
	}
	s.stopped = true
	s.finish("stopped")
}

// SetAlgorithm replaces the ABR algorithm from the next decision on. When
// the estimator came from the old algorithm, the new algorithm's (or the
// default one) replaces it and learns the session's download history.
func (s *Session) SetAlgorithm(now time.Duration, alg abr.Algorithm) {
	s.advance(now)
	if alg != nil {
		s.setAlgorithm(alg)
	}
	s.stepAll()
}

// SetConstraints replaces the ABR constraints from the next decision on.
func (s *Session) SetConstraints(now time.Duration, c Constraints) {
	s.advance(now)
	if c.MinRung >= 0 && c.MaxRung >= 0 && c.MaxHeight >= 0 && c.MaxBitrate >= 0 {
		s.cfg.Constraints = c
		s.applyConstraints()
	}
	s.stepAll()
}

// applyConstraints maps the constraints to a rung range of the main
// track's ladder. The range is never empty: when nothing satisfies the
// constraints, rung 0 alone remains.
func (s *Session) applyConstraints() {
	if s.main == nil {
		return
	}
	c := s.cfg.Constraints
	top := len(s.main.reps) - 1
	hi := top
	if c.MaxRung > 0 {
		hi = min(hi, c.MaxRung)
	}
	for hi > 0 {
		r := &s.main.ladder.Rungs[hi]
		if (c.MaxHeight == 0 || r.Height <= c.MaxHeight) && (c.MaxBitrate == 0 || r.Bitrate <= c.MaxBitrate) {
			break
		}
		hi--
	}
	lo := min(c.MinRung, hi)
	s.minRung, s.maxRung = lo, hi
}

// OnSinkStatus feeds the sink's view back: its playhead replaces the
// headless model's, its buffered ranges bound the forward buffer until the
// next delivery, and backpressure holds new media requests back.
func (s *Session) OnSinkStatus(now time.Duration, st SinkStatus) {
	s.advance(now)
	if s.terminal {
		return
	}
	if st.HasPlayhead {
		s.ph.moveTo(s, st.Playhead)
	}
	s.sinkValid = false
	if st.Buffered != nil {
		s.sinkEnd, s.sinkValid = s.ph.pos, true
		for _, r := range st.Buffered {
			if r.Start <= s.ph.pos && s.ph.pos < r.End {
				s.sinkEnd = r.End
			}
		}
	}
	s.backpress = st.Backpressure
	s.stepAll()
}

// OnSinkError reports that the sink failed on track; the session ends
// with an error wrapping ErrSink.
func (s *Session) OnSinkError(now time.Duration, track int, err error) {
	s.advance(now)
	if s.terminal {
		return
	}
	s.fail(fmt.Errorf("%w: track %d: %w", ErrSink, track, err))
}

// push queues an action.
func (s *Session) push(a Action) { s.actions = append(s.actions, a) }

// emit queues an event when the configuration selects its kind.
func (s *Session) emit(e Event) {
	if !s.cfg.Events.Has(e.Kind) {
		return
	}
	if s.cfg.MaxQueuedEvents > 0 && len(s.events)-s.evHead >= s.cfg.MaxQueuedEvents {
		s.stats.eventsDropped++
		return
	}
	e.Time = s.now
	s.events = append(s.events, e)
}

// wants reports whether events of kind k are queued (to skip building
// them).
func (s *Session) wants(k EventKind) bool { return s.cfg.Events.Has(k) }

// fail ends the session with err.
func (s *Session) fail(err error) {
	if s.terminal {
		return
	}
	s.fatal = err
	s.addError(err.Error())
	s.finish(err.Error())
}

// finish moves to the terminal state: cancels requests, stops playback.
func (s *Session) finish(reason string) {
	for len(s.inflight) > 0 {
		r := s.inflight[0]
		s.push(Action{Kind: ActCancel, ID: r.id})
		s.emit(Event{Kind: EvRequestCancelled, Track: r.trackIndex(), Request: r.id, ReqKind: r.kind})
		s.stats.bytes += r.bytes
		s.release(r)
	}
	for _, t := range s.tracks {
		t.f.req = nil
		t.f.hasWake = false
	}
	s.mf.hasWake = false
	s.ph.end(s)
	s.terminal = true
	s.emit(Event{Kind: EvEnded, Track: -1, Position: s.ph.pos, Err: reason})
}

// addError records an error string for the summary.
func (s *Session) addError(msg string) {
	s.errsTotal++
	if len(s.errs) < s.cfg.MaxErrors {
		s.errs = append(s.errs, msg)
	}
}
