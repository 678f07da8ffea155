package abr

import (
	"fmt"
	"math"
	"time"
)

// How an EWMAEstimator counts the time to first byte of a sample; the
// values of EWMAParams.TTFB.
const (
	// TTFBInclude measures a sample over TTFB + transfer time.
	TTFBInclude = "include"
	// TTFBExclude measures a sample over the transfer time only (Shaka's
	// removeLatencyFromFirstPacketTime).
	TTFBExclude = "exclude"
	// TTFBEWMA keeps a third EWMA of the TTFB and measures a sample over
	// TTFB + transfer − min(TTFB, TTFB estimate), reporting the TTFB
	// estimate as Estimate.Latency (hls.js 1.5 and later).
	TTFBEWMA = "ewma"
)

// EWMAParams configures an EWMAEstimator. The zero value is not useful;
// start from DefaultHLSJSEstimatorParams or DefaultShakaEstimatorParams.
type EWMAParams struct {
	// FastHalfLife and SlowHalfLife are the half-lives of the two
	// averages in seconds of transfer time: a sample that took d
	// seconds weighs d. The estimate is the smaller of the two.
	FastHalfLife time.Duration `abr:"fast"`
	SlowHalfLife time.Duration `abr:"slow"`
	// MinSampleDuration raises shorter samples to this duration (hls.js
	// clamps at 50 ms); 0 for no clamp.
	MinSampleDuration time.Duration `abr:"mindur"`
	// MinSampleBytes drops samples of fewer bytes (Shaka: 16000).
	MinSampleBytes int64 `abr:"minbytes"`
	// CacheThreshold drops samples shorter than this as probable cache
	// responses (Shaka's cacheLoadThreshold: 5 ms); 0 keeps all.
	CacheThreshold time.Duration `abr:"cache"`
	// MinTotalBytes is how many bytes must have been sampled before the
	// estimate is valid (Shaka: 128000).
	MinTotalBytes int64 `abr:"mintotal"`
	// MinTotalWeight is how much transfer time must have been sampled
	// before the estimate is valid (hls.js: 1 ms).
	MinTotalWeight time.Duration `abr:"minweight"`
	// TTFB is one of TTFBInclude, TTFBExclude, TTFBEWMA.
	TTFB string `abr:"ttfb"`
	// DefaultTTFB is the latency reported before any TTFB sample when
	// TTFB is TTFBEWMA (hls.js: 100 ms).
	DefaultTTFB time.Duration `abr:"defttfb"`
	// SkipCacheHits drops samples the driver flagged as cache hits.
	// Neither hls.js nor Shaka has such a flag, so both presets keep them.
	SkipCacheHits bool `abr:"skipcache"`
}

// DefaultHLSJSEstimatorParams returns the bandwidth estimator of hls.js
// 1.7 (src/utils/ewma-bandwidth-estimator.ts with the defaults of
// src/config.ts): fast half-life 3 s, slow 9 s (abrEwmaFastVoD,
// abrEwmaSlowVoD; the live values are the same), samples shorter than
// 50 ms counted as 50 ms, valid after 1 ms of sampled time, TTFB tracked
// by its own EWMA (slow half-life, weight √2·exp(−ttfb²/2) with ttfb in
// seconds, values floored at 5 ms, default 100 ms) and subtracted from
// each sample. hls.js's default estimate (abrEwmaDefaultEstimate,
// 500 kbit/s) belongs to the algorithm: see HLSJSParams.
func DefaultHLSJSEstimatorParams() EWMAParams {
	return EWMAParams{
		FastHalfLife:      3 * time.Second,
		SlowHalfLife:      9 * time.Second,
		MinSampleDuration: 50 * time.Millisecond,
		MinTotalWeight:    time.Millisecond,
		TTFB:              TTFBEWMA,
		DefaultTTFB:       100 * time.Millisecond,
	}
}

// DefaultShakaEstimatorParams returns the bandwidth estimator of Shaka
// Player 4.x/5.x (lib/abr/ewma_bandwidth_estimator.js and the abr
// configuration of lib/util/player_configuration.js): fast half-life
// 2 s, slow 5 s, samples under 16000 bytes ignored, valid once 128000
// bytes were sampled, samples faster than 5 ms ignored as cache hits
// (cacheLoadThreshold), TTFB removed from the sample time
// (removeLatencyFromFirstPacketTime). Shaka's default estimate
// (defaultBandwidthEstimate, 1 Mbit/s) belongs to the algorithm: see
// ShakaParams.
func DefaultShakaEstimatorParams() EWMAParams {
	return EWMAParams{
		FastHalfLife:   2 * time.Second,
		SlowHalfLife:   5 * time.Second,
		MinSampleBytes: 16000,
		CacheThreshold: 5 * time.Millisecond,
		MinTotalBytes:  128000,
		TTFB:           TTFBExclude,
	}
}

// ewmaAverage is an exponentially weighted moving average whose weights
// are seconds, with the zero-start bias correction of Shaka and hls.js.
type ewmaAverage struct {
	alpha, estimate, totalWeight float64
}

func newEWMAAverage(halfLife time.Duration) ewmaAverage {
	return ewmaAverage{alpha: math.Exp(math.Log(0.5) / halfLife.Seconds())}
}

func (a *ewmaAverage) sample(weight, value float64) {
	adj := math.Pow(a.alpha, weight)
	a.estimate = value*(1-adj) + adj*a.estimate
	a.totalWeight += weight
}

// value returns the bias-corrected estimate: the raw average starts at 0,
// so it is divided by 1 − alpha^totalWeight, the share of the weight that
// real samples carry.
func (a *ewmaAverage) value() float64 {
	zero := 1 - math.Pow(a.alpha, a.totalWeight)
	if zero == 0 {
		return a.estimate
	}
	return a.estimate / zero
}

// EWMAEstimator is the dual exponentially weighted moving average of
// Shaka Player and hls.js: two averages of the sample throughputs with
// different half-lives measured in seconds of transfer time, the estimate
// being the smaller one, so that it falls fast and rises slowly.
type EWMAEstimator struct {
	p          EWMAParams
	fast, slow ewmaAverage
	ttfb       ewmaAverage
	bytes      int64
}

// NewEWMAEstimator returns an estimator with parameters p. It returns an
// error wrapping ErrBadParam when a half-life is not positive, a threshold
// is negative or TTFB is not a known mode.
func NewEWMAEstimator(p EWMAParams) (*EWMAEstimator, error) {
	if p.FastHalfLife <= 0 || p.SlowHalfLife <= 0 {
		return nil, fmt.Errorf("%w: EWMA half-lives must be positive (fast=%v slow=%v)", ErrBadParam, p.FastHalfLife, p.SlowHalfLife)
	}
	if p.MinSampleDuration < 0 || p.MinSampleBytes < 0 || p.CacheThreshold < 0 || p.MinTotalBytes < 0 || p.MinTotalWeight < 0 || p.DefaultTTFB < 0 {
		return nil, fmt.Errorf("%w: EWMA thresholds must not be negative", ErrBadParam)
	}
	switch p.TTFB {
	case TTFBInclude, TTFBExclude, TTFBEWMA:
	default:
		return nil, fmt.Errorf("%w: EWMA ttfb=%q: want %s, %s or %s", ErrBadParam, p.TTFB, TTFBInclude, TTFBExclude, TTFBEWMA)
	}
	e := &EWMAEstimator{p: p}
	e.Reset()
	return e, nil
}

// Reset forgets all samples.
func (e *EWMAEstimator) Reset() {
	e.fast = newEWMAAverage(e.p.FastHalfLife)
	e.slow = newEWMAAverage(e.p.SlowHalfLife)
	e.ttfb = newEWMAAverage(e.p.SlowHalfLife)
	e.bytes = 0
}

// Add records a sample. With TTFBEWMA a sample with a positive TTFB first
// updates the TTFB average, as hls.js samples the TTFB when a fragment
// has loaded and the bandwidth once it is buffered.
func (e *EWMAEstimator) Add(s Sample) {
	if e.p.SkipCacheHits && s.CacheHit {
		return
	}
	d := s.TTFB + s.Transfer
	switch e.p.TTFB {
	case TTFBExclude:
		d = s.Transfer
	case TTFBEWMA:
		if s.TTFB > 0 {
			ms := float64(s.TTFB) / float64(time.Millisecond)
			secs := ms / 1000
			e.ttfb.sample(math.Sqrt2*math.Exp(-secs*secs/2), math.Max(ms, 5))
		}
		d -= min(s.TTFB, e.latency())
	}
	if d < e.p.CacheThreshold || s.Bytes < e.p.MinSampleBytes {
		return
	}
	d = max(d, e.p.MinSampleDuration)
	if d <= 0 {
		return
	}
	secs := d.Seconds()
	bps := float64(8*s.Bytes) / secs
	e.bytes += s.Bytes
	e.fast.sample(secs, bps)
	e.slow.sample(secs, bps)
}

// latency is the TTFB estimate of hls.js: the TTFB average once it has
// 1 ms of weight (the same threshold as the bandwidth), else DefaultTTFB.
func (e *EWMAEstimator) latency() time.Duration {
	if e.ttfb.totalWeight > 0 && e.ttfb.totalWeight >= e.p.MinTotalWeight.Seconds() {
		return time.Duration(e.ttfb.value() * float64(time.Millisecond))
	}
	return e.p.DefaultTTFB
}

// Estimate returns min(fast, slow) once both MinTotalWeight of time and
// MinTotalBytes of data were sampled. Latency is the TTFB estimate with
// TTFBEWMA and 0 otherwise.
func (e *EWMAEstimator) Estimate() Estimate {
	var est Estimate
	if e.p.TTFB == TTFBEWMA {
		est.Latency = e.latency()
	}
	if e.fast.totalWeight <= 0 || e.fast.totalWeight < e.p.MinTotalWeight.Seconds() || e.bytes < e.p.MinTotalBytes {
		return est
	}
	est.Throughput = int64(math.Round(math.Min(e.fast.value(), e.slow.value())))
	est.Valid = true
	return est
}
