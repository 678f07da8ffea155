package origin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxScriptSize bounds what ParseScript reads, so a wrong file cannot make
// the origin allocate without limit.
const maxScriptSize = 1 << 20

// ParseScript parses a fault script in the text or the JSON form (JSON
// when the first non-blank byte is '{'); name is used in error messages.
// Every rule is validated as it is parsed. See the package documentation for both
// syntaxes. Errors wrap ErrBadScript and name the input and line or rule.
func ParseScript(name string, data []byte) (Script, error) {
	if len(data) > maxScriptSize {
		return Script{}, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrBadScript, maxScriptSize)
	}
	var s Script
	var err error
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		s, err = parseJSONScript(name, data)
	} else {
		s, err = parseTextScript(name, data)
	}
	if err != nil {
		return Script{}, err
	}
	return s, nil
}

func parseTextScript(name string, data []byte) (Script, error) {
	var s Script
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxScriptSize)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		var r Rule
		if expr, ok := strings.CutPrefix(fields[0], "re:"); ok {
			r.Regexp = expr
		} else {
			r.Path = fields[0]
		}
		for _, f := range fields[1:] {
			key, value, hasValue := strings.Cut(f, "=")
			if err := setOption(&r, key, value, hasValue); err != nil {
				return Script{}, fmt.Errorf("%s:%d: %w", name, line, err)
			}
		}
		if err := checkRule(r); err != nil {
			return Script{}, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		s.Rules = append(s.Rules, r)
	}
	if err := sc.Err(); err != nil {
		return Script{}, fmt.Errorf("%s:%d: %w: %w", name, line+1, ErrBadScript, err)
	}
	return s, nil
}

// jsonScript is the JSON form: {"rules": [{"path": "...", "status": 503}]}.
// Rule keys are the text form's option names plus "path" and "regexp";
// values are strings, numbers, or true for the flag "reset".
type jsonScript struct {
	Rules []map[string]json.RawMessage `json:"rules"`
}

func parseJSONScript(name string, data []byte) (Script, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var js jsonScript
	if err := dec.Decode(&js); err != nil {
		return Script{}, fmt.Errorf("%s: %w: %w", name, ErrBadScript, err)
	}
	if dec.More() {
		return Script{}, fmt.Errorf("%s: %w: data after the script object", name, ErrBadScript)
	}
	var s Script
	for i, obj := range js.Rules {
		var r Rule
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic: the first error reported is stable
		for _, key := range keys {
			value, hasValue, err := jsonValue(obj[key])
			if err == nil {
				switch key {
				case "path":
					r.Path = value
				case "regexp":
					r.Regexp = value
				default:
					err = setOption(&r, key, value, hasValue)
				}
			}
			if err != nil {
				return Script{}, fmt.Errorf("%s: rule %d: %q: %w", name, i+1, key, err)
			}
		}
		if err := checkRule(r); err != nil {
			return Script{}, fmt.Errorf("%s: rule %d: %w", name, i+1, err)
		}
		s.Rules = append(s.Rules, r)
	}
	return s, nil
}

// jsonValue turns a JSON string or number into its text, and true into a
// bare flag.
func jsonValue(raw json.RawMessage) (value string, hasValue bool, err error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		if err := json.Unmarshal(raw, &value); err != nil {
			return "", false, fmt.Errorf("%w: %w", ErrBadScript, err)
		}
		return value, true, nil
	case string(raw) == "true":
		return "", false, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false, fmt.Errorf("%w: want a string, a number or true, got %s", ErrBadScript, raw)
	}
	return n.String(), true, nil
}

// checkRule validates one parsed rule.
func checkRule(r Rule) error {
	_, err := compileRule(r)
	return err
}

// setOption applies one key=value option of the text form to r.
func setOption(r *Rule, key, value string, hasValue bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadScript, fmt.Sprintf(format, args...))
	}
	if !hasValue && key != "reset" {
		return bad("option %q needs a value", key)
	}
	var err error
	f := &r.Fault
	switch key {
	case "name":
		r.Name = value
	case "method":
		r.Method = value
	case "requests":
		r.Requests, err = parseSpans(value)
	case "delay":
		f.Delay, err = parseDuration(value)
	case "status":
		f.Status, err = strconv.Atoi(value)
	case "retry-after":
		f.RetryAfter, err = parseDuration(value)
	case "rate":
		f.Rate, err = parseBytes(value)
	case "stall":
		if value == "forever" {
			f.Stall.Forever = true
		} else {
			f.Stall.For, err = parseDuration(value)
		}
	case "stall-after":
		f.Stall.After, err = parseOffset(value)
	case "truncate":
		f.Cut.Mode = Truncate
		f.Cut.After, err = parseBytes(value)
	case "reset":
		f.Cut.Mode, f.Cut.After = Reset, BeforeHeaders
		if hasValue {
			f.Cut.After, err = parseOffset(value)
		}
	default:
		return bad("unknown option %q", key)
	}
	if err != nil {
		return fmt.Errorf("%w: %s=%q: %w", ErrBadScript, key, value, err)
	}
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %v", d)
	}
	return d, nil
}

func parseBytes(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("negative byte count %d", n)
	}
	return n, nil
}

// parseOffset parses a byte count or the word "headers" (BeforeHeaders).
func parseOffset(s string) (int64, error) {
	if s == "headers" {
		return BeforeHeaders, nil
	}
	return parseBytes(s)
}

// parseSpans parses "*", "all", or a comma-separated list of "N", "N-M"
// and "N-" (1-based, inclusive).
func parseSpans(s string) ([]Span, error) {
	if s == "*" || s == "all" {
		return nil, nil
	}
	var spans []Span
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := parseCount(lo)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			last = 0
			if hi != "" {
				if last, err = parseCount(hi); err != nil {
					return nil, err
				}
				if last < first {
					return nil, fmt.Errorf("span %q ends before it starts", part)
				}
			}
		}
		spans = append(spans, Span{First: first, Last: last})
	}
	return spans, nil
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > 1_000_000_000 {
		return 0, fmt.Errorf("request count %d outside 1-1000000000", n)
	}
	return n, nil
}
