package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/traces"
)

// sabreEstimator is what Sabre's estimators (abr.SabreEWMA,
// abr.SabreSliding) offer next to abr.Estimator: Sabre's float API.
type sabreEstimator interface {
	abr.Estimator
	Push(timeMs, kbps, latencyMs float64)
	Values() (kbps, latencyMs float64, ok bool)
}

// sabreTransfer is the download in flight, in Sabre's units.
type sabreTransfer struct {
	seg, rung   int
	replacement bool
	first       bool
	sizeBits    float64
	levelAtReq  float64 // L when the request was made (Sabre's L_req)
	startMs     float64 // float session time of the request
	dl          SabreDownload
}

// sabreVerdict is an abandonment verdict of the algorithm.
type sabreVerdict struct {
	set    bool
	to     int
	reason abr.Reason
}

// sabreShadow is Sabre's float state of one session: the network cursor,
// the buffer, the estimator and the metrics, updated in Sabre's order
// from the events the core sees (see SabreProfile).
type sabreShadow struct {
	prof SabreProfile
	ad   *sabreAdapter

	link      *SabreLink
	linkTrace *traces.Trace
	linkVideo *Video
	linkMult  float64
	kbps      []float64 // the ladder in kbit/s
	// onSustainable is sustainableChanged as the link's hook, made once.
	onSustainable func(nowMs float64, quality, previous int)

	acc      *qoe.SabreAccumulator
	accVideo *Video
	accKey   [3]float64 // B, gp, rmp of acc

	est     sabreEstimator
	estKind string
	estHL   []time.Duration
	estWS   []int
	estSeg  time.Duration

	buf      qoe.SabreBuffer
	appended int // segments appended: the next segment to fetch
	repl     *abr.SabreReplacer
	replView []abr.BufferedSegment
	p, bMs   float64
	ladder   *abr.Ladder
	clock    float64 // float session time, ms

	// The decision round.
	waited    bool
	delayMs   float64
	replacing bool
	slot      int

	// The download in flight and its latest progress step.
	started   bool
	cur       sabreTransfer
	step      SabreDownload
	stepBuf   float64
	stepView  abr.SabreView
	plan      abr.SabreAbandonPlan
	verdict   sabreVerdict
	abandonTo int

	tooLate int
	err     error
}

// reset prepares the shadow for a session, reusing the network model,
// accumulator and estimator of the previous session when they fit.
func (sh *sabreShadow) reset(run *sessionRun, p SabreProfile, alg abr.Algorithm, repl *abr.SabreReplacer) error {
	v, tr := run.cfg.Video, run.cfg.Trace
	mult := p.NetworkMultiplier
	if mult == 0 {
		mult = 1
	}
	sh.prof = p
	sh.p = durationMs(v.SegmentDuration)
	sh.bMs = durationMs(p.BufferSize)
	sh.kbps = sh.kbps[:0]
	for _, b := range v.Bitrates {
		sh.kbps = append(sh.kbps, float64(b)/1000)
	}
	kbps := sh.kbps
	if sh.link != nil && sh.linkTrace == tr && sh.linkVideo == v && sh.linkMult == mult {
		sh.link.Reset()
	} else {
		if sh.link == nil {
			sh.link = &SabreLink{}
			sh.onSustainable = sh.sustainableChanged
		}
		sh.linkTrace = nil
		lc := SabreConfig{NetworkMultiplier: mult, BitratesKbps: kbps, SegmentMs: sh.p, OnSustainableChange: sh.onSustainable}
		if err := sh.link.build(tr, lc); err != nil {
			return err
		}
		sh.linkTrace, sh.linkVideo, sh.linkMult = tr, v, mult
	}
	key := [3]float64{sh.bMs, p.GammaP, float64(p.RampupThreshold)}
	if sh.acc != nil && sh.accVideo == v && sh.accKey == key {
		sh.acc.Reset()
	} else {
		c := qoe.DefaultSabreConfig()
		c.SegmentMs, c.BitratesKbps, c.Segments = sh.p, kbps, v.Play
		c.BufferMs, c.GammaP, c.RampupThreshold = sh.bMs, p.GammaP, p.RampupThreshold
		a, err := qoe.NewSabreAccumulator(c)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadSession, err)
		}
		sh.acc, sh.accVideo, sh.accKey = a, v, key
	}
	if err := sh.resetEstimator(p, v.SegmentDuration); err != nil {
		return err
	}
	sh.buf.Rungs, sh.buf.PlayedMs = sh.buf.Rungs[:0], 0
	p0 := &sh.link.periods[0]
	sh.acc.NetworkPeriod(0, p0.bw, p0.lat, sh.buf.Rungs)
	sh.appended = 0
	sh.repl = repl
	sh.ladder = nil
	sh.clock = 0
	sh.waited, sh.delayMs, sh.replacing, sh.slot = false, 0, false, 0
	sh.started = false
	sh.cur, sh.step, sh.stepBuf = sabreTransfer{}, SabreDownload{}, 0
	sh.verdict, sh.abandonTo = sabreVerdict{}, 0
	sh.tooLate, sh.err = 0, nil
	return nil
}

// resetEstimator makes sh.est a fresh estimator of p's kind.
func (sh *sabreShadow) resetEstimator(p SabreProfile, seg time.Duration) error {
	kind := p.MovingAverage
	if kind == "" {
		kind = "ewma"
	}
	if sh.est != nil && sh.estKind == kind && slices.Equal(sh.estHL, p.HalfLives) && slices.Equal(sh.estWS, p.Windows) && sh.estSeg == seg {
		sh.est.Reset()
		return nil
	}
	switch kind {
	case "ewma":
		if len(p.HalfLives) == 0 {
			return fmt.Errorf("%w: sabre EWMA needs at least one half-life", ErrBadSession)
		}
		hl := make([]float64, len(p.HalfLives))
		for i, h := range p.HalfLives {
			if h <= 0 {
				return fmt.Errorf("%w: sabre EWMA half-life %v must be positive", ErrBadSession, h)
			}
			hl[i] = durationMs(h)
		}
		sh.est = abr.NewSabreEWMAMs(hl, durationMs(seg))
	case "sliding":
		w, err := abr.NewSabreSlidingWindows(p.Windows)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadSession, err)
		}
		sh.est = w
	default:
		return fmt.Errorf("%w: sabre moving average %q (want ewma or sliding)", ErrBadSession, kind)
	}
	sh.estKind, sh.estSeg = kind, seg
	sh.estHL = append(sh.estHL[:0], p.HalfLives...)
	sh.estWS = append(sh.estWS[:0], p.Windows...)
	return nil
}

// sustainableChanged is the link's hook for Sabre's reaction-time
// bookkeeping: it runs when a new period changes the sustainable rung.
func (sh *sabreShadow) sustainableChanged(nowMs float64, _, _ int) {
	i, _ := sh.link.Period()
	p := &sh.link.periods[i]
	sh.acc.NetworkPeriod(nowMs, p.bw, p.lat, sh.buf.Rungs)
}

// fail records the first inconsistency.
func (sh *sabreShadow) fail(err error) {
	if sh.err == nil {
		sh.err = err
	}
}

// level is Sabre's get_buffer_level: p·n − f.
func (sh *sabreShadow) level() float64 { return sh.buf.Level(sh.p) }

// view is the float view a Sabre algorithm decides from.
func (sh *sabreShadow) view(seg int) abr.SabreView {
	k, l, ok := sh.est.Values()
	return abr.SabreView{
		Ladder: sh.ladder, Segment: seg, BufferMs: sh.level(), MaxBufferMs: sh.bMs,
		ThroughputKbps: k, LatencyMs: l, HasEstimate: ok,
	}
}

// checkLevel compares the core's buffer level with Sabre's level ms at
// the moment named by what.
func (sh *sabreShadow) checkLevel(sn *abr.Snapshot, ms float64, what string) {
	if want := msToDuration(ms); !near(sn.Buffer, want) {
		sh.fail(fmt.Errorf("%w: buffer %s segment %d is %v in the core, %v in Sabre's model", ErrDiverged, what, sn.Segment, sn.Buffer, want))
	}
}

// fullWait is the start of Sabre's loop: w = L + p − B; when positive,
// drain it, then move the network by it, then report it. It runs once per
// decision, on the core's OnWait or, if the core's rounded level did not
// call for a wait, before the decision.
func (sh *sabreShadow) fullWait(sn *abr.Snapshot) {
	if sh.waited {
		return
	}
	sh.waited = true
	w := sh.level() + sh.p - sh.bMs
	if !(w > 0) {
		return
	}
	sh.acc.Drain(&sh.buf, w)
	sh.link.Delay(w)
	sh.clock += w
	if a := sh.ad; a.sabre != nil {
		a.sabre.SabreReportDelay(w)
	} else if a.obs != nil {
		a.obs.OnWait(sn, msToDuration(w))
	}
}

// evaluate asks the abandonment checker about a progress step: the
// replacement strategy for a replacement, else the Sabre algorithm with
// the view of the download (fixed while it runs: the estimator only
// changes when a download ends) at the step's buffer estimate. A verdict
// to abandon is left in sh.verdict.
func (sh *sabreShadow) evaluate(step *SabreDownload, bufferEstimateMs float64) bool {
	if sh.cur.replacement {
		if !sh.repl.SabreCheckAbandon(bufferEstimateMs, sh.p) {
			return false
		}
		sh.verdict = sabreVerdict{set: true, to: -1, reason: abr.Reason{Rule: "sabre-replace-protect", Buffer: msToDuration(bufferEstimateMs)}}
		return true
	}
	if sh.ad.sabre == nil {
		return false // a generic Abandoner is asked by the core (everyStep)
	}
	v := sh.stepView
	v.BufferMs = bufferEstimateMs
	to, ok, r := sh.ad.sabre.SabreCheckAbandon(v, abr.SabreProgress{
		Rung: sh.cur.rung, SizeBits: step.SizeBits, DownloadedBits: step.DownloadedBits,
		TimeMs: step.TimeMs, TTFBMs: step.TTFBMs,
	})
	if ok {
		sh.verdict = sabreVerdict{set: true, to: to, reason: r}
	}
	return ok
}

// complete plays the buffer for a completed download's time and adds the
// segment (Sabre's loop steps 7 and 8).
func (sh *sabreShadow) complete() {
	c := &sh.cur
	if c.first {
		sh.acc.Startup(c.dl.TimeMs)
	} else {
		sh.acc.Drain(&sh.buf, c.dl.TimeMs)
	}
	switch {
	case !c.replacement:
		sh.buf.Rungs = append(sh.buf.Rungs, c.rung)
		sh.appended++
	case abr.SabreReplaceStillValid(sh.level(), sh.p, sh.slot):
		sh.buf.Rungs[len(sh.buf.Rungs)+sh.slot] = c.rung
	default:
		sh.tooLate++
	}
}

// reported is Sabre's report_download and accuracy bookkeeping for a
// download after segment 0, completed or abandoned (loop steps 7–10;
// the estimator update follows through sabreCoreEstimator.Add).
func (sh *sabreShadow) reported(sn *abr.Snapshot, d abr.Download) {
	c := &sh.cur
	res := c.dl
	if d.Abandoned {
		res = sh.step
		sh.acc.Drain(&sh.buf, res.TimeMs)
	}
	sh.checkLevel(sn, sh.level(), "after downloading")
	a := sh.ad
	if a.sabre != nil {
		o := abr.SabreOutcome{Rung: c.rung, TimeMs: res.TimeMs, Abandoned: d.Abandoned, Replacement: c.replacement}
		if d.Abandoned {
			o.AbandonTo = sh.abandonTo
		}
		a.sabre.SabreReportDownload(sh.view(sh.appended), o)
	} else if a.obs != nil {
		a.obs.OnDownload(sn, d)
	}
	est, _, _ := sh.est.Values()
	sh.acc.Estimate(est, res.DownloadedBits/(res.TimeMs-res.TTFBMs))
}

// finish plays out the buffer, checks the core's clock against Sabre's
// total play time and returns Sabre's metrics.
func (sh *sabreShadow) finish(s *player.Session) (qoe.SabreMetrics, error) {
	if sh.err != nil {
		return qoe.SabreMetrics{}, sh.err
	}
	sh.acc.PlayOut(&sh.buf)
	tot := sh.acc.Totals()
	if got, want := s.Stats().Time, msToDuration(tot.PlayMs); !near(got, want) {
		return qoe.SabreMetrics{}, fmt.Errorf("%w: the session ended at %v in the core, %v in Sabre's model", ErrDiverged, got, want)
	}
	return tot.Metrics(sh.acc.Config()), nil
}

// sabreAdapter is the algorithm the core runs in the sabre profile: it
// answers the core's calls from the Sabre algorithm's float methods and
// the shadow's float state (see SabreProfile).
type sabreAdapter struct {
	sh    *sabreShadow
	alg   abr.Algorithm
	sabre abr.SabreAlgorithm
	plan  abr.SabreAbandonPlanner
	obs   abr.Observer
	ab    abr.Abandoner
	st    abr.Starter
}

// Name returns the algorithm's name.
func (a *sabreAdapter) Name() string { return a.alg.Name() }

// Startup is get_first_quality: the algorithm's startup rung without a
// delay (Sabre fetches segment 0 at once), rung 0 without a Starter.
func (a *sabreAdapter) Startup(sn *abr.Snapshot) abr.Decision {
	a.sh.ladder = sn.Ladder
	a.sh.waited = false
	if a.st != nil {
		d := a.st.Startup(sn)
		d.Delay = 0
		return d
	}
	return abr.Decision{Rung: 0, Reason: abr.Reason{Rule: "sabre-startup", Buffer: sn.Buffer}}
}

// Decide is get_quality_delay, after the full-buffer wait.
func (a *sabreAdapter) Decide(sn *abr.Snapshot) abr.Decision {
	sh := a.sh
	sh.ladder = sn.Ladder
	sh.checkLevel(sn, sh.level(), "before deciding")
	sh.fullWait(sn)
	sh.waited = false
	sh.replacing = false
	if a.sabre != nil {
		q, delay, r := a.sabre.SabreDecide(sh.view(sn.Segment))
		sh.delayMs = 0
		d := abr.Decision{Rung: q, Reason: r}
		if delay > 0 {
			sh.delayMs = delay
			d.Delay = msToDuration(delay)
		}
		return d
	}
	d := a.alg.Decide(sn)
	sh.delayMs = durationMs(max(d.Delay, 0))
	return d
}

// Replace is the replacement strategy's check_replace on Sabre's buffer;
// it returns the index of the chosen segment in the core's buffer.
func (a *sabreAdapter) Replace(sn *abr.Snapshot, q int) (int, bool) {
	sh := a.sh
	if sh.repl == nil {
		return -1, false
	}
	n := len(sh.buf.Rungs)
	sh.replView = sh.replView[:0]
	for i, r := range sh.buf.Rungs {
		sh.replView = append(sh.replView, abr.BufferedSegment{Segment: sh.appended - n + i, Rung: r})
	}
	i, ok := sh.repl.SabreCheckReplace(sh.replView, sh.buf.PlayedMs, sh.p, q)
	if !ok {
		return -1, false
	}
	seg := sh.replView[i].Segment
	for j, b := range sn.Buffered {
		if b.Segment == seg {
			sh.replacing = true
			sh.slot, _ = sh.repl.Slot()
			sh.delayMs = 0
			return j, true
		}
	}
	sh.fail(fmt.Errorf("%w: segment %d to replace is in Sabre's buffer but not in the core's", ErrDiverged, seg))
	return -1, false
}

// ShouldAbandon is check_abandon for the step just reported: the verdict
// the profile already got for it, or the checker's answer now.
func (a *sabreAdapter) ShouldAbandon(sn *abr.Snapshot, pr abr.Progress) (bool, int, abr.Reason) {
	sh := a.sh
	// During a download the level drains from L_req: Sabre's estimate
	// max(0, L_req − elapsed) is the core's level.
	sh.checkLevel(sn, sh.stepBuf, "during the download of")
	v := sh.verdict
	sh.verdict = sabreVerdict{}
	if !v.set {
		switch {
		case a.sabre != nil || sh.cur.replacement:
			if sh.evaluate(&sh.step, sh.stepBuf) {
				v = sh.verdict
				sh.verdict = sabreVerdict{}
			}
		case a.ab != nil:
			v.set, v.to, v.reason = a.ab.ShouldAbandon(sn, pr)
		}
	}
	if !v.set {
		return false, pr.Rung, abr.Reason{}
	}
	sh.abandonTo = v.to
	return true, v.to, v.reason
}

// OnDownload is report_download (plus Sabre's accuracy statistics).
func (a *sabreAdapter) OnDownload(sn *abr.Snapshot, d abr.Download) { a.sh.reported(sn, d) }

// OnWait is report_delay, after the shadow's full-buffer wait.
func (a *sabreAdapter) OnWait(sn *abr.Snapshot, _ time.Duration) { a.sh.fullWait(sn) }

// OnSeek does nothing: the profile does not seek.
func (a *sabreAdapter) OnSeek(*abr.Snapshot) {}

// sabreCoreEstimator is the core's estimator in the sabre profile: the
// shadow's exact Sabre estimator, fed with Sabre's float sample of the
// download the core reports.
type sabreCoreEstimator sabreShadow

// Add pushes the completed download's (transfer ms, kbit/s, TTFB ms).
func (e *sabreCoreEstimator) Add(s abr.Sample) {
	sh := (*sabreShadow)(e)
	dl := &sh.cur.dl
	if s.Bytes*8 != int64(dl.SizeBits) {
		sh.fail(fmt.Errorf("%w: the core reports %d bytes for a download of %v bits", ErrDiverged, s.Bytes, dl.SizeBits))
		return
	}
	t := dl.TimeMs - dl.TTFBMs
	sh.est.Push(t, dl.DownloadedBits/t, dl.TTFBMs)
}

// Estimate returns the exact estimator's estimate.
func (e *sabreCoreEstimator) Estimate() abr.Estimate { return e.est.Estimate() }

// Reset resets the exact estimator.
func (e *sabreCoreEstimator) Reset() { e.est.Reset() }

// sabreTransport serves the sabre profile's downloads from the shadow's
// SabreLink, computing each one whole (with its progress steps) when it
// starts.
type sabreTransport struct {
	sh        sabreShadow
	everyStep bool
	check     SabreCheck
	d         *driver

	inFlight
	ackID        player.RequestID
	abandoned    bool // the download ends in an abandonment at endAt
	inlineCancel bool // the core abandoned it during a per-step report
}

func (t *sabreTransport) reset(p SabreProfile) {
	t.everyStep = p.CoreEveryStep
	if t.check == nil {
		t.check = t.checkStep
	}
	t.active, t.fbSent, t.abandoned, t.inlineCancel = false, false, false, false
	t.id, t.ackID = 0, 0
}

func (t *sabreTransport) start(d *driver, now time.Duration, r *player.Request) error {
	sh := &t.sh
	if t.active {
		return fmt.Errorf("%w: a second request while segment %d downloads", ErrDiverged, sh.cur.seg)
	}
	if r.Replacement != sh.replacing {
		return fmt.Errorf("%w: the core's request for segment %d (replacement %t) is not the one Sabre's loop makes", ErrDiverged, r.Segment, r.Replacement)
	}
	if !r.Replacement && sh.delayMs > 0 {
		sh.acc.Drain(&sh.buf, sh.delayMs)
		sh.link.Delay(sh.delayMs)
		sh.clock += sh.delayMs
	}
	sh.delayMs = 0
	if want := msToDuration(sh.clock); !near(now, want) {
		return fmt.Errorf("%w: segment %d requested at %v in the core, %v in Sabre's model", ErrDiverged, r.Segment, now, want)
	}
	first := !sh.started
	sh.started = true
	c := &sh.cur
	*c = sabreTransfer{
		seg: r.Segment, rung: r.Rung, replacement: r.Replacement, first: first,
		sizeBits: float64(r.Size * 8), levelAtReq: sh.level(), startMs: sh.clock,
	}
	sh.verdict = sabreVerdict{}
	if sh.ad.sabre != nil {
		sh.stepView = sh.view(c.seg)
	}
	t.d, t.id, t.size = d, r.ID, r.Size
	t.active, t.fbSent, t.inlineCancel = true, false, false
	switch {
	case first || sh.prof.NoAbandon:
		c.dl = sh.link.Download(c.sizeBits)
	case sh.ad.plan != nil && !t.everyStep && !c.replacement && c.sizeBits > 0:
		c.dl = t.downloadPlanned(c.sizeBits, c.levelAtReq)
	default:
		c.dl = sh.link.DownloadChecked(c.sizeBits, c.levelAtReq, t.check)
	}
	sh.clock = c.startMs + c.dl.TimeMs
	if !t.fbSent {
		t.fbAt = max(now, msToDuration(c.startMs+c.dl.TTFBMs))
	}
	t.endAt = max(t.fbAt, msToDuration(sh.clock))
	t.abandoned = c.dl.Abandoned
	if t.inlineCancel {
		t.active = false // the core abandoned it at a step; nothing left to deliver
	}
	return sh.err
}

// downloadPlanned is SabreLink.DownloadChecked with checkStep for an
// algorithm that plans its abandonment checks (abr.SabreAbandonPlanner):
// the algorithm is asked (evaluate) only at the steps the plan cannot
// rule out, in practice those where it abandons. The arithmetic of the
// steps is DownloadChecked's.
func (t *sabreTransport) downloadPlanned(bits, levelMs float64) SabreDownload {
	sh := &t.sh
	l := sh.link
	sh.ad.plan.SabrePlanAbandon(sh.stepView, sh.cur.rung, bits, &sh.plan)
	ttfb := l.latencyDelay(&l.c, true)
	// The progress (TimeMs, DownloadedBits) and the cursor (timeToNext,
	// totalMs) live in locals while whole steps run inline; they are
	// stored back for minimalDownload and when the download ends.
	timeMs, got := ttfb, 0.0
	toNext, total := l.c.timeToNext, l.c.totalMs
	p := &l.periods[l.c.index]
	minMs := SabreMinProgressMs - timeMs
	minBits := SabreMinProgressBits
	// The plan's threshold: steps with a buffer estimate of at least
	// quietFrom cannot abandon (the estimate only falls and the bits
	// remaining only shrink); below it, it is asked again for the
	// progress made, and the algorithm only if the estimate is still
	// below.
	quietFrom := math.Inf(1)
	for got < bits {
		// minimalDownload's whole step inside the current period.
		if fits := float64(toNext * p.bw); minBits == SabreMinProgressBits && minMs == SabreMinProgressMs && p.bw > 0 &&
			!(bits-got <= p.stepBits && bits-got <= fits) && p.stepBits <= fits {
			toNext -= p.stepMs
			total += p.stepMs
			timeMs += p.stepMs
			got += p.stepBits
		} else {
			l.c.timeToNext, l.c.totalMs = toNext, total
			b, t := l.minimalDownload(bits-got, minBits, minMs)
			timeMs += t
			got += b
			toNext, total = l.c.timeToNext, l.c.totalMs
			p = &l.periods[l.c.index]
		}
		if got < bits {
			est := levelMs - timeMs // max(0, est), NaN kept as max keeps it
			if !(est > 0) && est == est {
				est = 0
			}
			if !(est >= quietFrom) {
				quietFrom = sh.plan.Threshold(got)
				if !(est >= quietFrom) {
					r := SabreDownload{SizeBits: bits, DownloadedBits: got, TimeMs: timeMs, TTFBMs: ttfb}
					if sh.evaluate(&r, est) {
						l.c.timeToNext, l.c.totalMs = toNext, total
						sh.step, sh.stepBuf = r, est
						r.Abandoned = true
						return r
					}
				}
			}
			minMs = SabreMinProgressMs
			minBits = SabreMinProgressBits
		}
	}
	l.c.timeToNext, l.c.totalMs = toNext, total
	return SabreDownload{SizeBits: bits, DownloadedBits: got, TimeMs: timeMs, TTFBMs: ttfb}
}

// checkStep is the SabreCheck of every progress step: it records the
// step and either asks the checker now (reporting to the core only when
// it abandons, at the step's time) or reports the step to the core, which
// asks the checker through the adapter.
func (t *sabreTransport) checkStep(progress SabreDownload, bufferEstimateMs float64) bool {
	sh := &t.sh
	if !t.everyStep {
		if !sh.evaluate(&progress, bufferEstimateMs) {
			return false
		}
		sh.step, sh.stepBuf = progress, bufferEstimateMs
		return true
	}
	sh.step, sh.stepBuf = progress, bufferEstimateMs
	c := &sh.cur
	d := t.d
	sh.clock = c.startMs + progress.TimeMs
	if !t.fbSent {
		t.fbSent = true
		t.fbAt = max(d.now, msToDuration(c.startMs+progress.TTFBMs))
		d.now = t.fbAt
		d.s.OnResponse(t.fbAt, t.id, player.Response{Status: 200, ContentLength: t.size})
		if d.pollInline(t.id) {
			t.inlineCancel = true
			return true
		}
	}
	d.now = max(d.now, t.fbAt, msToDuration(sh.clock))
	d.s.OnProgress(d.now, t.id, int64(progress.DownloadedBits/8))
	if d.pollInline(t.id) {
		t.inlineCancel = true
		return true
	}
	return false
}

func (t *sabreTransport) cancel(_ *driver, _ time.Duration, id player.RequestID) error {
	if id == t.id {
		t.ackID = id
		t.active = false
	}
	return nil
}

func (t *sabreTransport) fire(d *driver, at time.Duration) error {
	sh := &t.sh
	if err := t.firstByteDue(d, at); err != nil {
		return err
	}
	if !t.active || !t.fbSent || t.endAt > at {
		return sh.err
	}
	t.active = false
	id, abandoned := t.id, t.abandoned
	if !abandoned {
		sh.complete()
		d.s.OnComplete(t.endAt, id, t.size, nil)
	} else {
		d.s.OnProgress(t.endAt, id, int64(sh.step.DownloadedBits/8))
	}
	if err := d.drain(); err != nil {
		return err
	}
	if abandoned && t.ackID != id {
		return fmt.Errorf("%w: the algorithm abandoned segment %d but the core did not", ErrDiverged, sh.cur.seg)
	}
	return sh.err
}

// inFlight is the one transfer an exact reference model has in flight
// (Pensieve and Sabre fetch one chunk at a time): its request, size, and
// when its first byte and its end are due.
type inFlight struct {
	active, fbSent bool
	id             player.RequestID
	size           int64
	fbAt, endAt    time.Duration
}

// firstByteDue delivers the response headers to the core when the first
// byte is due by at, and lets the core act on them.
func (f *inFlight) firstByteDue(d *driver, at time.Duration) error {
	if !f.active || f.fbSent || f.fbAt > at {
		return nil
	}
	f.fbSent = true
	d.s.OnResponse(f.fbAt, f.id, player.Response{Status: 200, ContentLength: f.size})
	return d.drain()
}

// next returns when the transfer's next event is due.
func (f *inFlight) next() (time.Duration, bool) {
	switch {
	case !f.active:
		return 0, false
	case !f.fbSent:
		return f.fbAt, true
	}
	return f.endAt, true
}
