package player

import (
	"fmt"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/qoe"
)

// OnResponse reports that the response headers of request id arrived. A
// status outside 200–299 (0 counts as success, for non-HTTP drivers)
// fails the request: the session queues its cancellation and applies the
// retry policy.
func (s *Session) OnResponse(now time.Duration, id RequestID, resp Response) {
	s.advance(now)
	if r := s.lookup(id); r != nil {
		if !r.gotFirst {
			r.gotFirst, r.firstByte, r.lastProgress = true, s.now, s.now
		}
		r.length = resp.ContentLength
		r.cacheHit = resp.CacheHit
		if s.wants(EvFirstByte) {
			s.emit(Event{Kind: EvFirstByte, Track: r.trackIndex(), Request: id, ReqKind: r.kind, Status: resp.Status,
				Total: resp.ContentLength, Duration: r.firstByte - r.issued, CacheHit: resp.CacheHit})
		}
		if resp.Status != 0 && (resp.Status < 200 || resp.Status > 299) {
			s.push(Action{Kind: ActCancel, ID: id})
			s.failRequest(r, Failure{Class: FailStatus, Status: resp.Status, RetryAfter: resp.RetryAfter})
		}
	}
	s.stepAll()
}

// OnProgress reports that bytes bytes of request id's body (in total so
// far) have arrived. The algorithm's Abandoner is asked about media
// downloads of the main track here.
func (s *Session) OnProgress(now time.Duration, id RequestID, bytes int64) {
	s.advance(now)
	if r := s.lookup(id); r != nil {
		if !r.gotFirst {
			r.gotFirst, r.firstByte = true, s.now
		}
		r.lastProgress = s.now
		r.bytes = max(r.bytes, bytes)
		if s.wants(EvProgress) {
			s.emit(Event{Kind: EvProgress, Track: r.trackIndex(), Request: id, ReqKind: r.kind, Bytes: r.bytes, Total: r.total()})
		}
		if r.kind == ReqMedia {
			s.checkAbandon(r)
		}
	}
	s.stepAll()
}

// total is the expected body size, -1 when unknown.
func (r *request) total() int64 {
	if r.length >= 0 {
		return r.length
	}
	if r.f.rng.Length > 0 {
		return r.f.rng.Length
	}
	if r.f.size >= 0 {
		return r.f.size
	}
	return -1
}

// OnComplete reports that request id completed with bytes body bytes.
// data is the body: required for manifest, playlist, index and init
// requests; for media it is handed to the sink and may be nil when the
// driver carries no payload (the simulator). The session keeps the data
// of manifest, playlist, index and init requests (init segments are
// cached), so the driver must not reuse those buffers; media data is only
// passed on in the Deliver action and not held afterwards, so the driver
// may reuse a media buffer once the sink has taken the delivery.
func (s *Session) OnComplete(now time.Duration, id RequestID, bytes int64, data []byte) {
	s.advance(now)
	if r := s.lookup(id); r != nil {
		bytes = max(bytes, int64(len(data)))
		if !r.gotFirst {
			r.gotFirst, r.firstByte = true, s.now
		}
		r.bytes = bytes
		s.stats.bytes += bytes
		if s.wants(EvRequestCompleted) {
			var rate int64
			if tr := s.now - r.firstByte; tr > 0 {
				rate = int64(float64(bytes*8) / tr.Seconds())
			}
			s.emit(Event{Kind: EvRequestCompleted, Track: r.trackIndex(), Request: id, ReqKind: r.kind, Bytes: bytes,
				Duration: s.now - r.issued, Rate: rate})
		}
		switch r.kind {
		case ReqManifest:
			s.manifestDone(r, data)
		case ReqPlaylist:
			s.playlistDone(r, data)
		case ReqIndex:
			s.indexDone(r, data)
		case ReqInit:
			s.initDone(r, data)
		default:
			s.mediaDone(r, data)
		}
	}
	s.stepAll()
}

// OnFailure reports that request id failed. The session applies the
// retry policy: retry after a backoff, fail over to the next URL, or end
// with an error.
func (s *Session) OnFailure(now time.Duration, id RequestID, f Failure) {
	s.advance(now)
	if r := s.lookup(id); r != nil {
		s.failRequest(r, f)
	}
	s.stepAll()
}

// stepAll runs every track's scheduler (and the manifest's retry timer).
func (s *Session) stepAll() {
	if s.terminal || !s.started {
		return
	}
	if s.mf.active && s.mf.req == nil && s.mf.hasWake && s.now >= s.mf.wakeAt {
		s.issue(nil, &s.mf)
	}
	for _, t := range s.tracks {
		s.step(t)
	}
	if s.ph.waiting() && s.ph.checkResume(s) {
		for _, t := range s.tracks {
			s.step(t)
		}
	}
}

// step moves track t's scheduler as far as it can go now.
func (s *Session) step(t *track) {
	for !s.terminal {
		f := &t.f
		if f.req != nil {
			return
		}
		if f.hasWake {
			if s.now < f.wakeAt {
				return
			}
			f.hasWake = false
		}
		if f.active {
			s.issue(t, f) // a retry is due
			return
		}
		if !t.hasPlan {
			if !s.decide(t) {
				return
			}
			if f.hasWake {
				continue // the algorithm asked for a delay
			}
		}
		if s.prepare(t) && s.fetchMedia(t) {
			continue // the period ended: decide again in the next one
		}
		return
	}
}

// decide makes the decision for t's next fetch; false when t must wait.
func (s *Session) decide(t *track) bool {
	if s.backpress || t.finished {
		return false
	}
	if t.next < 0 {
		s.resolveNext(t)
		if t.finished {
			return false
		}
	}
	if lvl := s.trackLevel(t); lvl > 0 {
		thr := s.cfg.BufferGoal
		if s.cfg.Wait.Headroom {
			thr -= t.ladder.SegmentDuration
		}
		overBytes := s.cfg.MaxBufferBytes > 0 && s.bufferedBytes() >= s.cfg.MaxBufferBytes
		if lvl > thr || overBytes {
			if !t.full {
				t.full, t.fullSince = true, s.now
			}
			if s.ph.advancing() {
				var w time.Duration
				if lvl > thr {
					w = s.ph.wall(lvl - thr)
					if st := s.cfg.Wait.Step; st > 0 {
						w = (w + st - 1) / st * st
					}
				}
				if overBytes {
					if h := t.headSeg(); h != nil {
						w = max(w, s.ph.wall(h.end-s.ph.pos))
					}
				}
				t.f.hasWake, t.f.wakeAt = true, s.now+max(w, 1)
			}
			return false
		}
	}
	if t.full {
		w := s.now - t.fullSince
		t.full = false
		if s.wants(EvWait) {
			s.emit(Event{Kind: EvWait, Track: t.id, Duration: w})
		}
		if t.main && s.cfg.Wait.Report && s.obs != nil && w > 0 {
			s.obs.OnWait(s.fillSnapshot(t), w)
		}
	}
	if !t.main {
		t.plan, t.hasPlan = plan{seg: t.next, rung: s.audioRung(t)}, true
		return true
	}
	sn := s.fillSnapshot(t)
	var d abr.Decision
	if t.sinceSeek == 0 && s.st != nil {
		d = s.st.Startup(sn)
	} else {
		d = s.alg.Decide(sn)
	}
	s.stats.decisions++
	p := plan{seg: t.next, rung: min(max(d.Rung, s.minRung), s.maxRung)}
	if s.cfg.Replace && s.rp != nil && t.sinceSeek > 0 {
		if i, ok := s.rp.Replace(sn, p.rung); ok && i >= 0 && i < len(sn.Buffered) && t.buffered()[i].period == t.period {
			p.replace, p.seg = true, sn.Buffered[i].Segment
			d.Delay = 0
		}
	}
	if s.wants(EvDecision) {
		s.emit(Event{Kind: EvDecision, Track: t.id, Segment: p.seg, From: t.lastRung, To: p.rung,
			Duration: d.Delay, Reason: d.Reason, Replacement: p.replace})
	}
	t.plan, t.hasPlan = p, true
	if d.Delay > 0 {
		t.f.hasWake, t.f.wakeAt = true, s.now+d.Delay
	}
	return true
}

// bufferedBytes sums the forward buffers of all tracks.
func (s *Session) bufferedBytes() int64 {
	var n int64
	for _, t := range s.tracks {
		n += t.bufBytes
	}
	return n
}

// audioRung picks a non-main track's rung: the highest whose bitrate is
// at most AudioShare × the estimate, the lowest without an estimate.
func (s *Session) audioRung(t *track) int {
	e := s.estimate()
	if !e.Valid {
		return 0
	}
	budget := int64(float64(e.Throughput) * s.cfg.AudioShare)
	q := 0
	for i, r := range t.ladder.Rungs {
		if r.Bitrate <= budget {
			q = i
		}
	}
	return q
}

// currentRep is the representation whose index locates t's next segment.
func (t *track) currentRep() *manifest.Representation {
	if t.lastRung >= 0 {
		return t.reps[t.lastRung]
	}
	if t.hasPlan {
		return t.reps[t.plan.rung]
	}
	return t.reps[0]
}

// loaded reports whether ix can address segments without a fetch.
func loaded(ix *manifest.SegmentIndex) bool {
	return !ix.NeedsIndex() && (ix.Playlist == nil || ix.Playlist.Loaded)
}

// resolveNext finds t.next from t.nextStart in the current
// representation, when its index is loaded.
func (s *Session) resolveNext(t *track) {
	ix := t.currentRep().Index
	if !loaded(ix) {
		return
	}
	i, _ := ix.SegmentAt(t.nextStart)
	t.next = i
	if n, bounded := ix.Len(); bounded && i >= n {
		s.endOfPeriod(t)
	}
}

// prepare issues what must precede t's planned media request (media
// playlist, index, init segment); it returns true when the media request
// can go.
func (s *Session) prepare(t *track) bool {
	q := t.plan.rung
	rep := t.reps[q]
	ix := rep.Index
	f := &t.f
	switch {
	case ix.Playlist != nil && !ix.Playlist.Loaded:
		*f = fetchState{kind: ReqPlaylist, rep: rep, rung: q, seg: -1, size: -1}
		f.setOne(ix.Playlist.URL)
		s.begin(t, f)
		return false
	case ix.NeedsIndex():
		rng := ix.IndexRange
		if t.sidxRep == rep && len(t.sidxMore) > 0 {
			rng = t.sidxMore[0]
			t.sidxMore = t.sidxMore[1:]
		} else {
			t.sidxRep, t.sidxMore = rep, nil
		}
		*f = fetchState{kind: ReqIndex, rep: rep, rung: q, seg: -1, rng: rng, size: rng.Length}
		for _, b := range ix.BaseURLs {
			f.urls = append(f.urls, b.URL)
		}
		s.begin(t, f)
		return false
	case !s.cfg.MediaOnly && t.inits[q] == nil:
		init := ix.InitSegment()
		if init == nil {
			return true
		}
		*f = fetchState{kind: ReqInit, rep: rep, rung: q, seg: -1, rng: init.Range, urls: init.URLs, size: -1}
		if init.Range.Length > 0 {
			f.size = init.Range.Length
		}
		s.begin(t, f)
		return false
	}
	return true
}

// fetchMedia issues t's planned media request. It returns true when
// instead t's period ended and t moved to the next period.
func (s *Session) fetchMedia(t *track) bool {
	p := &t.plan
	rep := t.reps[p.rung]
	ix := rep.Index
	idx := p.seg
	if !p.replace {
		idx = t.next
		if idx < 0 {
			idx, _ = ix.SegmentAt(t.nextStart)
		}
	}
	n, bounded := ix.Len()
	if bounded && idx >= n {
		t.hasPlan = false
		s.endOfPeriod(t)
		return !t.finished
	}
	seg, err := ix.Segment(idx)
	if err != nil {
		s.fail(fmt.Errorf("%w: segment %d of representation %q: %w", ErrBadContent, idx, rep.ID, err))
		return false
	}
	if !p.replace && t.lastRung >= 0 && p.rung != t.lastRung {
		// A switch: keep the timeline when the representations' segments
		// are not aligned.
		if d := seg.Start - t.nextStart; d > seg.Duration/2 || -d > seg.Duration/2 {
			j, _ := ix.SegmentAt(t.nextStart)
			if bounded && j >= n {
				t.hasPlan = false
				s.endOfPeriod(t)
				return !t.finished
			}
			if seg, err = ix.Segment(j); err != nil {
				s.fail(fmt.Errorf("%w: segment %d of representation %q: %w", ErrBadContent, j, rep.ID, err))
				return false
			}
			idx = j
		}
	}
	f := &t.f
	*f = fetchState{
		kind:    ReqMedia,
		urls:    seg.URLs,
		rng:     seg.Range,
		rep:     rep,
		rung:    p.rung,
		seg:     idx,
		number:  seg.Number,
		start:   seg.Start,
		dur:     seg.Duration,
		size:    -1,
		replace: p.replace,
	}
	if seg.Range.Length > 0 {
		f.size = seg.Range.Length
	} else if t.main && s.cfg.Sizes != nil {
		f.size = s.cfg.Sizes(idx, p.rung)
	}
	s.begin(t, f)
	return false
}

// streamEnd returns the end of the stream, the latest end of the
// tracks' buffered media, and true once every track has fetched its last
// segment (a finished track's end no longer moves).
func (s *Session) streamEnd() (time.Duration, bool) {
	var end time.Duration
	for _, t := range s.tracks {
		if !t.finished {
			return 0, false
		}
		end = max(end, t.end)
	}
	return end, len(s.tracks) > 0
}

// fillSnapshot fills the reused ABR snapshot for track t.
func (s *Session) fillSnapshot(t *track) *abr.Snapshot {
	sn := &s.snap
	sn.Now = s.now
	sn.Ladder = &t.ladder
	sn.Segment = max(t.next, 0)
	sn.SinceSeek = t.sinceSeek
	sn.Buffer = s.trackLevel(t)
	sn.MaxBuffer = s.cfg.BufferGoal
	if s.viewOf != t || s.viewVer != t.bufVer {
		s.bufView = s.bufView[:0]
		for _, b := range t.buffered() {
			s.bufView = append(s.bufView, abr.BufferedSegment{Segment: b.seg, Rung: b.rung})
		}
		s.viewOf, s.viewVer = t, t.bufVer
	}
	sn.Buffered = s.bufView
	sn.HeadPlayed = 0
	if h := t.headSeg(); h != nil && s.ph.pos > h.start {
		sn.HeadPlayed = s.ph.pos - h.start
	}
	sn.Playhead = s.ph.pos
	sn.Playing = s.ph.advancing()
	sn.Live, sn.LiveLatency = false, 0
	sn.LastRung = t.lastRung
	sn.History = s.history
	sn.Estimate = s.estimate()
	sn.MinRung, sn.MaxRung = s.minRung, s.maxRung
	if !t.main {
		sn.MinRung, sn.MaxRung = 0, len(t.reps)-1
	}
	return sn
}

// checkAbandon asks the Abandoner about a main-track media download.
func (s *Session) checkAbandon(r *request) {
	t, f := r.t, r.f
	if s.ab == nil || !t.main || (t.sinceSeek == 0 && !f.replace && !s.cfg.AbandonFirst) {
		return
	}
	pr := abr.Progress{
		Segment: f.seg, Rung: f.rung, Bytes: r.bytes, Total: r.total(),
		Elapsed: s.now - r.issued, Replacement: f.replace,
	}
	if r.gotFirst {
		pr.TTFB = r.firstByte - r.issued
	}
	abandon, rung, reason := s.ab.ShouldAbandon(s.fillSnapshot(t), pr)
	if !abandon {
		return
	}
	rung = min(max(rung, s.minRung), s.maxRung)
	if s.cfg.Abandon == AbandonSwitch && !f.replace && rung >= f.rung {
		return
	}
	s.push(Action{Kind: ActCancel, ID: r.id})
	s.stats.abandoned++
	s.stats.bytes += r.bytes
	if s.wants(EvRequestAbandoned) {
		s.emit(Event{Kind: EvRequestAbandoned, Track: t.id, Request: r.id, ReqKind: r.kind, Segment: f.seg,
			Bytes: r.bytes, Total: r.total(), From: f.rung, To: rung, Reason: reason, Replacement: f.replace})
	}
	d := s.download(t, r)
	d.Abandoned = true
	first := t.sinceSeek == 0 && !f.replace
	s.record(t, r, &d, -1)
	if s.obs != nil && (s.cfg.ReportFirstDownload || !first) {
		s.obs.OnDownload(s.fillSnapshot(t), d)
	}
	f.active = false
	s.release(r)
	t.hasPlan = false
	if !f.replace && s.cfg.Abandon == AbandonSwitch {
		t.plan, t.hasPlan = plan{seg: f.seg, rung: rung}, true
	}
	s.step(t)
}

// download builds the history entry of request r on track t.
func (s *Session) download(t *track, r *request) abr.Download {
	d := abr.Download{
		Segment: r.f.seg, Rung: r.f.rung, Bytes: r.bytes, Start: r.issued,
		CacheHit: r.cacheHit, Replacement: r.f.replace,
	}
	if r.gotFirst {
		d.TTFB = r.firstByte - r.issued
		d.Transfer = s.now - r.firstByte
	} else {
		d.TTFB = s.now - r.issued
	}
	d.BufferAfter = s.trackLevel(t)
	return d
}

// record appends d to the history and, for the main track, the segment
// log; it returns the log index (-1 when not logged). replaced is the
// log index of the record a replacement overwrote, -1 for none.
func (s *Session) record(t *track, r *request, d *abr.Download, replaced int) int {
	if !t.main {
		return -1
	}
	if lim := s.cfg.HistoryLimit; lim > 0 && len(s.history) >= 2*lim {
		n := copy(s.history, s.history[len(s.history)-lim+1:])
		s.history = s.history[:n]
	}
	s.history = append(s.history, *d)
	if !s.cfg.SegmentLog {
		return -1
	}
	if replaced >= 0 {
		s.log.Segments[replaced].Replaced = true
	}
	s.log.Segments = append(s.log.Segments, qoe.Segment{
		Index:         d.Segment,
		Rung:          d.Rung,
		Bitrate:       r.f.rep.Bandwidth,
		Size:          d.Bytes,
		Duration:      r.f.dur,
		DownloadStart: d.Start,
		DownloadEnd:   s.now,
		TTFB:          d.TTFB,
		Rebuffer:      s.ph.rebuffer - s.logMark,
		BufferAfter:   d.BufferAfter,
		Abandoned:     d.Abandoned,
		Replacement:   d.Replacement,
	})
	s.logMark = s.ph.rebuffer
	return len(s.log.Segments) - 1
}

// mediaDone handles a completed media download.
func (s *Session) mediaDone(r *request, data []byte) {
	t, f := r.t, r.f
	s.stats.segments++
	s.stats.mediaBytes += r.bytes
	first := t.sinceSeek == 0 && !f.replace
	replaced := -1
	deliver := true
	if f.replace {
		replaced, deliver = s.replaceBuffered(t, f, r.bytes)
	}
	if deliver {
		s.deliver(t, f, r.bytes, data)
	}
	if !f.replace {
		t.push(bufSeg{seg: f.seg, rung: f.rung, period: t.period, rep: f.rep, start: f.start, end: f.start + f.dur,
			bytes: r.bytes, bitrate: f.rep.Bandwidth, logIdx: -1})
		t.next, t.nextStart, t.lastRung = f.seg+1, f.start+f.dur, f.rung
		t.sinceSeek++
		s.sinkValid = false
		if n, bounded := f.rep.Index.Len(); bounded && t.next >= n {
			s.endOfPeriod(t)
		}
	}
	d := s.download(t, r)
	li := s.record(t, r, &d, replaced)
	if !f.replace && li >= 0 {
		t.buf[len(t.buf)-1].logIdx = li
	} else if f.replace && deliver && li >= 0 {
		if b := t.findBuffered(f.seg, t.period); b != nil {
			b.logIdx = li
		}
	}
	if s.wants(EvBufferLevel) {
		s.emit(Event{Kind: EvBufferLevel, Track: t.id, Buffer: d.BufferAfter, Bytes: s.bufferedBytes()})
	}
	f.active = false
	s.release(r)
	t.hasPlan = false
	s.ph.checkResume(s)
	if t.main {
		if s.obs != nil && (s.cfg.ReportFirstDownload || !first) {
			s.obs.OnDownload(s.fillSnapshot(t), d)
		}
		if d.Elapsed() > 0 {
			s.addSample(abr.Sample{Bytes: d.Bytes, TTFB: d.TTFB, Transfer: d.Transfer, SegmentDuration: f.dur, CacheHit: d.CacheHit})
		}
	}
	s.step(t)
}

// findBuffered returns the buffered entry of segment seg of period
// period, nil if none.
func (t *track) findBuffered(seg, period int) *bufSeg {
	for i := t.head; i < len(t.buf); i++ {
		if t.buf[i].seg == seg && t.buf[i].period == period {
			return &t.buf[i]
		}
	}
	return nil
}

// replaceBuffered overwrites the buffered segment a replacement download
// fetched, when it has not started playing; it returns the log index of
// the record replaced (-1 for none) and whether the data goes to the
// sink.
func (s *Session) replaceBuffered(t *track, f *fetchState, bytes int64) (int, bool) {
	b := t.findBuffered(f.seg, t.period)
	if b == nil || b.start < s.ph.pos || b.started {
		s.stats.replaceLate++
		if s.wants(EvReplaced) {
			s.emit(Event{Kind: EvReplaced, Track: t.id, Segment: f.seg, To: f.rung, From: -1, Err: "too late to replace"})
		}
		return -1, false
	}
	s.stats.replaced++
	if s.wants(EvReplaced) {
		s.emit(Event{Kind: EvReplaced, Track: t.id, Segment: f.seg, From: b.rung, To: f.rung})
	}
	old := b.logIdx
	t.bufVer++
	t.bufBytes += bytes - b.bytes
	b.rung, b.rep, b.bytes, b.bitrate, b.logIdx = f.rung, f.rep, bytes, f.rep.Bandwidth, -1
	return old, true
}

// deliver queues the init segment when the rung changed, then the media
// segment.
func (s *Session) deliver(t *track, f *fetchState, bytes int64, data []byte) {
	if !s.cfg.MediaOnly && t.initRung != f.rung && t.inits[f.rung] != nil {
		init := t.inits[f.rung]
		s.push(Action{Kind: ActDeliver, Delivery: Delivery{Track: t.id, Content: t.content, Rep: f.rep, Rung: f.rung,
			Init: true, Data: init, Bytes: t.initSizes[f.rung]}})
		t.initRung = f.rung
	}
	s.push(Action{Kind: ActDeliver, Delivery: Delivery{Track: t.id, Content: t.content, Rep: f.rep, Rung: f.rung,
		Segment: f.seg, Number: f.number, Start: f.start, Duration: f.dur, Data: data, Bytes: bytes, Replacement: f.replace}})
}

// initDone caches a fetched init segment.
func (s *Session) initDone(r *request, data []byte) {
	t, f := r.t, r.f
	if data == nil {
		data = []byte{}
	}
	t.inits[f.rung] = data
	t.initSizes[f.rung] = r.bytes
	f.active = false
	s.release(r)
}

// playlistDone attaches a fetched HLS media playlist.
func (s *Session) playlistDone(r *request, data []byte) {
	t, f := r.t, r.f
	rep := f.rep
	f.active = false
	s.release(r)
	if err := s.pres.AttachHLSMedia(rep, data); err != nil {
		s.fail(fmt.Errorf("%w: media playlist %s: %w", ErrBadContent, rep.Index.Playlist.URL, err))
		return
	}
	if s.pres.Live {
		s.fail(fmt.Errorf("%w: media playlist %s has no EXT-X-ENDLIST", ErrLive, rep.Index.Playlist.URL))
		return
	}
	s.refreshLadder(t)
	if s.wants(EvPlaylistLoaded) {
		s.emit(Event{Kind: EvPlaylistLoaded, Track: t.id, Rung: f.rung, URL: rep.Index.Playlist.URL})
	}
}

// indexDone applies a fetched SegmentBase index.
func (s *Session) indexDone(r *request, data []byte) {
	t, f := r.t, r.f
	rep := f.rep
	f.active = false
	url := r.url
	s.release(r)
	more, err := rep.Index.ApplySidxAt(f.rng.Offset, data)
	if err != nil {
		s.fail(fmt.Errorf("%w: index of representation %q at %s: %w", ErrBadContent, rep.ID, url, err))
		return
	}
	if len(more) > 0 {
		// A hierarchical index: the referenced boxes come next.
		t.sidxRep = rep
		t.sidxMore = append(t.sidxMore, more...)
		return
	}
	t.sidxRep, t.sidxMore = nil, nil
	s.refreshLadder(t)
	if s.wants(EvIndexLoaded) {
		s.emit(Event{Kind: EvIndexLoaded, Track: t.id, Rung: f.rung, URL: url})
	}
}

// manifestDone parses the loaded manifest and sets the session up.
func (s *Session) manifestDone(r *request, data []byte) {
	url := r.url
	s.mf.active = false
	s.release(r)
	p, err := parseManifest(data, url)
	if err == nil {
		err = s.setup(p)
	}
	if err != nil {
		s.fail(err)
		return
	}
	if s.wants(EvManifestLoaded) {
		s.emit(Event{Kind: EvManifestLoaded, Track: -1, URL: url})
	}
}

// resetTrack cancels t's work and empties its buffer for a seek to pos.
func (s *Session) resetTrack(t *track, pos time.Duration) {
	if r := t.f.req; r != nil {
		s.push(Action{Kind: ActCancel, ID: r.id})
		s.stats.bytes += r.bytes
		s.emit(Event{Kind: EvRequestCancelled, Track: t.id, Request: r.id, ReqKind: r.kind})
		s.release(r)
	}
	t.f = fetchState{}
	t.hasPlan, t.full = false, false
	t.flush(pos)
	t.next, t.nextStart = -1, pos
	t.finished = false
	t.sinceSeek = 0
	t.initRung = -1
	if k := s.periodAt(pos); k != t.period {
		s.enterPeriod(t, k)
	}
}
