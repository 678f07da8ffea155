package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/abrkit/abrkit/qoe"
)

// JSONLayout is how a JSON result file lays out its records.
type JSONLayout int

// JSON layouts.
const (
	// JSONLines writes one compact JSON object per line (JSON Lines), which
	// tools can stream and shards can concatenate.
	JSONLines JSONLayout = iota
	// JSONArray writes one JSON array, one compact object per line.
	JSONArray
)

// String returns "jsonl" or "json", the file extensions of the layouts.
func (l JSONLayout) String() string {
	if l == JSONArray {
		return "json"
	}
	return "jsonl"
}

// JSONWriter writes session results as JSON, one object per session.
//
// An object has the identifiers "job", "trace", "abr", "profile",
// "params", "seed"; "error" for a failed session; otherwise "summary"
// (qoe.Summary's JSON, units in the names), "scores" (model name → score
// with its "convention", in the fields of qoe.Score plus a readable
// "convention_text"), "sabre" (Sabre's metrics by their printed names, in
// Sabre's order) when present, and "timeline" when kept (times and levels
// in exact decimal seconds, rates in bit/s). Non-finite numbers, which
// JSON cannot hold, are written as the strings "NaN", "+Inf" and "-Inf".
// Keys of "scores" are sorted, so the same results give the same bytes.
type JSONWriter struct {
	w      io.Writer
	layout JSONLayout
	n      int
	buf    bytes.Buffer
}

// NewJSONWriter returns a writer of results in the given layout.
func NewJSONWriter(w io.Writer, layout JSONLayout) *JSONWriter {
	return &JSONWriter{w: w, layout: layout}
}

// Write writes one result.
func (jw *JSONWriter) Write(r *SessionResult) error {
	rec, err := json.Marshal(toResultJSON(r))
	if err != nil {
		return fmt.Errorf("sim: encoding result of job %d: %w", r.Job, err)
	}
	return jw.writeRaw(rec)
}

// writeRaw writes one compact record.
func (jw *JSONWriter) writeRaw(rec []byte) error {
	jw.buf.Reset()
	if jw.layout == JSONArray {
		if jw.n == 0 {
			jw.buf.WriteString("[\n")
		} else {
			jw.buf.WriteString(",\n")
		}
		jw.buf.Write(rec)
	} else {
		jw.buf.Write(rec)
		jw.buf.WriteByte('\n')
	}
	jw.n++
	_, err := jw.w.Write(jw.buf.Bytes())
	return err
}

// Close ends the array of the JSONArray layout ("[]" when empty). It does
// not close the underlying writer.
func (jw *JSONWriter) Close() error {
	if jw.layout != JSONArray {
		return nil
	}
	end := "\n]\n"
	if jw.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(jw.w, end)
	return err
}

// resultJSON is the wire form of SessionResult.
type resultJSON struct {
	Job      *int                 `json:"job"`
	Trace    string               `json:"trace"`
	ABR      string               `json:"abr"`
	Profile  string               `json:"profile"`
	Params   string               `json:"params"`
	Seed     uint64               `json:"seed"`
	Error    string               `json:"error,omitempty"`
	Summary  *qoe.Summary         `json:"summary,omitempty"`
	Scores   map[string]scoreJSON `json:"scores,omitempty"`
	Sabre    *sabreJSON           `json:"sabre,omitempty"`
	Timeline []timelineJSON       `json:"timeline,omitempty"`
}

// scoreJSON is the wire form of qoe.Score.
type scoreJSON struct {
	Model             string         `json:"model"`
	Convention        qoe.Convention `json:"convention"`
	ConventionText    string         `json:"convention_text"`
	FirstChunk        int            `json:"first_chunk"`
	LastChunk         int            `json:"last_chunk"`
	Chunks            int            `json:"chunks"`
	Total             jsonFloat      `json:"total"`
	Mean              jsonFloat      `json:"mean"`
	Utility           jsonFloat      `json:"utility"`
	RebufferPenalty   jsonFloat      `json:"rebuffer_penalty"`
	SmoothnessPenalty jsonFloat      `json:"smoothness_penalty"`
	RebufferS         jsonFloat      `json:"rebuffer_s"`
}

// timelineJSON is the wire form of TimelinePoint.
type timelineJSON struct {
	Time       jsonSeconds `json:"t_s"`
	Segment    int         `json:"segment"`
	Estimate   int64       `json:"estimate_bps"`
	Throughput int64       `json:"throughput_bps"`
	Buffer     jsonSeconds `json:"buffer_s"`
	Bitrate    int64       `json:"bitrate_bps"`
}

// toResultJSON converts r to its wire form.
func toResultJSON(r *SessionResult) *resultJSON {
	job := r.Job
	w := &resultJSON{Job: &job, Trace: r.Trace, ABR: r.ABR, Profile: r.Profile, Params: r.Params, Seed: r.Seed, Error: r.Err}
	if r.Failed() {
		return w
	}
	sum := r.Summary
	w.Summary = &sum
	if len(r.Scores) > 0 {
		w.Scores = make(map[string]scoreJSON, len(r.Scores))
		for k, s := range r.Scores {
			w.Scores[k] = scoreJSON{
				Model: s.Model, Convention: s.Convention, ConventionText: s.Convention.String(),
				FirstChunk: s.FirstChunk, LastChunk: s.LastChunk, Chunks: s.Chunks,
				Total: jsonFloat(s.Total), Mean: jsonFloat(s.Mean), Utility: jsonFloat(s.Utility),
				RebufferPenalty: jsonFloat(s.RebufferPenalty), SmoothnessPenalty: jsonFloat(s.SmoothnessPenalty),
				RebufferS: jsonFloat(s.RebufferS),
			}
		}
	}
	if r.Sabre != nil {
		w.Sabre = (*sabreJSON)(r.Sabre)
	}
	for _, p := range r.Timeline {
		w.Timeline = append(w.Timeline, timelineJSON{
			Time: jsonSeconds(p.Time), Segment: p.Segment, Estimate: p.Estimate,
			Throughput: p.Throughput, Buffer: jsonSeconds(p.Buffer), Bitrate: p.Bitrate,
		})
	}
	return w
}

// fromResultJSON converts a decoded record, checking what the decoder
// cannot: a job index is present and not negative, a session that did not
// fail has a summary, and score keys match their model names.
func fromResultJSON(w *resultJSON) (SessionResult, error) {
	if w.Job == nil {
		return SessionResult{}, errors.New(`no "job"`)
	}
	if *w.Job < 0 {
		return SessionResult{}, fmt.Errorf("job %d is negative", *w.Job)
	}
	r := SessionResult{Job: *w.Job, Trace: w.Trace, ABR: w.ABR, Profile: w.Profile, Params: w.Params, Seed: w.Seed, Err: w.Error}
	if w.Error == "" && w.Summary == nil {
		return SessionResult{}, fmt.Errorf(`job %d: neither "error" nor "summary"`, r.Job)
	}
	if w.Summary != nil {
		r.Summary = *w.Summary
	}
	if len(w.Scores) > 0 {
		r.Scores = make(map[string]qoe.Score, len(w.Scores))
		for k, s := range w.Scores {
			if s.Model != k {
				return SessionResult{}, fmt.Errorf("job %d: score %q is of model %q", r.Job, k, s.Model)
			}
			r.Scores[k] = qoe.Score{
				Model: s.Model, Convention: s.Convention, FirstChunk: s.FirstChunk, LastChunk: s.LastChunk,
				Chunks: s.Chunks, Total: float64(s.Total), Mean: float64(s.Mean), Utility: float64(s.Utility),
				RebufferPenalty: float64(s.RebufferPenalty), SmoothnessPenalty: float64(s.SmoothnessPenalty),
				RebufferS: float64(s.RebufferS),
			}
		}
	}
	if w.Sabre != nil {
		m := qoe.SabreMetrics(*w.Sabre)
		r.Sabre = &m
	}
	if len(w.Timeline) > 0 {
		r.Timeline = make([]TimelinePoint, len(w.Timeline))
		for i, p := range w.Timeline {
			r.Timeline[i] = TimelinePoint{
				Time: time.Duration(p.Time), Segment: p.Segment, Estimate: p.Estimate,
				Throughput: p.Throughput, Buffer: time.Duration(p.Buffer), Bitrate: p.Bitrate,
			}
		}
	}
	return r, nil
}

// jsonFloat is a float64 that survives JSON when not finite.
type jsonFloat float64

// MarshalJSON writes a number, or "NaN", "+Inf", "-Inf" as strings.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.AppendQuote(nil, strconv.FormatFloat(x, 'g', -1, 64)), nil
	}
	return appendFloat(nil, x), nil
}

// UnmarshalJSON reads a number or one of the three special strings.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil || (u != "NaN" && u != "+Inf" && u != "-Inf") {
			return fmt.Errorf("number expected, got string %s", abbreviate(s, 40))
		}
		x, _ := strconv.ParseFloat(u, 64)
		*f = jsonFloat(x)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number expected, got %s", abbreviate(s, 40))
	}
	*f = jsonFloat(x)
	return nil
}

// jsonSeconds is a Duration written as exact decimal seconds.
type jsonSeconds time.Duration

// MarshalJSON writes exact decimal seconds.
func (d jsonSeconds) MarshalJSON() ([]byte, error) {
	return appendSeconds(nil, time.Duration(d)), nil
}

// UnmarshalJSON reads decimal seconds, exactly when they have at most nine
// fraction digits and no exponent, else rounded to the nanosecond.
func (d *jsonSeconds) UnmarshalJSON(b []byte) error {
	if v, ok := parseExactSeconds(string(b)); ok {
		*d = jsonSeconds(v)
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(x, 0) || math.Abs(x) > float64(math.MaxInt64)/1e9 {
		return fmt.Errorf("seconds expected, got %s", abbreviate(string(b), 40))
	}
	*d = jsonSeconds(seconds(x))
	return nil
}

// parseExactSeconds parses "[-]digits[.digits]" with at most nine fraction
// digits into a Duration without rounding.
func parseExactSeconds(s string) (time.Duration, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" || len(fp) > 9 || strings.Trim(ip, "0123456789") != "" || strings.Trim(fp, "0123456789") != "" {
		return 0, false
	}
	secs, err := strconv.ParseUint(ip, 10, 64)
	if err != nil || secs > math.MaxInt64/uint64(time.Second)+1 {
		return 0, false
	}
	var frac uint64
	for i := range 9 {
		frac *= 10
		if i < len(fp) {
			frac += uint64(fp[i] - '0')
		}
	}
	// secs ≤ MaxInt64/1e9 + 1 keeps u far below the uint64 limit.
	u := secs*uint64(time.Second) + frac
	switch {
	case !neg && u > math.MaxInt64:
		return 0, false
	case neg && u > math.MaxInt64+1:
		return 0, false
	case neg:
		return time.Duration(-int64(u-1) - 1), true
	}
	return time.Duration(u), true
}

// sabreJSON is qoe.SabreMetrics written with Sabre's metric names in
// Sabre's printed order, non-finite values as strings.
type sabreJSON qoe.SabreMetrics

// MarshalJSON writes the metrics in Sabre's printed order.
func (s *sabreJSON) MarshalJSON() ([]byte, error) {
	m := (*qoe.SabreMetrics)(s)
	b := []byte{'{'}
	for i, c := range sabreColumns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.name)
		b = append(b, ':')
		v := c.get(m)
		if c.count {
			b = appendInt(b, int64(v))
			continue
		}
		fb, _ := jsonFloat(v).MarshalJSON()
		b = append(b, fb...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads every metric; unknown or missing names are errors.
func (s *sabreJSON) UnmarshalJSON(b []byte) error {
	var raw map[string]jsonFloat
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("sabre metrics: %w", err)
	}
	var m qoe.SabreMetrics
	for _, c := range sabreColumns {
		v, ok := raw[c.name]
		if !ok {
			return fmt.Errorf("sabre metrics: no %q", c.name)
		}
		x := float64(v)
		if c.count && (x != math.Trunc(x) || x < 0 || x > math.MaxInt32) {
			return fmt.Errorf("sabre metrics: %q = %v is not a count", c.name, x)
		}
		c.set(&m, x)
		delete(raw, c.name)
	}
	for k := range raw {
		return fmt.Errorf("sabre metrics: unknown metric %q", k)
	}
	*s = sabreJSON(m)
	return nil
}

// jsonRecord is one decoded record with its compact bytes, for merging.
type jsonRecord struct {
	raw []byte
	res SessionResult
}

// ReadResultsJSON reads a result file written by JSONWriter, in either
// layout (told apart by a leading '['). name is used in errors. Records
// must have every field JSONWriter writes and no other; job indices must
// not repeat. Errors wrap ErrBadResults and name the file and the record.
func ReadResultsJSON(r io.Reader, name string) ([]SessionResult, error) {
	recs, _, err := readJSONResults(r, name)
	if err != nil {
		return nil, err
	}
	out := make([]SessionResult, len(recs))
	for i := range recs {
		out[i] = recs[i].res
	}
	return out, nil
}

// readJSONResults decodes a JSON result file into records, keeping their
// compact bytes, and reports its layout.
func readJSONResults(r io.Reader, name string) ([]jsonRecord, JSONLayout, error) {
	br := bufio.NewReader(r)
	layout := JSONLines
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil, JSONLines, nil
		}
		if err != nil {
			return nil, JSONLines, fmt.Errorf("%w: %s: %w", ErrBadResults, name, err)
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if c == '[' {
			layout = JSONArray
		}
		if err := br.UnreadByte(); err != nil {
			return nil, JSONLines, err
		}
		break
	}
	dec := json.NewDecoder(br)
	if layout == JSONArray {
		// Reading the '[' as a token puts the decoder in array mode, where
		// Decode consumes the commas between elements.
		if _, err := dec.Token(); err != nil {
			return nil, layout, fmt.Errorf("%w: %s: %w", ErrBadResults, name, err)
		}
	}
	var recs []jsonRecord
	seen := map[int]int{}
	for n := 1; ; n++ {
		if layout == JSONArray && !dec.More() {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if layout == JSONLines && errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, layout, fmt.Errorf("%w: %s: record %d (byte %d): %w", ErrBadResults, name, n, dec.InputOffset(), err)
		}
		res, err := decodeResult(raw)
		if err != nil {
			return nil, layout, fmt.Errorf("%w: %s: record %d: %w", ErrBadResults, name, n, err)
		}
		if prev, dup := seen[res.Job]; dup {
			return nil, layout, fmt.Errorf("%w: %s: record %d: job %d already in record %d", ErrBadResults, name, n, res.Job, prev)
		}
		seen[res.Job] = n
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, layout, fmt.Errorf("%w: %s: record %d: %w", ErrBadResults, name, n, err)
		}
		recs = append(recs, jsonRecord{raw: compact.Bytes(), res: res})
	}
	if layout == JSONArray {
		if err := expectArrayEnd(dec); err != nil {
			return nil, layout, fmt.Errorf("%w: %s: %w", ErrBadResults, name, err)
		}
	}
	return recs, layout, nil
}

// expectArrayEnd consumes the closing ']' of a JSON array and checks that
// only white space follows.
func expectArrayEnd(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("at the end of the array (byte %d): %w", dec.InputOffset(), err)
	}
	if d, ok := tok.(json.Delim); !ok || d != ']' {
		return fmt.Errorf("byte %d: %v where the array should end", dec.InputOffset(), tok)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("byte %d: data after the array", dec.InputOffset())
	}
	return nil
}

// decodeResult decodes one record strictly.
func decodeResult(raw []byte) (SessionResult, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var w resultJSON
	if err := dec.Decode(&w); err != nil {
		return SessionResult{}, err
	}
	return fromResultJSON(&w)
}
