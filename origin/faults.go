package origin

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ErrBadScript is wrapped by every error about an invalid fault script or
// rule.
var ErrBadScript = errors.New("origin: bad fault script")

// BeforeHeaders is the Stall.After or Cut.After byte offset meaning
// "before the response header is sent": a stall there delays the first
// byte, a reset there closes the connection with no response at all.
const BeforeHeaders int64 = -1

// Script is an ordered list of fault rules. The zero Script injects no
// faults.
type Script struct {
	Rules []Rule
}

// Rule applies a Fault to selected requests.
//
// A request matches a rule when its method (if Method is set) and URL path
// match. Each rule counts the requests that match it, from 1; the rule
// fires on the requests whose count lies in one of Requests (all of them
// when Requests is empty). Every matching rule counts the request, but
// only the first rule that fires, in script order, is applied.
type Rule struct {
	// Name labels the rule in the request log. Default "rule<N>", N being
	// the 1-based position in the script.
	Name string
	// Method restricts the rule to one HTTP method; empty matches any.
	Method string
	// Path is a glob over the URL path: "*" matches any run of characters
	// other than "/", "**" any run including "/", "?" one character other
	// than "/"; everything else is literal. The whole path must match.
	Path string
	// Regexp is an RE2 regular expression over the URL path, used instead
	// of Path (exactly one of the two is set). It is not anchored.
	Regexp string
	// Requests selects which of the matching requests the rule fires on.
	Requests []Span
	// Fault is what happens to those requests.
	Fault Fault
}

// Span is an inclusive range of 1-based request counts. Last 0 means no
// upper bound.
type Span struct {
	First, Last int
}

// Fault is what the origin does to a request, in this order: wait Delay;
// stall before the header if Stall.After is BeforeHeaders; reset before the
// header if Cut is a Reset at BeforeHeaders; then answer with Status
// instead of the content if Status is set; the body (content or status
// text) is then sent at Rate, stalled at Stall.After bytes, and cut at
// Cut.After bytes. Byte offsets count body bytes, so they index into the
// range being served, not into the file. A stall or cut beyond the end of
// the body does not happen. Every wait ends early when the request's
// context ends (the client gave up) or the Origin is closed.
type Fault struct {
	// Delay is added before the response header (time to first byte).
	Delay time.Duration
	// Status, when non-zero (200-599), replaces the response with this
	// status and a short text body.
	Status int
	// RetryAfter, with Status, sets the Retry-After header in whole
	// seconds (rounded up).
	RetryAfter time.Duration
	// Rate throttles the body to this many bytes per second; 0 is
	// unlimited.
	Rate int64
	// Stall pauses the response mid-body.
	Stall Stall
	// Cut ends the response early.
	Cut Cut
}

// Stall pauses a response once After body bytes have been sent (or before
// the header, with BeforeHeaders) for For, or Forever: until the client
// gives up or the Origin is closed. The zero Stall does nothing.
type Stall struct {
	After   int64
	For     time.Duration
	Forever bool
}

func (s Stall) active() bool { return s.For > 0 || s.Forever }

// CutMode is how a Cut ends the response.
type CutMode int

// Cut modes.
const (
	// NoCut leaves the response whole.
	NoCut CutMode = iota
	// Truncate sends After body bytes, with the full Content-Length
	// announced, and closes the connection normally (FIN).
	Truncate
	// Reset sends After body bytes (none and no header with
	// BeforeHeaders) and aborts the connection with a TCP RST (SO_LINGER 0).
	Reset
)

// Cut ends a response after After body bytes.
type Cut struct {
	Mode  CutMode
	After int64
}

// IsZero reports whether f does nothing.
func (f Fault) IsZero() bool {
	return f.Delay == 0 && f.Status == 0 && f.RetryAfter == 0 && f.Rate == 0 && !f.Stall.active() && f.Cut.Mode == NoCut
}

// Validate reports the first problem with f, wrapping ErrBadScript.
func (f Fault) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadScript, fmt.Sprintf(format, args...))
	}
	switch {
	case f.IsZero():
		return bad("fault does nothing")
	case f.Delay < 0:
		return bad("negative delay %v", f.Delay)
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return bad("status %d outside 200-599", f.Status)
	case f.RetryAfter < 0:
		return bad("negative retry-after %v", f.RetryAfter)
	case f.RetryAfter > 0 && f.Status == 0:
		return bad("retry-after without a status")
	case f.Rate < 0:
		return bad("negative rate %d", f.Rate)
	case f.Stall.For < 0:
		return bad("negative stall %v", f.Stall.For)
	case f.Stall.Forever && f.Stall.For > 0:
		return bad("stall both forever and for %v", f.Stall.For)
	case f.Stall.active() && f.Stall.After < BeforeHeaders:
		return bad("stall after %d bytes", f.Stall.After)
	case f.Cut.Mode < NoCut || f.Cut.Mode > Reset:
		return bad("unknown cut mode %d", f.Cut.Mode)
	case f.Cut.Mode == Truncate && f.Cut.After < 0:
		return bad("truncate after %d bytes", f.Cut.After)
	case f.Cut.Mode == Reset && f.Cut.After < BeforeHeaders:
		return bad("reset after %d bytes", f.Cut.After)
	}
	return nil
}

// Validate reports the first problem with the script, naming the rule.
func (s Script) Validate() error {
	_, err := compileScript(s)
	return err
}

// compiledRule is a rule with its path matcher and match counter.
type compiledRule struct {
	Rule
	re    *regexp.Regexp
	count int
}

// faultSet is a compiled Script with its counters; safe for concurrent
// use.
type faultSet struct {
	mu    sync.Mutex
	rules []compiledRule
}

var methodPattern = regexp.MustCompile(`^[A-Z]+$`)

func compileScript(s Script) (*faultSet, error) {
	fs := &faultSet{rules: make([]compiledRule, len(s.Rules))}
	for i, r := range s.Rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule%d", i+1)
		}
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("rule %d (%s): %w", i+1, r.Name, err)
		}
		fs.rules[i] = cr
	}
	return fs, nil
}

// compileRule validates r and compiles its path matcher. Errors wrap
// ErrBadScript.
func compileRule(r Rule) (compiledRule, error) {
	bad := func(format string, args ...any) (compiledRule, error) {
		return compiledRule{}, fmt.Errorf("%w: %s", ErrBadScript, fmt.Sprintf(format, args...))
	}
	var expr string
	switch {
	case r.Path != "" && r.Regexp != "":
		return bad("both path and regexp set")
	case r.Path != "":
		expr = globToRegexp(r.Path)
	case r.Regexp != "":
		expr = r.Regexp
	default:
		return bad("no path pattern")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return compiledRule{}, fmt.Errorf("%w: pattern %q: %w", ErrBadScript, expr, err)
	}
	if r.Method != "" && !methodPattern.MatchString(r.Method) {
		return bad("method %q is not an upper-case token", r.Method)
	}
	for _, sp := range r.Requests {
		if sp.First < 1 || (sp.Last != 0 && sp.Last < sp.First) {
			return bad("request span %d-%d", sp.First, sp.Last)
		}
	}
	if err := r.Fault.Validate(); err != nil {
		return compiledRule{}, err
	}
	r.Requests = append([]Span(nil), r.Requests...)
	return compiledRule{Rule: r, re: re}, nil
}

// globToRegexp translates a path glob into an anchored regular
// expression.
func globToRegexp(glob string) string {
	var b strings.Builder
	b.WriteString("^")
	rs := []rune(glob)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			if i+1 < len(rs) && rs[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString("$")
	return b.String()
}

func (r *compiledRule) selects(count int) bool {
	if len(r.Requests) == 0 {
		return true
	}
	for _, sp := range r.Requests {
		if count >= sp.First && (sp.Last == 0 || count <= sp.Last) {
			return true
		}
	}
	return false
}

// match counts the request against every matching rule and returns the
// first rule that fires, if any.
func (fs *faultSet) match(req *http.Request) (Rule, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var fired Rule
	found := false
	for i := range fs.rules {
		r := &fs.rules[i]
		if (r.Method != "" && r.Method != req.Method) || !r.re.MatchString(req.URL.Path) {
			continue
		}
		r.count++
		if !found && r.selects(r.count) {
			fired, found = r.Rule, true
		}
	}
	return fired, found
}
