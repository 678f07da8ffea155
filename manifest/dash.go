package manifest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidMPD is wrapped by every error ParseDASH returns for input it
// rejects: not well-formed XML, no MPD root element, or values that make
// the segment addressing meaningless (a zero timescale, a non-positive
// segment duration, a negative period duration).
var ErrInvalidMPD = errors.New("invalid MPD")

// mpdNamespace is the DASH MPD namespace (compared case-insensitively:
// early MPDs wrote "urn:mpeg:DASH:schema:MPD:2011").
const mpdNamespace = "urn:mpeg:dash:schema:mpd:2011"

// maxTimelineEntries caps the S elements of one SegmentTimeline;
// maxPatternSegments caps the segments the S elements that use a Pattern
// may describe in one timeline (they are expanded into plain entries: a
// day of 0.5 s segments is 172,800).
const (
	maxTimelineEntries = 1 << 22
	maxPatternSegments = 1 << 18
)

// Segment information attributes and elements present on one level
// (bits of dashSegInfo.set).
const (
	siTimescale uint32 = 1 << iota
	siPTO
	siStartNumber
	siEndNumber
	siDuration
	siATO
	siATC
	siMedia
	siInitAttr
	siIndexRange
	siInit
	siRepIndex
	siTimeline
	siSegURLs
)

// Segment information kinds, by precedence.
const (
	segKindBase byte = iota + 1
	segKindList
	segKindTemplate
)

// dashURLRange is an Initialization or RepresentationIndex element.
type dashURLRange struct {
	sourceURL string
	rng       ByteRange
}

// dashSegURL is a SegmentURL element.
type dashSegURL struct {
	media string
	rng   ByteRange
}

// dashSegInfo is one SegmentBase, SegmentList or SegmentTemplate element
// as written; set says which attributes and children it carries, so that
// levels can be merged attribute by attribute.
type dashSegInfo struct {
	kind           byte
	set            uint32
	timescale      uint64
	pto            uint64
	startNumber    uint64
	endNumber      uint64
	duration       uint64
	ato            time.Duration // negative: INF
	atc            bool
	media          string
	initialization string
	indexRange     ByteRange
	init           dashURLRange
	repIndex       dashURLRange
	timeline       []TimelineEntry
	segURLs        []dashSegURL
	line           int
}

// merge overlays the attributes and children that c sets onto s.
func (s *dashSegInfo) merge(c *dashSegInfo) {
	s.set |= c.set
	s.kind = c.kind
	s.line = c.line
	if c.set&siTimescale != 0 {
		s.timescale = c.timescale
	}
	if c.set&siPTO != 0 {
		s.pto = c.pto
	}
	if c.set&siStartNumber != 0 {
		s.startNumber = c.startNumber
	}
	if c.set&siEndNumber != 0 {
		s.endNumber = c.endNumber
	}
	if c.set&siDuration != 0 {
		s.duration = c.duration
	}
	if c.set&siATO != 0 {
		s.ato = c.ato
	}
	if c.set&siATC != 0 {
		s.atc = c.atc
	}
	if c.set&siMedia != 0 {
		s.media = c.media
	}
	if c.set&siInitAttr != 0 {
		s.initialization = c.initialization
	}
	if c.set&siIndexRange != 0 {
		s.indexRange = c.indexRange
	}
	if c.set&siInit != 0 {
		s.init = c.init
	}
	if c.set&siRepIndex != 0 {
		s.repIndex = c.repIndex
	}
	if c.set&siTimeline != 0 {
		s.timeline = c.timeline
	}
	if c.set&siSegURLs != 0 {
		s.segURLs = c.segURLs
	}
}

// dashLevel holds what Period, AdaptationSet and Representation share:
// BaseURLs, segment information and the common attributes.
type dashLevel struct {
	baseURLs []dashRawBaseURL
	seg      *dashSegInfo
	cps      []ContentProtection

	mimeType, codecs, lang, contentType string
	width, height                       int
	frameRate                           float64
	audioSamplingRate, audioChannels    int
}

type dashRawRep struct {
	dashLevel
	id        string
	bandwidth int64
	line      int
}

type dashRawAS struct {
	dashLevel
	id             string
	label          string
	roles          []string
	accessibility  []string
	componentTypes []string
	trick          bool
	reps           []*dashRawRep
	line           int
}

type dashRawPeriod struct {
	dashLevel
	id                    string
	start, duration       time.Duration
	hasStart, hasDuration bool
	sets                  []*dashRawAS
	events                []EventStream
	line                  int
}

type dashRawMPD struct {
	baseURLs  []dashRawBaseURL
	dynamic   bool
	profiles  string
	duration  time.Duration
	hasDur    bool
	minBuffer time.Duration
	maxSegDur time.Duration
	timing    LiveTiming
	locations []string
	periods   []*dashRawPeriod
	utc       []UTCTiming
	service   *ServiceDescription
	steering  *ContentSteering
}

// dashDecoder streams the MPD with encoding/xml's RawToken into the raw
// structures above, checking element nesting itself (RawToken does not).
type dashDecoder struct {
	d        *xml.Decoder
	data     []byte
	url      string
	names    []xml.Name
	warnings []string
	scratch  []TimelineEntry
	// converted is true when a CharsetReader re-encoded the input, so
	// decoder offsets no longer index data.
	converted bool
	// resolved memoises resolveAll for the base list resolvedFor.
	resolved    map[string][]string
	resolvedFor []BaseURL
}

// ParseDASH parses a DASH MPD. docURL is where it was loaded from (URL or
// file path); every relative reference is resolved against it, through
// the BaseURL elements of all levels.
//
// Deviations real players tolerate (no MPD namespace, dates without a
// time zone, unknown template identifiers, unparsable optional
// attributes) are kept in Presentation.Warnings. Errors wrap
// ErrInvalidMPD and name docURL and the line.
func ParseDASH(data []byte, docURL string) (*Presentation, error) {
	dd := &dashDecoder{data: data, url: docURL}
	raw, err := dd.decode()
	if err != nil {
		return nil, err
	}
	return dd.build(raw)
}

func (dd *dashDecoder) line() int {
	l, _ := dd.d.InputPos()
	return l
}

// errf returns an ErrInvalidMPD error naming the document and line.
func (dd *dashDecoder) errf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: line %d: %s", ErrInvalidMPD, dd.url, dd.line(), fmt.Sprintf(format, args...))
}

// wrapAt returns an ErrInvalidMPD error that also wraps err (e.g.
// ErrTooManySegments), naming the document, the line and what.
func (dd *dashDecoder) wrapAt(line int, what string, err error) error {
	return fmt.Errorf("%w: %s: line %d: %s: %w", ErrInvalidMPD, dd.url, line, what, err)
}

func (dd *dashDecoder) warnf(format string, args ...any) {
	if len(dd.warnings) >= 200 {
		return
	}
	dd.warnings = append(dd.warnings, fmt.Sprintf("line %d: ", dd.line())+fmt.Sprintf(format, args...))
}

// token returns the next token, keeping the element stack and rejecting
// mismatched end tags and truncated documents.
func (dd *dashDecoder) token() (xml.Token, error) {
	tok, err := dd.d.RawToken()
	if err != nil {
		if errors.Is(err, io.EOF) {
			if len(dd.names) > 0 {
				return nil, dd.errf("document ends inside <%s> (truncated?)", dd.names[len(dd.names)-1].Local)
			}
			return nil, dd.errf("unexpected end of document")
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidMPD, dd.url, err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		dd.names = append(dd.names, t.Name)
	case xml.EndElement:
		n := len(dd.names)
		if n == 0 || dd.names[n-1] != t.Name {
			return nil, dd.errf("unexpected end tag </%s>", t.Name.Local)
		}
		dd.names = dd.names[:n-1]
	}
	return tok, nil
}

// skip consumes the rest of the element whose start tag was just read.
func (dd *dashDecoder) skip() error {
	depth := len(dd.names)
	for len(dd.names) >= depth {
		if _, err := dd.token(); err != nil {
			return err
		}
	}
	return nil
}

// children reads the child elements of the element whose start tag was
// just read, up to its end tag. fn gets each child's start tag and
// reports whether it consumed the child up to its end tag; a child it
// did not consume is skipped. Text between children is ignored.
func (dd *dashDecoder) children(fn func(c xml.StartElement) (bool, error)) error {
	for {
		tok, err := dd.token()
		if err != nil {
			return err
		}
		switch c := tok.(type) {
		case xml.StartElement:
			consumed, err := fn(c)
			if err != nil {
				return err
			}
			if !consumed {
				if err := dd.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

// text returns the character data of the element whose start tag was
// just read (child elements are skipped), trimmed.
func (dd *dashDecoder) text() (string, error) {
	var b []byte
	for {
		tok, err := dd.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.StartElement:
			if err := dd.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return string(bytes.TrimSpace(b)), nil
		}
	}
}

// dashCharsetReader accepts the encodings MPDs declare besides UTF-8.
func dashCharsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1", "windows-1252":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", charset)
}

func (dd *dashDecoder) decode() (*dashRawMPD, error) {
	if len(bytes.TrimSpace(dd.data)) == 0 {
		return nil, fmt.Errorf("%w: %s: empty document", ErrInvalidMPD, dd.url)
	}
	dd.d = xml.NewDecoder(bytes.NewReader(dd.data))
	dd.d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		dd.converted = true
		return dashCharsetReader(charset, input)
	}
	for {
		before := dd.d.InputOffset()
		tok, err := dd.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "MPD" {
				return nil, dd.errf("root element is <%s>, not <MPD>", t.Name.Local)
			}
			if after := dd.d.InputOffset(); !dd.converted && before >= 0 && after <= int64(len(dd.data)) && before <= after &&
				gluedAttributes(dd.data[before:after]) {
				dd.warnf("attributes of <MPD> not separated by white space (not well-formed XML); read as encoding/xml splits them")
			}
			return dd.mpd(t)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, dd.errf("text before the root element")
			}
		}
	}
}

// gluedAttributes reports whether a start tag has an attribute that
// follows the closing quote of the previous one without white space
// (a="1"b="2"), which XML forbids but encoding/xml accepts.
func gluedAttributes(tag []byte) bool {
	var quote byte
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
				if i+1 < len(tag) {
					n := tag[i+1]
					if n == '_' || n == ':' || (n|0x20 >= 'a' && n|0x20 <= 'z') {
						return true
					}
				}
			}
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return false
}

// Attribute helpers. Optional attributes that do not parse are reported
// as warnings and ignored.

func (dd *dashDecoder) attrUint(a xml.Attr) (uint64, bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(a.Value), 10, 64)
	if err != nil {
		dd.warnf("%s=%q is not an unsigned integer; ignored", a.Name.Local, a.Value)
		return 0, false
	}
	return v, true
}

func (dd *dashDecoder) attrInt(a xml.Attr) (int, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 32)
	if err != nil {
		dd.warnf("%s=%q is not an integer; ignored", a.Name.Local, a.Value)
		return 0, false
	}
	return int(v), true
}

func (dd *dashDecoder) attrDuration(a xml.Attr) (time.Duration, bool) {
	r, err := parseDashDuration(strings.TrimSpace(a.Value))
	if err != nil {
		dd.warnf("%s: %v; ignored", a.Name.Local, err)
		return 0, false
	}
	if r.approx {
		dd.warnf("%s=%q uses years or months; approximated as %s (mean Gregorian year)", a.Name.Local, a.Value, r.d)
	}
	if r.lenient {
		dd.warnf("%s=%q is not a valid xs:duration lexically; read as %s", a.Name.Local, a.Value, r.d)
	}
	return r.d, true
}

func (dd *dashDecoder) attrDateTime(a xml.Attr) time.Time {
	t, noZone, err := parseDashDateTime(a.Value)
	if err != nil {
		dd.warnf("%s: %v; ignored", a.Name.Local, err)
		return time.Time{}
	}
	if noZone {
		dd.warnf("%s=%q has no time zone; taken as UTC", a.Name.Local, a.Value)
	}
	return t
}

// attrATO parses availabilityTimeOffset (xs:double seconds or "INF").
func (dd *dashDecoder) attrATO(a xml.Attr) (time.Duration, bool) {
	v := strings.TrimSpace(a.Value)
	if v == "INF" || v == "+INF" {
		return -1, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != f {
		dd.warnf("availabilityTimeOffset=%q is not a number; ignored", a.Value)
		return 0, false
	}
	if f < 0 {
		dd.warnf("availabilityTimeOffset=%q is negative; taken as 0", a.Value)
		return 0, true
	}
	if f > 1e9 {
		return -1, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// parseRange parses a byte range "first-last".
func parseRange(s string) (ByteRange, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return ByteRange{}, false
	}
	first, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	last, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first || last == 1<<63-1 {
		return ByteRange{}, false
	}
	return ByteRange{Offset: first, Length: last - first + 1}, true
}

func (dd *dashDecoder) attrRange(a xml.Attr) (ByteRange, bool) {
	r, ok := parseRange(a.Value)
	if !ok {
		dd.warnf("%s=%q is not a byte range; ignored", a.Name.Local, a.Value)
	}
	return r, ok
}

// parseFrameRate parses "25", "29.97" or "30000/1001".
func parseFrameRate(s string) (float64, bool) {
	n, d, frac := strings.Cut(strings.TrimSpace(s), "/")
	num, err := strconv.ParseFloat(n, 64)
	if err != nil || num < 0 || num != num {
		return 0, false
	}
	if !frac {
		return num, true
	}
	den, err := strconv.ParseFloat(d, 64)
	if err != nil || den <= 0 {
		return 0, false
	}
	return num / den, true
}

// commonAttr handles the attributes AdaptationSet and Representation
// share; it reports whether a was one of them.
func (dd *dashDecoder) commonAttr(l *dashLevel, a xml.Attr) bool {
	switch a.Name.Local {
	case "mimeType":
		l.mimeType = strings.TrimSpace(a.Value)
	case "codecs":
		l.codecs = strings.TrimSpace(a.Value)
	case "lang":
		l.lang = strings.TrimSpace(a.Value)
	case "contentType":
		l.contentType = strings.TrimSpace(a.Value)
	case "width":
		l.width, _ = dd.attrInt(a)
	case "height":
		l.height, _ = dd.attrInt(a)
	case "frameRate":
		if f, ok := parseFrameRate(a.Value); ok {
			l.frameRate = f
		} else {
			dd.warnf("frameRate=%q ignored", a.Value)
		}
	case "audioSamplingRate":
		first, _, _ := strings.Cut(strings.TrimSpace(a.Value), " ")
		if v, err := strconv.Atoi(first); err == nil {
			l.audioSamplingRate = v
		} else {
			dd.warnf("audioSamplingRate=%q ignored", a.Value)
		}
	default:
		return false
	}
	return true
}

// commonChild handles the child elements the three levels share; it
// reports whether it consumed the element.
func (dd *dashDecoder) commonChild(l *dashLevel, t xml.StartElement) (bool, error) {
	switch t.Name.Local {
	case "BaseURL":
		b, err := dd.baseURL(t)
		if err != nil {
			return true, err
		}
		l.baseURLs = append(l.baseURLs, b)
	case "SegmentBase", "SegmentList", "SegmentTemplate":
		si, err := dd.segInfo(t)
		if err != nil {
			return true, err
		}
		if l.seg != nil && l.seg.kind != si.kind {
			dd.warnf("more than one of SegmentBase, SegmentList and SegmentTemplate on one level; SegmentTemplate, then SegmentList wins")
			if si.kind < l.seg.kind {
				return true, nil
			}
		}
		l.seg = si
	case "ContentProtection":
		cp, err := dd.contentProtection(t)
		if err != nil {
			return true, err
		}
		l.cps = append(l.cps, cp)
	case "AudioChannelConfiguration":
		for _, a := range t.Attr {
			if a.Name.Local == "value" {
				if v, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil {
					l.audioChannels = v
				}
			}
		}
		return true, dd.skip()
	default:
		return false, nil
	}
	return true, nil
}

func (dd *dashDecoder) baseURL(t xml.StartElement) (dashRawBaseURL, error) {
	var b dashRawBaseURL
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "serviceLocation":
			b.serviceLocation = a.Value
		case "priority":
			if v, ok := dd.attrInt(a); ok {
				b.priority, b.hasPriority = v, true
			}
		case "weight":
			if v, ok := dd.attrInt(a); ok {
				b.weight, b.hasWeight = v, true
			}
		case "availabilityTimeOffset":
			b.ato, b.hasATO = dd.attrATO(a)
		}
	}
	s, err := dd.text()
	b.url = s
	return b, err
}

func (dd *dashDecoder) contentProtection(t xml.StartElement) (ContentProtection, error) {
	var cp ContentProtection
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "schemeIdUri":
			cp.SchemeIDURI = a.Value
		case "value":
			cp.Value = a.Value
		case "default_KID":
			cp.DefaultKID = a.Value
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		if c.Name.Local != "pssh" {
			return false, nil
		}
		s, err := dd.text()
		cp.PSSH = s
		return true, err
	})
	return cp, err
}

func (dd *dashDecoder) mpd(t xml.StartElement) (*dashRawMPD, error) {
	m := &dashRawMPD{}
	nsOK := false
	prefix := t.Name.Space
	for _, a := range t.Attr {
		if (prefix == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
			(prefix != "" && a.Name.Space == "xmlns" && a.Name.Local == prefix) {
			if strings.EqualFold(strings.TrimSpace(a.Value), mpdNamespace) {
				nsOK = true
			}
			continue
		}
		if a.Name.Space == "xmlns" {
			continue
		}
		switch a.Name.Local {
		case "type":
			switch strings.TrimSpace(a.Value) {
			case "dynamic":
				m.dynamic = true
			case "static":
			default:
				dd.warnf("MPD@type=%q unknown; taken as static", a.Value)
			}
		case "profiles":
			m.profiles = a.Value
		case "mediaPresentationDuration":
			if d, ok := dd.attrDuration(a); ok {
				if d < 0 {
					return nil, dd.errf("mediaPresentationDuration %q is negative", a.Value)
				}
				m.duration, m.hasDur = d, true
			}
		case "minBufferTime":
			m.minBuffer, _ = dd.attrDuration(a)
		case "maxSegmentDuration":
			m.maxSegDur, _ = dd.attrDuration(a)
		case "availabilityStartTime":
			m.timing.AvailabilityStart = dd.attrDateTime(a)
		case "publishTime":
			m.timing.PublishTime = dd.attrDateTime(a)
		case "timeShiftBufferDepth":
			m.timing.TimeShiftBufferDepth, _ = dd.attrDuration(a)
		case "minimumUpdatePeriod":
			m.timing.MinimumUpdatePeriod, _ = dd.attrDuration(a)
		case "suggestedPresentationDelay":
			m.timing.SuggestedPresentationDelay, _ = dd.attrDuration(a)
		}
	}
	if !nsOK {
		dd.warnf("MPD element without the MPD namespace %q", mpdNamespace)
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		switch c.Name.Local {
		case "BaseURL":
			b, err := dd.baseURL(c)
			if err != nil {
				return true, err
			}
			m.baseURLs = append(m.baseURLs, b)
		case "Location":
			s, err := dd.text()
			if err != nil {
				return true, err
			}
			if s != "" {
				m.locations = append(m.locations, s)
			}
		case "Period":
			p, err := dd.period(c)
			if err != nil {
				return true, err
			}
			m.periods = append(m.periods, p)
		case "UTCTiming":
			var u UTCTiming
			for _, a := range c.Attr {
				switch a.Name.Local {
				case "schemeIdUri":
					u.SchemeIDURI = a.Value
				case "value":
					u.Value = a.Value
				}
			}
			m.utc = append(m.utc, u)
			return false, nil
		case "ServiceDescription":
			return true, dd.serviceDescription(c, m)
		case "ContentSteering":
			cs, err := dd.contentSteering(c)
			if err != nil {
				return true, err
			}
			m.steering = cs
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (dd *dashDecoder) contentSteering(t xml.StartElement) (*ContentSteering, error) {
	cs := &ContentSteering{}
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "defaultServiceLocation":
			cs.DefaultPathway = strings.TrimSpace(a.Value)
		case "queryBeforeStart":
			cs.QueryBeforeStart = strings.TrimSpace(a.Value) == "true"
		}
	}
	s, err := dd.text()
	cs.ServerURL = s
	return cs, err
}

// serviceDescription reads a ServiceDescription (the first one wins) and
// a ContentSteering element misplaced inside it, as dash.js's own sample
// does.
func (dd *dashDecoder) serviceDescription(t xml.StartElement, m *dashRawMPD) error {
	sd := &ServiceDescription{}
	ms := func(a xml.Attr) time.Duration {
		v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
		if err != nil || v < 0 || v > 1e12 {
			dd.warnf("Latency@%s=%q ignored", a.Name.Local, a.Value)
			return 0
		}
		return time.Duration(v * float64(time.Millisecond))
	}
	rate := func(a xml.Attr) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
		if err != nil || v < 0 || v != v {
			dd.warnf("PlaybackRate@%s=%q ignored", a.Name.Local, a.Value)
			return 0
		}
		return v
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		switch c.Name.Local {
		case "Latency":
			for _, a := range c.Attr {
				switch a.Name.Local {
				case "target":
					sd.TargetLatency = ms(a)
				case "min":
					sd.MinLatency = ms(a)
				case "max":
					sd.MaxLatency = ms(a)
				}
			}
		case "PlaybackRate":
			for _, a := range c.Attr {
				switch a.Name.Local {
				case "min":
					sd.MinPlaybackRate = rate(a)
				case "max":
					sd.MaxPlaybackRate = rate(a)
				}
			}
		case "ContentSteering":
			cs, err := dd.contentSteering(c)
			if err != nil {
				return true, err
			}
			if m.steering == nil {
				dd.warnf("ContentSteering inside ServiceDescription (it belongs to MPD); accepted")
				m.steering = cs
			}
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if m.service == nil {
		m.service = sd
	}
	return nil
}

func (dd *dashDecoder) period(t xml.StartElement) (*dashRawPeriod, error) {
	p := &dashRawPeriod{line: dd.line()}
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "id":
			p.id = a.Value
		case "start":
			if d, ok := dd.attrDuration(a); ok {
				if d < 0 {
					return nil, dd.errf("Period@start %q is negative", a.Value)
				}
				p.start, p.hasStart = d, true
			}
		case "duration":
			if d, ok := dd.attrDuration(a); ok {
				if d < 0 {
					return nil, dd.errf("Period@duration %q is negative", a.Value)
				}
				p.duration, p.hasDuration = d, true
			}
		case "href":
			if a.Name.Space == "xlink" || a.Name.Space == "" {
				dd.warnf("Period@xlink:href=%q not resolved (remote elements are not fetched)", a.Value)
			}
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		if ok, err := dd.commonChild(&p.dashLevel, c); ok {
			return true, err
		}
		switch c.Name.Local {
		case "AdaptationSet":
			as, err := dd.adaptationSet(c)
			if err != nil {
				return true, err
			}
			p.sets = append(p.sets, as)
		case "EventStream":
			es, err := dd.eventStream(c)
			if err != nil {
				return true, err
			}
			p.events = append(p.events, es)
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (dd *dashDecoder) eventStream(t xml.StartElement) (EventStream, error) {
	es := EventStream{Timescale: 1}
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "schemeIdUri":
			es.SchemeIDURI = a.Value
		case "value":
			es.Value = a.Value
		case "timescale":
			if v, ok := dd.attrUint(a); ok && v > 0 {
				es.Timescale = v
			}
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		if c.Name.Local != "Event" {
			return false, nil
		}
		ev := Event{}
		hasMsg := false
		for _, a := range c.Attr {
			switch a.Name.Local {
			case "id":
				ev.ID = a.Value
			case "presentationTime":
				ev.PresentationTime, _ = dd.attrUint(a)
			case "duration":
				ev.Duration, _ = dd.attrUint(a)
			case "messageData":
				ev.Data, hasMsg = a.Value, true
			}
		}
		inner, err := dd.innerXML()
		if err != nil {
			return true, err
		}
		if !hasMsg {
			ev.Data = inner
		}
		es.Events = append(es.Events, ev)
		return true, nil
	})
	return es, err
}

// innerXML returns the raw content of the element whose start tag was
// just read (text or markup, e.g. an SCTE-35 signal), trimmed.
func (dd *dashDecoder) innerXML() (string, error) {
	start := dd.d.InputOffset()
	depth := len(dd.names)
	for {
		before := dd.d.InputOffset()
		if _, err := dd.token(); err != nil {
			return "", err
		}
		if len(dd.names) < depth {
			if dd.converted || start < 0 || before > int64(len(dd.data)) || start > before {
				return "", nil
			}
			return string(bytes.TrimSpace(dd.data[start:before])), nil
		}
	}
}

func (dd *dashDecoder) adaptationSet(t xml.StartElement) (*dashRawAS, error) {
	as := &dashRawAS{line: dd.line()}
	for _, a := range t.Attr {
		if dd.commonAttr(&as.dashLevel, a) {
			continue
		}
		if a.Name.Local == "id" {
			as.id = a.Value
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		if ok, err := dd.commonChild(&as.dashLevel, c); ok {
			return true, err
		}
		switch c.Name.Local {
		case "Representation":
			r, err := dd.representation(c)
			if err != nil {
				return true, err
			}
			as.reps = append(as.reps, r)
			return true, nil
		case "Label":
			s, err := dd.text()
			if err != nil {
				return true, err
			}
			if as.label == "" {
				as.label = s
			}
			return true, nil
		case "Role", "Accessibility":
			var scheme, value string
			for _, a := range c.Attr {
				switch a.Name.Local {
				case "value":
					value = a.Value
				case "schemeIdUri":
					scheme = a.Value
				}
			}
			if value == "" {
				value = scheme
			}
			if c.Name.Local == "Role" {
				as.roles = append(as.roles, value)
			} else {
				as.accessibility = append(as.accessibility, value)
			}
		case "ContentComponent":
			for _, a := range c.Attr {
				if a.Name.Local == "contentType" {
					as.componentTypes = append(as.componentTypes, strings.TrimSpace(a.Value))
				}
			}
		case "EssentialProperty", "SupplementalProperty":
			for _, a := range c.Attr {
				if a.Name.Local == "schemeIdUri" && a.Value == "http://dashif.org/guidelines/trickmode" {
					as.trick = true
				}
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return as, nil
}

func (dd *dashDecoder) representation(t xml.StartElement) (*dashRawRep, error) {
	r := &dashRawRep{line: dd.line()}
	for _, a := range t.Attr {
		if dd.commonAttr(&r.dashLevel, a) {
			continue
		}
		switch a.Name.Local {
		case "id":
			r.id = a.Value
		case "bandwidth":
			if v, ok := dd.attrUint(a); ok {
				r.bandwidth = int64(min(v, 1<<62))
			}
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		return dd.commonChild(&r.dashLevel, c)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// urlRange reads an Initialization, RepresentationIndex or similar
// element (sourceURL and range attributes).
func (dd *dashDecoder) urlRange(t xml.StartElement, urlAttr, rangeAttr string) (dashURLRange, error) {
	var u dashURLRange
	for _, a := range t.Attr {
		switch a.Name.Local {
		case urlAttr:
			u.sourceURL = strings.TrimSpace(a.Value)
		case rangeAttr:
			u.rng, _ = dd.attrRange(a)
		}
	}
	return u, dd.skip()
}

func (dd *dashDecoder) segInfo(t xml.StartElement) (*dashSegInfo, error) {
	si := &dashSegInfo{line: dd.line()}
	switch t.Name.Local {
	case "SegmentBase":
		si.kind = segKindBase
	case "SegmentList":
		si.kind = segKindList
	default:
		si.kind = segKindTemplate
	}
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "timescale":
			if v, ok := dd.attrUint(a); ok {
				if v == 0 {
					return nil, dd.errf("%s@timescale is 0", t.Name.Local)
				}
				si.timescale = v
				si.set |= siTimescale
			}
		case "presentationTimeOffset":
			v := strings.TrimSpace(a.Value)
			if strings.HasPrefix(v, "-") {
				dd.warnf("presentationTimeOffset=%q is negative; taken as 0", a.Value)
				si.set |= siPTO
				continue
			}
			if n, ok := dd.attrUint(a); ok {
				si.pto = n
				si.set |= siPTO
			}
		case "startNumber":
			if v, ok := dd.attrUint(a); ok {
				si.startNumber = v
				si.set |= siStartNumber
			}
		case "endNumber":
			if v, ok := dd.attrUint(a); ok {
				si.endNumber = v
				si.set |= siEndNumber
			}
		case "duration":
			if v, ok := dd.attrUint(a); ok {
				if v == 0 {
					return nil, dd.errf("%s@duration is 0", t.Name.Local)
				}
				si.duration = v
				si.set |= siDuration
			} else {
				return nil, dd.errf("%s@duration=%q is not a positive integer", t.Name.Local, a.Value)
			}
		case "availabilityTimeOffset":
			if v, ok := dd.attrATO(a); ok {
				si.ato = v
				si.set |= siATO
			}
		case "availabilityTimeComplete":
			si.atc = strings.TrimSpace(a.Value) != "false"
			si.set |= siATC
		case "media":
			si.media = a.Value
			si.set |= siMedia
		case "initialization":
			si.initialization = a.Value
			si.set |= siInitAttr
		case "indexRange":
			if r, ok := dd.attrRange(a); ok {
				si.indexRange = r
				si.set |= siIndexRange
			}
		}
	}
	err := dd.children(func(c xml.StartElement) (bool, error) {
		switch c.Name.Local {
		case "Initialization", "Initialisation":
			u, err := dd.urlRange(c, "sourceURL", "range")
			if err != nil {
				return true, err
			}
			si.init = u
			si.set |= siInit
		case "RepresentationIndex":
			u, err := dd.urlRange(c, "sourceURL", "range")
			if err != nil {
				return true, err
			}
			si.repIndex = u
			si.set |= siRepIndex
		case "SegmentURL":
			u, err := dd.urlRange(c, "media", "mediaRange")
			if err != nil {
				return true, err
			}
			si.segURLs = append(si.segURLs, dashSegURL{media: u.sourceURL, rng: u.rng})
			si.set |= siSegURLs
		case "SegmentTimeline":
			tl, err := dd.timeline()
			if err != nil {
				return true, err
			}
			si.timeline = tl
			si.set |= siTimeline
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return si, nil
}

// fastUint parses a decimal attribute value without allocating; ok is
// false for anything else (the caller then reports it).
func fastUint(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		nv := v*10 + uint64(c-'0')
		if nv/10 != v {
			return 0, false
		}
		v = nv
	}
	return v, true
}

// dashPatternRef is an S element that refers to a Pattern.
type dashPatternRef struct {
	at    int // index in the entries
	id    string
	first int // pE
}

// timeline reads a SegmentTimeline: S elements (t, d, r, k, n) and the
// Pattern elements of the 6th edition, which are expanded into plain
// entries. Entries are collected in a scratch slice reused across
// timelines and copied out at the exact size.
func (dd *dashDecoder) timeline() ([]TimelineEntry, error) {
	entries := dd.scratch[:0]
	var patterns map[string][]TimelineEntry
	var refs []dashPatternRef
	err := dd.children(func(c xml.StartElement) (bool, error) {
		switch c.Name.Local {
		case "S":
			e, ref, hasRef, err := dd.sElement(c)
			if err != nil {
				return true, err
			}
			if hasRef {
				ref.at = len(entries)
				refs = append(refs, ref)
			}
			entries = append(entries, e)
			if len(entries) > maxTimelineEntries {
				return true, dd.errf("SegmentTimeline has more than %d S elements", maxTimelineEntries)
			}
		case "Pattern":
			id, pat, err := dd.pattern(c)
			if err != nil {
				return true, err
			}
			if patterns == nil {
				patterns = map[string][]TimelineEntry{}
			}
			patterns[id] = pat
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	dd.scratch = entries
	if len(refs) > 0 {
		return dd.expandPatterns(entries, refs, patterns)
	}
	out := make([]TimelineEntry, len(entries))
	copy(out, entries)
	return out, nil
}

// sElement parses the attributes of one S element.
func (dd *dashDecoder) sElement(c xml.StartElement) (e TimelineEntry, ref dashPatternRef, hasRef bool, err error) {
	hasD := false
	for _, a := range c.Attr {
		switch a.Name.Local {
		case "t":
			v, ok := fastUint(a.Value)
			if !ok {
				if v, ok = dd.attrUint(a); !ok {
					return e, ref, false, dd.errf("S@t=%q is not an unsigned integer", a.Value)
				}
			}
			e.T, e.HasT = v, true
		case "d":
			v, ok := fastUint(a.Value)
			if !ok {
				if v, ok = dd.attrUint(a); !ok {
					return e, ref, false, dd.errf("S@d=%q is not a positive integer", a.Value)
				}
			}
			e.D, hasD = v, true
		case "r":
			v, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 64)
			if err != nil || v < -1 {
				if err == nil {
					// Any negative value means "until the next S or the end".
					v = -1
				} else {
					return e, ref, false, dd.errf("S@r=%q is not an integer", a.Value)
				}
			}
			e.R = v
		case "k":
			if v, ok := dd.attrUint(a); ok {
				e.K = v
			}
		case "n":
			if v, ok := dd.attrUint(a); ok {
				e.N, e.HasN = v, true
			}
		case "p":
			ref.id, hasRef = a.Value, true
		case "pE":
			if v, ok := dd.attrInt(a); ok && v >= 0 {
				ref.first = v
			}
		}
	}
	if !hasD && !hasRef {
		return e, ref, false, dd.errf("S element without @d")
	}
	if e.D == 0 && !hasRef {
		return e, ref, false, dd.errf("S@d must be positive")
	}
	return e, ref, hasRef, nil
}

// pattern reads a Pattern element: P children with d and r.
func (dd *dashDecoder) pattern(t xml.StartElement) (string, []TimelineEntry, error) {
	var id string
	for _, a := range t.Attr {
		if a.Name.Local == "id" {
			id = a.Value
		}
	}
	var out []TimelineEntry
	err := dd.children(func(c xml.StartElement) (bool, error) {
		if c.Name.Local != "P" {
			return false, nil
		}
		var e TimelineEntry
		for _, a := range c.Attr {
			switch a.Name.Local {
			case "d":
				e.D, _ = dd.attrUint(a)
			case "r":
				if v, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 64); err == nil && v >= 0 {
					e.R = min(v, maxPatternSegments)
				}
			}
		}
		if e.D == 0 {
			return true, dd.errf("Pattern P@d must be positive")
		}
		out = append(out, e)
		return false, nil
	})
	if err != nil {
		return "", nil, err
	}
	return id, out, nil
}

// expandPatterns replaces every S that refers to a Pattern by plain
// entries: r+1 segments whose durations cycle through the pattern's P
// elements starting at entry pE.
func (dd *dashDecoder) expandPatterns(entries []TimelineEntry, refs []dashPatternRef, patterns map[string][]TimelineEntry) ([]TimelineEntry, error) {
	var out []TimelineEntry
	next := 0
	var expanded int64
	for i, e := range entries {
		if next >= len(refs) || refs[next].at != i {
			out = append(out, e)
			continue
		}
		ref := refs[next]
		next++
		pat := patterns[ref.id]
		if len(pat) == 0 {
			return nil, dd.errf("S@p=%q refers to no Pattern", ref.id)
		}
		count := e.R + 1
		if e.R < 0 {
			dd.warnf("S@r=-1 with a Pattern: the pattern is applied once")
			count = 0
			for _, p := range pat {
				count += p.R + 1
			}
		}
		expanded += count
		if count > maxPatternSegments || expanded > maxPatternSegments {
			return nil, dd.errf("S elements with Pattern describe more than %d segments", maxPatternSegments)
		}
		pi := ref.first % len(pat)
		left := pat[pi].R + 1
		first := true
		for count > 0 {
			n := min(left, count)
			ne := TimelineEntry{D: pat[pi].D, R: n - 1}
			if first {
				ne.T, ne.HasT, ne.N, ne.HasN, ne.K = e.T, e.HasT, e.N, e.HasN, e.K
				first = false
			}
			if len(out) > 0 && !ne.HasT && !ne.HasN && out[len(out)-1].D == ne.D && out[len(out)-1].R >= 0 && out[len(out)-1].K == ne.K {
				out[len(out)-1].R += n
			} else {
				out = append(out, ne)
			}
			if len(out) > maxTimelineEntries {
				return nil, dd.errf("SegmentTimeline expands to more than %d entries", maxTimelineEntries)
			}
			count -= n
			left -= n
			if left == 0 {
				pi = (pi + 1) % len(pat)
				left = pat[pi].R + 1
			}
		}
	}
	return out, nil
}
