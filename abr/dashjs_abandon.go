package abr

import (
	"fmt"
	"math"
	"time"
)

// DashjsAbandonParams configures DashjsAbandonRule; the defaults are
// dash.js v5's abandonRequestsRule parameters.
type DashjsAbandonParams struct {
	// Multiplier: abandon when the projected download time of the whole
	// segment exceeds Multiplier segment durations (1.8).
	Multiplier float64 `abr:"abandon_mult"`
	// MinSamples is the number of progress events needed first (6).
	MinSamples int `abr:"abandon_samples"`
	// MinTime is the time since the first byte needed first (500 ms).
	MinTime time.Duration `abr:"abandon_min_time"`
	// Safety scales the measured throughput to choose the target
	// (bandwidthSafetyFactor, 0.9).
	Safety float64 `abr:"safety"`
	// BufferTimeDefault: no abandonment while the buffer is above it
	// (bufferTimeDefault, 18 s; capped at the live delay for live).
	BufferTimeDefault time.Duration `abr:"buffer_time"`
}

// DefaultDashjsAbandonParams returns dash.js v5's defaults.
func DefaultDashjsAbandonParams() DashjsAbandonParams {
	return DashjsAbandonParams{
		Multiplier:        1.8,
		MinSamples:        6,
		MinTime:           500 * time.Millisecond,
		Safety:            0.9,
		BufferTimeDefault: 18 * time.Second,
	}
}

func (p DashjsAbandonParams) check() error {
	if p.Multiplier <= 0 || p.MinSamples < 1 || p.Safety <= 0 || p.MinTime < 0 || p.BufferTimeDefault <= 0 {
		return fmt.Errorf("%w: dash.js abandonment: abandon_mult, abandon_samples, safety and buffer_time must be positive", ErrBadParam)
	}
	return nil
}

// DashjsAbandonRule is dash.js v5's AbandonRequestsRule (Dash-Industry-
// Forum/dash.js v5.1, docs "AbandonRequestRule"). On every progress event
// of a media download it records the throughput since the first byte,
// round(8·bytes / ms) kbit/s. Once it has MinSamples of them, more than
// MinTime has passed since the first byte and the download is not
// complete, it averages them (rounded) and projects the whole segment's
// download time, bytesTotal·8/average, rounded to 10 ms. If that exceeds
// Multiplier segment durations and the rung is not the lowest, it picks
// the highest rung <= Safety × average and abandons to it when the bytes
// still to come exceed that rung's whole segment (bytesTotal ×
// bitrate ratio). It never abandons while the buffer is above
// BufferTimeDefault, nor the same segment index twice.
//
// The sample count depends on how often the driver reports progress;
// dash.js sees one event per XHR progress callback.
type DashjsAbandonRule struct {
	p         DashjsAbandonParams
	seg, rung int
	tracking  bool
	lastElap  time.Duration
	sum       float64
	count     int
	abandoned map[int]bool
}

// NewDashjsAbandonRule returns dash.js's AbandonRequestsRule.
func NewDashjsAbandonRule(p DashjsAbandonParams) (*DashjsAbandonRule, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return &DashjsAbandonRule{p: p, abandoned: map[int]bool{}}, nil
}

// ShouldAbandon checks one progress event.
func (a *DashjsAbandonRule) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	no := func() (bool, int, Reason) { return false, p.Rung, Reason{} }
	if s.Buffer > dashjsBufferTimeDefault(a.p.BufferTimeDefault, s) {
		return no()
	}
	if p.Bytes <= 0 && p.TTFB <= 0 { // no first byte yet
		return no()
	}
	if a.abandoned[p.Segment] {
		return no()
	}
	if !a.tracking || a.seg != p.Segment || a.rung != p.Rung || p.Elapsed < a.lastElap {
		a.tracking, a.seg, a.rung = true, p.Segment, p.Rung
		a.sum, a.count = 0, 0
	}
	a.lastElap = p.Elapsed
	total := p.Total
	if total < 0 {
		total = s.Ladder.SegmentSize(p.Segment, p.Rung)
	}
	elapsedMs := sabreMs(p.Elapsed - p.TTFB)
	if p.Bytes > 0 && elapsedMs > 0 {
		a.sum += math.Round(float64(p.Bytes*8) / elapsedMs)
		a.count++
	}
	if p.Bytes >= total {
		a.tracking = false
		return no()
	}
	if a.count < a.p.MinSamples || elapsedMs <= sabreMs(a.p.MinTime) {
		return no()
	}
	measured := math.Round(a.sum / float64(a.count))
	estSeconds := math.Round(float64(total*8)/measured/1000*100) / 100
	lo, hi := rungBounds(s)
	if estSeconds < s.Ladder.SegmentDuration.Seconds()*a.p.Multiplier || p.Rung <= lo {
		return no()
	}
	target := dashjsOptimal(s.Ladder, measured*a.p.Safety, lo, hi)
	other := float64(total) * dashjsKbit(s.Ladder, target) / dashjsKbit(s.Ladder, p.Rung)
	if float64(total-p.Bytes) <= other {
		return no()
	}
	a.abandoned[p.Segment] = true
	a.tracking = false
	return true, target, dashjsReason(dashjsRuleAbandon, s, measured*1000)
}

// Reset forgets the progress being tracked and the segments abandoned.
func (a *DashjsAbandonRule) Reset() {
	a.tracking = false
	clear(a.abandoned)
}
