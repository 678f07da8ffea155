package traces

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxLine bounds the length of one line in the line-oriented formats.
const maxLine = 1 << 16

// ReadPensieve reads a Pensieve cooked trace from r. name is used in error
// messages and as the trace name.
//
// Each non-blank line holds exactly two whitespace-separated numbers: the
// sample time in seconds and the throughput in Mbit/s. At least two lines
// are needed, times must not decrease, and values must be finite and not
// negative. Blank lines are ignored (Pensieve itself would fail on them).
//
// The exact values go to Trace.Cooked. The canonical Samples follow
// Pensieve's semantics: sample i-1 covers (TimeS[i-1], TimeS[i]] at Mbps[i],
// for i = 1..n-1; Mbps[0] is dropped because Pensieve never reads it, and
// the canonical trace starts at TimeS[0]. Boundaries are rounded to the
// nanosecond and rates to the bit per second.
func ReadPensieve(r io.Reader, name string) (*Trace, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	c := &Cooked{}
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: %w: want 2 fields (time_s Mbit/s), got %d", name, line, ErrSyntax, len(fields))
		}
		ts, err := parseNonNegFloat(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: time %q: %w", name, line, fields[0], err)
		}
		bw, err := parseNonNegFloat(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: throughput %q: %w", name, line, fields[1], err)
		}
		if n := len(c.TimeS); n > 0 && ts < c.TimeS[n-1] {
			return nil, fmt.Errorf("%s:%d: %w: time %v s is before the previous sample's %v s", name, line, ErrInvalid, ts, c.TimeS[n-1])
		}
		c.TimeS = append(c.TimeS, ts)
		c.Mbps = append(c.Mbps, bw)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w: %w", name, line+1, ErrSyntax, err)
	}
	if len(c.TimeS) < 2 {
		return nil, fmt.Errorf("%s: %w: a cooked trace needs at least 2 lines, got %d", name, ErrInvalid, len(c.TimeS))
	}
	t := &Trace{Name: name, Format: FormatPensieve, Cooked: c}
	t.Samples = make([]Sample, 0, len(c.TimeS)-1)
	prev, ok := secondsToDuration(c.TimeS[0])
	if !ok {
		return nil, fmt.Errorf("%s:1: %w: time %v s out of range", name, ErrInvalid, c.TimeS[0])
	}
	for i := 1; i < len(c.TimeS); i++ {
		end, ok := secondsToDuration(c.TimeS[i])
		if !ok {
			return nil, fmt.Errorf("%s: sample %d: %w: time %v s out of range", name, i+1, ErrInvalid, c.TimeS[i])
		}
		rate, ok := floatToRate(c.Mbps[i] * 1e6)
		if !ok {
			return nil, fmt.Errorf("%s: sample %d: %w: throughput %v Mbit/s out of range", name, i+1, ErrInvalid, c.Mbps[i])
		}
		t.Samples = append(t.Samples, Sample{Duration: end - prev, Rate: rate})
		prev = end
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// WritePensieve writes t in Pensieve's cooked format, tab separated, one
// sample per line, using t.PensieveColumns (exact file values when t came
// from a cooked file). Numbers are written in the shortest form that reads
// back to the same float64.
func WritePensieve(w io.Writer, t *Trace) error {
	if err := t.Validate(); err != nil {
		return err
	}
	c := t.PensieveColumns()
	bw := bufio.NewWriter(w)
	var buf []byte
	for i := range c.TimeS {
		buf = strconv.AppendFloat(buf[:0], c.TimeS[i], 'f', -1, 64)
		buf = append(buf, '\t')
		buf = strconv.AppendFloat(buf, c.Mbps[i], 'f', -1, 64)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("writing pensieve trace %q: %w", t.Name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing pensieve trace %q: %w", t.Name, err)
	}
	return nil
}

// parseNonNegFloat parses a finite, non-negative decimal number.
func parseNonNegFloat(s string) (float64, error) {
	if strings.ContainsAny(s, "xX_pP") {
		// Go's ParseFloat also takes hexadecimal and underscored forms,
		// which none of the trace formats use.
		return 0, fmt.Errorf("%w: not a decimal number", ErrSyntax)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: not a number", ErrSyntax)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: not finite", ErrInvalid)
	}
	if v < 0 {
		return 0, fmt.Errorf("%w: negative", ErrInvalid)
	}
	return v, nil
}
