package player

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

// fetchState is one resource being fetched: its URL candidates, what it
// is, and the retry bookkeeping. A track has one, the manifest load one.
type fetchState struct {
	// active is true from the first request until the resource completed
	// or was given up (a retry may be pending between requests).
	active bool
	kind   RequestKind
	urls   []string
	one    [1]string // backing store for single-URL resources
	rng    manifest.ByteRange
	rep    *manifest.Representation
	rung   int
	seg    int
	number uint64
	start  time.Duration
	dur    time.Duration
	size   int64
	// replace marks a media fetch that replaces a buffered segment.
	replace bool
	// cand is the URL candidate in use, tries the failed attempts on it,
	// attempt the requests issued for the resource so far.
	cand, tries, attempt int
	req                  *request

	// A timer of the owner (room wait, decision delay, retry backoff).
	hasWake bool
	wakeAt  time.Duration
}

// setOne makes u the only URL candidate.
func (f *fetchState) setOne(u string) {
	f.one[0] = u
	f.urls = f.one[:]
}

// request is a request in flight.
type request struct {
	id           RequestID
	kind         RequestKind
	t            *track // nil for the manifest
	f            *fetchState
	url          string
	issued       time.Duration
	firstByte    time.Duration
	lastProgress time.Duration
	gotFirst     bool
	bytes        int64
	length       int64
	cacheHit     bool
	to           Timeouts
}

func (r *request) trackIndex() int { return trackID(r.t) }

// deadlines adds the request's timeout deadlines to w.
func (r *request) deadlines(w *wake) {
	r.to.deadlines(w, r.issued, r.lastProgress, r.gotFirst)
}

// deadlines adds to w the deadlines of a request issued at issued that
// had its response (gotFirst) and its last progress at last; the session
// and the real driver's watchdog share them.
func (to *Timeouts) deadlines(w *wake, issued, last time.Duration, gotFirst bool) {
	if to.FirstByte > 0 && !gotFirst {
		w.add(issued + to.FirstByte)
	}
	if to.Total > 0 {
		w.add(issued + to.Total)
	}
	if to.NoProgress > 0 && gotFirst {
		w.add(last + to.NoProgress)
	}
}

// Timeout errors, named in failure events.
var (
	errFirstByteTimeout  = errors.New("no response within the first-byte timeout")
	errTotalTimeout      = errors.New("not complete within the total timeout")
	errNoProgressTimeout = errors.New("no progress within the no-progress timeout")
)

// expired returns the timeout that passed at now, nil when none.
func (r *request) expired(now time.Duration) error {
	return r.to.expired(now, r.issued, r.lastProgress, r.gotFirst)
}

// expired returns the timeout of a request like the one of deadlines
// that passed at now, nil when none.
func (to *Timeouts) expired(now, issued, last time.Duration, gotFirst bool) error {
	switch {
	case to.FirstByte > 0 && !gotFirst && now >= issued+to.FirstByte:
		return errFirstByteTimeout
	case to.Total > 0 && now >= issued+to.Total:
		return errTotalTimeout
	case to.NoProgress > 0 && gotFirst && now >= last+to.NoProgress:
		return errNoProgressTimeout
	}
	return nil
}

// policy returns the retry policy of a request kind.
func (s *Session) policy(k RequestKind) *RetryPolicy {
	switch k {
	case ReqManifest, ReqPlaylist:
		return &s.cfg.Retry.Manifest
	case ReqIndex:
		return &s.cfg.Retry.Index
	case ReqInit:
		return &s.cfg.Retry.Init
	}
	return &s.cfg.Retry.Media
}

func priorityOf(k RequestKind) int {
	switch k {
	case ReqManifest, ReqPlaylist:
		return PriorityManifest
	case ReqIndex, ReqInit:
		return PriorityInit
	}
	return PriorityMedia
}

// begin starts fetching a resource whose fields the caller set in f.
func (s *Session) begin(t *track, f *fetchState) {
	f.active = true
	f.cand = s.firstCandidate(f.urls)
	f.tries, f.attempt = 0, 0
	s.issue(t, f)
}

// issue sends a request for f's current URL candidate.
func (s *Session) issue(t *track, f *fetchState) {
	if len(f.urls) == 0 {
		s.fail(fmt.Errorf("%w: %s of %s has no URL", ErrBadContent, f.kind, s.describe(t, f)))
		return
	}
	f.hasWake = false
	f.attempt++
	r := s.newRequest()
	*r = request{
		id:     s.nextID,
		kind:   f.kind,
		t:      t,
		f:      f,
		url:    f.urls[f.cand],
		issued: s.now,
		length: -1,
		to:     s.policy(f.kind).Timeouts,
	}
	s.nextID++
	f.req = r
	s.inflight = append(s.inflight, r)
	s.stats.requests++
	a := Action{Kind: ActRequest, Request: Request{
		ID:          r.id,
		Kind:        f.kind,
		Track:       r.trackIndex(),
		URL:         r.url,
		Range:       f.rng,
		Priority:    priorityOf(f.kind),
		Timeouts:    r.to,
		Rep:         f.rep,
		Rung:        f.rung,
		Segment:     f.seg,
		Size:        f.size,
		Attempt:     f.attempt,
		Replacement: f.replace,
	}}
	s.push(a)
	if s.wants(EvRequestStarted) {
		s.emit(Event{Kind: EvRequestStarted, Track: r.trackIndex(), Request: r.id, ReqKind: f.kind, URL: r.url,
			Segment: f.seg, Rung: f.rung, Attempt: f.attempt, Replacement: f.replace})
	}
}

// describe names the resource of f for messages.
func (s *Session) describe(t *track, f *fetchState) string {
	switch {
	case t == nil:
		return "manifest " + s.manifestURL
	case f.kind == ReqMedia:
		return fmt.Sprintf("segment %d of track %d rung %d", f.seg, t.id, f.rung)
	case f.rep != nil:
		return fmt.Sprintf("representation %q of track %d", f.rep.ID, t.id)
	}
	return fmt.Sprintf("track %d", t.id)
}

func (s *Session) newRequest() *request {
	if n := len(s.free); n > 0 {
		r := s.free[n-1]
		s.free = s.free[:n-1]
		return r
	}
	return &request{}
}

// release takes r off the in-flight list and recycles it.
func (s *Session) release(r *request) {
	for i, x := range s.inflight {
		if x == r {
			copy(s.inflight[i:], s.inflight[i+1:])
			s.inflight[len(s.inflight)-1] = nil
			s.inflight = s.inflight[:len(s.inflight)-1]
			break
		}
	}
	if r.f != nil && r.f.req == r {
		r.f.req = nil
	}
	*r = request{}
	s.free = append(s.free, r)
}

// lookup finds the in-flight request id.
func (s *Session) lookup(id RequestID) *request {
	for _, r := range s.inflight {
		if r.id == id {
			return r
		}
	}
	return nil
}

// hostOf returns the host part of an absolute URL ("" for none), without
// allocating.
func hostOf(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return ""
	}
	rest := u[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	if k := strings.LastIndexByte(rest, '@'); k >= 0 {
		rest = rest[k+1:]
	}
	return rest
}

// penalised reports whether u's host is in the penalty box.
func (s *Session) penalised(u string) bool {
	if len(s.penalty) == 0 {
		return false
	}
	until, ok := s.penalty[hostOf(u)]
	return ok && s.now < until
}

// firstCandidate returns the first URL whose host is not penalised, 0
// when all are.
func (s *Session) firstCandidate(urls []string) int {
	for i, u := range urls {
		if !s.penalised(u) {
			return i
		}
	}
	return 0
}

// nextCandidate returns the candidate after cur to fail over to: the
// first one whose host is neither penalised nor cur's, else simply the
// next one; -1 when none is left.
func (s *Session) nextCandidate(urls []string, cur int) int {
	h := hostOf(urls[cur])
	for i := cur + 1; i < len(urls); i++ {
		if !s.penalised(urls[i]) && hostOf(urls[i]) != h {
			return i
		}
	}
	if cur+1 < len(urls) {
		return cur + 1
	}
	return -1
}

// backoff returns the delay before retry n (1 for the first retry) under
// p, with u in [0, 1) drawn for the jitter: BaseDelay × Factor^(n−1),
// capped at MaxDelay, times 1 + Jitter × (2u − 1).
func backoff(p *RetryPolicy, n int, u float64) time.Duration {
	d := float64(p.BaseDelay)
	f := max(p.Factor, 1)
	for i := 1; i < n; i++ {
		d *= f
		if p.MaxDelay > 0 && d >= float64(p.MaxDelay) {
			break
		}
	}
	if p.MaxDelay > 0 {
		d = min(d, float64(p.MaxDelay))
	}
	if p.Jitter > 0 {
		d *= 1 + p.Jitter*(2*u-1)
	}
	return time.Duration(d)
}

// jitter draws the next uniform number of the session's generator, a
// PCG seeded with (Config.Seed, 0) and created on first use.
func (s *Session) jitter() float64 {
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(s.cfg.Seed, 0))
	}
	return s.rng.Float64()
}

// failRequest applies the retry policy to a failed request. The caller
// has already told the driver to cancel it when needed.
func (s *Session) failRequest(r *request, fl Failure) {
	t, f := r.t, r.f
	s.stats.failures++
	s.stats.bytes += r.bytes
	if fl.Class == FailTimeout {
		s.stats.timeouts++
	}
	url := r.url
	id, kind := r.id, r.kind
	s.release(r)
	msg := fmt.Sprintf("%s %s: %s", kind, url, fl)
	if s.wants(EvRequestFailed) {
		s.emit(Event{Kind: EvRequestFailed, Track: trackID(t), Request: id, ReqKind: kind, URL: url, Status: fl.Status, Err: fl.String()})
	}
	if t != nil && f.kind == ReqMedia && f.replace {
		// A failed replacement costs nothing: the buffered segment stays.
		f.active = false
		t.hasPlan = false
		s.recovered(t, id, kind, msg, RecoverSkip, 0)
		return
	}
	pol := s.policy(f.kind)
	if fl.retryable() && f.tries < pol.MaxRetries && fl.RetryAfter <= s.cfg.Retry.MaxRetryAfter {
		f.tries++
		delay := backoff(pol, f.tries, s.jitter())
		if fl.RetryAfter > 0 {
			delay = fl.RetryAfter
		}
		f.hasWake, f.wakeAt = true, s.now+delay
		s.stats.retries++
		s.recovered(t, id, kind, msg, RecoverRetry, delay)
		return
	}
	next := s.nextCandidate(f.urls, f.cand)
	if next < 0 {
		s.recovered(t, id, kind, msg, RecoverFatal, 0)
		s.fail(fmt.Errorf("%w: %s: %s after %d attempts", ErrRequestFailed, s.describe(t, f), msg, f.attempt))
		return
	}
	host := hostOf(url)
	if s.cfg.Retry.PenaltyBox > 0 {
		if s.penalty == nil {
			s.penalty = map[string]time.Duration{}
		}
		s.penalty[host] = s.now + s.cfg.Retry.PenaltyBox
	}
	f.cand, f.tries = next, 0
	s.stats.failovers++
	s.recovered(t, id, kind, msg, RecoverFailover, 0)
	if s.wants(EvFailover) {
		s.emit(Event{Kind: EvFailover, Track: trackID(t), Request: id, ReqKind: kind, URL: f.urls[next], Err: host})
	}
	s.issue(t, f)
}

// recovered records an error and the recovery taken.
func (s *Session) recovered(t *track, id RequestID, kind RequestKind, msg string, rec RecoveryAction, delay time.Duration) {
	if rec != RecoverFatal {
		s.addError(msg + " (" + rec.String() + ")")
	}
	s.emit(Event{Kind: EvError, Track: trackID(t), Request: id, ReqKind: kind, Err: msg, Recovery: rec, Duration: delay})
}

// trackID returns t's index, -1 for nil (the manifest).
func trackID(t *track) int {
	if t == nil {
		return -1
	}
	return t.id
}

// expireRequests fails the requests whose timeout passed.
func (s *Session) expireRequests() {
	for i := 0; i < len(s.inflight); {
		r := s.inflight[i]
		err := r.expired(s.now)
		if err == nil {
			i++
			continue
		}
		s.push(Action{Kind: ActCancel, ID: r.id})
		s.failRequest(r, Failure{Class: FailTimeout, Err: err})
		if s.terminal {
			return
		}
	}
}
