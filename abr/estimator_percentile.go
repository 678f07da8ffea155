package abr

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// PercentileParams configures a PercentileEstimator.
type PercentileParams struct {
	// Percentile of the weighted sample distribution reported, in (0, 1].
	Percentile float64 `abr:"percentile"`
	// MaxWeight is the total weight the sliding window keeps; the oldest
	// samples are dropped or trimmed beyond it.
	MaxWeight int64 `abr:"maxweight"`
	// MinElapsed and MinBytes: the estimate becomes valid once either
	// this much transfer time or this many bytes were sampled.
	MinElapsed time.Duration `abr:"minelapsed"`
	MinBytes   int64         `abr:"minbytes"`
	// SkipCacheHits drops samples the driver flagged as cache hits
	// (ExoPlayer keeps every transfer at full network speed).
	SkipCacheHits bool `abr:"skipcache"`
}

// DefaultExoPlayerEstimatorParams returns the DefaultBandwidthMeter of
// AndroidX Media3 1.11 (upstream/DefaultBandwidthMeter.java): the median
// of a sliding window of maximum weight 2000 whose samples weigh
// ⌊√bytes⌋, first estimate only after 2 s of transfer or 512 KiB. Its
// initial estimate for an unknown network (1 Mbit/s) belongs to the
// algorithm: see ExoPlayerParams.
func DefaultExoPlayerEstimatorParams() PercentileParams {
	return PercentileParams{
		Percentile: 0.5,
		MaxWeight:  2000,
		MinElapsed: 2 * time.Second,
		MinBytes:   512 * 1024,
	}
}

// percentileSample is one entry of the sliding window.
type percentileSample struct {
	index  int64
	weight int64
	value  float32
}

// PercentileEstimator is ExoPlayer's sliding-percentile bandwidth meter.
// A sample's throughput is measured over its transfer time in whole
// milliseconds (ExoPlayer starts the clock when the response arrives);
// a sample shorter than 1 ms carries its bytes over to the next one, as
// ExoPlayer does, and those bytes then count twice towards MinBytes.
type PercentileEstimator struct {
	p        PercentileParams
	window   []percentileSample // oldest first
	sorted   []percentileSample // scratch for the percentile
	next     int64
	total    int64
	elapsed  int64 // ms
	bytes    int64
	carry    int64
	estimate int64
	valid    bool
}

// NewPercentileEstimator returns an estimator with parameters p, or an
// error wrapping ErrBadParam for a percentile outside (0, 1] or a
// non-positive window.
func NewPercentileEstimator(p PercentileParams) (*PercentileEstimator, error) {
	if !(p.Percentile > 0 && p.Percentile <= 1) || p.MaxWeight <= 0 || p.MinElapsed < 0 || p.MinBytes < 0 {
		return nil, fmt.Errorf("%w: percentile estimator: percentile=%v maxweight=%d minelapsed=%v minbytes=%d", ErrBadParam, p.Percentile, p.MaxWeight, p.MinElapsed, p.MinBytes)
	}
	return &PercentileEstimator{p: p}, nil
}

// Reset forgets all samples.
func (e *PercentileEstimator) Reset() {
	e.window = e.window[:0]
	e.next, e.total, e.elapsed, e.bytes, e.carry, e.estimate = 0, 0, 0, 0, 0, 0
	e.valid = false
}

// Add records a completed transfer.
func (e *PercentileEstimator) Add(s Sample) {
	if e.p.SkipCacheHits && s.CacheHit {
		return
	}
	ms := int64(s.Transfer / time.Millisecond)
	b := e.carry + s.Bytes
	e.elapsed += ms
	e.bytes += b
	if ms <= 0 {
		e.carry = b
		return
	}
	e.carry = 0
	bps := float32(b) * 8000 / float32(ms)
	e.add(int64(math.Sqrt(float64(b))), bps)
	if e.elapsed >= e.p.MinElapsed.Milliseconds() || e.bytes >= e.p.MinBytes {
		e.estimate = int64(e.percentile())
		e.valid = true
	}
}

// add appends a sample and trims the oldest ones down to MaxWeight. A
// sample of weight 0 (no bytes) is not kept: it would never count.
func (e *PercentileEstimator) add(weight int64, value float32) {
	if weight <= 0 {
		return
	}
	e.window = append(e.window, percentileSample{index: e.next, weight: weight, value: value})
	e.next++
	e.total += weight
	for e.total > e.p.MaxWeight {
		excess := e.total - e.p.MaxWeight
		if e.window[0].weight <= excess {
			e.total -= e.window[0].weight
			e.window = append(e.window[:0], e.window[1:]...)
		} else {
			e.window[0].weight -= excess
			e.total -= excess
		}
	}
}

// percentile walks the samples by increasing value until the accumulated
// weight reaches Percentile × total weight.
func (e *PercentileEstimator) percentile() float32 {
	e.sorted = append(e.sorted[:0], e.window...)
	slices.SortStableFunc(e.sorted, func(a, b percentileSample) int { return cmp.Compare(a.value, b.value) })
	desired := float32(e.p.Percentile) * float32(e.total)
	var acc int64
	for _, s := range e.sorted {
		acc += s.weight
		if float32(acc) >= desired {
			return s.value
		}
	}
	return e.sorted[len(e.sorted)-1].value
}

// Estimate returns the percentile once MinElapsed or MinBytes was
// reached. Latency is always 0: the meter has no TTFB estimate.
func (e *PercentileEstimator) Estimate() Estimate {
	if !e.valid {
		return Estimate{}
	}
	return Estimate{Throughput: e.estimate, Valid: true}
}
