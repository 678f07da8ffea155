package sim

import (
	"fmt"
	"math"

	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/traces"
)

// Sabre's progress-step constants (NetworkModel.min_progress_size and
// min_progress_time). Sabre has no option to change them.
const (
	SabreMinProgressBits = 12000.0
	SabreMinProgressMs   = 50.0
)

// SabreConfig configures a SabreLink.
type SabreConfig struct {
	// NetworkMultiplier multiplies every period's bandwidth (Sabre's -nm).
	// Default 1.
	NetworkMultiplier float64
	// BitratesKbps (ascending) and SegmentMs enable Sabre's
	// sustainable-quality bookkeeping; leave BitratesKbps empty to skip it.
	BitratesKbps []float64
	SegmentMs    float64
	// OnSustainableChange, if set, is called when the sustainable quality
	// changes at a period change (not for the first period), with Sabre's
	// network time of the change in ms: the hook for Sabre's reaction-time
	// metric (advertize_new_network_quality). It runs while the link
	// computes, so it sees network time, not the driver's clock.
	OnSustainableChange func(networkTimeMs float64, quality, previous int)
}

// DefaultSabreConfig returns the defaults: multiplier 1, no ladder.
func DefaultSabreConfig() SabreConfig {
	return SabreConfig{NetworkMultiplier: 1}
}

// SabreDownload is the outcome of one Sabre request (its DownloadProgress).
type SabreDownload struct {
	SizeBits       float64 // bits requested (0 for a request of size <= 0)
	DownloadedBits float64 // bits received (less than SizeBits if abandoned)
	TimeMs         float64 // total time, latency included
	TTFBMs         float64 // latency phase (time to first bit)
	Abandoned      bool    // the checker stopped the request
}

// SabreCheck is asked after each progress step that leaves bits
// outstanding. It gets the progress so far and Sabre's buffer estimate
// max(0, level at request - elapsed) in ms, and returns true to abandon.
type SabreCheck func(progress SabreDownload, bufferEstimateMs float64) (abandon bool)

// SabreLink is Sabre's network model (src/sabre.py NetworkModel) in
// Sabre's float64 arithmetic (bits, ms, bits/ms), digit for digit. See the
// package notes in network.go for the quirks reproduced.
type SabreLink struct {
	periods []sabrePeriod
	cfg     SabreConfig
	c       sabreCursor
	snap    sabreCursor
	size    int64
}

type sabrePeriod struct {
	ms, bw, lat float64 // duration ms, bandwidth bits/ms (multiplied), latency ms
	// stepBits and stepMs are a whole progress step inside the period
	// when bw > 0: max(12000, 50·bw) bits taking stepBits/bw ms, as
	// minimalDownload computes them.
	stepBits, stepMs float64
	// sustainable is the period's sustainable rung, -2 until computed.
	sustainable int
}

// sabreCursor is the model's mutable state.
type sabreCursor struct {
	index       int
	timeToNext  float64 // ms left in the current period
	totalMs     float64 // network_total_time
	sustainable int     // -1 when unknown
}

// NewSabreLink returns the Sabre model over tr, using the exact periods
// when tr was read from Sabre JSON (traces.Trace.SabrePeriods). The trace
// must be able to deliver data (Sabre would hang; ErrBadLink).
func NewSabreLink(tr *traces.Trace, cfg SabreConfig) (*SabreLink, error) {
	l := &SabreLink{}
	if err := l.build(tr, cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// build sets the model up for tr and cfg as NewSabreLink does, reusing
// the memory of l's periods.
func (l *SabreLink) build(tr *traces.Trace, cfg SabreConfig) error {
	if err := tr.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadLink, err)
	}
	if !(cfg.NetworkMultiplier > 0) || math.IsInf(cfg.NetworkMultiplier, 0) {
		return fmt.Errorf("%w: trace %q: network multiplier %v is not positive and finite", ErrBadLink, tr.Name, cfg.NetworkMultiplier)
	}
	if len(cfg.BitratesKbps) > 0 && !(cfg.SegmentMs > 0) {
		return fmt.Errorf("%w: trace %q: a ladder needs a positive segment duration", ErrBadLink, tr.Name)
	}
	l.cfg = cfg
	l.periods = l.periods[:0]
	per := tr.Sabre
	if per == nil {
		per = tr.SabrePeriods()
	}
	capacity, total := false, 0.0
	for _, p := range per {
		sp := sabrePeriod{ms: p.DurationMs, bw: p.BandwidthKbps * cfg.NetworkMultiplier, lat: p.LatencyMs, sustainable: -2}
		if sp.bw > 0 {
			sp.stepBits = max(SabreMinProgressBits, float64(SabreMinProgressMs*sp.bw))
			sp.stepMs = sp.stepBits / sp.bw
		}
		capacity = capacity || sp.ms > 0 && sp.bw > 0
		total += sp.ms
		l.periods = append(l.periods, sp)
	}
	if !capacity || !(total > 0) {
		return fmt.Errorf("%w: trace %q: %w", ErrBadLink, tr.Name, traces.ErrZeroCapacity)
	}
	l.Reset()
	return nil
}

// Reset returns the model to the start of the trace with network time 0.
func (l *SabreLink) Reset() {
	l.c = sabreCursor{index: -1, sustainable: -1}
	l.nextPeriod(&l.c, true)
}

// NetworkTimeMs returns Sabre's network_total_time in ms.
func (l *SabreLink) NetworkTimeMs() float64 { return l.c.totalMs }

// SustainableQuality returns the sustainable rung for the current period,
// or -1 without a ladder.
func (l *SabreLink) SustainableQuality() int { return l.c.sustainable }

// Period returns the current period index and the ms left in it.
func (l *SabreLink) Period() (index int, msLeft float64) { return l.c.index, l.c.timeToNext }

// nextPeriod moves to the next period, looping, and runs the
// sustainable-quality bookkeeping.
func (l *SabreLink) nextPeriod(c *sabreCursor, notify bool) {
	c.index++
	if c.index == len(l.periods) {
		c.index = 0
	}
	p := &l.periods[c.index]
	c.timeToNext = p.ms
	if len(l.cfg.BitratesKbps) == 0 {
		return
	}
	q := p.sustainable
	if q < 0 {
		q = qoe.SabreSustainableRung(l.cfg.BitratesKbps, p.bw, p.lat, l.cfg.SegmentMs)
		p.sustainable = q
	}
	prev := c.sustainable
	c.sustainable = q
	if notify && q != prev && prev >= 0 && l.cfg.OnSustainableChange != nil {
		l.cfg.OnSustainableChange(c.totalMs, q, prev)
	}
}

// latencyDelay charges one latency unit (do_latency_delay) and returns
// the time it took.
func (l *SabreLink) latencyDelay(c *sabreCursor, notify bool) float64 {
	units, total := 1.0, 0.0
	for units > 0 {
		lat := l.periods[c.index].lat
		t := float64(units * lat)
		if t <= c.timeToNext {
			total += t
			c.totalMs += t
			c.timeToNext -= t
			units = 0
		} else {
			total += c.timeToNext
			c.totalMs += c.timeToNext
			units -= c.timeToNext / lat
			l.nextPeriod(c, notify)
		}
	}
	return total
}

// download moves size bits without steps (do_download) and returns the
// time it took.
func (l *SabreLink) download(size float64) float64 {
	total := 0.0
	for size > 0 {
		bw := l.periods[l.c.index].bw
		if size <= float64(l.c.timeToNext*bw) {
			t := size / bw
			total += t
			l.c.totalMs += t
			l.c.timeToNext -= t
			size = 0
		} else {
			total += l.c.timeToNext
			l.c.totalMs += l.c.timeToNext
			size -= float64(l.c.timeToNext * bw)
			l.nextPeriod(&l.c, true)
		}
	}
	return total
}

// minimalDownload is do_minimal_download: move up to size bits, at least
// minSize bits or minMs ms worth, and return the bits and time.
func (l *SabreLink) minimalDownload(size, minSize, minMs float64) (bits, ms float64) {
	if minSize == SabreMinProgressBits && minMs == SabreMinProgressMs {
		// A whole step inside the current period (the loop's second case
		// on its first pass), with the period's precomputed step.
		if p := &l.periods[l.c.index]; p.bw > 0 {
			toNext := float64(l.c.timeToNext * p.bw)
			if !(size <= p.stepBits && size <= toNext) && p.stepBits <= toNext {
				l.c.timeToNext -= p.stepMs
				l.c.totalMs += p.stepMs
				return p.stepBits, p.stepMs
			}
		}
	}
	for size > 0 && (minSize > 0 || minMs > 0) {
		bw := l.periods[l.c.index].bw
		var b, t float64
		if bw > 0 {
			minBits := max(minSize, float64(minMs*bw))
			toNext := float64(l.c.timeToNext * bw)
			switch {
			case size <= minBits && size <= toNext:
				b = size
				t = b / bw
				l.c.timeToNext -= t
				l.c.totalMs += t
			case minBits <= toNext:
				b = minBits
				t = b / bw
				minSize, minMs = 0, 0
				l.c.timeToNext -= t
				l.c.totalMs += t
			default:
				b = toNext
				t = l.c.timeToNext
				l.c.totalMs += t
				l.nextPeriod(&l.c, true)
			}
		} else if minSize > 0 || minMs > l.c.timeToNext {
			t = l.c.timeToNext
			l.c.totalMs += t
			l.nextPeriod(&l.c, true)
		} else {
			t = minMs
			l.c.timeToNext -= t
			l.c.totalMs += t
		}
		bits += b
		ms += t
		size -= b
		minSize -= b
		minMs -= t
	}
	return bits, ms
}

// Delay lets ms of idle time pass (NetworkModel.delay): the cursor moves
// through the trace, looping.
func (l *SabreLink) Delay(ms float64) { l.delay(&l.c, ms, true) }

func (l *SabreLink) delay(c *sabreCursor, ms float64, notify bool) {
	for ms > c.timeToNext {
		ms -= c.timeToNext
		c.totalMs += c.timeToNext
		l.nextPeriod(c, notify)
	}
	c.timeToNext -= ms
	c.totalMs += ms
}

// Download performs one request of bits without abandonment checks (Sabre
// with -noa, and segment 0): one latency, then the bits.
func (l *SabreLink) Download(bits float64) SabreDownload {
	if bits <= 0 {
		return SabreDownload{}
	}
	ttfb := l.latencyDelay(&l.c, true)
	return SabreDownload{SizeBits: bits, DownloadedBits: bits, TimeMs: ttfb + l.download(bits), TTFBMs: ttfb}
}

// DownloadChecked performs one request of bits with Sabre's progress
// steps, calling check after every step that leaves bits outstanding.
// bufferLevelMs is the buffer level when the request is made. When check
// returns true the request stops: the time spent stays spent, and the
// result has Abandoned set and the bits moved so far. A nil check makes
// this Download.
func (l *SabreLink) DownloadChecked(bits, bufferLevelMs float64, check SabreCheck) SabreDownload {
	if bits <= 0 {
		return SabreDownload{}
	}
	if check == nil {
		return l.Download(bits)
	}
	r := l.beginSteps(bits)
	minMs := SabreMinProgressMs - r.TimeMs
	minBits := SabreMinProgressBits
	for r.DownloadedBits < bits && !r.Abandoned {
		l.step(&r, minBits, minMs)
		if r.DownloadedBits < bits {
			r.Abandoned = check(r, max(0, bufferLevelMs-r.TimeMs))
			minMs = SabreMinProgressMs
			minBits = SabreMinProgressBits
		}
	}
	return r
}

// beginSteps charges the latency of a request of bits > 0 made in
// progress steps and returns its progress: nothing moved, TTFB spent.
func (l *SabreLink) beginSteps(bits float64) SabreDownload {
	ttfb := l.latencyDelay(&l.c, true)
	return SabreDownload{SizeBits: bits, TimeMs: ttfb, TTFBMs: ttfb}
}

// step moves r by one progress step of at least minBits bits or minMs
// ms (the first step's minMs is 50 − TTFB, later steps' 50).
func (l *SabreLink) step(r *SabreDownload, minBits, minMs float64) {
	b, t := l.minimalDownload(r.SizeBits-r.DownloadedBits, minBits, minMs)
	r.TimeMs += t
	r.DownloadedBits += b
}

// The exactModel methods used by ExactNetwork.

func (l *SabreLink) idle(ms float64) { l.Delay(ms) }

func (l *SabreLink) begin(size int64) (ttfbMs, totalMs float64) {
	l.snap = l.c
	l.size = size
	d := l.Download(float64(size) * 8)
	return d.TTFBMs, d.TimeMs
}

// deliveredAt replays the transfer begun last for elapsedMs on a copy of
// the state and returns the whole bytes received by then.
func (l *SabreLink) deliveredAt(elapsedMs float64) int64 {
	if l.size <= 0 {
		return 0
	}
	c := l.snap
	spent := l.latencyDelay(&c, false)
	if spent >= elapsedMs {
		return 0
	}
	left := elapsedMs - spent
	got := 0.0
	for left > 0 {
		bw := l.periods[c.index].bw
		if left <= c.timeToNext {
			got += bw * left
			break
		}
		got += bw * c.timeToNext
		left -= c.timeToNext
		l.nextPeriod(&c, false)
	}
	return min(l.size, int64(got/8))
}

// cancelAt restores the state from before the transfer begun last and
// moves it by elapsedMs: the latency phase and the transfer both use up
// trace time at the same pace.
func (l *SabreLink) cancelAt(elapsedMs float64) {
	l.c = l.snap
	l.delay(&l.c, elapsedMs, true)
}

func (l *SabreLink) reset() { l.Reset() }
