package player

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/require"
)

// ladderSpec describes a hand-built VOD presentation.
type ladderSpec struct {
	segments int
	segDur   time.Duration
	video    []int64  // video bitrates (bit/s), any order
	audio    []int64  // audio bitrates; nil for no audio set
	bases    []string // base URLs, best first
	init     bool     // representations have init segments
	ranges   bool     // segments carry byte ranges (sizes known)
}

// buildVOD builds a DASH-like VOD presentation with explicit segment
// lists (AddrList), URLs "<base>/<rep>/<i>.m4s".
func buildVOD(tb testing.TB, sp ladderSpec) *manifest.Presentation {
	tb.Helper()
	if len(sp.bases) == 0 {
		sp.bases = []string{"http://cdn-a.test/vod"}
	}
	total := time.Duration(sp.segments) * sp.segDur
	mkSet := func(id string, ct manifest.ContentType, rates []int64) *manifest.AdaptationSet {
		as := &manifest.AdaptationSet{ID: id, ContentType: ct, MimeType: string(ct) + "/mp4"}
		for _, b := range rates {
			repID := fmt.Sprintf("%s%d", id[:1], b/1000)
			ix := &manifest.SegmentIndex{
				Addressing:       manifest.AddrList,
				RepresentationID: repID,
				Bandwidth:        b,
				Timescale:        1000,
				StartNumber:      1,
				Duration:         uint64(sp.segDur / time.Millisecond),
				PeriodDuration:   total,
			}
			for _, base := range sp.bases {
				ix.BaseURLs = append(ix.BaseURLs, manifest.BaseURL{URL: base + "/"})
			}
			if sp.init {
				init := &manifest.InitSegment{}
				for _, base := range sp.bases {
					init.URLs = append(init.URLs, base+"/"+repID+"/init.mp4")
				}
				ix.Init = init
			}
			for i := range sp.segments {
				seg := manifest.Segment{Number: uint64(i + 1), Start: time.Duration(i) * sp.segDur, Duration: sp.segDur, Init: ix.Init}
				for _, base := range sp.bases {
					seg.URLs = append(seg.URLs, fmt.Sprintf("%s/%s/%d.m4s", base, repID, i))
				}
				if sp.ranges {
					seg.Range = manifest.ByteRange{Offset: 0, Length: nominalSize(b, sp.segDur)}
				}
				ix.Segments = append(ix.Segments, seg)
			}
			require.NoError(tb, ix.Prepare())
			as.Representations = append(as.Representations, &manifest.Representation{
				ID: repID, Bandwidth: b, MimeType: as.MimeType, Width: int(b / 1000), Height: int(b / 2000), Index: ix,
			})
		}
		return as
	}
	period := &manifest.Period{ID: "p0", Duration: total}
	period.AdaptationSets = append(period.AdaptationSets, mkSet("video", manifest.ContentVideo, sp.video))
	if sp.audio != nil {
		period.AdaptationSets = append(period.AdaptationSets, mkSet("audio", manifest.ContentAudio, sp.audio))
	}
	return &manifest.Presentation{Format: manifest.FormatDASH, URL: sp.bases[0] + "/manifest.mpd", Duration: total,
		Periods: []*manifest.Period{period}}
}

// nominalSize is bitrate × duration in bytes.
func nominalSize(bitrate int64, d time.Duration) int64 {
	return bitrate * int64(d) / int64(8*time.Second)
}

// outcome is how the fake network answers one request.
type outcome struct {
	// status of the response (0 = 200); fail, when set, fails the
	// request at ttfb instead of answering.
	status     int
	retryAfter time.Duration
	fail       FailureClass
	// ttfb is the time to the headers; hang never answers.
	ttfb time.Duration
	hang bool
	// bytes of the body; rate in bit/s for the transfer (0: instant).
	bytes int64
	rate  int64
	data  []byte
}

// netEvent is a scheduled driver input.
type netEvent struct {
	at    time.Duration
	seq   int
	id    RequestID
	what  int // 0 headers, 1 progress, 2 complete, 3 failure
	o     *outcome
	bytes int64
	fn    func() // what 4: a scripted command
}

// harness is a tiny discrete-event driver: it answers the session's
// requests from a scripted network and records every action and event.
type harness struct {
	tb       testing.TB
	s        *Session
	now      time.Duration
	q        []netEvent
	seq      int
	net      func(h *harness, r Request) outcome
	progress time.Duration // interval of progress reports (0: none)
	sink     Sink
	reqs     []Request
	log      []string
	evs      []Event
	cancels  []RequestID
}

// at schedules fn (user commands on h.s) at session time t.
func (h *harness) at(t time.Duration, fn func()) {
	h.push(netEvent{at: t, what: 4, fn: fn})
}

func newHarness(tb testing.TB, s *Session, net func(h *harness, r Request) outcome) *harness {
	return &harness{tb: tb, s: s, net: net}
}

// sizeOf is the body size of a request in the default network: the byte
// range, else the nominal size of a media segment, else 1000 bytes.
func sizeOf(r Request) int64 {
	if r.Range.Length > 0 {
		return r.Range.Length
	}
	if r.Kind == ReqMedia && r.Rep != nil {
		seg, err := r.Rep.Index.Segment(r.Segment)
		if err == nil {
			return nominalSize(r.Rep.Bandwidth, seg.Duration)
		}
	}
	return 1000
}

// link returns a network of fixed latency and rate.
func link(ttfb time.Duration, rate int64) func(h *harness, r Request) outcome {
	return func(h *harness, r Request) outcome {
		return outcome{ttfb: ttfb, rate: rate, bytes: sizeOf(r)}
	}
}

// drain handles the queued actions and events.
func (h *harness) drain() {
	for {
		a, ok := h.s.Poll()
		if !ok {
			break
		}
		h.log = append(h.log, "A "+h.now.String()+" "+a.String())
		switch a.Kind {
		case ActRequest:
			h.reqs = append(h.reqs, a.Request)
			h.schedule(a.Request)
		case ActCancel:
			h.cancels = append(h.cancels, a.ID)
			q := h.q[:0]
			for _, e := range h.q {
				if e.what == 4 || e.id != a.ID {
					q = append(q, e)
				}
			}
			h.q = q
		}
		if h.sink != nil {
			_, err := ApplyToSink(h.now, h.sink, &a)
			require.NoError(h.tb, err)
		}
	}
	h.s.DrainEvents(ObserverFunc(func(e *Event) {
		h.log = append(h.log, "E "+e.String())
		h.evs = append(h.evs, *e)
	}))
}

func (h *harness) push(e netEvent) {
	e.seq = h.seq
	h.seq++
	h.q = append(h.q, e)
}

// schedule plans the inputs answering r.
func (h *harness) schedule(r Request) {
	o := h.net(h, r)
	if o.hang {
		return
	}
	op := &o
	start := h.now + o.ttfb
	if o.fail != 0 {
		h.push(netEvent{at: start, id: r.ID, what: 3, o: op})
		return
	}
	h.push(netEvent{at: start, id: r.ID, what: 0, o: op})
	if o.status != 0 && (o.status < 200 || o.status > 299) {
		return
	}
	var transfer time.Duration
	if o.rate > 0 {
		transfer = time.Duration(o.bytes * 8 * int64(time.Second) / o.rate)
	}
	if h.progress > 0 && o.rate > 0 {
		for el := h.progress; el < transfer; el += h.progress {
			h.push(netEvent{at: start + el, id: r.ID, what: 1, o: op, bytes: o.rate * int64(el) / int64(8*time.Second)})
		}
	}
	h.push(netEvent{at: start + transfer, id: r.ID, what: 2, o: op, bytes: o.bytes})
}

// run drives the session until it is done, nothing is pending, or the
// time passes until.
func (h *harness) run(until time.Duration) {
	h.drain()
	for steps := 0; !h.s.Done(); steps++ {
		require.Less(h.tb, steps, 1_000_000, "runaway session")
		sort.SliceStable(h.q, func(i, j int) bool {
			if h.q[i].at != h.q[j].at {
				return h.q[i].at < h.q[j].at
			}
			return h.q[i].seq < h.q[j].seq
		})
		wake, hasWake := h.s.NextWake()
		if hasWake && wake < h.now {
			wake = h.now
		}
		if len(h.q) == 0 && !hasWake {
			return
		}
		useNet := len(h.q) > 0 && (!hasWake || h.q[0].at <= wake)
		at := wake
		if useNet {
			at = h.q[0].at
		}
		if at > until {
			return
		}
		h.now = at
		if !useNet {
			h.s.Tick(at)
			h.drain()
			continue
		}
		e := h.q[0]
		h.q = h.q[1:]
		switch e.what {
		case 0:
			h.s.OnResponse(at, e.id, Response{Status: e.o.status, RetryAfter: e.o.retryAfter, ContentLength: e.o.bytes})
		case 1:
			h.s.OnProgress(at, e.id, e.bytes)
		case 2:
			h.s.OnComplete(at, e.id, e.bytes, e.o.data)
		case 3:
			h.s.OnFailure(at, e.id, Failure{Class: e.o.fail, Status: e.o.status, RetryAfter: e.o.retryAfter})
		case 4:
			e.fn()
		}
		h.drain()
	}
}

// urls lists the URLs of the requests seen.
func (h *harness) urls() []string {
	out := make([]string, len(h.reqs))
	for i, r := range h.reqs {
		out[i] = r.URL
	}
	return out
}

// kinds filters the events by kind.
func (h *harness) kinds(k EventKind) []Event {
	var out []Event
	for _, e := range h.evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// transcript is the serialized action and event stream.
func (h *harness) transcript() string { return strings.Join(h.log, "\n") }

// fixedAlg always picks the same rung.
type fixedAlg struct{ rung int }

func (a *fixedAlg) Name() string { return "fixed" }
func (a *fixedAlg) Decide(s *abr.Snapshot) abr.Decision {
	return abr.Decision{Rung: a.rung, Reason: abr.Reason{Rule: "fixed", Buffer: s.Buffer}}
}

// scriptAlg picks rungs[segment] (the last entry beyond the script) and
// records every call it gets.
type scriptAlg struct {
	rungs []int
	delay time.Duration
	calls []string
}

func (a *scriptAlg) Name() string { return "script" }
func (a *scriptAlg) rung(seg int) int {
	if seg < len(a.rungs) {
		return a.rungs[seg]
	}
	return a.rungs[len(a.rungs)-1]
}
func (a *scriptAlg) Decide(s *abr.Snapshot) abr.Decision {
	a.calls = append(a.calls, fmt.Sprintf("decide seg=%d buf=%v since=%d last=%d", s.Segment, s.Buffer, s.SinceSeek, s.LastRung))
	return abr.Decision{Rung: a.rung(s.Segment), Delay: a.delay, Reason: abr.Reason{Rule: "script"}}
}
func (a *scriptAlg) Startup(s *abr.Snapshot) abr.Decision {
	a.calls = append(a.calls, fmt.Sprintf("startup seg=%d", s.Segment))
	return abr.Decision{Rung: a.rung(s.Segment), Reason: abr.Reason{Rule: "script-start"}}
}
func (a *scriptAlg) OnDownload(s *abr.Snapshot, d abr.Download) {
	a.calls = append(a.calls, fmt.Sprintf("download seg=%d rung=%d bytes=%d abandoned=%t buf=%v", d.Segment, d.Rung, d.Bytes, d.Abandoned, s.Buffer))
}
func (a *scriptAlg) OnWait(s *abr.Snapshot, w time.Duration) {
	a.calls = append(a.calls, "wait "+w.String()+" buf="+s.Buffer.String())
}
func (a *scriptAlg) OnSeek(s *abr.Snapshot) {
	a.calls = append(a.calls, "seek pos="+s.Playhead.String())
}

// testConfig is DefaultConfig with a given buffer goal and thresholds.
func testConfig(goal, startup, rebuffer time.Duration) Config {
	c := DefaultConfig()
	c.BufferGoal, c.StartupThreshold, c.RebufferThreshold = goal, startup, rebuffer
	return c
}

func itoa(i int) string { return strconv.Itoa(i) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// durStr returns the time field of a log line "A <dur> ...".
func durStr(l string) string {
	f := strings.Fields(l)
	return f[1]
}
