package abr

import (
	"fmt"
	"math"
	"time"
)

// HLSJSParams configures HLSJS; the names follow hls.js's config.
type HLSJSParams struct {
	// BandwidthFactor scales the estimate for the current rung and below
	// (abrBandWidthFactor, 0.95).
	BandwidthFactor float64 `abr:"bwfactor"`
	// BandwidthUpFactor scales the estimate for rungs above the current
	// one (abrBandWidthUpFactor, 0.7).
	BandwidthUpFactor float64 `abr:"bwupfactor"`
	// MaxStarvationDelay is the rebuffering hls.js accepts when no rung
	// can be fetched before the buffer runs out (maxStarvationDelay, 4 s,
	// capped at one segment duration).
	MaxStarvationDelay time.Duration `abr:"maxstarvation"`
	// DefaultEstimate is used until the estimator can estimate
	// (abrEwmaDefaultEstimate, 500 kbit/s).
	DefaultEstimate int64 `abr:"default"`
	// Abandon enables the emergency abandonment (on in hls.js).
	Abandon bool `abr:"abandon"`
}

// DefaultHLSJSParams returns the defaults of hls.js 1.7 (src/config.ts).
func DefaultHLSJSParams() HLSJSParams {
	return HLSJSParams{
		BandwidthFactor:    0.95,
		BandwidthUpFactor:  0.7,
		MaxStarvationDelay: 4 * time.Second,
		DefaultEstimate:    500_000,
		Abandon:            true,
	}
}

// HLSJS is the AbrController of hls.js 1.7 (src/controller/
// abr-controller.ts, video-dev/hls.js). Its native estimator is
// EWMAEstimator with DefaultHLSJSEstimatorParams.
//
// Decision (nextAutoLevel), with bw the estimate (DefaultEstimate until
// valid), ttfb the estimator's latency, B the buffer and d the segment
// duration, scanning rungs from the highest: a rung r qualifies when
// f·bw ≥ R_r (f = BandwidthFactor for r ≤ the last fetched rung, else
// BandwidthUpFactor) and its fetch time ttfb + R_r·d / (f·bw) is below
// the allowed time (or the stream is live).
//   - first segment ("first"): factors 1, allowed time MaxStarvationDelay,
//     bw raised to the lowest bitrate; hls.js knows no segment duration
//     yet, so the fetch time is 2·ttfb; the lowest rung if none fits;
//   - if B > 0, allowed time B ("buffer"): the highest rung that loads
//     before the buffer runs out;
//   - else allowed time B + min(d, MaxStarvationDelay) ("starvation");
//   - else the lowest rung if it is below the last one ("lowest"), or
//     the last rung ("hold").
//
// Emergency abandonment (Abandoner), checked on progress once the
// request is older than max(ttfb, d/2) while playing, for a rung above
// MinRung: with the measured load rate, if the rest of the segment will
// arrive after the buffer runs out and some lower rung r' (scanned down
// to MinRung+1, stopping at the first whose fetch time ttfb + R_r'·d /
// rate beats min(B, d + ttfb)) would load sooner than the rest, and
// within 10·d, hls.js forces that rung for the next decisions; it aborts
// at once if the rest would take more than twice as long, otherwise
// after that rung's fetch time if the request is still running. An abort
// refetches at the lowest rung that loads within the buffer (in practice
// MinRung); hls.js never aborts for absolute rung 0. Decide keeps
// returning the forced rung ("emergency") until a download at it
// completes.
//
// Not ported: the bandwidth test of startLevel=-1 (off by default, and
// with it maxLoadingDelay), codec/HDR/frame-rate tiers, MediaCapabilities
// and level load errors; AVERAGE-BANDWIDTH is taken equal to BANDWIDTH
// (Rung.Bitrate). On an emergency abort hls.js also feeds the partial
// download to its estimator and resets it to the new rung's bitrate when
// 0.7 × estimate exceeds it; the player core owns the estimator and must
// do that.
type HLSJS struct {
	p HLSJSParams

	forced     int // emergency rung for the next decisions, -1 none
	forcedSeen int // len(History) when forced was set

	pending               bool // a delayed abort is armed
	pendSegment, pendRung int
	pendAt                time.Duration // Progress.Elapsed at which to abort
	pendBps               float64       // load rate when armed, bit/s
}

// NewHLSJS returns an HLSJS with parameters p.
func NewHLSJS(p HLSJSParams) (*HLSJS, error) {
	if !(p.BandwidthFactor > 0) || !(p.BandwidthUpFactor > 0) || p.MaxStarvationDelay < 0 || p.DefaultEstimate <= 0 {
		return nil, fmt.Errorf("%w: hlsjs bwfactor=%v bwupfactor=%v maxstarvation=%v default=%d", ErrBadParam, p.BandwidthFactor, p.BandwidthUpFactor, p.MaxStarvationDelay, p.DefaultEstimate)
	}
	return &HLSJS{p: p, forced: -1}, nil
}

// Name returns "hlsjs".
func (h *HLSJS) Name() string { return "hlsjs" }

// NewEstimator returns hls.js's dual EWMA with its TTFB average.
func (h *HLSJS) NewEstimator() Estimator {
	e, _ := NewEWMAEstimator(DefaultHLSJSEstimatorParams())
	return e
}

// Startup returns hls.js's firstAutoLevel.
func (h *HLSJS) Startup(s *Snapshot) Decision { return h.Decide(s) }

func (h *HLSJS) bandwidth(s *Snapshot) float64 {
	if s.Estimate.Valid {
		return float64(s.Estimate.Throughput)
	}
	return float64(h.p.DefaultEstimate)
}

// findBest is hls.js's findBestLevel: the highest rung in [lo, hi] whose
// fetch time fits in starvation + maxStarvation seconds, or -1.
func (h *HLSJS) findBest(s *Snapshot, bw float64, lo, hi int, starvation, maxStarvation, f, fUp float64) int {
	rs := s.Ladder.Rungs
	first := s.LastRung < 0
	avgDur := s.Ladder.SegmentDuration.Seconds()
	if first {
		avgDur = 0
		bw = math.Max(bw, float64(rs[lo].Bitrate))
	}
	ttfb := s.Estimate.Latency.Seconds()
	maxFetch := starvation + maxStarvation
	for i := hi; i >= lo; i-- {
		adj := f * bw
		if i > s.LastRung {
			adj = fUp * bw
		}
		rate := float64(rs[i].Bitrate)
		fetch := ttfb + rate*avgDur/adj
		if first {
			fetch += ttfb // no level details yet: a playlist load precedes the fragment
		}
		if adj >= rate && (fetch <= ttfb || math.IsInf(fetch, 0) || math.IsNaN(fetch) || s.Live || fetch < maxFetch) {
			return i
		}
	}
	return -1
}

// Decide returns hls.js's next auto level.
func (h *HLSJS) Decide(s *Snapshot) Decision {
	lo, hi := rungBounds(s)
	bw := h.bandwidth(s)
	buf := s.Buffer.Seconds()
	reason := Reason{Estimate: int64(bw), Buffer: s.Buffer}
	if h.forced >= 0 {
		for _, d := range s.History[min(h.forcedSeen, len(s.History)):] {
			if !d.Abandoned && d.Rung == h.forced {
				h.forced = -1
				break
			}
		}
		if h.forced >= 0 {
			reason.Rule = "emergency"
			return Decision{Rung: min(max(h.forced, lo), hi), Reason: reason}
		}
	}
	if s.LastRung < 0 || !s.Estimate.Valid {
		q := h.findBest(s, bw, lo, hi, 0, h.p.MaxStarvationDelay.Seconds(), 1, 1)
		if q < 0 {
			q = lo
		}
		reason.Rule = "first"
		return Decision{Rung: q, Reason: reason}
	}
	if lo == hi {
		reason.Rule = "hold"
		return Decision{Rung: lo, Reason: reason}
	}
	f, fUp := h.p.BandwidthFactor, h.p.BandwidthUpFactor
	if buf > 0 {
		if q := h.findBest(s, bw, lo, hi, buf, 0, f, fUp); q >= 0 {
			reason.Rule = "buffer"
			return Decision{Rung: q, Reason: reason}
		}
	}
	maxStarvation := h.p.MaxStarvationDelay.Seconds()
	if d := s.Ladder.SegmentDuration.Seconds(); d > 0 {
		maxStarvation = math.Min(d, maxStarvation)
	}
	reason.Value = maxStarvation
	if q := h.findBest(s, bw, lo, hi, buf, maxStarvation, f, fUp); q >= 0 {
		reason.Rule = "starvation"
		return Decision{Rung: q, Reason: reason}
	}
	last := min(max(s.LastRung, lo), hi)
	if s.Ladder.Rungs[lo].Bitrate < s.Ladder.Rungs[last].Bitrate {
		reason.Rule = "lowest"
		return Decision{Rung: lo, Reason: reason}
	}
	reason.Rule = "hold"
	return Decision{Rung: last, Reason: reason}
}

// ShouldAbandon is hls.js's _abandonRulesCheck.
func (h *HLSJS) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	if !h.p.Abandon {
		return false, 0, Reason{}
	}
	lo, _ := rungBounds(s)
	if h.pending {
		if p.Segment == h.pendSegment && p.Rung == h.pendRung {
			if p.Elapsed < h.pendAt {
				return false, 0, Reason{}
			}
			h.pending = false
			return h.abort(s, lo, h.forced, s.Buffer.Seconds(), h.pendBps)
		}
		h.pending = false
	}
	if p.Rung <= lo || (p.Total > 0 && p.Bytes >= p.Total) || !s.Playing {
		return false, 0, Reason{}
	}
	rs := s.Ladder.Rungs
	ttfbMs := float64(s.Estimate.Latency) / float64(time.Millisecond)
	dur := s.Ladder.SegmentDuration.Seconds()
	loading := float64(p.Elapsed) / float64(time.Millisecond)
	if loading <= math.Max(ttfbMs, 1000*dur/2) {
		return false, 0, Reason{}
	}
	starvation := s.Buffer.Seconds()
	firstByte := p.Bytes > 0 && p.TTFB > 0
	bwEstimate := h.bandwidth(s)
	loaded := float64(p.Bytes)
	expected := math.Max(loaded, math.Round(dur*float64(rs[p.Rung].Bitrate)/8))
	if p.Total > 0 {
		expected = math.Max(loaded, float64(p.Total))
	}
	streaming := loading
	if firstByte {
		streaming = loading - float64(p.TTFB)/float64(time.Millisecond)
		if streaming < 1 {
			// hls.js compares milliseconds with seconds here; kept as is.
			streaming = math.Min(loading, loaded*8/bwEstimate)
		}
	}
	var loadRate float64 // bytes/s
	if firstByte {
		loadRate = loaded * 1000 / streaming
	}
	ttfb := ttfbMs / 1000
	var rest float64 // seconds to load the rest of the segment
	if loadRate > 0 {
		rest = (expected - loaded) / loadRate
	} else {
		rest = expected*8/bwEstimate + ttfb
	}
	if rest <= starvation {
		return false, 0, Reason{}
	}
	bwe := bwEstimate
	if loadRate > 0 {
		bwe = loadRate * 8
	}
	next, nextDelay := p.Rung-1, math.Inf(1)
	for ; next > lo; next-- {
		nextDelay = ttfb + dur*float64(rs[next].Bitrate)/bwe
		if s.Live {
			nextDelay += ttfb // live levels reload their playlist on a switch
		}
		if nextDelay < math.Min(starvation, dur+ttfb) {
			break
		}
	}
	if nextDelay >= rest || nextDelay > 10*dur {
		return false, 0, Reason{}
	}
	if q := h.findBest(s, float64(rs[next].Bitrate), lo, next, 0, starvation, 1, 1); q > -1 {
		next = q
	}
	h.forced, h.forcedSeen = next, len(s.History)
	if rest > 2*nextDelay {
		return h.abort(s, lo, next, starvation, bwe)
	}
	h.pending, h.pendSegment, h.pendRung = true, p.Segment, p.Rung
	h.pendAt = p.Elapsed + time.Duration(nextDelay*float64(time.Second))
	h.pendBps = bwe
	return false, 0, Reason{}
}

// abort is hls.js's abortAndSwitch: it aborts only for a rung above 0 and
// then refetches at the lowest rung that loads within the buffer.
func (h *HLSJS) abort(s *Snapshot, lo, next int, starvation, bps float64) (bool, int, Reason) {
	if next <= 0 {
		return false, 0, Reason{}
	}
	q := next
	if next > lo {
		q = h.findBest(s, float64(s.Ladder.Rungs[lo].Bitrate), lo, next, 0, starvation, 1, 1)
		if q < 0 {
			q = lo
		}
	}
	h.forced, h.forcedSeen = q, len(s.History)
	return true, q, Reason{Rule: "emergency", Estimate: int64(bps), Buffer: s.Buffer, Value: starvation}
}

func init() {
	registerStock("hlsjs",
		"hls.js 1.7 AbrController: EWMA 3 s/9 s, ×0.95 stay / ×0.7 up, buffer-starvation-aware choice, emergency abandonment",
		DefaultHLSJSParams, NewHLSJS)
}
