package abr

import (
	"fmt"
	"math"
	"time"
)

// Sabre's estimators work in Sabre's own units: time in milliseconds,
// sizes in bits and rates in kbit/s (which is the same number as bits per
// millisecond), all as float64. The Estimator methods convert at entry:
// ms = float64(d)/float64(time.Millisecond), kbit/s = bits/ms. The Push and
// Values methods take and return Sabre's units unchanged, so that a
// simulator reproducing Sabre can feed them the exact floats Sabre computes.

// sabreMs converts a duration to Sabre's float milliseconds.
func sabreMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sabreDuration converts Sabre's float milliseconds to a duration,
// rounded to the nanosecond.
func sabreDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// sabreBitsPerSecond converts kbit/s (bits/ms) to bit/s, rounded.
func sabreBitsPerSecond(kbps float64) int64 {
	if math.IsNaN(kbps) || math.IsInf(kbps, 0) {
		return 0
	}
	return int64(math.Round(kbps * 1000))
}

// SabreEWMAParams configures SabreEWMA.
type SabreEWMAParams struct {
	// ShortHalfLife and LongHalfLife are the throughput half-lives,
	// counted in transfer time (Sabre's -hl, default 3 s and 8 s).
	ShortHalfLife time.Duration `abr:"hl_short"`
	LongHalfLife  time.Duration `abr:"hl_long"`
	// SegmentDuration p turns each half-life h into a latency half-life
	// of h/p samples. Zero takes p from the first sample's
	// SegmentDuration (and 1 s if that is zero too).
	SegmentDuration time.Duration `abr:"p"`
}

// DefaultSabreEWMAParams returns Sabre's defaults: half-lives 3 s and 8 s,
// segment duration taken from the samples.
func DefaultSabreEWMAParams() SabreEWMAParams {
	return SabreEWMAParams{ShortHalfLife: 3 * time.Second, LongHalfLife: 8 * time.Second}
}

// SabreEWMA is the exponentially weighted moving average of Sabre's
// simulator (Spiteri, Sitaraman, Sparacio, MMSys 2018; UMass-LIDS/sabre
// src/sabre.py, class Ewma), reproduced operation for operation.
//
// For each half-life h (ms) and each sample of transfer time D (ms, TTFB
// excluded), throughput t (kbit/s) and latency l (ms):
//
//	a = 0.5^(D/h);      E_h = a·E_h + (1−a)·t
//	c = 0.5^(1/(h/p));  Λ_h = c·Λ_h + (1−c)·l
//	W += D;  n += 1
//
// The estimates remove the zero-start bias and are conservative:
// throughput = min_h E_h/(1−0.5^(W/h)), latency = max_h Λ_h/(1−0.5^(n/(h/p))).
// The latency half-lives are counted in samples (h/p segments), the
// throughput half-lives in transfer time.
//
// Go's math.Pow can differ from glibc's pow in the last bit; see
// sabre-model §12.11 for the effect on reproduced numbers.
type SabreEWMA struct {
	halfLife []float64 // ms
	latHalf  []float64 // samples, h/p; computed once p is known
	latDecay []float64 // 0.5^(1/(h/p)), Sabre's per-sample latency factor
	// latBias[i][n-1] caches 0.5^(n/(h/p)), the latency bias term after
	// n samples, for the first sabreBiasCache counts.
	latBias     [][]float64
	tput, lat   []float64
	weightTput  float64
	weightLat   float64
	segmentMs   float64 // 0 until known
	fixedSeg    bool    // segmentMs came from the constructor
	kbps, latMs float64
	valid       bool
}

// NewSabreEWMA returns a Sabre EWMA with the two half-lives of p.
func NewSabreEWMA(p SabreEWMAParams) *SabreEWMA {
	return NewSabreEWMAMs([]float64{sabreMs(p.ShortHalfLife), sabreMs(p.LongHalfLife)}, sabreMs(p.SegmentDuration))
}

// NewSabreEWMAMs returns a Sabre EWMA in Sabre's units: any number of
// throughput half-lives in ms (Sabre's -hl times 1000, in the given order)
// and the segment duration in ms (0: from the first sample).
func NewSabreEWMAMs(halfLivesMs []float64, segmentMs float64) *SabreEWMA {
	e := &SabreEWMA{
		halfLife: append([]float64(nil), halfLivesMs...),
		latHalf:  make([]float64, len(halfLivesMs)),
		latDecay: make([]float64, len(halfLivesMs)),
		latBias:  make([][]float64, len(halfLivesMs)),
		tput:     make([]float64, len(halfLivesMs)),
		lat:      make([]float64, len(halfLivesMs)),
	}
	if segmentMs > 0 {
		e.setSegment(segmentMs)
		e.fixedSeg = true
	}
	return e
}

func (e *SabreEWMA) setSegment(segmentMs float64) {
	e.segmentMs = segmentMs
	for i, h := range e.halfLife {
		e.latHalf[i] = h / segmentMs
		e.latDecay[i] = math.Pow(0.5, 1/e.latHalf[i])
		e.latBias[i] = e.latBias[i][:0]
	}
}

// sabreBiasCache is how many sample counts SabreEWMA caches the latency
// bias term for (a Sabre session has one sample per segment).
const sabreBiasCache = 1024

// latencyBias returns 0.5^(n/(h/p)) for half-life i, as math.Pow computes
// it, from the cache when it holds n.
func (e *SabreEWMA) latencyBias(i int, n float64) float64 {
	c := e.latBias[i]
	if k := int(n); float64(k) == n && k >= 1 && k <= len(c) {
		return c[k-1]
	}
	v := math.Pow(0.5, n/e.latHalf[i])
	if k := int(n); float64(k) == n && k == len(c)+1 && k <= sabreBiasCache {
		e.latBias[i] = append(c, v)
	}
	return v
}

// ln05 is math.Log(0.5), which math.Pow(0.5, y) computes at every call.
var ln05 = math.Log(0.5)

// sabreHalfPow returns math.Pow(0.5, y), bit for bit, without its
// general-purpose steps: for 0 < y < 1000 (y ≠ 0.5), math.Pow splits y
// into an integer yi and a fraction yf in (−0.5, 0.5] and returns
// Exp(yf·Log(0.5)) scaled by 0.5^yi, where the scaling only moves the
// exponent (the mantissa 0.5 squares to 0.25 and is renormalised to 0.5
// with the exponent lowered) and is exact while the result is normal,
// as it is for y < 1000; here it is one multiplication by 2^−yi. Other y go to math.Pow. The equality is tested
// on millions of inputs (TestSabreHalfPow).
func sabreHalfPow(y float64) float64 {
	if !(y > 0 && y < 1000) || y == 0.5 {
		return math.Pow(0.5, y)
	}
	yi, yf := math.Modf(y)
	a := 1.0
	if yf != 0 {
		if yf > 0.5 {
			yf--
			yi++
		}
		a = math.Exp(yf * ln05)
	}
	// a·2^−yi with 0 <= yi <= 1000: a product with a power of two whose
	// result is normal, so exact, as math.Ldexp(a, −yi) is.
	return a * math.Float64frombits(uint64(1023-int(yi))<<52)
}

// Add records a sample: D = Transfer in ms, t = Bytes·8/D, l = TTFB in ms.
// Samples with no transfer time are ignored (Sabre would divide by zero).
func (e *SabreEWMA) Add(s Sample) {
	d := sabreMs(s.Transfer)
	if d <= 0 {
		return
	}
	if e.segmentMs == 0 {
		p := sabreMs(s.SegmentDuration)
		if p <= 0 {
			p = 1000
		}
		e.setSegment(p)
	}
	e.Push(d, float64(s.Bytes*8)/d, sabreMs(s.TTFB))
}

// Push records one sample in Sabre's units, exactly as Sabre's
// Ewma.push(time, tput, lat): transfer time ms, throughput kbit/s,
// latency ms. The segment duration must be known (from the constructor or
// an earlier Add); if it is not, 1000 ms is assumed.
func (e *SabreEWMA) Push(timeMs, kbps, latencyMs float64) {
	if e.segmentMs == 0 {
		e.setSegment(1000)
	}
	for i, h := range e.halfLife {
		a := sabreHalfPow(timeMs / h)
		e.tput[i] = float64(a*e.tput[i]) + float64((1-a)*kbps)
		c := e.latDecay[i]
		e.lat[i] = float64(c*e.lat[i]) + float64((1-c)*latencyMs)
	}
	e.weightTput += timeMs
	e.weightLat++
	for i, h := range e.halfLife {
		t := e.tput[i] / (1 - sabreHalfPow(e.weightTput/h))
		l := e.lat[i] / (1 - e.latencyBias(i, e.weightLat))
		if i == 0 {
			e.kbps, e.latMs = t, l
			continue
		}
		e.kbps = math.Min(e.kbps, t)
		e.latMs = math.Max(e.latMs, l)
	}
	e.valid = len(e.halfLife) > 0
}

// Values returns the throughput estimate in kbit/s and the latency
// estimate in ms, and false before the first sample.
func (e *SabreEWMA) Values() (kbps, latencyMs float64, ok bool) {
	return e.kbps, e.latMs, e.valid
}

// Estimate returns the estimate converted to bit/s and a duration.
func (e *SabreEWMA) Estimate() Estimate {
	if !e.valid {
		return Estimate{}
	}
	return Estimate{Throughput: sabreBitsPerSecond(e.kbps), Latency: sabreDuration(e.latMs), Valid: true}
}

// Reset forgets all samples; a segment duration given to the constructor
// is kept, one learnt from a sample is forgotten.
func (e *SabreEWMA) Reset() {
	for i := range e.tput {
		e.tput[i], e.lat[i] = 0, 0
	}
	e.weightTput, e.weightLat = 0, 0
	e.kbps, e.latMs, e.valid = 0, 0, false
	if !e.fixedSeg {
		e.segmentMs = 0
	}
}

// SabreSlidingParams configures SabreSliding.
type SabreSlidingParams struct {
	// Window is the number of most recent samples averaged (Sabre's -ws,
	// default 3). At most 20 samples are stored.
	Window int `abr:"ws"`
}

// DefaultSabreSlidingParams returns Sabre's default window of 3 samples.
func DefaultSabreSlidingParams() SabreSlidingParams { return SabreSlidingParams{Window: 3} }

// sabreSlidingStore is how many samples Sabre's sliding window keeps.
const sabreSlidingStore = 20

// SabreSliding is Sabre's sliding-window estimator (class SlidingWindow):
// it stores the last 20 samples and, for each window size w, averages the
// last w throughputs and latencies (arithmetic means summed oldest first,
// as Python 3.11's sum does). The throughput estimate is the minimum over
// the windows, the latency estimate the maximum.
type SabreSliding struct {
	windows     []int
	tput, lat   [sabreSlidingStore]float64 // ring buffers
	next, count int
	kbps, latMs float64
	valid       bool
}

// NewSabreSliding returns a sliding window of p.Window samples.
func NewSabreSliding(p SabreSlidingParams) (*SabreSliding, error) {
	return NewSabreSlidingWindows([]int{p.Window})
}

// NewSabreSlidingWindows returns a sliding-window estimator over several
// window sizes (Sabre's -ws list), each between 1 and 20.
func NewSabreSlidingWindows(windows []int) (*SabreSliding, error) {
	if len(windows) == 0 {
		return nil, fmt.Errorf("%w: sabre sliding window: no window size", ErrBadParam)
	}
	for _, w := range windows {
		if w < 1 || w > sabreSlidingStore {
			return nil, fmt.Errorf("%w: sabre sliding window size %d: want 1..%d", ErrBadParam, w, sabreSlidingStore)
		}
	}
	return &SabreSliding{windows: append([]int(nil), windows...)}, nil
}

// Add records a sample: D = Transfer in ms, t = Bytes·8/D, l = TTFB in ms.
// Samples with no transfer time are ignored.
func (w *SabreSliding) Add(s Sample) {
	d := sabreMs(s.Transfer)
	if d <= 0 {
		return
	}
	w.Push(d, float64(s.Bytes*8)/d, sabreMs(s.TTFB))
}

// Push records one sample in Sabre's units (transfer ms, kbit/s, latency
// ms), as SlidingWindow.push. The transfer time is not used.
func (w *SabreSliding) Push(_, kbps, latencyMs float64) {
	w.tput[w.next], w.lat[w.next] = kbps, latencyMs
	w.next = (w.next + 1) % sabreSlidingStore
	if w.count < sabreSlidingStore {
		w.count++
	}
	for i, ws := range w.windows {
		n := min(ws, w.count)
		var st, sl float64
		for k := n; k >= 1; k-- { // oldest of the window first
			j := (w.next - k + sabreSlidingStore) % sabreSlidingStore
			st += w.tput[j]
			sl += w.lat[j]
		}
		t, l := st/float64(n), sl/float64(n)
		if i == 0 {
			w.kbps, w.latMs = t, l
			continue
		}
		w.kbps = math.Min(w.kbps, t)
		w.latMs = math.Max(w.latMs, l)
	}
	w.valid = true
}

// Values returns the throughput estimate in kbit/s and the latency
// estimate in ms, and false before the first sample.
func (w *SabreSliding) Values() (kbps, latencyMs float64, ok bool) {
	return w.kbps, w.latMs, w.valid
}

// Estimate returns the estimate converted to bit/s and a duration.
func (w *SabreSliding) Estimate() Estimate {
	if !w.valid {
		return Estimate{}
	}
	return Estimate{Throughput: sabreBitsPerSecond(w.kbps), Latency: sabreDuration(w.latMs), Valid: true}
}

// Reset forgets all samples.
func (w *SabreSliding) Reset() {
	w.next, w.count = 0, 0
	w.kbps, w.latMs, w.valid = 0, 0, false
}
