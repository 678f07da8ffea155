package traces

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxFileBytes bounds how much of one file the whole-file readers load.
const maxFileBytes = 256 << 20

// sabreJSONPeriod is one element of a Sabre network array as decoded.
type sabreJSONPeriod struct {
	DurationMs    *json.Number `json:"duration_ms"`
	BandwidthKbps *json.Number `json:"bandwidth_kbps"`
	LatencyMs     *json.Number `json:"latency_ms"`
}

// ReadSabre reads a Sabre network trace from r: a JSON array of objects
// with "duration_ms", "bandwidth_kbps" and "latency_ms" numbers (other keys
// are ignored, as Sabre ignores them). duration_ms and bandwidth_kbps are
// required; a missing latency_ms reads as 0. Values must be finite and not
// negative and the total duration positive. name is used in error messages
// (with the line of the offending period) and as the trace name.
//
// The exact values go to Trace.Sabre; the canonical Samples round each
// period to the nanosecond and to the bit per second (1 kbit/s = 1000 bit/s).
func ReadSabre(r io.Reader, name string) (*Trace, error) {
	data, err := readAllLimited(r, name)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w: %w", name, lineAt(data, dec.InputOffset()), ErrSyntax, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%s:%d: %w: a Sabre network trace is a JSON array of periods", name, lineAt(data, dec.InputOffset()), ErrSyntax)
	}
	t := &Trace{Name: name, Format: FormatSabre}
	var lines lineCounter
	for dec.More() {
		line := lines.at(data, skipSeparators(data, dec.InputOffset()))
		var jp sabreJSONPeriod
		if err := dec.Decode(&jp); err != nil {
			return nil, fmt.Errorf("%s:%d: period %d: %w: %w", name, line, len(t.Sabre)+1, ErrSyntax, err)
		}
		p, err := jp.period()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: period %d: %w", name, line, len(t.Sabre)+1, err)
		}
		d, okD := msToDuration(p.DurationMs)
		rate, okR := floatToRate(p.BandwidthKbps * 1000)
		lat, okL := msToDuration(p.LatencyMs)
		if !okD || !okR || !okL {
			return nil, fmt.Errorf("%s:%d: period %d: %w: value out of range", name, line, len(t.Sabre)+1, ErrInvalid)
		}
		t.Sabre = append(t.Sabre, p)
		t.Samples = append(t.Samples, Sample{Duration: d, Rate: rate, Latency: lat})
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, fmt.Errorf("%s:%d: %w: %w", name, lineAt(data, dec.InputOffset()), ErrSyntax, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:%d: %w: data after the closing bracket", name, lineAt(data, dec.InputOffset()), ErrSyntax)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

func (jp *sabreJSONPeriod) period() (SabrePeriod, error) {
	var p SabrePeriod
	var err error
	if jp.DurationMs == nil {
		return p, fmt.Errorf("%w: missing duration_ms", ErrSyntax)
	}
	if jp.BandwidthKbps == nil {
		return p, fmt.Errorf("%w: missing bandwidth_kbps", ErrSyntax)
	}
	if p.DurationMs, err = parseNonNegFloat(string(*jp.DurationMs)); err != nil {
		return p, fmt.Errorf("duration_ms: %w", err)
	}
	if p.BandwidthKbps, err = parseNonNegFloat(string(*jp.BandwidthKbps)); err != nil {
		return p, fmt.Errorf("bandwidth_kbps: %w", err)
	}
	if jp.LatencyMs != nil {
		if p.LatencyMs, err = parseNonNegFloat(string(*jp.LatencyMs)); err != nil {
			return p, fmt.Errorf("latency_ms: %w", err)
		}
	}
	return p, nil
}

// WriteSabre writes t as a Sabre network JSON array, one period per line,
// using t.SabrePeriods (exact file values when t came from Sabre JSON).
func WriteSabre(w io.Writer, t *Trace) error {
	if err := t.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	buf := []byte("[\n")
	periods := t.SabrePeriods()
	for i, p := range periods {
		buf = append(buf, `    {"duration_ms": `...)
		buf = strconv.AppendFloat(buf, p.DurationMs, 'f', -1, 64)
		buf = append(buf, `, "bandwidth_kbps": `...)
		buf = strconv.AppendFloat(buf, p.BandwidthKbps, 'f', -1, 64)
		buf = append(buf, `, "latency_ms": `...)
		buf = strconv.AppendFloat(buf, p.LatencyMs, 'f', -1, 64)
		buf = append(buf, '}')
		if i < len(periods)-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("writing sabre trace %q: %w", t.Name, err)
		}
		buf = buf[:0]
	}
	buf = append(buf, "]\n"...)
	if _, err := bw.Write(buf); err != nil {
		return fmt.Errorf("writing sabre trace %q: %w", t.Name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing sabre trace %q: %w", t.Name, err)
	}
	return nil
}

// readAllLimited reads r fully, failing if it exceeds maxFileBytes.
func readAllLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", name, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s: %w: file larger than %d bytes", name, ErrInvalid, maxFileBytes)
	}
	return data, nil
}

// lineCounter gives the line numbers of ascending offsets in one input,
// counting each byte once (lineAt from the start for every period made
// reading a trace quadratic in its length).
type lineCounter struct {
	off   int64 // offset counted up to
	lines int   // newlines before off
}

// at returns the 1-based line number of byte offset off in data; an
// offset below the previous call's counts again from the start.
func (c *lineCounter) at(data []byte, off int64) int {
	off = min(off, int64(len(data)))
	if off < c.off {
		*c = lineCounter{}
	}
	if off > c.off {
		c.lines += bytes.Count(data[c.off:off], []byte{'\n'})
		c.off = off
	}
	return 1 + c.lines
}

// lineAt returns the 1-based line number of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// skipSeparators moves off past JSON whitespace and commas.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}
