package traces

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSV columns. The header row is required and names the columns in this
// order; the latency column is optional.
const (
	csvDuration = "duration_s"
	csvRate     = "rate_bps"
	csvLatency  = "latency_s"
)

// ReadCSV reads this package's plain CSV trace format from r. name is used
// in error messages and as the trace name. The format holds the canonical
// Sample list exactly. Its columns are:
//
//   - duration_s: the sample's duration in decimal seconds (digits with an
//     optional fraction, at most nanosecond precision, no exponent);
//   - rate_bps: the capacity in bits per second, a non-negative integer;
//   - latency_s: optional column, per-request latency in decimal seconds.
//
// The header row is required and must be "duration_s,rate_bps" or
// "duration_s,rate_bps,latency_s"; every row must have as many fields as the
// header. Lines starting with '#' are comments and spaces after commas are
// ignored. For example:
//
//	# two samples
//	duration_s,rate_bps,latency_s
//	1.013,1285000,0.1
//	5,320000,0.02
func ReadCSV(r io.Reader, name string) (*Trace, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w: empty CSV trace", name, ErrInvalid)
		}
		return nil, fmt.Errorf("%s: %w: %w", name, ErrSyntax, err)
	}
	hline, _ := cr.FieldPos(0)
	cols := len(header)
	if (cols != 2 && cols != 3) || strings.TrimSpace(header[0]) != csvDuration || strings.TrimSpace(header[1]) != csvRate ||
		(cols == 3 && strings.TrimSpace(header[2]) != csvLatency) {
		return nil, fmt.Errorf("%s:%d: %w: header must be %q or %q", name, hline, ErrSyntax,
			csvDuration+","+csvRate, csvDuration+","+csvRate+","+csvLatency)
	}
	t := &Trace{Name: name, Format: FormatCSV}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", name, ErrSyntax, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != cols {
			return nil, fmt.Errorf("%s:%d: %w: want %d fields, got %d", name, line, ErrSyntax, cols, len(rec))
		}
		var s Sample
		if s.Duration, err = parseDecimalSeconds(rec[0]); err != nil {
			return nil, fmt.Errorf("%s:%d: %s %q: %w", name, line, csvDuration, rec[0], err)
		}
		v := strings.TrimSpace(rec[1])
		if s.Rate, err = strconv.ParseInt(v, 10, 64); err != nil || s.Rate < 0 || strings.HasPrefix(v, "+") {
			return nil, fmt.Errorf("%s:%d: %s %q: %w: not a non-negative integer", name, line, csvRate, rec[1], ErrSyntax)
		}
		if cols == 3 {
			if s.Latency, err = parseDecimalSeconds(rec[2]); err != nil {
				return nil, fmt.Errorf("%s:%d: %s %q: %w", name, line, csvLatency, rec[2], err)
			}
		}
		t.Samples = append(t.Samples, s)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// WriteCSV writes t in the plain CSV format (see ReadCSV). The latency
// column is written only when some sample has a latency. The output reads
// back to exactly the same Samples.
func WriteCSV(w io.Writer, t *Trace) error {
	if err := t.Validate(); err != nil {
		return err
	}
	withLatency := false
	for _, s := range t.Samples {
		if s.Latency != 0 {
			withLatency = true
			break
		}
	}
	bw := bufio.NewWriter(w)
	buf := []byte(csvDuration + "," + csvRate)
	if withLatency {
		buf = append(buf, ","+csvLatency...)
	}
	buf = append(buf, '\n')
	for _, s := range t.Samples {
		buf = formatSeconds(buf, s.Duration)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, s.Rate, 10)
		if withLatency {
			buf = append(buf, ',')
			buf = formatSeconds(buf, s.Latency)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("writing csv trace %q: %w", t.Name, err)
		}
		buf = buf[:0]
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing csv trace %q: %w", t.Name, err)
	}
	return nil
}

// parseDecimalSeconds parses "12", "0.5" or "1.013" (digits, an optional
// fraction of up to 9 digits) into an exact Duration.
func parseDecimalSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || (hasDot && frac == "") || len(frac) > 9 || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%w: want decimal seconds like 1.25", ErrSyntax)
	}
	var sec int64
	if intPart != "" {
		v, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil || v > int64(maxDurationSeconds) {
			return 0, fmt.Errorf("%w: too large", ErrInvalid)
		}
		sec = v
	}
	var ns int64
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	return time.Duration(sec)*time.Second + time.Duration(ns), nil
}

// maxDurationSeconds keeps parsed durations far from overflow.
const maxDurationSeconds = int64(1) << 32

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatSeconds appends d as decimal seconds without trailing zeros,
// exactly (nanosecond precision).
func formatSeconds(buf []byte, d time.Duration) []byte {
	sec := int64(d / time.Second)
	frac := int64(d % time.Second)
	buf = strconv.AppendInt(buf, sec, 10)
	if frac == 0 {
		return buf
	}
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 9
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	buf = append(buf, '.')
	return append(buf, digits[:n]...)
}
