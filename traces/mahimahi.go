package traces

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// MahimahiPacketBytes is the payload of one Mahimahi delivery opportunity.
const MahimahiPacketBytes = 1500

// DefaultMahimahiBin is the bin width ReadMahimahi uses when Options do not
// say otherwise: 100 ms, fine enough to keep the sub-second variation of
// cellular traces that matters at segment time scales, coarse enough that
// a 1500-byte quantum does not dominate (one packet per bin is 120 kbit/s).
const DefaultMahimahiBin = 100 * time.Millisecond

// mahimahiBitsPerOp is the number of bits one delivery opportunity carries.
const mahimahiBitsPerOp = MahimahiPacketBytes * 8

// ReadMahimahi reads a Mahimahi packet-delivery trace from r and turns it
// into a rate function with bins of width bin (a whole number of
// milliseconds, at least 1 ms). name is used in error messages and as the
// trace name.
//
// The file has one integer per non-blank line: a millisecond timestamp,
// not decreasing, at which one 1500-byte packet can be delivered. The trace
// period L is the last timestamp (Mahimahi loops with that period), which
// must be positive.
//
// Binning: a timestamp m is taken to deliver its packet during the
// millisecond (m-1, m], so it counts towards bin floor(((m-1) mod L) / bin).
// A timestamp 0 is the same instant as L in the looping schedule and
// counts towards the last bin. Bin k spans [k*bin, min((k+1)*bin, L)) and
// its rate is packets * 12000 bit / width, rounded to the bit per second.
// Neighbouring bins with the same rate are merged into one Sample, so a
// trace with long gaps stays small. The mean rate of the result equals
// lines * 12000 bit / L up to that rounding.
func ReadMahimahi(r io.Reader, name string, bin time.Duration) (*Trace, error) {
	if bin < time.Millisecond || bin%time.Millisecond != 0 {
		return nil, fmt.Errorf("%s: %w: mahimahi bin width %v is not a positive whole number of milliseconds", name, ErrInvalid, bin)
	}
	w := int64(bin / time.Millisecond)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var stamps []int64
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s:%d: %w: %q is not a non-negative integer millisecond timestamp", name, line, ErrSyntax, s)
		}
		if n := len(stamps); n > 0 && v < stamps[n-1] {
			return nil, fmt.Errorf("%s:%d: %w: timestamp %d ms is before the previous one (%d ms)", name, line, ErrInvalid, v, stamps[n-1])
		}
		stamps = append(stamps, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w: %w", name, line+1, ErrSyntax, err)
	}
	if len(stamps) == 0 {
		return nil, fmt.Errorf("%s: %w: no timestamps", name, ErrInvalid)
	}
	period := stamps[len(stamps)-1]
	if period <= 0 {
		return nil, fmt.Errorf("%s: %w: the last timestamp (the trace period) must be positive", name, ErrInvalid)
	}
	if period > int64(math.MaxInt64/time.Millisecond) {
		return nil, fmt.Errorf("%s: %w: trace period %d ms is too long", name, ErrInvalid, period)
	}

	// Timestamps of 0 belong to the last bin; the rest arrive in bin order.
	var zeros int64
	t := &Trace{Name: name, Format: FormatMahimahi}
	nbins := (period + w - 1) / w
	add := func(from, to int64, packets int64) { // bins [from, to) share one rate
		start := from * w
		end := min(to*w, period)
		width := end - start
		if width <= 0 {
			return
		}
		var rate int64
		if packets > 0 {
			// packets*12000 bit / (width ms) in bit/s, rounded to nearest.
			rate = (packets*mahimahiBitsPerOp*1000 + width/2) / width
		}
		t.appendMerged(Sample{Duration: time.Duration(width) * time.Millisecond, Rate: rate})
	}
	next := int64(0) // first bin not yet emitted
	cur, count := int64(-1), int64(0)
	flush := func() {
		if cur < 0 {
			return
		}
		if cur > next {
			add(next, cur, 0)
		}
		if cur == nbins-1 {
			count += zeros
			zeros = 0
		}
		add(cur, cur+1, count)
		next = cur + 1
	}
	for _, m := range stamps {
		if m == 0 {
			zeros++
			continue
		}
		b := (m - 1) / w
		if b != cur {
			flush()
			cur, count = b, 0
		}
		count++
	}
	// The last timestamp is L, which falls in the last bin, so this final
	// flush covers the last bin and the timestamps of 0 counted into it.
	flush()
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// appendMerged appends s, merging it into the last sample when rate and
// latency match.
func (t *Trace) appendMerged(s Sample) {
	if n := len(t.Samples); n > 0 {
		last := &t.Samples[n-1]
		if last.Rate == s.Rate && last.Latency == s.Latency {
			last.Duration += s.Duration
			return
		}
	}
	t.Samples = append(t.Samples, s)
}

// WriteMahimahi writes t as a Mahimahi packet-delivery trace.
//
// The trace is quantised to 1500-byte delivery opportunities: the k-th
// packet is due when the cumulative capacity since the trace start reaches
// k*12000 bits, and is written as the millisecond in which that happens
// (rounded up, so the packet fills the millisecond that ends at the written
// timestamp, the same convention ReadMahimahi uses). The period is kept by
// moving the last packet, if needed, to the trace's end rounded up to a
// whole millisecond. Capacity left over after the last whole packet is
// lost. Latencies are not representable and are dropped. A trace that
// carries less than one packet per period returns ErrZeroCapacity.
func WriteMahimahi(w io.Writer, t *Trace) error {
	if err := t.Validate(); err != nil {
		return err
	}
	total := t.Bits()
	if total < mahimahiBitsPerOp {
		return fmt.Errorf("writing mahimahi trace %q: %w: it carries %d bits per period, less than one packet", t.Name, ErrZeroCapacity, total)
	}
	endMs := (int64(t.Duration()) + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	bw := bufio.NewWriter(w)
	var buf []byte
	pending := int64(-1) // a timestamp held back so the last one can be moved
	emit := func(ms int64) error {
		if pending >= 0 {
			buf = strconv.AppendInt(buf[:0], pending, 10)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		pending = ms
		return nil
	}
	// Work in nano-bits: a rate of r bit/s delivers r nano-bits per ns.
	const opNano = mahimahiBitsPerOp * 1_000_000_000
	var rem uint64 // nano-bits accumulated towards the next packet, < opNano
	var start int64
	for _, s := range t.Samples {
		d := int64(s.Duration)
		if s.Rate > 0 && d > 0 {
			r := uint64(s.Rate)
			for j := uint64(1); ; j++ {
				// Offset into the sample at which packet j completes:
				// ceil((j*opNano - rem) / r) ns.
				hi, lo := bits.Mul64(j, opNano)
				var borrow uint64
				lo, borrow = bits.Sub64(lo, rem, 0)
				hi -= borrow
				lo, carry := bits.Add64(lo, r-1, 0)
				hi += carry
				if hi >= r {
					break
				}
				off, _ := bits.Div64(hi, lo, r)
				if off > uint64(d) {
					break
				}
				ns := start + int64(off)
				if err := emit((ns + int64(time.Millisecond) - 1) / int64(time.Millisecond)); err != nil {
					return fmt.Errorf("writing mahimahi trace %q: %w", t.Name, err)
				}
			}
			hi, lo := bits.Mul64(r, uint64(d))
			lo, carry := bits.Add64(lo, rem, 0)
			hi += carry
			_, rem = bits.Div64(hi, lo, opNano)
		}
		start += d
	}
	if pending < endMs {
		pending = endMs
	}
	if err := emit(-1); err != nil {
		return fmt.Errorf("writing mahimahi trace %q: %w", t.Name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing mahimahi trace %q: %w", t.Name, err)
	}
	return nil
}
