package abr

import (
	"fmt"
	"math"
)

// HarmonicParams configures a HarmonicEstimator.
type HarmonicParams struct {
	// Window is the number of most recent samples averaged.
	Window int `abr:"window"`
	// IncludeTTFB measures each sample over TTFB + transfer time, as
	// Pensieve does (its throughput includes the 80 ms RTT); false
	// measures over the transfer time only.
	IncludeTTFB bool `abr:"ttfb"`
	// SkipCacheHits drops samples the driver flagged as cache hits.
	SkipCacheHits bool `abr:"skipcache"`
}

// DefaultHarmonicParams returns the predictor of Pensieve's RB and MPC
// baselines (Mao et al., SIGCOMM 2017, §5.1; test/mpc.py): the harmonic
// mean of the last 5 chunk throughputs, each measured over the whole
// download time.
func DefaultHarmonicParams() HarmonicParams {
	return HarmonicParams{Window: 5, IncludeTTFB: true}
}

// HarmonicEstimator reports the harmonic mean of the throughputs of the
// last Window samples.
type HarmonicEstimator struct {
	p  HarmonicParams
	xs []float64 // bits/s, oldest first, at most Window
}

// NewHarmonicEstimator returns an estimator with parameters p, or an
// error wrapping ErrBadParam when Window is not positive.
func NewHarmonicEstimator(p HarmonicParams) (*HarmonicEstimator, error) {
	if p.Window <= 0 {
		return nil, fmt.Errorf("%w: harmonic window=%d must be positive", ErrBadParam, p.Window)
	}
	return &HarmonicEstimator{p: p, xs: make([]float64, 0, p.Window)}, nil
}

// Reset forgets all samples.
func (e *HarmonicEstimator) Reset() { e.xs = e.xs[:0] }

// Add records a sample; samples without bytes or time are ignored.
func (e *HarmonicEstimator) Add(s Sample) {
	if e.p.SkipCacheHits && s.CacheHit {
		return
	}
	d := s.Transfer
	if e.p.IncludeTTFB {
		d += s.TTFB
	}
	if d <= 0 || s.Bytes <= 0 {
		return
	}
	if len(e.xs) == e.p.Window {
		e.xs = e.xs[:copy(e.xs, e.xs[1:])]
	}
	e.xs = append(e.xs, float64(8*s.Bytes)/d.Seconds())
}

// Estimate returns the harmonic mean n / Σ(1/x), oldest sample first,
// valid after one sample. Latency is 0.
func (e *HarmonicEstimator) Estimate() Estimate {
	if len(e.xs) == 0 {
		return Estimate{}
	}
	return Estimate{Throughput: int64(math.Round(harmonicMean(e.xs))), Valid: true}
}

// harmonicMean is the harmonic mean of xs computed as Pensieve's mpc.py
// does: the reciprocals summed oldest first, then 1 / (sum / n).
func harmonicMean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += 1 / x
	}
	return 1 / (sum / float64(len(xs)))
}
