package manifest

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// ErrHLSSyntax is wrapped by every error that rejects an HLS playlist
// because of its content (missing #EXTM3U, a tag that may appear once
// appearing twice, a segment URI without EXTINF, an unparsable number in
// a tag that addresses media, ...).
var ErrHLSSyntax = errors.New("invalid HLS playlist")

// ErrHLSVariable is wrapped when an EXT-X-DEFINE variable cannot be
// resolved: a {$name} reference without definition, an IMPORT the parent
// multivariant playlist does not define, a QUERYPARAM absent from the
// playlist URL, or a name defined twice. A media playlist that IMPORTs
// variables parses only through its multivariant playlist
// (AttachHLSMedia, LoadHLSMedia).
var ErrHLSVariable = errors.New("unresolved HLS variable")

// hlsErr builds a rejection error naming the playlist and the line.
func hlsErr(src string, line int, sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%s line %d: %s: %w", src, line, msg, sentinel)
	}
	return fmt.Errorf("%s: %s: %w", src, msg, sentinel)
}

// hlsWarnings collects warnings for lenient input. Each kind of deviation
// is reported once, at its first line, with the number of further lines
// that showed it, so that a 40,000-segment playlist without EXTINF commas
// yields one warning, not 40,000.
type hlsWarnings struct {
	src   string
	list  []string
	kinds map[string]int // kind -> index into list and extra
	extra []int
}

func (w *hlsWarnings) add(kind string, line int, format string, args ...any) {
	if i, ok := w.kinds[kind]; ok {
		w.extra[i]++
		return
	}
	if w.kinds == nil {
		w.kinds = make(map[string]int)
	}
	w.kinds[kind] = len(w.list)
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("%s line %d: %s", w.src, line, msg)
	} else {
		msg = w.src + ": " + msg
	}
	w.list = append(w.list, msg)
	w.extra = append(w.extra, 0)
}

// done returns the warnings, each with its repeat count.
func (w *hlsWarnings) done() []string {
	for i, n := range w.extra {
		if n > 0 {
			w.list[i] = fmt.Sprintf("%s (and %d more lines)", w.list[i], n)
		}
	}
	return w.list
}

// hlsReader yields the non-blank lines of a playlist with their 1-based
// line numbers. Lines end at '\n'; a trailing '\r' and surrounding blanks
// are removed.
type hlsReader struct {
	src  string
	pos  int
	line int
}

// next returns the next non-blank line. padded reports whether spaces or
// tabs preceded it, or followed a URI line (tolerated, but worth a
// warning; blanks after a tag are common, e.g. an EXTINF title of "\t").
func (r *hlsReader) next() (text string, line int, padded, ok bool) {
	for r.pos < len(r.src) {
		end := strings.IndexByte(r.src[r.pos:], '\n')
		var raw string
		if end < 0 {
			raw = r.src[r.pos:]
			r.pos = len(r.src)
		} else {
			raw = r.src[r.pos : r.pos+end]
			r.pos += end + 1
		}
		r.line++
		if n := len(raw); n > 0 && raw[n-1] == '\r' {
			raw = raw[:n-1]
		}
		if raw == "" {
			continue
		}
		t := raw
		if lead, trail := hlsIsBlank(t[0]), hlsIsBlank(t[len(t)-1]); lead || trail {
			t = strings.Trim(t, " \t")
			if t == "" {
				continue
			}
			padded = lead || t[0] != '#'
		}
		return t, r.line, padded, true
	}
	return "", r.line, false, false
}

func hlsIsBlank(c byte) bool { return c == ' ' || c == '\t' }

// hlsStart checks the header of a playlist and returns a reader
// positioned after the #EXTM3U line. A UTF-8 byte order mark and comment
// lines before #EXTM3U are tolerated with a warning; anything else before
// it, or text glued to it, rejects the playlist.
func hlsStart(data []byte, src string, w *hlsWarnings) (*hlsReader, error) {
	s := string(data)
	if strings.HasPrefix(s, "\uFEFF") {
		s = s[len("\uFEFF"):]
		w.add("bom", 1, "byte order mark before #EXTM3U ignored")
	}
	r := &hlsReader{src: s}
	for {
		line, n, _, ok := r.next()
		if !ok {
			if strings.TrimSpace(s) == "" {
				return nil, hlsErr(src, 0, ErrHLSSyntax, "empty playlist")
			}
			return nil, hlsErr(src, 0, ErrHLSSyntax, "no #EXTM3U line")
		}
		switch {
		case line == "#EXTM3U":
			return r, nil
		case strings.HasPrefix(line, "#EXTM3U"):
			return nil, hlsErr(src, n, ErrHLSSyntax, "text glued to #EXTM3U: %q", hlsClip(line))
		case strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "#EXT"):
			w.add("comment-before-header", n, "comment before #EXTM3U")
		default:
			return nil, hlsErr(src, n, ErrHLSSyntax, "playlist does not start with #EXTM3U (found %q)", hlsClip(line))
		}
	}
}

// hlsClip shortens a line for an error message.
func hlsClip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// hlsKnownTags are the tags this package interprets; a blank after the
// colon of one of them is worth a warning, of any other tag not.
var hlsKnownTags = map[string]bool{
	"#EXTINF": true, "#EXT-X-TARGETDURATION": true, "#EXT-X-MEDIA-SEQUENCE": true,
	"#EXT-X-DISCONTINUITY-SEQUENCE": true, "#EXT-X-PLAYLIST-TYPE": true, "#EXT-X-VERSION": true,
	"#EXT-X-ALLOW-CACHE": true, "#EXT-X-DEFINE": true, "#EXT-X-BYTERANGE": true,
	"#EXT-X-PROGRAM-DATE-TIME": true, "#EXT-X-KEY": true, "#EXT-X-MAP": true,
	"#EXT-X-SERVER-CONTROL": true, "#EXT-X-PART-INF": true, "#EXT-X-PART": true,
	"#EXT-X-PRELOAD-HINT": true, "#EXT-X-SKIP": true, "#EXT-X-STREAM-INF": true,
	"#EXT-X-I-FRAME-STREAM-INF": true, "#EXT-X-MEDIA": true, "#EXT-X-SESSION-DATA": true,
	"#EXT-X-SESSION-KEY": true, "#EXT-X-CONTENT-STEERING": true,
}

// hlsTagValue trims blanks after the colon of a tag, with a warning for
// the tags this package reads.
func hlsTagValue(name, value string, n int, w *hlsWarnings) string {
	if value == "" || !hlsIsBlank(value[0]) {
		return value
	}
	if hlsKnownTags[name] {
		w.add("tag-space", n, "blank after the colon of %s", name)
	}
	return strings.TrimLeft(value, " \t")
}

// hlsTag splits a tag line "#NAME:VALUE" into name and value.
func hlsTag(line string) (name, value string) {
	if i := strings.IndexByte(line, ':'); i >= 0 {
		return line[:i], line[i+1:]
	}
	return line, ""
}

// hlsAttr is one attribute of an attribute list.
type hlsAttr struct {
	key, val string
	quoted   bool
}

// hlsParseAttrs parses an attribute list (RFC 8216 4.2) into dst. clean
// is false when the list had to be repaired (an attribute without '=',
// an unterminated quoted string); what could be read is returned.
func hlsParseAttrs(s string, dst []hlsAttr) (attrs []hlsAttr, clean bool) {
	attrs, clean = dst[:0], true
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ',' || hlsIsBlank(s[i])) {
			i++
		}
		if i >= len(s) {
			break
		}
		k := i
		for i < len(s) && s[i] != '=' && s[i] != ',' {
			i++
		}
		if i >= len(s) || s[i] == ',' {
			clean = false
			continue
		}
		key := strings.TrimRight(s[k:i], " \t")
		i++ // '='
		for i < len(s) && hlsIsBlank(s[i]) {
			i++
		}
		var a hlsAttr
		a.key = key
		if i < len(s) && s[i] == '"' {
			a.quoted = true
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				a.val = s[i+1:]
				i = len(s)
				clean = false
			} else {
				a.val = s[i+1 : i+1+end]
				i += end + 2
				for i < len(s) && s[i] != ',' {
					if !hlsIsBlank(s[i]) {
						clean = false
					}
					i++
				}
			}
		} else {
			v := i
			for i < len(s) && s[i] != ',' {
				i++
			}
			a.val = strings.TrimRight(s[v:i], " \t")
		}
		attrs = append(attrs, a)
	}
	return attrs, clean
}

// hlsGet returns the value of attribute key and whether it is present.
func hlsGet(attrs []hlsAttr, key string) (string, bool) {
	for i := range attrs {
		if attrs[i].key == key {
			return attrs[i].val, true
		}
	}
	return "", false
}

// hlsYes reports whether attribute key is the enumerated string YES.
func hlsYes(attrs []hlsAttr, key string) bool {
	v, _ := hlsGet(attrs, key)
	return v == "YES"
}

// hlsVars holds EXT-X-DEFINE variables (RFC 8216bis 4.3).
type hlsVars struct {
	m map[string]string
}

// define adds a variable; a second definition of a name is an error.
func (v *hlsVars) define(name, value string) error {
	if !hlsValidVarName(name) {
		return fmt.Errorf("invalid variable name %q", name)
	}
	if _, dup := v.m[name]; dup {
		return fmt.Errorf("variable %q defined twice", name)
	}
	if v.m == nil {
		v.m = make(map[string]string)
	}
	v.m[name] = value
	return nil
}

func hlsValidVarName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// subst replaces every {$name} reference in s. A reference to an
// undefined variable is an error: RFC 8216bis requires clients to fail
// to parse such a playlist.
func (v *hlsVars) subst(s string) (string, error) {
	i := strings.Index(s, "{$")
	if i < 0 {
		return s, nil
	}
	var b strings.Builder
	for i >= 0 {
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 || !hlsValidVarName(s[i+2:i+2+end]) {
			// Not a reference: copy "{$" literally and go on.
			b.WriteString(s[:i+2])
			s = s[i+2:]
		} else {
			name := s[i+2 : i+2+end]
			val, ok := v.m[name]
			if !ok {
				return "", fmt.Errorf("undefined variable reference {$%s}", name)
			}
			b.WriteString(s[:i])
			b.WriteString(val)
			s = s[i+3+end:]
		}
		i = strings.Index(s, "{$")
	}
	b.WriteString(s)
	return b.String(), nil
}

// substAttrs applies variable substitution to the quoted-string and
// hexadecimal-sequence values of attrs, as RFC 8216bis 4.3 prescribes.
func (v *hlsVars) substAttrs(attrs []hlsAttr) error {
	for i := range attrs {
		a := &attrs[i]
		if !a.quoted && !strings.HasPrefix(a.val, "0x") && !strings.HasPrefix(a.val, "0X") {
			continue
		}
		s, err := v.subst(a.val)
		if err != nil {
			return err
		}
		a.val = s
	}
	return nil
}

// hlsDecimalDuration parses a non-negative decimal number of seconds
// ("4", "4.00008", ".5") exactly to nanoseconds; digits beyond the ninth
// decimal are dropped. Exponent forms fall back to ParseFloat.
func hlsDecimalDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > float64(math.MaxInt64)/1e9 {
			return 0, fmt.Errorf("invalid number of seconds %q", s)
		}
		return time.Duration(math.Round(f * 1e9)), nil
	}
	i := 0
	if s[0] == '+' {
		i++
	}
	var secs, frac int64
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		secs = secs*10 + int64(s[i]-'0')
		digits++
		if secs > math.MaxInt64/int64(time.Second)-1 {
			return 0, fmt.Errorf("number of seconds out of range %q", s)
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		scale := int64(1e8)
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			frac += int64(s[i]-'0') * scale
			scale /= 10
			digits++
		}
	}
	if i != len(s) || digits == 0 {
		return 0, fmt.Errorf("invalid number of seconds %q", s)
	}
	return time.Duration(secs)*time.Second + time.Duration(frac), nil
}

// hlsByteRange parses "<n>[@<o>]". hasOff is false when the offset is
// absent (or empty after '@', reported by emptyOff).
func hlsByteRange(s string) (n, off int64, hasOff, emptyOff bool, err error) {
	ls, os, at := strings.Cut(s, "@")
	n, err = strconv.ParseInt(strings.TrimSpace(ls), 10, 64)
	if err != nil || n < 0 {
		return 0, 0, false, false, fmt.Errorf("invalid byte range %q", s)
	}
	os = strings.TrimSpace(os)
	if !at || os == "" {
		return n, 0, false, at, nil
	}
	off, err = strconv.ParseInt(os, 10, 64)
	if err != nil || off < 0 || off > math.MaxInt64-n {
		return 0, 0, false, false, fmt.Errorf("invalid byte range offset %q", s)
	}
	return n, off, true, false, nil
}

// hlsResolution parses "<width>x<height>".
func hlsResolution(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(s, "x")
	if !ok {
		ws, hs, ok = strings.Cut(s, "X")
	}
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w < 0 || h < 0 {
		return 0, 0, fmt.Errorf("invalid RESOLUTION %q", s)
	}
	return w, h, nil
}

// hlsProgramDateTime parses an EXT-X-PROGRAM-DATE-TIME value: ISO 8601
// with a time zone, in the RFC 3339 form or with a "+hhmm" offset.
func hlsProgramDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t, nil
	}
	if t2, err2 := time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err2 == nil {
		return t2, nil
	}
	return time.Time{}, err
}

// hlsResolver resolves URIs of a playlist against the playlist's own
// location, which is either an absolute URL or a file path.
type hlsResolver struct {
	base    string
	baseURL *url.URL // nil when base is a file path
	dir     string   // prefix for plain relative paths; "" disables the fast path for URLs without a path
}

func newHLSResolver(base string) hlsResolver {
	r := hlsResolver{base: base}
	if hlsHasScheme(base) {
		u, err := url.Parse(base)
		if err == nil && u.Opaque == "" {
			r.baseURL = u
			p := u.EscapedPath()
			if j := strings.LastIndexByte(p, '/'); j >= 0 {
				p = p[:j+1]
			} else {
				p = "/"
			}
			r.dir = u.Scheme + "://" + u.Host + p
			return r
		}
		// An unusable URL base: resolve like a path.
	}
	if j := strings.LastIndexByte(base, '/'); j >= 0 {
		r.dir = base[:j+1]
	}
	return r
}

// resolve returns ref resolved against the playlist location.
func (r *hlsResolver) resolve(ref string) string {
	if ref == "" {
		return r.base
	}
	if hlsPlainRelative(ref) {
		return r.dir + ref
	}
	if hlsHasScheme(ref) {
		return ref
	}
	if r.baseURL != nil {
		u, err := url.Parse(ref)
		if err != nil {
			return r.dir + ref
		}
		return r.baseURL.ResolveReference(u).String()
	}
	if ref[0] == '/' {
		return ref
	}
	if ref[0] == '?' || ref[0] == '#' {
		return r.base + ref
	}
	return path.Join(r.dir, ref)
}

// resolveInto is resolve for hot paths: a plain relative reference is
// written to arena and returned as a view of it, so that the URLs of a
// playlist share a few large allocations instead of one each (strings
// returned by a strings.Builder never change).
func (r *hlsResolver) resolveInto(arena *strings.Builder, ref string) string {
	if ref == "" || !hlsPlainRelative(ref) {
		return r.resolve(ref)
	}
	start := arena.Len()
	arena.WriteString(r.dir)
	arena.WriteString(ref)
	return arena.String()[start:]
}

// hlsHasScheme reports whether s starts with a URI scheme ("http:",
// "data:", "skd:"). One-letter schemes are taken as drive letters.
func hlsHasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') && i > 0:
		case c == ':':
			return i > 1
		default:
			return false
		}
	}
	return false
}

// hlsPlainRelative reports whether ref is a relative path that resolves
// by plain concatenation with the base directory: no scheme, not
// starting with '/', '?' or '#', and no "." or ".." segments.
func hlsPlainRelative(ref string) bool {
	switch ref[0] {
	case '/', '?', '#':
		return false
	}
	if ref == "." || ref == ".." || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.Contains(ref, "/./") || strings.Contains(ref, "/../") ||
		strings.HasSuffix(ref, "/.") || strings.HasSuffix(ref, "/..") {
		return false
	}
	slash := strings.IndexByte(ref, '/')
	colon := strings.IndexByte(ref, ':')
	return colon < 0 || slash >= 0 && slash < colon
}

// hlsCodecKind classifies one RFC 6381 codec identifier.
func hlsCodecKind(codec string) ContentType {
	c := strings.TrimSpace(codec)
	if i := strings.IndexByte(c, '.'); i >= 0 {
		c = c[:i]
	}
	switch strings.ToLower(c) {
	case "avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav", "dav1",
		"av01", "vp08", "vp09", "vp8", "vp9", "vvc1", "vvi1", "mp4v", "evc1", "lvc1", "lhv1", "lhe1":
		return ContentVideo
	case "mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "mp3", "alac", "dtsc", "dtse", "dtsh",
		"dtsl", "dtsx", "dtsy", "mha1", "mha2", "mhm1", "mhm2", "ipcm", "fpcm", "ulaw", "alaw":
		return ContentAudio
	case "wvtt", "stpp", "tx3g", "c608", "c708":
		return ContentText
	}
	return ContentUnknown
}

// hlsCodecsOf returns the codecs of the given kind from a CODECS list,
// comma-joined, or "".
func hlsCodecsOf(codecs string, kind ContentType) string {
	var out []string
	for _, c := range strings.Split(codecs, ",") {
		c = strings.TrimSpace(c)
		if c != "" && hlsCodecKind(c) == kind {
			out = append(out, c)
		}
	}
	return strings.Join(out, ",")
}
