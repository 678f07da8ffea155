package abr

import (
	"fmt"
	"math"
	"time"
)

// This file holds what Sabre's algorithms share: their float view of the
// session, the ladder in Sabre's units and the throughput-to-rung map.
//
// Sabre (Spiteri, Sitaraman, Sparacio, "From Theory to Practice:
// Improving Bitrate Adaptation in the DASH Reference Player", ACM MMSys
// 2018; UMass-LIDS/sabre src/sabre.py at 09b03bb) works in float64
// milliseconds, bits and kbit/s (= bits/ms). Each Sabre algorithm here has
// two entry points:
//
//   - the abr interfaces (Decide, ShouldAbandon, OnDownload, OnWait,
//     OnSeek), which convert the Snapshot at entry: ms =
//     float64(d)/float64(time.Millisecond), kbit/s = bit/s ÷ 1000,
//     bits = bytes × 8;
//   - the SabreAlgorithm methods, which take Sabre's floats unchanged so
//     that a simulator reproducing Sabre gets Sabre's numbers exactly.
//
// Every expression keeps Sabre's order of operations, and products that
// feed an addition are converted explicitly so that the compiler may not
// fuse them into an FMA.

// SabreView is the session state a Sabre algorithm decides from, in
// Sabre's units.
type SabreView struct {
	// Ladder gives the bitrates (kbit/s = Bitrate/1000), the segment
	// duration p (ms) and the segment count N.
	Ladder *Ladder
	// Segment is the index i of the segment to decide.
	Segment int
	// BufferMs is the buffer level L. For abandonment checks it is
	// Sabre's estimate max(0, L_req − elapsed); for report_download it is
	// the level after the download.
	BufferMs float64
	// MaxBufferMs is the player's maximum buffer, used when an
	// algorithm's buffer-size parameter is zero.
	MaxBufferMs float64
	// ThroughputKbps and LatencyMs are the estimator's T^ and λ^; they
	// are meaningful only when HasEstimate is true.
	ThroughputKbps, LatencyMs float64
	HasEstimate               bool
}

// SabreProgress is an in-flight download as Sabre's check_abandon sees it.
type SabreProgress struct {
	// Rung is the rung being downloaded.
	Rung int
	// SizeBits is the whole segment's size and DownloadedBits what has
	// arrived so far.
	SizeBits, DownloadedBits float64
	// TimeMs is the time since the request (TTFB included) and TTFBMs
	// the time to first bit.
	TimeMs, TTFBMs float64
}

// SabreOutcome is a finished download as Sabre's report_download sees it.
type SabreOutcome struct {
	// Rung is the rung that was downloaded (or attempted).
	Rung int
	// TimeMs is the whole download time, TTFB included.
	TimeMs float64
	// Abandoned is true when the download was abandoned; AbandonTo is
	// then the rung the checker returned (-1 for a replacement).
	Abandoned bool
	AbandonTo int
	// Replacement is true for a download that replaced a buffered segment.
	Replacement bool
}

// SabreAlgorithm is implemented by the algorithms ported from Sabre. Its
// methods are Sabre's Abr class methods in Sabre's units; a Sabre-profile
// simulator calls them directly, in Sabre's loop order (sabre-model §4).
type SabreAlgorithm interface {
	Algorithm
	// SabreDecide is get_quality_delay: the rung for v.Segment and the
	// delay in ms to wait before requesting it.
	SabreDecide(v SabreView) (rung int, delayMs float64, reason Reason)
	// SabreCheckAbandon is check_abandon: ok true with the rung to
	// abandon to. v.BufferMs is Sabre's estimated level.
	SabreCheckAbandon(v SabreView, p SabreProgress) (rung int, ok bool, reason Reason)
	// SabreReportDelay is report_delay: a full-buffer wait of ms.
	SabreReportDelay(ms float64)
	// SabreReportDownload is report_download; v.BufferMs is the level
	// after the download.
	SabreReportDownload(v SabreView, o SabreOutcome)
	// SabreReportSeek is report_seek with the seek target in ms.
	SabreReportSeek(v SabreView, whereMs float64)
}

// sabreLadder caches a Ladder in Sabre's units. A Ladder is treated as
// immutable while the same pointer, rung count and segment duration are
// seen.
type sabreLadder struct {
	src    *Ladder
	n      int
	segDur time.Duration
	p      float64   // segment duration, ms
	kbps   []float64 // nominal bitrates, kbit/s
	logs   []float64 // math.Log(kbps)
	util   []float64 // logs + offset
}

// sync refreshes the cache for l; it returns true when it recomputed.
// offset adds to -ln b_0 to give the utilities: 0 for Bola (u_0 = 0), 1
// for BolaEnh (u_0 = 1).
func (m *sabreLadder) sync(l *Ladder, offset float64) bool {
	if l == m.src && len(l.Rungs) == m.n && l.SegmentDuration == m.segDur {
		return false
	}
	m.src, m.n, m.segDur = l, len(l.Rungs), l.SegmentDuration
	m.p = sabreMs(l.SegmentDuration)
	if cap(m.kbps) < m.n {
		m.kbps = make([]float64, m.n)
		m.logs = make([]float64, m.n)
		m.util = make([]float64, m.n)
	}
	m.kbps, m.logs, m.util = m.kbps[:m.n], m.logs[:m.n], m.util[:m.n]
	for i, r := range l.Rungs {
		m.kbps[i] = float64(r.Bitrate) / 1000
		m.logs[i] = math.Log(m.kbps[i])
	}
	off := offset - m.logs[0] // Sabre: utility_offset = offset − log(b_0)
	for i := range m.util {
		m.util[i] = m.logs[i] + off
	}
	return true
}

// top is the index of the highest rung.
func (m *sabreLadder) top() int { return m.n - 1 }

// qualityFromThroughput is Sabre's Abr.quality_from_throughput: the
// highest rung reached by scanning up while λ^ + p·b_(q+1)/T <= p.
func (m *sabreLadder) qualityFromThroughput(tput, latencyMs float64) int {
	q := 0
	for q+1 < m.n && latencyMs+m.p*m.kbps[q+1]/tput <= m.p {
		q++
	}
	return q
}

// bolaArgmax is quality_from_buffer of Sabre's Bola and BolaEnh at
// level L: the argmax of (Vp·(u_q + γp) − L)/b_q, ties to the lower rung.
func (m *sabreLadder) bolaArgmax(vp, gp, level float64) int {
	q, best := 0, 0.0
	for k := range m.n {
		s := (float64(vp*(m.util[k]+gp)) - level) / m.kbps[k]
		if k == 0 || s > best {
			q, best = k, s
		}
	}
	return q
}

// otherSize is Sabre's size of the same segment at rung q given its size
// at rung cur: size·b_q/b_cur, multiplying first.
func (m *sabreLadder) otherSize(size float64, q, cur int) float64 {
	return size * m.kbps[q] / m.kbps[cur]
}

// sabreViewOf converts a Snapshot to Sabre's view.
func sabreViewOf(s *Snapshot) SabreView {
	v := SabreView{
		Ladder:      s.Ladder,
		Segment:     s.Segment,
		BufferMs:    sabreMs(s.Buffer),
		MaxBufferMs: sabreMs(s.MaxBuffer),
	}
	if s.Estimate.Valid {
		v.ThroughputKbps = float64(s.Estimate.Throughput) / 1000
		v.LatencyMs = sabreMs(s.Estimate.Latency)
		v.HasEstimate = true
	}
	return v
}

// sabreProgressOf converts a Progress; ok is false when nothing has
// arrived yet (Sabre never checks before its first progress step).
func sabreProgressOf(s *Snapshot, p Progress) (SabreProgress, bool) {
	if p.Bytes <= 0 {
		return SabreProgress{}, false
	}
	total := p.Total
	if total < 0 {
		total = s.Ladder.SegmentSize(p.Segment, p.Rung)
	}
	return SabreProgress{
		Rung:           p.Rung,
		SizeBits:       float64(total * 8),
		DownloadedBits: float64(p.Bytes * 8),
		TimeMs:         sabreMs(p.Elapsed),
		TTFBMs:         sabreMs(p.TTFB),
	}, true
}

// sabreAbandonTarget bounds an abandonment target to the snapshot's
// MinRung..MaxRung; a target that is no longer below the rung being
// downloaded cancels the abandonment.
func sabreAbandonTarget(s *Snapshot, p Progress, q int, ok bool) (int, bool) {
	if !ok {
		return p.Rung, false
	}
	q = clampRung(s, q)
	if q >= p.Rung {
		return p.Rung, false
	}
	return q, true
}

// sabreBufferMs resolves a buffer-size parameter: the parameter when
// positive, else the player's maximum buffer.
func sabreBufferMs(param time.Duration, v SabreView) float64 {
	if param > 0 {
		return sabreMs(param)
	}
	return v.MaxBufferMs
}

// sabreEstimator builds the estimator named by a Sabre algorithm's "ma"
// parameter.
func sabreEstimator(ma string) Estimator {
	if ma == "sliding" {
		w, _ := NewSabreSliding(DefaultSabreSlidingParams())
		return w
	}
	return NewSabreEWMA(DefaultSabreEWMAParams())
}

func sabreCheckEstimator(ma string) error {
	if ma != "ewma" && ma != "sliding" {
		return fmt.Errorf("%w: ma=%q: want ewma or sliding", ErrBadParam, ma)
	}
	return nil
}

// sabreAbandonState remembers the last abandonment an algorithm asked for,
// so that OnDownload can tell report_download the target (the Download
// record does not carry it).
type sabreAbandonState struct {
	seg, rung, to int
	set           bool
}

func (a *sabreAbandonState) remember(seg, rung, to int) {
	*a = sabreAbandonState{seg: seg, rung: rung, to: to, set: true}
}

// target returns the rung the algorithm asked to abandon d to, or 0 when
// it did not ask (someone else abandoned).
func (a *sabreAbandonState) target(d Download) int {
	if a.set && a.seg == d.Segment && a.rung == d.Rung {
		a.set = false
		return a.to
	}
	return 0
}

// sabreOutcomeOf converts a Download for report_download.
func sabreOutcomeOf(d Download, ab *sabreAbandonState) SabreOutcome {
	o := SabreOutcome{Rung: d.Rung, TimeMs: sabreMs(d.Elapsed()), Abandoned: d.Abandoned, Replacement: d.Replacement}
	if d.Abandoned {
		if d.Replacement {
			o.AbandonTo = -1
		} else {
			o.AbandonTo = ab.target(d)
		}
	}
	return o
}

// sabreReason builds a Reason in Sabre's units.
func sabreReason(rule string, v SabreView, value float64) Reason {
	r := Reason{Rule: rule, Buffer: sabreDuration(v.BufferMs), Value: value}
	if v.HasEstimate {
		r.Estimate = sabreBitsPerSecond(v.ThroughputKbps)
	}
	return r
}

// Rule names of Sabre's algorithms, as they appear in Reason.Rule.
const (
	sabreRuleStartup          = "sabre-startup"
	sabreRuleThroughput       = "sabre-throughput"
	sabreRuleIBR              = "sabre-ibr"
	sabreRuleThroughputAbort  = "sabre-throughput-abandon"
	sabreRuleBolaBuffer       = "bola-buffer"
	sabreRuleBolaHoldLast     = "bola-hold-last"
	sabreRuleBolaU            = "bola-u"
	sabreRuleBolaO            = "bola-o"
	sabreRuleBolaAbandon      = "bola-abandon"
	sabreRuleBolaEWait        = "bolae-wait-estimate"
	sabreRuleBolaEStartup     = "bolae-startup"
	sabreRuleBolaEBuffer      = "bolae-buffer"
	sabreRuleBolaECap         = "bolae-cap"
	sabreRuleBolaEIBR         = "bolae-ibr"
	sabreRuleBolaEAbandon     = "bolae-abandon"
	sabreRuleReplaceProtected = "sabre-replace-protect"
)

// sabreStartup is Sabre's get_first_quality: rung 0 for every built-in
// algorithm, with no state change.
func sabreStartup(s *Snapshot) Decision {
	return Decision{Rung: clampRung(s, 0), Reason: Reason{Rule: sabreRuleStartup, Buffer: s.Buffer}}
}

// sabreDecision converts SabreDecide's answer to a Decision.
func sabreDecision(s *Snapshot, q int, delayMs float64, r Reason) Decision {
	return Decision{Rung: clampRung(s, q), Delay: sabreDuration(delayMs), Reason: r}
}

func init() {
	registerStock("sabre-throughput",
		"Sabre's ThroughputRule: 0.9 × EWMA throughput with latency share, Insufficient-Buffer Rule and abandonment (Spiteri et al., MMSys 2018)",
		DefaultSabreThroughputParams, NewSabreThroughput)
	registerStock("bola",
		"Sabre's BOLA: BOLA-U (default), BOLA-O (o), BOLA-BASIC (basic) with finite-horizon V and abandonment (Spiteri, Urgaonkar, Sitaraman, INFOCOM 2016)",
		DefaultSabreBolaParams, NewSabreBola)
	registerStock("bolae",
		"Sabre's BOLA-E: placeholder buffer, throughput startup, Insufficient-Buffer Rule, abandonment; noibr gives BOLA-PL (Spiteri et al., MMSys 2018)",
		DefaultSabreBolaEParams, NewSabreBolaE)
	registerStock("dynamic",
		"Sabre's DYNAMIC: BOLA above 10 s of buffer, ThroughputRule below, both stepped every decision (Spiteri et al., MMSys 2018)",
		DefaultSabreDynamicParams, NewSabreDynamic)
	registerStock("dynamicdash",
		"Sabre's DynamicDash: BOLA-E above 10 s, ThroughputRule below 5 s (Spiteri et al., MMSys 2018)",
		DefaultSabreDynamicDashParams, NewSabreDynamicDash)
}

// SabreAbandonPlanner is implemented by Sabre algorithms whose
// check_abandon can be prepared once per download, so that a simulator
// running Sabre's progress steps (ten thousand per session on 3G traces)
// can tell cheaply at which steps the algorithm cannot abandon and call
// SabreCheckAbandon only at the others.
type SabreAbandonPlanner interface {
	// SabrePlanAbandon prepares pl for the download of sizeBits at rung,
	// with v as SabreCheckAbandon will be given it at every step
	// (v.BufferMs aside). The plan is valid until the algorithm next
	// decides, seeks or abandons, or v.Ladder changes.
	SabrePlanAbandon(v SabreView, rung int, sizeBits float64, pl *SabreAbandonPlan)
}

// SabreAbandonPlan is an algorithm's check_abandon prepared for one
// download by a SabreAbandonPlanner. Its memory is reused by the next
// plan.
type SabreAbandonPlan struct {
	never bool
	size  float64
	// cur is Vp·(γp + u_cur) and level[q] is Vp·(γp + u_q) for the rungs
	// q below the current one: the terms BOLA's scores subtract the
	// buffer from, computed as SabreCheckAbandon computes them.
	cur   float64
	level []float64
	// other[q] is the segment's size at rung q, size·b_q/b_cur.
	other []float64
	// sorted is set when the sizes and the levels ascend and no level
	// exceeds cur (as for an ascending ladder with Vp > 0).
	sorted bool
}

// Threshold returns a buffer level T such that SabreCheckAbandon, given
// the planned view, abandons at no progress step whose buffer estimate is
// at least T and whose download has at least downloadedBits (so at most
// R0 = size − downloadedBits bits remain). It is +Inf when it cannot
// tell, −Inf when the algorithm never abandons. During a download the
// estimate only falls and the bits remaining only shrink, so a simulator
// asks again only when the estimate falls below T; in practice T is so
// close to the level where the algorithm does abandon that it calls
// SabreCheckAbandon only at the steps where it abandons.
//
// Why it holds. Let L and R be a step's estimate and bits remaining,
// a = (level_q − L) and n = (cur − L) rounded, and u = 2^-53. Rung q
// cannot win if a/other_q <= n/R as real numbers, for then the rounded
// quotients compare the same way (rounding is monotone); check_abandon
// also ignores rungs with other_q >= R, and every rung when n < 0. When
// level_q <= L, a <= 0 <= n/R. Otherwise cur − L >= level_q − L > 0,
// a <= (level_q − L)(1+u) and n >= (cur − L)(1−u), so it suffices that
// (level_q − L)·R·(1+ε) <= (cur − L)·other_q·(1−ε) with ε = 2^-50, i.e.
// (as R > other_q) that L >= Θ_q(R) = (level_q·R(1+ε) − cur·other_q(1−ε))
// / (R(1+ε) − other_q(1−ε)). Θ_q grows with R (its derivative has the
// sign of other_q·(cur − level_q) >= 0), so Θ_q(R0) bounds it for every
// later step. Threshold computes Θ_q(R0) in floats and adds 2^-44 of the
// magnitudes involved, over a hundred times the rounding error of that
// computation, and returns the largest over the rungs with other_q < R0.
// As Θ_q = level_q − (cur − level_q)·other_q(1−ε)/(R(1+ε) − other_q(1−ε))
// <= level_q, the rungs are taken from the top down and the scan stops at
// the first level below the largest bound so far.
func (pl *SabreAbandonPlan) Threshold(downloadedBits float64) float64 {
	if pl.never {
		return math.Inf(-1)
	}
	r0 := pl.size - downloadedBits
	if !pl.sorted || !(r0 > 0) {
		return math.Inf(1)
	}
	const eps = 0x1p-50
	rp := float64(r0 * (1 + eps))
	hi := len(pl.other)
	for hi > 0 && !(pl.other[hi-1] < r0) {
		hi--
	}
	t := math.Inf(-1)
	for q := hi - 1; q >= 0; q-- {
		lv := pl.level[q]
		if lv <= t {
			break // Θ_q <= level_q, and the levels ascend
		}
		o := pl.other[q]
		om := float64(o * (1 - eps))
		d := rp - om
		inv := 1 / d
		th := (float64(lv*rp) - float64(pl.cur*om)) * inv
		abs := math.Abs(th)
		err := 0x1p-44 * (float64(float64(math.Abs(lv)*r0)+float64(math.Abs(pl.cur)*o)+float64(abs*(r0+o)))*inv + abs)
		if !(d > 0) || !(o > 0) || math.IsNaN(th+err) {
			return math.Inf(1)
		}
		t = max(t, th+err)
	}
	return t
}
