package manifest

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseHLSMedia parses an HLS media playlist into a segment index with
// Addressing AddrPlaylist. playlistURL (a URL or a file path) is where
// the playlist came from; relative URIs are resolved against it and it
// names the input in errors and warnings. Warnings for tolerated
// deviations are in the result's Playlist.Warnings.
//
// Segment Number is the media sequence number, Start the sum of the
// durations of the segments before it in this playlist (0 for the first
// one listed, also after EXT-X-SKIP), and URLs holds the one resolved
// URI. A playlist that IMPORTs variables fails here with ErrHLSVariable;
// load it through its multivariant playlist instead.
func ParseHLSMedia(data []byte, playlistURL string) (*SegmentIndex, error) {
	return parseHLSMedia(data, playlistURL, nil)
}

// parseHLSMedia parses a media playlist whose multivariant playlist
// defined parent (nil when parsed alone).
func parseHLSMedia(data []byte, src string, parent map[string]string) (*SegmentIndex, error) {
	p := hlsMediaParser{src: src, res: newHLSResolver(src), parent: parent}
	p.warn.src = src
	r, err := hlsStart(data, src, &p.warn)
	if err != nil {
		return nil, err
	}
	if kind, line, tag := hlsKind(r.src[r.pos:], r.line); kind == hlsMultivariant {
		return nil, hlsErr(src, line, ErrHLSSyntax, "multivariant playlist tag %s in what should be a media playlist", tag)
	}
	if err := p.run(r); err != nil {
		return nil, err
	}
	return p.idx, nil
}

// hlsMediaParser holds the state of one media playlist parse.
type hlsMediaParser struct {
	src    string
	res    hlsResolver
	parent map[string]string
	vars   hlsVars
	warn   hlsWarnings
	attrs  []hlsAttr

	idx     *SegmentIndex
	pl      *MediaPlaylist
	seen    map[string]int  // once-only tags -> line
	anyTag  bool            // a media playlist tag was seen
	urlPool []string        // backing store of the segments' URLs slices
	arena   strings.Builder // backing store of resolved URLs

	// Carried to the next URI line.
	inf      bool
	infLine  int
	dur      time.Duration
	durBad   bool // the EXTINF duration was unreadable
	title    string
	rng      ByteRange
	rngSet   bool
	rngOff   bool
	rngLine  int
	disc     bool
	pdt      time.Time
	pdtSet   bool
	gap      bool
	endLine  int // line of EXT-X-ENDLIST, 0 when absent
	afterEnd bool

	// Persisting across segments.
	start     time.Duration
	discSeq   uint64
	init      *InitSegment
	keys      []*Key
	nextPDT   time.Time
	firstPDT  bool             // a PDT has been stated
	segEnds   map[string]int64 // end of the last segment range per resource
	partEnds  map[string]int64 // end of the last part range per resource
	lastRange string           // resource of the previous segment when it had a range
}

func (p *hlsMediaParser) errf(line int, format string, args ...any) error {
	return hlsErr(p.src, line, ErrHLSSyntax, format, args...)
}

// once records a tag that may appear only once per playlist.
func (p *hlsMediaParser) once(tag string, line int) error {
	if prev, dup := p.seen[tag]; dup {
		return p.errf(line, "%s appears twice (first on line %d)", tag, prev)
	}
	if p.seen == nil {
		p.seen = make(map[string]int)
	}
	p.seen[tag] = line
	return nil
}

// beforeSegments rejects tags that must precede the first segment.
func (p *hlsMediaParser) beforeSegments(tag string, line int) error {
	if len(p.idx.Segments) > 0 {
		return p.errf(line, "%s after the first media segment", tag)
	}
	return nil
}

// parseAttrs parses and substitutes the attribute list of a tag.
func (p *hlsMediaParser) parseAttrs(tag, value string, line int) ([]hlsAttr, error) {
	attrs, clean := hlsParseAttrs(value, p.attrs)
	p.attrs = attrs
	if !clean {
		p.warn.add("attrs-"+tag, line, "malformed attribute list in %s repaired", tag)
	}
	if err := p.vars.substAttrs(attrs); err != nil {
		return nil, hlsErr(p.src, line, ErrHLSVariable, "%s: %v", tag, err)
	}
	return attrs, nil
}

func (p *hlsMediaParser) run(r *hlsReader) error {
	uriLines, uriBytes := hlsCountURILines(r.src[r.pos:])
	p.pl = &MediaPlaylist{URL: p.src, Loaded: true}
	p.idx = &SegmentIndex{
		Addressing:               AddrPlaylist,
		Timescale:                1,
		AvailabilityTimeComplete: true,
		Playlist:                 p.pl,
		Segments:                 make([]Segment, 0, uriLines),
	}
	p.urlPool = make([]string, uriLines)
	p.arena.Grow(uriLines*len(p.res.dir) + uriBytes)
	for {
		line, n, padded, ok := r.next()
		if !ok {
			break
		}
		if padded {
			p.warn.add("whitespace", n, "blanks around a line trimmed")
		}
		if line[0] != '#' {
			if err := p.uri(line, n); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(line, "#EXT") {
			continue // comment
		}
		if err := p.tag(line, n); err != nil {
			return err
		}
	}
	return p.finish()
}

// tag handles one tag line.
func (p *hlsMediaParser) tag(line string, n int) error {
	name, value := hlsTag(line)
	value = hlsTagValue(name, value, n, &p.warn)
	switch name {
	case "#EXTINF":
		return p.extinf(value, n)
	case "#EXT-X-TARGETDURATION":
		p.anyTag = true
		if err := p.once(name, n); err != nil {
			return err
		}
		d, err := hlsDecimalDuration(value)
		if err != nil {
			return p.errf(n, "EXT-X-TARGETDURATION: %v", err)
		}
		if d%time.Second != 0 {
			p.warn.add("td-fraction", n, "EXT-X-TARGETDURATION %q is not an integer", value)
		}
		p.pl.TargetDuration = d
	case "#EXT-X-MEDIA-SEQUENCE":
		p.anyTag = true
		v, err := p.sequence(name, value, n)
		if err != nil {
			return err
		}
		p.pl.MediaSequence = v
	case "#EXT-X-DISCONTINUITY-SEQUENCE":
		p.anyTag = true
		v, err := p.sequence(name, value, n)
		if err != nil {
			return err
		}
		p.pl.DiscontinuitySequence = v
		p.discSeq = v
	case "#EXT-X-ENDLIST":
		p.anyTag = true
		if err := p.once(name, n); err != nil {
			return err
		}
		p.pl.EndList = true
		p.endLine = n
	case "#EXT-X-PLAYLIST-TYPE":
		p.anyTag = true
		if err := p.once(name, n); err != nil {
			return err
		}
		switch value {
		case "VOD", "EVENT":
			p.pl.PlaylistType = value
		default:
			p.warn.add("playlist-type", n, "EXT-X-PLAYLIST-TYPE %q is neither VOD nor EVENT; ignored", hlsClip(value))
		}
	case "#EXT-X-I-FRAMES-ONLY":
		p.anyTag = true
		p.pl.IFramesOnly = true
	case "#EXT-X-INDEPENDENT-SEGMENTS":
		p.pl.IndependentSegments = true
	case "#EXT-X-VERSION":
		v, err := strconv.Atoi(value)
		if err != nil || v < 1 {
			p.warn.add("version", n, "EXT-X-VERSION %q is not a positive integer; ignored", hlsClip(value))
			return nil
		}
		if p.pl.Version != 0 && p.pl.Version != v {
			p.warn.add("version-twice", n, "EXT-X-VERSION given twice; the first (%d) is kept", p.pl.Version)
			return nil
		}
		p.pl.Version = v
	case "#EXT-X-ALLOW-CACHE":
		if value != "YES" && value != "NO" {
			p.warn.add("allow-cache", n, "EXT-X-ALLOW-CACHE %q (a removed tag) is neither YES nor NO; ignored", hlsClip(value))
		}
	case "#EXT-X-DEFINE":
		return p.define(value, n)
	case "#EXT-X-BYTERANGE":
		p.anyTag = true
		l, off, hasOff, emptyOff, err := hlsByteRange(value)
		if err != nil {
			return p.errf(n, "EXT-X-BYTERANGE: %v", err)
		}
		if emptyOff {
			p.warn.add("range-empty-offset", n, "EXT-X-BYTERANGE %q has an empty offset; taken as absent", value)
		}
		p.rng, p.rngSet, p.rngOff, p.rngLine = ByteRange{Offset: off, Length: l}, true, hasOff, n
	case "#EXT-X-DISCONTINUITY":
		p.anyTag = true
		p.disc = true
	case "#EXT-X-GAP":
		p.anyTag = true
		p.gap = true
	case "#EXT-X-PROGRAM-DATE-TIME":
		p.anyTag = true
		t, err := hlsProgramDateTime(value)
		if err != nil {
			p.warn.add("pdt", n, "EXT-X-PROGRAM-DATE-TIME %q is not a date-time; ignored", hlsClip(value))
			return nil
		}
		p.pdt, p.pdtSet = t, true
	case "#EXT-X-KEY":
		p.anyTag = true
		return p.key(value, n)
	case "#EXT-X-MAP":
		p.anyTag = true
		return p.xmap(value, n)
	case "#EXT-X-SERVER-CONTROL":
		p.anyTag = true
		return p.serverControl(value, n)
	case "#EXT-X-PART-INF":
		p.anyTag = true
		if err := p.once(name, n); err != nil {
			return err
		}
		attrs, err := p.parseAttrs(name, value, n)
		if err != nil {
			return err
		}
		v, _ := hlsGet(attrs, "PART-TARGET")
		d, err := hlsDecimalDuration(v)
		if err != nil {
			return p.errf(n, "EXT-X-PART-INF PART-TARGET: %v", err)
		}
		p.pl.PartTarget = d
	case "#EXT-X-PART":
		p.anyTag = true
		return p.part(value, n)
	case "#EXT-X-PRELOAD-HINT":
		p.anyTag = true
		return p.preloadHint(value, n)
	case "#EXT-X-SKIP":
		p.anyTag = true
		if err := p.once(name, n); err != nil {
			return err
		}
		if err := p.beforeSegments(name, n); err != nil {
			return err
		}
		attrs, err := p.parseAttrs(name, value, n)
		if err != nil {
			return err
		}
		v, _ := hlsGet(attrs, "SKIPPED-SEGMENTS")
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return p.errf(n, "EXT-X-SKIP SKIPPED-SEGMENTS %q is not a decimal integer", v)
		}
		p.pl.Skipped = s
	case "#EXT-X-DATERANGE", "#EXT-X-RENDITION-REPORT", "#EXT-X-BITRATE":
		p.anyTag = true
	}
	// Unknown tags are ignored (RFC 8216 4.1).
	return nil
}

// sequence reads the value of EXT-X-MEDIA-SEQUENCE or
// EXT-X-DISCONTINUITY-SEQUENCE (tag, with its "#"): a decimal integer
// stated once, before the first segment.
func (p *hlsMediaParser) sequence(tag, value string, line int) (uint64, error) {
	if err := p.once(tag, line); err != nil {
		return 0, err
	}
	if err := p.beforeSegments(tag, line); err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return 0, p.errf(line, "%s %q is not a decimal integer", strings.TrimPrefix(tag, "#"), value)
	}
	return v, nil
}

func (p *hlsMediaParser) extinf(value string, n int) error {
	p.anyTag = true
	if p.inf {
		p.warn.add("extinf-twice", n, "EXTINF without a URI line before the next EXTINF; the first is dropped")
	}
	d, title, comma := strings.Cut(value, ",")
	if !comma {
		p.warn.add("extinf-comma", n, "EXTINF without the comma after the duration")
	}
	dur, err := hlsDecimalDuration(strings.TrimSpace(d))
	p.durBad = err != nil
	if p.durBad {
		// As video.js does: the target duration stands in.
		p.warn.add("extinf-duration", n, "EXTINF duration: %v; the target duration is used", err)
	}
	p.inf, p.infLine, p.dur, p.title = true, n, dur, title
	return nil
}

func (p *hlsMediaParser) define(value string, n int) error {
	attrs, clean := hlsParseAttrs(value, p.attrs)
	p.attrs = attrs
	if !clean {
		p.warn.add("attrs-define", n, "malformed attribute list in EXT-X-DEFINE repaired")
	}
	err := hlsDefine(&p.vars, attrs, p.parent, p.src, true)
	if errors.Is(err, errHLSQueryParamAbsent) {
		p.warn.add("define-queryparam", n, "EXT-X-DEFINE: %v", err)
		return nil
	}
	if err != nil {
		return hlsErr(p.src, n, ErrHLSVariable, "EXT-X-DEFINE: %v", err)
	}
	return nil
}

// hlsDefine applies one EXT-X-DEFINE tag: NAME/VALUE, IMPORT (media
// playlists only, from parent) or QUERYPARAM (from the playlist URL).
func hlsDefine(v *hlsVars, attrs []hlsAttr, parent map[string]string, src string, media bool) error {
	if name, ok := hlsGet(attrs, "NAME"); ok {
		val, _ := hlsGet(attrs, "VALUE")
		val, err := v.subst(val)
		if err != nil {
			return err
		}
		return v.define(name, val)
	}
	if name, ok := hlsGet(attrs, "IMPORT"); ok {
		if !media {
			return errHLSImportInMultivariant
		}
		val, ok := parent[name]
		if !ok {
			return fmt.Errorf("IMPORT of %q, which no multivariant playlist defines", name)
		}
		return v.define(name, val)
	}
	if name, ok := hlsGet(attrs, "QUERYPARAM"); ok {
		u, err := url.Parse(src)
		if err != nil {
			return fmt.Errorf("QUERYPARAM %q: %v", name, err)
		}
		q := u.Query()
		if !q.Has(name) {
			// Left undefined: a reference to it fails, a playlist that
			// never uses it parses.
			return errHLSQueryParamAbsent
		}
		return v.define(name, q.Get(name))
	}
	return errors.New("neither NAME, IMPORT nor QUERYPARAM")
}

// errHLSQueryParamAbsent marks a QUERYPARAM the playlist URL lacks,
// which is tolerated with a warning.
var errHLSQueryParamAbsent = errors.New("QUERYPARAM not in the playlist URL; variable left undefined")

// errHLSImportInMultivariant marks an IMPORT in a multivariant playlist,
// which is tolerated with a warning.
var errHLSImportInMultivariant = errors.New("IMPORT is only allowed in media playlists")

func (p *hlsMediaParser) key(value string, n int) error {
	attrs, err := p.parseAttrs("EXT-X-KEY", value, n)
	if err != nil {
		return err
	}
	k, err := hlsKeyFrom(attrs, &p.res)
	if err != nil {
		return p.errf(n, "EXT-X-KEY: %v", err)
	}
	if k.Method == "NONE" {
		p.keys = nil
		return nil
	}
	// A new key replaces the one of the same KEYFORMAT; keys of other
	// formats (multi-DRM) stay in effect. The slice is rebuilt so that
	// segments already parsed keep theirs.
	keys := make([]*Key, 0, len(p.keys)+1)
	replaced := false
	for _, old := range p.keys {
		if hlsKeyFormat(old) == hlsKeyFormat(k) {
			keys = append(keys, k)
			replaced = true
		} else {
			keys = append(keys, old)
		}
	}
	if !replaced {
		keys = append(keys, k)
	}
	p.keys = keys
	return nil
}

func hlsKeyFormat(k *Key) string {
	if k.KeyFormat == "" {
		return "identity"
	}
	return k.KeyFormat
}

// hlsKeyFrom builds a Key from EXT-X-KEY or EXT-X-SESSION-KEY attributes.
func hlsKeyFrom(attrs []hlsAttr, res *hlsResolver) (*Key, error) {
	k := &Key{}
	k.Method, _ = hlsGet(attrs, "METHOD")
	if k.Method == "" {
		return nil, errors.New("no METHOD")
	}
	if uri, ok := hlsGet(attrs, "URI"); ok {
		k.URI = res.resolve(uri)
	} else if k.Method != "NONE" {
		return nil, fmt.Errorf("METHOD=%s without URI", k.Method)
	}
	k.IV, _ = hlsGet(attrs, "IV")
	k.KeyFormat, _ = hlsGet(attrs, "KEYFORMAT")
	k.KeyFormatVersions, _ = hlsGet(attrs, "KEYFORMATVERSIONS")
	return k, nil
}

func (p *hlsMediaParser) xmap(value string, n int) error {
	attrs, err := p.parseAttrs("EXT-X-MAP", value, n)
	if err != nil {
		return err
	}
	uri, ok := hlsGet(attrs, "URI")
	if !ok {
		return p.errf(n, "EXT-X-MAP without URI")
	}
	in := &InitSegment{URLs: []string{p.res.resolve(uri)}}
	if br, ok := hlsGet(attrs, "BYTERANGE"); ok {
		l, off, _, _, err := hlsByteRange(br)
		if err != nil {
			return p.errf(n, "EXT-X-MAP BYTERANGE: %v", err)
		}
		// Without an offset the sub-range starts at the beginning of
		// the resource.
		in.Range = ByteRange{Offset: off, Length: l}
	}
	if len(p.keys) > 0 {
		in.Key = p.keys[0]
	}
	p.init = in
	if p.idx.Init == nil {
		p.idx.Init = in
	}
	return nil
}

func (p *hlsMediaParser) serverControl(value string, n int) error {
	if err := p.once("#EXT-X-SERVER-CONTROL", n); err != nil {
		return err
	}
	attrs, err := p.parseAttrs("EXT-X-SERVER-CONTROL", value, n)
	if err != nil {
		return err
	}
	sc := &ServerControl{
		CanSkipDateRanges: hlsYes(attrs, "CAN-SKIP-DATERANGES"),
		CanBlockReload:    hlsYes(attrs, "CAN-BLOCK-RELOAD"),
	}
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"CAN-SKIP-UNTIL", &sc.CanSkipUntil}, {"HOLD-BACK", &sc.HoldBack}, {"PART-HOLD-BACK", &sc.PartHoldBack}} {
		v, ok := hlsGet(attrs, f.key)
		if !ok {
			continue
		}
		d, err := hlsDecimalDuration(v)
		if err != nil {
			return p.errf(n, "EXT-X-SERVER-CONTROL %s: %v", f.key, err)
		}
		*f.dst = d
	}
	p.pl.ServerControl = sc
	return nil
}

func (p *hlsMediaParser) part(value string, n int) error {
	attrs, err := p.parseAttrs("EXT-X-PART", value, n)
	if err != nil {
		return err
	}
	uri, ok := hlsGet(attrs, "URI")
	if !ok {
		return p.errf(n, "EXT-X-PART without URI")
	}
	dv, _ := hlsGet(attrs, "DURATION")
	d, err := hlsDecimalDuration(dv)
	if err != nil {
		return p.errf(n, "EXT-X-PART DURATION: %v", err)
	}
	pt := Part{
		Segment:     len(p.idx.Segments),
		URL:         p.res.resolveInto(&p.arena, uri),
		Duration:    d,
		Independent: hlsYes(attrs, "INDEPENDENT"),
		Gap:         hlsYes(attrs, "GAP"),
	}
	if br, ok := hlsGet(attrs, "BYTERANGE"); ok {
		l, off, hasOff, _, err := hlsByteRange(br)
		if err != nil {
			return p.errf(n, "EXT-X-PART BYTERANGE: %v", err)
		}
		// Without an offset, the part continues the previous part of the
		// same resource; the first part continues the last segment range
		// of that resource (the segment in progress follows it).
		if p.partEnds == nil {
			p.partEnds = make(map[string]int64)
		}
		if !hasOff {
			prev, ok := p.partEnds[pt.URL]
			if !ok {
				prev, ok = p.segEnds[pt.URL]
			}
			if !ok {
				p.warn.add("part-range-start", n, "EXT-X-PART BYTERANGE without offset and no earlier range of %s; offset 0 assumed", hlsClip(pt.URL))
			}
			if prev > math.MaxInt64-l {
				return p.errf(n, "EXT-X-PART BYTERANGE beyond the largest offset")
			}
			off = prev
		}
		pt.Range = ByteRange{Offset: off, Length: l}
		p.partEnds[pt.URL] = off + l
	}
	p.pl.Parts = append(p.pl.Parts, pt)
	return nil
}

func (p *hlsMediaParser) preloadHint(value string, n int) error {
	attrs, err := p.parseAttrs("EXT-X-PRELOAD-HINT", value, n)
	if err != nil {
		return err
	}
	typ, _ := hlsGet(attrs, "TYPE")
	uri, ok := hlsGet(attrs, "URI")
	if !ok {
		return p.errf(n, "EXT-X-PRELOAD-HINT without URI")
	}
	h := PreloadHint{Type: typ, URL: p.res.resolve(uri)}
	for _, f := range []struct {
		key string
		dst *int64
	}{{"BYTERANGE-START", &h.Range.Offset}, {"BYTERANGE-LENGTH", &h.Range.Length}} {
		v, ok := hlsGet(attrs, f.key)
		if !ok {
			continue
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x < 0 {
			return p.errf(n, "EXT-X-PRELOAD-HINT %s %q is not a decimal integer", f.key, v)
		}
		*f.dst = x
	}
	p.pl.PreloadHints = append(p.pl.PreloadHints, h)
	return nil
}

// uri handles a URI line: it completes the segment the preceding tags
// described.
func (p *hlsMediaParser) uri(line string, n int) error {
	if !p.inf {
		// Tolerated as video.js does, with the target duration standing
		// in, except for a gap: a gap segment is nothing but its
		// duration, so without EXTINF nothing of it remains.
		if p.gap {
			return p.errf(n, "EXT-X-GAP segment %q without EXTINF", hlsClip(line))
		}
		p.warn.add("no-extinf", n, "media segment URI without EXTINF; the target duration is used")
		p.durBad, p.title = true, ""
	}
	if p.endLine > 0 && !p.afterEnd {
		p.afterEnd = true
		p.warn.add("after-endlist", n, "media segment after EXT-X-ENDLIST (line %d)", p.endLine)
	}
	ref, err := p.vars.subst(line)
	if err != nil {
		return hlsErr(p.src, n, ErrHLSVariable, "%v", err)
	}
	u := p.res.resolveInto(&p.arena, ref)
	if p.durBad {
		p.dur = p.pl.TargetDuration
	}
	if p.dur > math.MaxInt64-p.start {
		return p.errf(n, "playlist longer than %v", time.Duration(math.MaxInt64))
	}
	if len(p.urlPool) == 0 {
		p.urlPool = make([]string, 64)
	}
	p.urlPool[0] = u
	urls := p.urlPool[0:1:1]
	p.urlPool = p.urlPool[1:]
	seg := Segment{
		Number:   p.pl.MediaSequence + p.pl.Skipped + uint64(len(p.idx.Segments)),
		Start:    p.start,
		Duration: p.dur,
		URLs:     urls,
		Init:     p.init,
		Gap:      p.gap,
		Title:    p.title,
		Keys:     p.keys,
	}
	if len(p.keys) > 0 {
		seg.Key = p.keys[0]
	}
	if p.disc {
		seg.Discontinuity = true
		p.discSeq++
	}
	seg.DiscontinuitySequence = p.discSeq
	if p.rngSet {
		if p.segEnds == nil {
			p.segEnds = make(map[string]int64)
		}
		if !p.rngOff {
			// RFC 8216 4.3.2.2: the range continues the previous
			// segment's, which must be of the same resource. Tolerated
			// otherwise: the last range of this resource is continued.
			prev, ok := p.segEnds[u]
			switch {
			case !ok:
				p.warn.add("range-start", p.rngLine, "EXT-X-BYTERANGE without offset and no previous range of %s; offset 0 assumed", hlsClip(u))
			case p.lastRange != u:
				p.warn.add("range-interleaved", p.rngLine, "EXT-X-BYTERANGE without offset after a segment of another resource; the last range of %s is continued", hlsClip(u))
			}
			if prev > math.MaxInt64-p.rng.Length {
				return p.errf(p.rngLine, "EXT-X-BYTERANGE beyond the largest offset")
			}
			p.rng.Offset = prev
		}
		seg.Range = p.rng
		p.segEnds[u] = p.rng.Offset + p.rng.Length
		p.lastRange = u
	} else {
		p.lastRange = ""
	}
	switch {
	case p.pdtSet:
		seg.ProgramDateTime = p.pdt
		if !p.firstPDT {
			p.firstPDT = true
			p.backfillPDT(seg)
		}
	case !p.nextPDT.IsZero() && !seg.Discontinuity:
		seg.ProgramDateTime = p.nextPDT
	}
	if !seg.ProgramDateTime.IsZero() {
		p.nextPDT = seg.ProgramDateTime.Add(seg.Duration)
	} else {
		p.nextPDT = time.Time{}
	}
	p.idx.Segments = append(p.idx.Segments, seg)
	p.start += p.dur
	p.inf, p.title, p.rngSet, p.rngOff, p.disc, p.pdtSet, p.gap = false, "", false, false, false, false, false
	return nil
}

// backfillPDT gives the segments before the first stated
// EXT-X-PROGRAM-DATE-TIME the times implied by their durations, back to
// the previous discontinuity (as hls.js does).
func (p *hlsMediaParser) backfillPDT(first Segment) {
	if first.Discontinuity {
		return
	}
	t := first.ProgramDateTime
	segs := p.idx.Segments
	for j := len(segs) - 1; j >= 0; j-- {
		t = t.Add(-segs[j].Duration)
		segs[j].ProgramDateTime = t
		if segs[j].Discontinuity {
			return
		}
	}
}

func (p *hlsMediaParser) finish() error {
	if p.inf {
		p.warn.add("extinf-dangling", p.infLine, "EXTINF without a URI line at the end; ignored")
	}
	if !p.anyTag && len(p.idx.Segments) == 0 {
		return p.errf(0, "neither a media nor a multivariant playlist: no playlist tags")
	}
	if p.pl.TargetDuration == 0 {
		if _, ok := p.seen["#EXT-X-TARGETDURATION"]; !ok {
			p.warn.add("no-td", 0, "no EXT-X-TARGETDURATION")
		}
	}
	if !p.pl.EndList && p.pl.PlaylistType == "VOD" {
		p.warn.add("vod-no-endlist", 0, "EXT-X-PLAYLIST-TYPE:VOD without EXT-X-ENDLIST; treated as live")
	}
	idx := p.idx
	idx.StartNumber = p.pl.MediaSequence + p.pl.Skipped
	if p.pl.EndList {
		idx.PeriodDuration = p.start
	}
	p.pl.Warnings = p.warn.done()
	return nil
}

// hlsPlaylistKind is what a playlist turned out to be.
type hlsPlaylistKind int

const (
	hlsMedia hlsPlaylistKind = iota
	hlsMultivariant
)

// hlsMultivariantTags are the tags that make a playlist a multivariant
// playlist.
var hlsMultivariantTags = [...]string{
	"#EXT-X-STREAM-INF:", "#EXT-X-I-FRAME-STREAM-INF:", "#EXT-X-MEDIA:",
	"#EXT-X-SESSION-DATA:", "#EXT-X-SESSION-KEY:", "#EXT-X-CONTENT-STEERING:",
}

// hlsKind scans s for multivariant playlist tags at line starts and
// returns the first one found with its line number (firstLine is the
// number of the line before s).
func hlsKind(s string, firstLine int) (kind hlsPlaylistKind, line int, tag string) {
	line = firstLine
	for len(s) > 0 {
		line++
		end := strings.IndexByte(s, '\n')
		l := s
		if end >= 0 {
			l, s = s[:end], s[end+1:]
		} else {
			s = ""
		}
		l = strings.TrimLeft(l, " \t")
		if !strings.HasPrefix(l, "#EXT-X-") {
			continue
		}
		for _, t := range hlsMultivariantTags {
			if strings.HasPrefix(l, t) {
				return hlsMultivariant, line, t[:len(t)-1]
			}
		}
	}
	return hlsMedia, 0, ""
}

// hlsCountURILines counts the lines that are neither blank nor tags, an
// upper bound of the number of segments, and their total length, to size
// the segment slice and the URL arena.
func hlsCountURILines(s string) (n, size int) {
	for len(s) > 0 {
		end := strings.IndexByte(s, '\n')
		line := s
		if end >= 0 {
			line, s = s[:end], s[end+1:]
		} else {
			s = ""
		}
		line = strings.TrimLeft(line, " \t\r")
		if line != "" && line[0] != '#' {
			n++
			size += len(line)
		}
	}
	return n, size
}
