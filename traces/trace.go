package traces

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrSyntax marks input that is not valid in the format being read.
	ErrSyntax = errors.New("traces: syntax error")
	// ErrInvalid marks a trace whose values are out of range (negative
	// durations or rates, zero total duration, decreasing timestamps).
	ErrInvalid = errors.New("traces: invalid trace")
	// ErrUnknownFormat is returned when neither the content nor the file
	// name identifies a trace format.
	ErrUnknownFormat = errors.New("traces: unknown trace format")
	// ErrZeroCapacity is returned by writers and models that need at least
	// one sample with a positive rate and a positive duration.
	ErrZeroCapacity = errors.New("traces: trace has no capacity")
)

// Format names a trace file format.
type Format int

// The trace formats this package reads and writes.
const (
	// FormatUnknown is the zero Format.
	FormatUnknown Format = iota
	// FormatPensieve is Pensieve's "cooked" format: one line per sample,
	// "<time in s> <throughput in Mbit/s>", whitespace separated.
	FormatPensieve
	// FormatMahimahi is Mahimahi's packet-delivery format: one integer
	// millisecond timestamp per line, one 1500-byte delivery opportunity each.
	FormatMahimahi
	// FormatSabre is Sabre's network JSON: an array of
	// {"duration_ms", "bandwidth_kbps", "latency_ms"} objects.
	FormatSabre
	// FormatCSV is this package's plain CSV: header
	// "duration_s,rate_bps[,latency_s]", one sample per row.
	FormatCSV
	// FormatSynthetic marks traces made by the generators in this package.
	FormatSynthetic
)

// String returns the format's short name as used in file-format flags.
func (f Format) String() string {
	switch f {
	case FormatPensieve:
		return "pensieve"
	case FormatMahimahi:
		return "mahimahi"
	case FormatSabre:
		return "sabre"
	case FormatCSV:
		return "csv"
	case FormatSynthetic:
		return "synthetic"
	default:
		return "unknown"
	}
}

// ParseFormat returns the Format whose String is name.
func ParseFormat(name string) (Format, error) {
	for f := FormatPensieve; f <= FormatSynthetic; f++ {
		if f.String() == name {
			return f, nil
		}
	}
	return FormatUnknown, fmt.Errorf("%w: %q", ErrUnknownFormat, name)
}

// Sample is one period of constant link capacity.
type Sample struct {
	// Duration is how long the period lasts. It is never negative; it may be
	// zero when the source format has repeated timestamps.
	Duration time.Duration
	// Rate is the link capacity during the period in bits per second.
	Rate int64
	// Latency is the per-request latency in force during the period, for
	// formats that carry one (Sabre); zero otherwise.
	Latency time.Duration
}

// Cooked holds the exact columns of a Pensieve cooked trace, as float64
// values parsed from the text the way Python's float() parses them.
// Pensieve applies Mbps[i] over the interval (TimeS[i-1], TimeS[i]]; Mbps[0]
// is never used by its simulator.
type Cooked struct {
	TimeS []float64 // sample time in seconds since the trace start
	Mbps  []float64 // throughput in Mbit/s (10^6 bit/s)
}

// SabrePeriod is one period of a Sabre network trace, with the exact JSON
// values as float64 (Sabre does its arithmetic on them in bits and ms).
type SabrePeriod struct {
	DurationMs    float64 // how long the period lasts, ms
	BandwidthKbps float64 // rate in kbit/s, which is also bits per ms
	LatencyMs     float64 // latency charged once per request, ms
}

// Trace is a network capacity trace: a looping, piecewise-constant rate
// function of time, starting at time zero with Samples[0].
//
// Samples is the canonical form in integer units. When a trace was read
// from a format whose reference simulator does float arithmetic on the raw
// values, the exact values are kept as well (Cooked for Pensieve, Sabre for
// Sabre JSON) so that bit-exact models can use them. Code that changes
// Samples must clear those fields (or replace them consistently).
type Trace struct {
	// Name identifies the trace, usually the file name without a known
	// extension.
	Name string
	// Format is the format the trace was read from.
	Format Format
	// Samples are the canonical periods in order.
	Samples []Sample
	// Cooked is set by ReadPensieve: the exact columns of the file.
	Cooked *Cooked
	// Sabre is set by ReadSabre: the exact periods of the file.
	Sabre []SabrePeriod
}

// Duration returns the sum of the sample durations: the trace's period.
func (t *Trace) Duration() time.Duration {
	var d time.Duration
	for _, s := range t.Samples {
		d += s.Duration
	}
	return d
}

// Bits returns the number of bits the trace can carry in one period,
// rounded down.
func (t *Trace) Bits() int64 {
	var total, rem int64
	for _, s := range t.Samples {
		// rate [bit/s] * duration [ns] / 1e9, carrying the sub-bit remainder.
		q, r := mulDivRem(s.Rate, int64(s.Duration), int64(time.Second))
		total += q
		rem += r
		if rem >= int64(time.Second) {
			total += rem / int64(time.Second)
			rem %= int64(time.Second)
		}
	}
	return total
}

// MeanRate returns the time-weighted mean rate in bits per second, rounded
// down, or 0 for a trace of zero duration.
func (t *Trace) MeanRate() int64 {
	d := t.Duration()
	if d <= 0 {
		return 0
	}
	q, _ := mulDivRem(t.Bits(), int64(time.Second), int64(d))
	return q
}

// HasCapacity reports whether some sample has both a positive rate and a
// positive duration, so that a transfer over the looping trace finishes.
func (t *Trace) HasCapacity() bool {
	for _, s := range t.Samples {
		if s.Rate > 0 && s.Duration > 0 {
			return true
		}
	}
	return false
}

// Validate checks that the trace has at least one sample, no negative
// values and a positive total duration. The error wraps ErrInvalid and
// names the trace and the offending sample.
func (t *Trace) Validate() error {
	if len(t.Samples) == 0 {
		return fmt.Errorf("%w: trace %q has no samples", ErrInvalid, t.Name)
	}
	var total time.Duration
	for i, s := range t.Samples {
		switch {
		case s.Duration < 0:
			return fmt.Errorf("%w: trace %q sample %d: negative duration %v", ErrInvalid, t.Name, i, s.Duration)
		case s.Rate < 0:
			return fmt.Errorf("%w: trace %q sample %d: negative rate %d bit/s", ErrInvalid, t.Name, i, s.Rate)
		case s.Latency < 0:
			return fmt.Errorf("%w: trace %q sample %d: negative latency %v", ErrInvalid, t.Name, i, s.Latency)
		}
		if total > math.MaxInt64-s.Duration {
			return fmt.Errorf("%w: trace %q: total duration overflows", ErrInvalid, t.Name)
		}
		total += s.Duration
	}
	if total <= 0 {
		return fmt.Errorf("%w: trace %q has zero total duration", ErrInvalid, t.Name)
	}
	return nil
}

// Clone returns a deep copy of t.
func (t *Trace) Clone() *Trace {
	c := &Trace{Name: t.Name, Format: t.Format}
	c.Samples = append([]Sample(nil), t.Samples...)
	if t.Cooked != nil {
		c.Cooked = &Cooked{
			TimeS: append([]float64(nil), t.Cooked.TimeS...),
			Mbps:  append([]float64(nil), t.Cooked.Mbps...),
		}
	}
	if t.Sabre != nil {
		c.Sabre = append([]SabrePeriod(nil), t.Sabre...)
	}
	return c
}

// PensieveColumns returns the trace as Pensieve's two cooked columns. When
// the trace was read from the cooked format it returns copies of the exact
// file values. Otherwise it derives them from Samples: TimeS[0] = 0,
// TimeS[i] = end of sample i-1 in seconds, Mbps[i] = rate of sample i-1,
// and Mbps[0] repeats Mbps[1] (Pensieve never reads it).
func (t *Trace) PensieveColumns() Cooked {
	if t.Cooked != nil {
		return Cooked{
			TimeS: append([]float64(nil), t.Cooked.TimeS...),
			Mbps:  append([]float64(nil), t.Cooked.Mbps...),
		}
	}
	n := len(t.Samples)
	c := Cooked{TimeS: make([]float64, n+1), Mbps: make([]float64, n+1)}
	var end time.Duration
	for i, s := range t.Samples {
		end += s.Duration
		c.TimeS[i+1] = float64(end) / float64(time.Second)
		c.Mbps[i+1] = float64(s.Rate) / 1e6
	}
	if n > 0 {
		c.Mbps[0] = c.Mbps[1]
	}
	return c
}

// SabrePeriods returns the trace as Sabre periods. When the trace was read
// from Sabre JSON it returns a copy of the exact file values; otherwise it
// converts Samples (ms and kbit/s as float64).
func (t *Trace) SabrePeriods() []SabrePeriod {
	if t.Sabre != nil {
		return append([]SabrePeriod(nil), t.Sabre...)
	}
	p := make([]SabrePeriod, len(t.Samples))
	for i, s := range t.Samples {
		p[i] = SabrePeriod{
			DurationMs:    float64(s.Duration) / float64(time.Millisecond),
			BandwidthKbps: float64(s.Rate) / 1000,
			LatencyMs:     float64(s.Latency) / float64(time.Millisecond),
		}
	}
	return p
}

// mulDivRem returns a*b/c and the remainder for non-negative a, b and
// positive c, without overflow as long as the quotient fits in int64. A
// quotient that does not fit saturates at math.MaxInt64.
func mulDivRem(a, b, c int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64, 0
	}
	uq, ur := bits.Div64(hi, lo, uint64(c))
	if uq > math.MaxInt64 {
		return math.MaxInt64, 0
	}
	return int64(uq), int64(ur)
}

// secondsToDuration converts a finite non-negative float64 number of
// seconds to a Duration, rounding to the nearest nanosecond. ok is false
// when the value is negative, not finite or too large.
func secondsToDuration(s float64) (time.Duration, bool) {
	return floatToDuration(s * 1e9)
}

// msToDuration converts float64 milliseconds to a Duration like
// secondsToDuration.
func msToDuration(ms float64) (time.Duration, bool) {
	return floatToDuration(ms * 1e6)
}

func floatToDuration(ns float64) (time.Duration, bool) {
	if math.IsNaN(ns) || ns < 0 || ns >= math.MaxInt64/2 {
		return 0, false
	}
	return time.Duration(math.Round(ns)), true
}

// floatToRate converts a float64 rate in bits per second to int64, rounding
// to the nearest bit per second. ok is false for negative, non-finite or
// absurdly large values (beyond 2^62 bit/s).
func floatToRate(bps float64) (int64, bool) {
	if math.IsNaN(bps) || bps < 0 || bps >= math.MaxInt64/2 {
		return 0, false
	}
	return int64(math.Round(bps)), true
}
