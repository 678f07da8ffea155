package abr

import (
	"fmt"
	"time"
)

// ExoPlayerParams configures ExoPlayer; the names follow Media3's
// AdaptiveTrackSelection.
type ExoPlayerParams struct {
	// BandwidthFraction of the estimate considered available
	// (bandwidthFraction, 0.7).
	BandwidthFraction float64 `abr:"fraction"`
	// MinDurationForQualityIncrease: no switch up with less buffered
	// (minDurationForQualityIncreaseMs, 10 s).
	MinDurationForQualityIncrease time.Duration `abr:"minincrease"`
	// MaxDurationForQualityDecrease: no switch down with at least this
	// much buffered (maxDurationForQualityDecreaseMs, 25 s).
	MaxDurationForQualityDecrease time.Duration `abr:"maxdecrease"`
	// BufferedFractionToLiveEdge: for live streams the buffer needed to
	// switch up is at most this fraction of the distance to the live
	// edge minus one segment (bufferedFractionToLiveEdgeForQualityIncrease,
	// 0.75).
	BufferedFractionToLiveEdge float64 `abr:"livefraction"`
	// DefaultEstimate is used until the estimate is valid
	// (DefaultBandwidthMeter's initial estimate for an unknown network,
	// 1 Mbit/s).
	DefaultEstimate int64 `abr:"default"`
}

// DefaultExoPlayerParams returns the defaults of AndroidX Media3 1.11.
func DefaultExoPlayerParams() ExoPlayerParams {
	return ExoPlayerParams{
		BandwidthFraction:             0.7,
		MinDurationForQualityIncrease: 10 * time.Second,
		MaxDurationForQualityDecrease: 25 * time.Second,
		BufferedFractionToLiveEdge:    0.75,
		DefaultEstimate:               1_000_000,
	}
}

// ExoPlayer is the AdaptiveTrackSelection of AndroidX Media3 1.11
// (exoplayer/trackselection/AdaptiveTrackSelection.java). Its native
// estimator is PercentileEstimator with DefaultExoPlayerEstimatorParams
// (DefaultBandwidthMeter).
//
// The ideal rung is the highest whose bitrate is at most the allocated
// bandwidth: BandwidthFraction × estimate, further scaled by
// (d − ttfb) / d when the estimate carries a TTFB (Estimate.Latency > 0,
// d the segment duration), in float32 as Media3 computes it; the lowest
// rung if none fits. The first decision takes the ideal rung. Later, from
// the rung of the last buffered chunk: a higher ideal rung is deferred
// while the buffer is below MinDurationForQualityIncrease (for live, at
// most BufferedFractionToLiveEdge × (LiveLatency − d)), and a lower one
// while the buffer is at least MaxDurationForQualityDecrease.
//
// Not ported: the bandwidth split between several adaptive selections
// (one video selection takes all), track exclusion, and the discarding
// of queued chunks (evaluateQueueSize), which is a replacement strategy.
// Media3's DefaultBandwidthMeter has no TTFB estimate, so the reduction
// applies only with an estimator that reports a latency.
//
// Reasons: "initial", "ideal", "defer-up", "defer-down"; Estimate is the
// estimate used and Value the allocated bandwidth in bit/s.
type ExoPlayer struct {
	p        ExoPlayerParams
	selected int
}

// NewExoPlayer returns an ExoPlayer with parameters p.
func NewExoPlayer(p ExoPlayerParams) (*ExoPlayer, error) {
	if !(p.BandwidthFraction > 0) || p.MinDurationForQualityIncrease < 0 || p.MaxDurationForQualityDecrease < 0 || !(p.BufferedFractionToLiveEdge >= 0) || p.DefaultEstimate <= 0 {
		return nil, fmt.Errorf("%w: exoplayer fraction=%v minincrease=%v maxdecrease=%v livefraction=%v default=%d", ErrBadParam,
			p.BandwidthFraction, p.MinDurationForQualityIncrease, p.MaxDurationForQualityDecrease, p.BufferedFractionToLiveEdge, p.DefaultEstimate)
	}
	return &ExoPlayer{p: p, selected: -1}, nil
}

// Name returns "exoplayer".
func (x *ExoPlayer) Name() string { return "exoplayer" }

// NewEstimator returns DefaultBandwidthMeter's sliding median.
func (x *ExoPlayer) NewEstimator() Estimator {
	e, _ := NewPercentileEstimator(DefaultExoPlayerEstimatorParams())
	return e
}

// Startup returns the initial selection.
func (x *ExoPlayer) Startup(s *Snapshot) Decision { return x.Decide(s) }

// allocated is getTotalAllocatableBandwidth in float32, as Media3.
func (x *ExoPlayer) allocated(s *Snapshot, est int64) int64 {
	cautious := int64(float32(est) * float32(x.p.BandwidthFraction))
	chunkUs := s.Ladder.SegmentDuration.Microseconds()
	ttfbUs := s.Estimate.Latency.Microseconds()
	if ttfbUs <= 0 || chunkUs <= 0 {
		return cautious
	}
	avail := max(float32(chunkUs)-float32(ttfbUs), 0)
	return int64(float32(cautious) * avail / float32(chunkUs))
}

// Decide is updateSelectedTrack.
func (x *ExoPlayer) Decide(s *Snapshot) Decision {
	lo, hi := rungBounds(s)
	rs := s.Ladder.Rungs
	est := x.p.DefaultEstimate
	if s.Estimate.Valid {
		est = s.Estimate.Throughput
	}
	eff := x.allocated(s, est)
	ideal := highestRungAtMost(s.Ladder, lo, hi, float64(eff))
	reason := Reason{Rule: "ideal", Estimate: est, Buffer: s.Buffer, Value: float64(eff)}
	if x.selected < 0 {
		x.selected = ideal
		reason.Rule = "initial"
		return Decision{Rung: ideal, Reason: reason}
	}
	prev := x.selected
	if s.LastRung >= 0 {
		prev = s.LastRung
	}
	prev = min(max(prev, lo), hi)
	q := ideal
	switch {
	case rs[ideal].Bitrate > rs[prev].Bitrate && s.Buffer < x.minIncrease(s):
		q, reason.Rule = prev, "defer-up"
	case rs[ideal].Bitrate < rs[prev].Bitrate && s.Buffer >= x.p.MaxDurationForQualityDecrease:
		q, reason.Rule = prev, "defer-down"
	}
	x.selected = q
	return Decision{Rung: q, Reason: reason}
}

// minIncrease is minDurationForQualityIncreaseUs: for live streams at
// most a fraction of what can be buffered before the live edge.
func (x *ExoPlayer) minIncrease(s *Snapshot) time.Duration {
	if !s.Live || s.LiveLatency <= 0 {
		return x.p.MinDurationForQualityIncrease
	}
	avail := (s.LiveLatency - s.Ladder.SegmentDuration).Microseconds()
	adjusted := time.Duration(int64(float32(avail)*float32(x.p.BufferedFractionToLiveEdge))) * time.Microsecond
	return min(adjusted, x.p.MinDurationForQualityIncrease)
}

func init() {
	registerStock("exoplayer",
		"ExoPlayer/Media3 AdaptiveTrackSelection: 0.7 × sliding-median estimate, up only with ≥ 10 s buffered, down only with < 25 s",
		DefaultExoPlayerParams, NewExoPlayer)
}
