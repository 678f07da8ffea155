package abr

import (
	"math"
	"time"
)

// DashjsEWMAParams configures DashjsEWMA. The defaults are dash.js v5's
// Settings streaming.abr.throughput.
type DashjsEWMAParams struct {
	// FastHalfLife and SlowHalfLife are the throughput half-lives
	// (throughputFastHalfLifeSeconds 3, throughputSlowHalfLifeSeconds 8).
	// They are compared with the sample weight WeightFactor × transfer ms,
	// so with the default factor 0.0015 they act as 2 s and 5.33 s of
	// transfer time; set WeightFactor to 0.001 for true 3 s / 8 s.
	FastHalfLife time.Duration `abr:"tput_fast"`
	SlowHalfLife time.Duration `abr:"tput_slow"`
	// WeightFactor is weightDownloadTimeMultiplicationFactor (0.0015 per ms).
	WeightFactor float64 `abr:"weight_factor"`
	// LatencyFast and LatencySlow are the latency half-lives counted in
	// samples (latencyFastHalfLifeCount 1, latencySlowHalfLifeCount 2).
	LatencyFast float64 `abr:"lat_fast"`
	LatencySlow float64 `abr:"lat_slow"`
	// DeadTimeLatency (useDeadTimeLatency, default true) measures
	// throughput over the transfer time only; when false the TTFB is
	// added to the reference time.
	DeadTimeLatency bool `abr:"dead_time"`
}

// DefaultDashjsEWMAParams returns dash.js v5's defaults.
func DefaultDashjsEWMAParams() DashjsEWMAParams {
	return DashjsEWMAParams{
		FastHalfLife:    3 * time.Second,
		SlowHalfLife:    8 * time.Second,
		WeightFactor:    0.0015,
		LatencyFast:     1,
		LatencySlow:     2,
		DeadTimeLatency: true,
	}
}

// dashjsEWMAPair is one fast/slow EWMA pair with its total weight, as
// dash.js keeps per media type.
type dashjsEWMAPair struct {
	fast, slow, weight float64
}

func (e *dashjsEWMAPair) update(value, weight, fastHL, slowHL float64) {
	fa := math.Pow(0.5, weight/fastHL)
	e.fast = float64((1-fa)*value) + float64(fa*e.fast)
	sa := math.Pow(0.5, weight/slowHL)
	e.slow = float64((1-sa)*value) + float64(sa*e.slow)
	e.weight += weight
}

// corrected returns the fast and slow estimates with the zero-start bias
// removed.
func (e *dashjsEWMAPair) corrected(fastHL, slowHL float64) (fast, slow float64) {
	fast = e.fast / (1 - math.Pow(0.5, e.weight/fastHL))
	slow = e.slow / (1 - math.Pow(0.5, e.weight/slowHL))
	return fast, slow
}

// DashjsEWMA is dash.js v5's default bandwidth estimator (ThroughputModel
// and ThroughputController in "ewma" mode, Dash-Industry-Forum/dash.js
// v5.1). Each sample's throughput is round(8·bytes / reference ms) kbit/s,
// where the reference time is the transfer time (useDeadTimeLatency) or
// the transfer time plus TTFB. It is weighted by WeightFactor × transfer
// ms in a fast and a slow EWMA; the estimate is the smaller of the two
// after the zero-start correction 1−0.5^(W/h), rounded to whole kbit/s as
// getAverageThroughput does. The latency (TTFB, 1 ms when zero) has its
// own fast/slow pair weighted 1 per sample, and the larger one is used.
//
// Cache-hit filtering is not part of it; wrap it in a CacheFilter (the
// dash.js algorithms' NewEstimator does).
type DashjsEWMA struct {
	p         DashjsEWMAParams
	tput, lat dashjsEWMAPair
}

// NewDashjsEWMA returns a dash.js EWMA estimator.
func NewDashjsEWMA(p DashjsEWMAParams) *DashjsEWMA { return &DashjsEWMA{p: p} }

// Add records a completed download. Samples whose reference time is not
// positive are dropped whole, as dash.js drops non-finite values.
func (e *DashjsEWMA) Add(s Sample) {
	downloadMs := sabreMs(s.Transfer)
	latencyMs := sabreMs(s.TTFB)
	if latencyMs == 0 {
		latencyMs = 1
	}
	ref := downloadMs
	if !e.p.DeadTimeLatency {
		ref += latencyMs
	}
	if ref <= 0 || downloadMs < 0 {
		return
	}
	value := math.Round(float64(8*s.Bytes) / ref)
	e.tput.update(value, e.p.WeightFactor*downloadMs, e.p.FastHalfLife.Seconds(), e.p.SlowHalfLife.Seconds())
	e.lat.update(latencyMs, 1, e.p.LatencyFast, e.p.LatencySlow)
}

// ThroughputKbps returns the average throughput in whole kbit/s as
// dash.js's getAverageThroughput (NaN before the first sample).
func (e *DashjsEWMA) ThroughputKbps() float64 {
	if e.tput.weight <= 0 {
		return math.NaN()
	}
	f, s := e.tput.corrected(e.p.FastHalfLife.Seconds(), e.p.SlowHalfLife.Seconds())
	return math.Round(math.Min(f, s))
}

// LatencyMs returns the average latency in ms (NaN before the first
// sample).
func (e *DashjsEWMA) LatencyMs() float64 {
	if e.lat.weight <= 0 {
		return math.NaN()
	}
	f, s := e.lat.corrected(e.p.LatencyFast, e.p.LatencySlow)
	return math.Max(f, s)
}

// Estimate returns the throughput (whole kbit/s, in bit/s) and latency.
func (e *DashjsEWMA) Estimate() Estimate {
	if e.tput.weight <= 0 {
		return Estimate{}
	}
	return Estimate{
		Throughput: int64(e.ThroughputKbps()) * 1000,
		Latency:    sabreDuration(e.LatencyMs()),
		Valid:      true,
	}
}

// Reset forgets all samples.
func (e *DashjsEWMA) Reset() { e.tput, e.lat = dashjsEWMAPair{}, dashjsEWMAPair{} }

// DefaultCacheThreshold is dash.js's cacheLoadThresholds.video: a video
// response that completed in less than 10 ms from request to last byte is
// assumed to come from a cache.
const DefaultCacheThreshold = 10 * time.Millisecond

// CacheFilter wraps an estimator and drops samples that look like cache
// hits: those marked CacheHit by the driver and those whose whole elapsed
// time (TTFB + transfer) is below Threshold, as dash.js's
// ThroughputModel does (10 ms for video, 5 ms for audio). Dropped samples
// reach neither the throughput nor the latency average.
type CacheFilter struct {
	// Inner receives the samples that pass.
	Inner Estimator
	// Threshold is the elapsed time below which a sample is dropped;
	// zero only drops samples marked CacheHit. Default
	// DefaultCacheThreshold (10 ms).
	Threshold time.Duration `abr:"cache_threshold"`
	// Dropped counts the samples dropped since the last Reset.
	Dropped int
}

// NewCacheFilter wraps inner with the given threshold.
func NewCacheFilter(inner Estimator, threshold time.Duration) *CacheFilter {
	return &CacheFilter{Inner: inner, Threshold: threshold}
}

// Add forwards s unless it looks like a cache hit.
func (c *CacheFilter) Add(s Sample) {
	if s.CacheHit || s.TTFB+s.Transfer < c.Threshold {
		c.Dropped++
		return
	}
	c.Inner.Add(s)
}

// Estimate returns the inner estimator's estimate.
func (c *CacheFilter) Estimate() Estimate { return c.Inner.Estimate() }

// Reset resets the inner estimator and the drop count.
func (c *CacheFilter) Reset() {
	c.Dropped = 0
	c.Inner.Reset()
}
