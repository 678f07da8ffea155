package qoe

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrBadSabreConfig is returned (wrapped) by NewSabreAccumulator for a
// configuration Sabre could not have run.
var ErrBadSabreConfig = errors.New("qoe: bad Sabre configuration")

// SabreConfig holds the constants of a Sabre session that its metrics use,
// in Sabre's units (ms, kbit/s; see the package doc on units).
type SabreConfig struct {
	// SegmentMs is the segment duration p (the movie's
	// segment_duration_ms). No default.
	SegmentMs float64
	// BitratesKbps is the ladder (the movie's bitrates_kbps), ascending. No
	// default.
	BitratesKbps []float64
	// Segments is the number of segments N of the movie (after -ml); it is
	// only used for the rampup time printed when rampup never happened.
	Segments int
	// BufferMs is the maximum buffer B (-b × 1000). Default 25000.
	BufferMs float64
	// GammaP is -gp, the score's penalty per segment duration of stall.
	// Default 5.
	GammaP float64
	// RampupThreshold is -rmp, the rung that counts as ramped up; negative
	// means none, i.e. the network's sustainable rung at the time. Default
	// -1.
	RampupThreshold int
}

// DefaultSabreConfig returns Sabre's CLI defaults for the fields that have
// one: B = 25 s, gp = 5, no rampup threshold. The movie fields (SegmentMs,
// BitratesKbps, Segments) must be filled in.
func DefaultSabreConfig() SabreConfig {
	return SabreConfig{BufferMs: 25000, GammaP: 5, RampupThreshold: -1}
}

// Validate checks that Sabre could have run with c.
func (c SabreConfig) Validate() error {
	switch {
	case !(c.SegmentMs > 0):
		return fmt.Errorf("%w: segment duration %v ms is not positive", ErrBadSabreConfig, c.SegmentMs)
	case len(c.BitratesKbps) == 0:
		return fmt.Errorf("%w: empty ladder", ErrBadSabreConfig)
	case c.Segments < 0:
		return fmt.Errorf("%w: %d segments", ErrBadSabreConfig, c.Segments)
	case !(c.BufferMs >= 0):
		return fmt.Errorf("%w: buffer %v ms", ErrBadSabreConfig, c.BufferMs)
	case c.RampupThreshold >= len(c.BitratesKbps):
		return fmt.Errorf("%w: rampup threshold rung %d outside a ladder of %d rungs",
			ErrBadSabreConfig, c.RampupThreshold, len(c.BitratesKbps))
	}
	for i, b := range c.BitratesKbps {
		if !(b > 0) || (i > 0 && b <= c.BitratesKbps[i-1]) {
			return fmt.Errorf("%w: ladder rung %d at %v kbit/s is not positive and ascending", ErrBadSabreConfig, i, b)
		}
	}
	return nil
}

// SabreBuffer is Sabre's playback buffer as its metrics see it: the rungs of
// the buffered segments, head (playing) first, and how much of the head has
// been played. A simulator running Sabre's model keeps its buffer in this
// type: it appends a downloaded segment's rung to Rungs, overwrites a slot on
// a replacement, and lets SabreAccumulator.Drain play it out.
type SabreBuffer struct {
	// Rungs holds the rung of each buffered segment, head first.
	Rungs []int
	// PlayedMs is how much of the head segment has been played (Sabre's
	// buffer_fcc), in ms.
	PlayedMs float64
}

// Level returns the buffer level p·n − f in ms, as Sabre computes it.
func (b *SabreBuffer) Level(segmentMs float64) float64 {
	return float64(segmentMs*float64(len(b.Rungs))) - b.PlayedMs
}

// popHead drops the head segment, keeping the slice's storage.
func (b *SabreBuffer) popHead() {
	copy(b.Rungs, b.Rungs[1:])
	b.Rungs = b.Rungs[:len(b.Rungs)-1]
}

// reactionEntry is one pending rise of the sustainable rung.
type reactionEntry struct {
	openMs  float64 // network time of the rise
	rung    int
	closed  bool
	closeMs float64 // play time or network time when it closed
}

// SabreAccumulator accumulates Sabre's metrics during one simulated
// session. A simulator running Sabre's model (sabre-model §3–§4) calls it at
// the points where Sabre updates its own counters:
//
//  1. NetworkPeriod each time the network model enters a trace period,
//     including the very first one when the network is created.
//  2. Startup with the full download time of segment 0 (TTFB included),
//     after which the simulator appends segment 0's rung to its buffer.
//  3. Drain wherever Sabre depletes the buffer: for a full-buffer wait, for
//     an ABR delay, and for the whole time of every download after segment
//     0 (abandoned ones included), before the download is added to the
//     buffer. Order against the network model as Sabre does (waits: drain
//     then advance the network; downloads: advance the network, then drain).
//  4. Estimate after every download after segment 0 (abandoned and
//     replacement downloads included), with the throughput estimate before
//     the estimator is updated.
//  5. ResetRampup on a seek.
//  6. PlayOut once at the end.
//
// Then Metrics (or Totals) gives the results. The zero value is not usable;
// call NewSabreAccumulator. Reset prepares it for another session with the
// same configuration, keeping its storage.
type SabreAccumulator struct {
	cfg       SabreConfig
	utilities []float64

	playMs       float64 // total_play_time
	startupMs    float64
	rebufferMs   float64
	rebufferEvts int
	utility      float64
	bitrate      float64
	change       float64
	logChange    float64
	lastPlayed   int
	havePlayed   bool

	overCount int
	overMean  float64
	leqCount  int
	leqMean   float64
	estMean   float64

	rampupOrigin float64
	rampupMs     float64
	rampupDone   bool

	sustainable     int
	haveSustainable bool
	pending         []reactionEntry
	reactionMs      float64
}

// NewSabreAccumulator returns an accumulator for a session with cfg. It
// precomputes Sabre's utilities ln b_q + (0 − ln b_0).
func NewSabreAccumulator(cfg SabreConfig) (*SabreAccumulator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.BitratesKbps = append([]float64(nil), cfg.BitratesKbps...)
	a := &SabreAccumulator{
		cfg:       cfg,
		utilities: make([]float64, len(cfg.BitratesKbps)),
		pending:   make([]reactionEntry, 0, 8),
	}
	offset := 0 - math.Log(cfg.BitratesKbps[0])
	for i, b := range cfg.BitratesKbps {
		a.utilities[i] = math.Log(b) + offset
	}
	return a, nil
}

// Config returns the configuration the accumulator was built with.
func (a *SabreAccumulator) Config() SabreConfig {
	c := a.cfg
	c.BitratesKbps = append([]float64(nil), c.BitratesKbps...)
	return c
}

// Reset clears every counter for a new session with the same configuration.
func (a *SabreAccumulator) Reset() {
	*a = SabreAccumulator{cfg: a.cfg, utilities: a.utilities, pending: a.pending[:0]}
}

// Startup records segment 0's download: its whole time, TTFB included,
// counts as play time (Sabre's startup), not as stall.
func (a *SabreAccumulator) Startup(downloadMs float64) {
	a.playMs += downloadMs
	a.startupMs = downloadMs
}

// Drain plays the buffer for t ms, exactly as Sabre's deplete_buffer: an
// empty buffer stalls for all of t without counting a stall event; the
// partly played head is finished first; each segment is counted (utility,
// bitrate, switches, rampup, reaction bookkeeping) when it starts to play;
// running dry part-way through t stalls for the rest and counts one stall
// event. Rungs in buf must be valid ladder indices.
func (a *SabreAccumulator) Drain(buf *SabreBuffer, t float64) {
	p := a.cfg.SegmentMs
	if len(buf.Rungs) == 0 {
		a.rebufferMs += t
		a.playMs += t
		return
	}
	if buf.PlayedMs > 0 {
		if t+buf.PlayedMs < p {
			buf.PlayedMs += t
			a.playMs += t
			return
		}
		t -= p - buf.PlayedMs
		a.playMs += p - buf.PlayedMs
		buf.popHead()
		buf.PlayedMs = 0
	}
	for t > 0 && len(buf.Rungs) > 0 {
		a.segmentStarts(buf.Rungs[0])
		if t >= p {
			buf.popHead()
			a.playMs += p
			t -= p
		} else {
			buf.PlayedMs = t
			a.playMs += t
			t = 0
		}
	}
	if t > 0 {
		a.rebufferMs += t
		a.playMs += t
		a.rebufferEvts++
	}
	a.processReactions(a.playMs)
}

// PlayOut plays the whole remaining buffer and empties it, as Sabre does at
// the end of a session.
func (a *SabreAccumulator) PlayOut(buf *SabreBuffer) {
	a.Drain(buf, buf.Level(a.cfg.SegmentMs))
	buf.Rungs = buf.Rungs[:0]
	buf.PlayedMs = 0
}

// segmentStarts does Sabre's bookkeeping for a segment at rung q starting to
// play at the current play time.
func (a *SabreAccumulator) segmentStarts(q int) {
	b := a.cfg.BitratesKbps
	a.utility += a.utilities[q]
	a.bitrate += b[q]
	if a.havePlayed && q != a.lastPlayed {
		a.change += math.Abs(b[q] - b[a.lastPlayed])
		a.logChange += math.Abs(math.Log(b[q] / b[a.lastPlayed]))
	}
	a.lastPlayed = q
	a.havePlayed = true
	if !a.rampupDone {
		rt, known := a.cfg.RampupThreshold, true
		if rt < 0 {
			rt, known = a.sustainable, a.haveSustainable
		}
		if known && q >= rt {
			a.rampupMs = a.playMs - a.rampupOrigin
			a.rampupDone = true
		}
	}
	for i := range a.pending {
		if e := &a.pending[i]; !e.closed && q >= e.rung {
			e.closed = true
			e.closeMs = a.playMs
		}
	}
}

// processReactions retires pending rises opened more than B before now.
func (a *SabreAccumulator) processReactions(now float64) {
	cutoff := now - a.cfg.BufferMs
	n := 0
	for n < len(a.pending) && a.pending[n].openMs < cutoff {
		e := a.pending[n]
		r := a.cfg.BufferMs
		if e.closed {
			if d := e.closeMs - e.openMs; d < r {
				r = d
			}
		}
		a.reactionMs += r
		n++
	}
	if n > 0 {
		a.pending = a.pending[:copy(a.pending, a.pending[n:])]
	}
}

// NetworkPeriod records that the network model entered a trace period at
// network time nowMs, with bandwidthKbps (the -nm multiplier applied) and
// latencyMs. buffered is the buffer's rungs at that moment. It computes the
// sustainable rung (SabreSustainableRung) and, when it changed from the
// previous period's, does Sabre's reaction-time bookkeeping. Call it for
// the first period too, which sets the rung without bookkeeping.
func (a *SabreAccumulator) NetworkPeriod(nowMs, bandwidthKbps, latencyMs float64, buffered []int) {
	q := SabreSustainableRung(a.cfg.BitratesKbps, bandwidthKbps, latencyMs, a.cfg.SegmentMs)
	prev, had := a.sustainable, a.haveSustainable
	a.sustainable, a.haveSustainable = q, true
	if had && q != prev {
		a.advertise(nowMs, q, prev, buffered)
	}
}

// SabreSustainableRung is Sabre's sustainable quality of a network period
// with bandwidthKbps and latencyMs, for segments of segmentMs and the
// ascending ladder bitratesKbps: the highest rung, scanning up from 1 and
// stopping at the first that does not fit, whose bitrate is at most
// bandwidth × (1 − latency/segment); 0 if none.
func SabreSustainableRung(bitratesKbps []float64, bandwidthKbps, latencyMs, segmentMs float64) int {
	effective := bandwidthKbps * (1 - latencyMs/segmentMs)
	q := 0
	for i := 1; i < len(bitratesKbps); i++ {
		if bitratesKbps[i] > effective {
			break
		}
		q = i
	}
	return q
}

// SustainableRung returns the sustainable rung of the current period, and
// false before the first NetworkPeriod call.
func (a *SabreAccumulator) SustainableRung() (int, bool) {
	return a.sustainable, a.haveSustainable
}

// advertise is Sabre's advertize_new_network_quality.
func (a *SabreAccumulator) advertise(now float64, q, prev int, buffered []int) {
	a.processReactions(now)
	for i := range a.pending {
		if e := &a.pending[i]; !e.closed && e.rung > q {
			e.closed = true
			e.closeMs = now
		}
	}
	if q <= prev {
		return
	}
	for _, r := range buffered {
		if q <= r {
			return
		}
	}
	for _, e := range a.pending {
		if q <= e.rung {
			return
		}
	}
	a.pending = append(a.pending, reactionEntry{openMs: now, rung: q})
}

// Estimate records the accuracy of the throughput estimate for one download
// after segment 0: estimateKbps is the estimate before this download updated
// it, measuredKbps the download's bits / (time − TTFB).
func (a *SabreAccumulator) Estimate(estimateKbps, measuredKbps float64) {
	if estimateKbps > measuredKbps {
		a.overCount++
		a.overMean += (estimateKbps - measuredKbps - a.overMean) / float64(a.overCount)
	} else {
		a.leqCount++
		a.leqMean += (measuredKbps - estimateKbps - a.leqMean) / float64(a.leqCount)
	}
	a.estMean += (estimateKbps - measuredKbps - a.estMean) / float64(a.overCount+a.leqCount)
}

// ResetRampup restarts the rampup measurement from the current play time,
// as Sabre's seek does.
func (a *SabreAccumulator) ResetRampup() {
	a.rampupOrigin = a.playMs
	a.rampupDone = false
	a.rampupMs = 0
}

// SabreTotals are the raw counters Sabre keeps during a session, in its
// units. Metrics derives the printed values from them.
type SabreTotals struct {
	// PlayMs is total_play_time: startup + played time + stalls, ms.
	PlayMs float64
	// StartupMs is segment 0's download time (not printed by Sabre).
	StartupMs float64
	// RebufferMs is rebuffer_time, ms.
	RebufferMs float64
	// RebufferEvents is rebuffer_event_count.
	RebufferEvents int
	// PlayedUtility is Σ (ln b_q − ln b_0) over played segments.
	PlayedUtility float64
	// PlayedBitrateKbps is Σ b_q over played segments.
	PlayedBitrateKbps float64
	// BitrateChangeKbps is Σ |b_q − b_prev| over consecutive played segments.
	BitrateChangeKbps float64
	// LogBitrateChange is Σ |ln(b_q / b_prev)|.
	LogBitrateChange float64
	// OverEstimateCount and OverEstimateMean: downloads where the estimate
	// exceeded the measurement, and the running mean of the excess.
	OverEstimateCount int
	OverEstimateMean  float64
	// LeqEstimateCount and LeqEstimateMean: the others, and the running mean
	// of measurement − estimate.
	LeqEstimateCount int
	LeqEstimateMean  float64
	// EstimateMean is the running mean of estimate − measurement over all.
	EstimateMean float64
	// RampupMs is the rampup time in ms when RampupReached.
	RampupMs      float64
	RampupReached bool
	// ReactionMs is total_reaction_time, ms.
	ReactionMs float64
}

// Totals returns the raw counters.
func (a *SabreAccumulator) Totals() SabreTotals {
	return SabreTotals{
		PlayMs:            a.playMs,
		StartupMs:         a.startupMs,
		RebufferMs:        a.rebufferMs,
		RebufferEvents:    a.rebufferEvts,
		PlayedUtility:     a.utility,
		PlayedBitrateKbps: a.bitrate,
		BitrateChangeKbps: a.change,
		LogBitrateChange:  a.logChange,
		OverEstimateCount: a.overCount,
		OverEstimateMean:  a.overMean,
		LeqEstimateCount:  a.leqCount,
		LeqEstimateMean:   a.leqMean,
		EstimateMean:      a.estMean,
		RampupMs:          a.rampupMs,
		RampupReached:     a.rampupDone,
		ReactionMs:        a.reactionMs,
	}
}

// Metrics returns the values Sabre prints for the session so far.
func (a *SabreAccumulator) Metrics() SabreMetrics {
	return a.Totals().Metrics(a.cfg)
}

// SabreMetrics holds every value Sabre prints at the end of a session, in
// the units it prints them (sabre-model §7). Time averages multiply by
// 1 / (total play time / p): per segment duration of wall play time, startup
// and stalls included. The JSON names are Sabre's printed names in
// snake_case.
type SabreMetrics struct {
	// BufferSize is "buffer size": B in ms.
	BufferSize float64 `json:"buffer_size"`
	// TotalPlayedUtility is "total played utility".
	TotalPlayedUtility float64 `json:"total_played_utility"`
	// TimeAveragePlayedUtility is "time average played utility".
	TimeAveragePlayedUtility float64 `json:"time_average_played_utility"`
	// TotalPlayedBitrate is "total played bitrate", kbit/s.
	TotalPlayedBitrate float64 `json:"total_played_bitrate"`
	// TimeAveragePlayedBitrate is "time average played bitrate", kbit/s.
	TimeAveragePlayedBitrate float64 `json:"time_average_played_bitrate"`
	// TotalPlayTime is "total play time", s.
	TotalPlayTime float64 `json:"total_play_time"`
	// TotalPlayTimeChunks is "total play time chunks", segments.
	TotalPlayTimeChunks float64 `json:"total_play_time_chunks"`
	// TotalRebuffer is "total rebuffer", s.
	TotalRebuffer float64 `json:"total_rebuffer"`
	// RebufferRatio is "rebuffer ratio": stall / total play time.
	RebufferRatio float64 `json:"rebuffer_ratio"`
	// TimeAverageRebuffer is "time average rebuffer", s per segment.
	TimeAverageRebuffer float64 `json:"time_average_rebuffer"`
	// TotalRebufferEvents is "total rebuffer events".
	TotalRebufferEvents int `json:"total_rebuffer_events"`
	// TimeAverageRebufferEvents is "time average rebuffer events".
	TimeAverageRebufferEvents float64 `json:"time_average_rebuffer_events"`
	// TotalBitrateChange is "total bitrate change", kbit/s.
	TotalBitrateChange float64 `json:"total_bitrate_change"`
	// TimeAverageBitrateChange is "time average bitrate change".
	TimeAverageBitrateChange float64 `json:"time_average_bitrate_change"`
	// TotalLogBitrateChange is "total log bitrate change".
	TotalLogBitrateChange float64 `json:"total_log_bitrate_change"`
	// TimeAverageLogBitrateChange is "time average log bitrate change".
	TimeAverageLogBitrateChange float64 `json:"time_average_log_bitrate_change"`
	// TimeAverageScore is "time average score":
	// (p/TPT)(utility − gp × stall_ms / p).
	TimeAverageScore float64 `json:"time_average_score"`
	// OverEstimateCount is "over estimate count".
	OverEstimateCount int `json:"over_estimate_count"`
	// OverEstimate is "over estimate", kbit/s.
	OverEstimate float64 `json:"over_estimate"`
	// LeqEstimateCount is "leq estimate count".
	LeqEstimateCount int `json:"leq_estimate_count"`
	// LeqEstimate is "leq estimate", kbit/s.
	LeqEstimate float64 `json:"leq_estimate"`
	// Estimate is "estimate", kbit/s.
	Estimate float64 `json:"estimate"`
	// RampupTime is "rampup time", s; N p / 1000 when rampup never
	// happened.
	RampupTime float64 `json:"rampup_time"`
	// TotalReactionTime is "total reaction time", s.
	TotalReactionTime float64 `json:"total_reaction_time"`
}

// Metrics derives Sabre's printed values from t for a session run with cfg,
// with Sabre's expressions in Sabre's order of operations. A session with
// no play time gives infinities and NaNs where Sabre would have stopped on a
// division by zero.
func (t SabreTotals) Metrics(cfg SabreConfig) SabreMetrics {
	p := cfg.SegmentMs
	toTimeAverage := 1 / (t.PlayMs / p)
	m := SabreMetrics{
		BufferSize:                  cfg.BufferMs,
		TotalPlayedUtility:          t.PlayedUtility,
		TimeAveragePlayedUtility:    t.PlayedUtility * toTimeAverage,
		TotalPlayedBitrate:          t.PlayedBitrateKbps,
		TimeAveragePlayedBitrate:    t.PlayedBitrateKbps * toTimeAverage,
		TotalPlayTime:               t.PlayMs / 1000,
		TotalPlayTimeChunks:         t.PlayMs / p,
		TotalRebuffer:               t.RebufferMs / 1000,
		RebufferRatio:               t.RebufferMs / t.PlayMs,
		TimeAverageRebuffer:         t.RebufferMs / 1000 * toTimeAverage,
		TotalRebufferEvents:         t.RebufferEvents,
		TimeAverageRebufferEvents:   float64(t.RebufferEvents) * toTimeAverage,
		TotalBitrateChange:          t.BitrateChangeKbps,
		TimeAverageBitrateChange:    t.BitrateChangeKbps * toTimeAverage,
		TotalLogBitrateChange:       t.LogBitrateChange,
		TimeAverageLogBitrateChange: t.LogBitrateChange * toTimeAverage,
		TimeAverageScore:            toTimeAverage * (t.PlayedUtility - cfg.GammaP*t.RebufferMs/p),
		OverEstimateCount:           t.OverEstimateCount,
		OverEstimate:                t.OverEstimateMean,
		LeqEstimateCount:            t.LeqEstimateCount,
		LeqEstimate:                 t.LeqEstimateMean,
		Estimate:                    t.EstimateMean,
		TotalReactionTime:           t.ReactionMs / 1000,
	}
	if t.RampupReached {
		m.RampupTime = t.RampupMs / 1000
	} else {
		m.RampupTime = float64(cfg.Segments) * p / 1000
	}
	return m
}

// AppendText appends the lines Sabre prints, "name: value\n" each, in
// Sabre's order and number formatting: "%f" (6 decimals) for every value
// except the buffer size (an integer, truncated) and the over/leq estimate
// counts (integers); when a count is 0 its mean prints as a bare "0";
// "total rebuffer events" is a "%f" of a count. It does not print the extra
// lines Sabre may write first (BOLA-E's buffer size, replacement warnings).
func (m SabreMetrics) AppendText(dst []byte) []byte {
	line := func(dst []byte, name string) []byte {
		dst = append(dst, name...)
		return append(dst, ": "...)
	}
	f := func(dst []byte, name string, v float64) []byte {
		return append(appendPyFixed6(line(dst, name), v), '\n')
	}
	dst = append(strconv.AppendInt(line(dst, "buffer size"), int64(m.BufferSize), 10), '\n')
	dst = f(dst, "total played utility", m.TotalPlayedUtility)
	dst = f(dst, "time average played utility", m.TimeAveragePlayedUtility)
	dst = f(dst, "total played bitrate", m.TotalPlayedBitrate)
	dst = f(dst, "time average played bitrate", m.TimeAveragePlayedBitrate)
	dst = f(dst, "total play time", m.TotalPlayTime)
	dst = f(dst, "total play time chunks", m.TotalPlayTimeChunks)
	dst = f(dst, "total rebuffer", m.TotalRebuffer)
	dst = f(dst, "rebuffer ratio", m.RebufferRatio)
	dst = f(dst, "time average rebuffer", m.TimeAverageRebuffer)
	dst = f(dst, "total rebuffer events", float64(m.TotalRebufferEvents))
	dst = f(dst, "time average rebuffer events", m.TimeAverageRebufferEvents)
	dst = f(dst, "total bitrate change", m.TotalBitrateChange)
	dst = f(dst, "time average bitrate change", m.TimeAverageBitrateChange)
	dst = f(dst, "total log bitrate change", m.TotalLogBitrateChange)
	dst = f(dst, "time average log bitrate change", m.TimeAverageLogBitrateChange)
	dst = f(dst, "time average score", m.TimeAverageScore)
	dst = countAndMean(dst, "over estimate", m.OverEstimateCount, m.OverEstimate)
	dst = countAndMean(dst, "leq estimate", m.LeqEstimateCount, m.LeqEstimate)
	dst = f(dst, "estimate", m.Estimate)
	dst = f(dst, "rampup time", m.RampupTime)
	dst = f(dst, "total reaction time", m.TotalReactionTime)
	return dst
}

// countAndMean appends "<name> count: n" and "<name>: mean", or the two
// bare zeros Sabre prints when n is 0.
func countAndMean(dst []byte, name string, n int, mean float64) []byte {
	dst = append(dst, name...)
	dst = append(dst, " count: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, '\n')
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	if n == 0 {
		dst = append(dst, '0')
	} else {
		dst = appendPyFixed6(dst, mean)
	}
	return append(dst, '\n')
}

// String returns AppendText's lines.
func (m SabreMetrics) String() string {
	return string(m.AppendText(nil))
}
