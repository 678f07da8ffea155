package manifest

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBaseURLAlternatives caps the cross product of BaseURL alternatives of
// the four MPD levels: a hostile MPD with 100 BaseURLs per level would
// otherwise produce 10^8 candidates per segment.
const maxBaseURLAlternatives = 64

// dashRawBaseURL is one BaseURL element as written.
type dashRawBaseURL struct {
	url             string
	serviceLocation string
	priority        int
	weight          int
	hasPriority     bool
	hasWeight       bool
	ato             time.Duration // negative: INF
	hasATO          bool
}

// resolveReference resolves ref against base (RFC 3986 §5). base may be
// an absolute URL, an absolute file path or a relative file path (the
// latter keeps its relative form). It never fails on a base that does not
// parse: the reference is then returned unchanged.
func resolveReference(base, ref string) (string, error) {
	r, err := url.Parse(dashEscapeStrayPercent(ref))
	if err != nil {
		return "", fmt.Errorf("URL reference %q: %w", ref, err)
	}
	if r.Scheme != "" {
		return r.String(), nil
	}
	b, err := url.Parse(dashEscapeStrayPercent(base))
	if err != nil {
		return r.String(), nil
	}
	if b.Scheme == "" && b.Host == "" && !strings.HasPrefix(b.Path, "/") && !strings.HasPrefix(r.Path, "/") && r.Host == "" {
		// Relative file path as the base: resolve under a virtual root and
		// take the root off again.
		b.Path = "/" + b.Path
		b.RawPath = ""
		s := b.ResolveReference(r).String()
		return strings.TrimPrefix(s, "/"), nil
	}
	return b.ResolveReference(r).String(), nil
}

// dashEscapeStrayPercent replaces a '%' that does not start a
// percent-escape by "%25", as browsers' URL parsers do, so that a
// template such as "a%b" stays usable.
func dashEscapeStrayPercent(s string) string {
	bad := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			bad = true
			break
		}
	}
	if !bad {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// hasScheme reports whether s starts with an RFC 3986 scheme.
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return false
			}
		case c == ':':
			return i > 0
		default:
			return false
		}
	}
	return false
}

// resolveBaseURLs resolves the BaseURL elements of one MPD level against
// the alternatives of the enclosing level and returns the new
// alternatives, best first.
//
// A relative BaseURL is resolved against every parent alternative (the
// cross product: each BaseURL of this level across all parents before the
// next one, so that failing over moves to another CDN of the outer level
// first) and inherits the parent's serviceLocation, dvb:priority
// and dvb:weight unless it sets its own; an absolute one stands alone.
// availabilityTimeOffset values add up along the chain (ISO/IEC 23009-1
// 5.3.9.5.3), INF winning. Duplicates are dropped, the result is sorted
// stably by dvb:priority (absent counts as the DVB default 1, lower is
// better) and capped at maxBaseURLAlternatives.
func resolveBaseURLs(parents []BaseURL, level []dashRawBaseURL, warn func(string, ...any)) []BaseURL {
	if len(level) == 0 {
		return parents
	}
	out := make([]BaseURL, 0, len(level)*max(1, len(parents)))
	seen := make(map[string]bool, cap(out))
	capped := false
	push := func(b BaseURL) {
		if seen[b.URL] {
			return
		}
		if len(out) >= maxBaseURLAlternatives {
			capped = true
			return
		}
		seen[b.URL] = true
		out = append(out, b)
	}
	for _, c := range level {
		text := strings.TrimSpace(c.url)
		own := BaseURL{ServiceLocation: c.serviceLocation, Priority: c.priority, Weight: c.weight, AvailabilityTimeOffset: c.ato}
		if hasScheme(text) || len(parents) == 0 {
			u, err := resolveReference("", text)
			if err != nil {
				warn("BaseURL %q ignored: %v", text, err)
				continue
			}
			own.URL = u
			push(own)
			continue
		}
		for _, p := range parents {
			u, err := resolveReference(p.URL, text)
			if err != nil {
				warn("BaseURL %q ignored: %v", text, err)
				break
			}
			b := own
			b.URL = u
			if c.serviceLocation == "" {
				b.ServiceLocation = p.ServiceLocation
			}
			if !c.hasPriority {
				b.Priority = p.Priority
			}
			if !c.hasWeight {
				b.Weight = p.Weight
			}
			b.AvailabilityTimeOffset = addATO(p.AvailabilityTimeOffset, c.ato)
			push(b)
		}
	}
	if capped {
		warn("more than %d BaseURL alternatives; the rest were dropped", maxBaseURLAlternatives)
	}
	if len(out) == 0 {
		return parents
	}
	slices.SortStableFunc(out, func(a, b BaseURL) int {
		return dvbPriority(a) - dvbPriority(b)
	})
	return out
}

func dvbPriority(b BaseURL) int {
	if b.Priority == 0 {
		return 1
	}
	return b.Priority
}

// addATO adds two availabilityTimeOffset values where a negative value
// means INF.
func addATO(a, b time.Duration) time.Duration {
	if a < 0 || b < 0 {
		return -1
	}
	return a + b
}

// Template identifiers after compilation.
const (
	tmplLiteral byte = iota
	tmplNumber
	tmplTime
	tmplSubNumber
)

// tmplPart is one piece of a compiled SegmentTemplate: literal text or a
// numeric identifier with its format tag.
type tmplPart struct {
	lit   string
	id    byte
	width int
	verb  byte // 'd', 'x', 'X' or 'o'
}

// compiledTemplate is a SegmentTemplate@media resolved against each
// BaseURL alternative, with $RepresentationID$ and $Bandwidth$ already
// substituted: only $Number$, $Time$ and $SubNumber$ remain, so expanding
// a segment URL is plain concatenation.
type compiledTemplate struct {
	// perBase holds one part list per BaseURL alternative.
	perBase [][]tmplPart
}

// templateMarker is the text that stands for identifier i while the
// template is resolved as a URL reference; it survives net/url unchanged.
func templateMarker(i int) string { return "$~" + strconv.Itoa(i) + "~$" }

// parseTemplate splits a template into parts, substituting
// $RepresentationID$ and $Bandwidth$ and turning $$ into '$'. Problems
// (unknown identifiers, bad format tags) are reported through warn and
// the offending text is kept literally.
func parseTemplate(s, repID string, bandwidth int64, warn func(string, ...any)) []tmplPart {
	var parts []tmplPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			j := strings.IndexByte(s[i:], '$')
			if j < 0 {
				j = len(s) - i
			}
			lit.WriteString(s[i : i+j])
			i += j
			continue
		}
		end := strings.IndexByte(s[i+1:], '$')
		if end < 0 {
			warn("template %q: unterminated '$'", s)
			lit.WriteString(s[i:])
			break
		}
		ident := s[i+1 : i+1+end]
		i += end + 2
		if ident == "" {
			lit.WriteByte('$')
			continue
		}
		name, format, hasFormat := strings.Cut(ident, "%")
		p := tmplPart{verb: 'd'}
		switch name {
		case "Number":
			p.id = tmplNumber
		case "Time":
			p.id = tmplTime
		case "SubNumber":
			p.id = tmplSubNumber
		case "Bandwidth":
			p.id = tmplLiteral
		case "RepresentationID":
			if hasFormat {
				warn("template %q: $RepresentationID$ takes no format tag; ignored", s)
			}
			lit.WriteString(repID)
			continue
		default:
			warn("template %q: unknown identifier $%s$ kept literally", s, ident)
			lit.WriteString("$" + ident + "$")
			continue
		}
		if hasFormat {
			w, verb, ok := parseFormatTag(format)
			if !ok {
				warn("template %q: bad format tag %%%s ignored", s, format)
			} else {
				p.width, p.verb = w, verb
			}
		}
		if name == "Bandwidth" {
			var nb [64]byte
			lit.Write(appendFormatted(nb[:0], uint64(max(bandwidth, 0)), p.width, p.verb))
			continue
		}
		flush()
		parts = append(parts, p)
	}
	flush()
	return parts
}

// parseFormatTag parses the part after '%' of a format tag: an optional
// '0', a width and a conversion (d, i, u, x, X or o). Padding is always
// with zeros.
func parseFormatTag(f string) (width int, verb byte, ok bool) {
	if len(f) < 1 {
		return 0, 0, false
	}
	verb = f[len(f)-1]
	switch verb {
	case 'd', 'i', 'u':
		verb = 'd'
	case 'x', 'X', 'o':
	default:
		return 0, 0, false
	}
	digits := strings.TrimPrefix(f[:len(f)-1], "0")
	if len(digits) > 3 {
		return 0, 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, 0, false
		}
		width = width*10 + int(digits[i]-'0')
	}
	return width, verb, true
}

// appendFormatted appends v in the given base, zero-padded to width.
func appendFormatted(b []byte, v uint64, width int, verb byte) []byte {
	var tmp [24]byte
	i := len(tmp)
	base := uint64(10)
	digits := "0123456789abcdef"
	switch verb {
	case 'x':
		base = 16
	case 'X':
		base = 16
		digits = "0123456789ABCDEF"
	case 'o':
		base = 8
	}
	for {
		i--
		tmp[i] = digits[v%base]
		v /= base
		if v == 0 {
			break
		}
	}
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// compileTemplate resolves a parsed template against every base URL.
// The template is resolved once, with markers in place of the numeric
// identifiers (numbers never change how a reference resolves), and split
// again at the markers.
func compileTemplate(parts []tmplPart, bases []BaseURL) (*compiledTemplate, error) {
	var ref strings.Builder
	var dyn []tmplPart
	for _, p := range parts {
		if p.id == tmplLiteral {
			ref.WriteString(p.lit)
			continue
		}
		ref.WriteString(templateMarker(len(dyn)))
		dyn = append(dyn, p)
	}
	refStr := ref.String()
	if len(dyn) > 0 && strings.Count(refStr, "$~") != len(dyn) {
		return nil, fmt.Errorf("template literal text contains the reserved sequence \"$~\"")
	}
	ct := &compiledTemplate{perBase: make([][]tmplPart, len(bases))}
	for bi, b := range bases {
		resolved, err := resolveReference(b.URL, refStr)
		if err != nil {
			return nil, err
		}
		var out []tmplPart
		rest := resolved
		for len(rest) > 0 {
			k := strings.Index(rest, "$~")
			if k < 0 {
				out = append(out, tmplPart{lit: rest})
				break
			}
			if k > 0 {
				out = append(out, tmplPart{lit: rest[:k]})
			}
			rest = rest[k+2:]
			e := strings.Index(rest, "~$")
			if e < 0 {
				return nil, fmt.Errorf("template marker lost while resolving %q", refStr)
			}
			idx, err := strconv.Atoi(rest[:e])
			if err != nil || idx < 0 || idx >= len(dyn) {
				return nil, fmt.Errorf("template marker garbled while resolving %q", refStr)
			}
			out = append(out, dyn[idx])
			rest = rest[e+2:]
		}
		ct.perBase[bi] = out
	}
	return ct, nil
}

// appendURL appends the URL of one segment for base alternative bi.
func (ct *compiledTemplate) appendURL(b []byte, bi int, number, tm, sub uint64) []byte {
	for _, p := range ct.perBase[bi] {
		switch p.id {
		case tmplLiteral:
			b = append(b, p.lit...)
		case tmplNumber:
			b = appendFormatted(b, number, p.width, p.verb)
		case tmplTime:
			b = appendFormatted(b, tm, p.width, p.verb)
		case tmplSubNumber:
			b = appendFormatted(b, sub, p.width, p.verb)
		}
	}
	return b
}

// urls expands the URLs of one segment for every base alternative with
// two allocations: one string holding all of them and the slice.
func (ct *compiledTemplate) urls(number, tm, sub uint64) []string {
	var buf [512]byte
	b := buf[:0]
	var ends [8]int
	endsS := ends[:0]
	for bi := range ct.perBase {
		b = ct.appendURL(b, bi, number, tm, sub)
		endsS = append(endsS, len(b))
	}
	all := string(b)
	out := make([]string, len(endsS))
	start := 0
	for i, e := range endsS {
		out[i] = all[start:e]
		start = e
	}
	return out
}
