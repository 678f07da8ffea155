package manifest

import (
	"errors"
	"strconv"
	"strings"
)

// Identifiers of the adaptation sets built from a multivariant playlist.
const (
	hlsVariantsSetID      = "variants"
	hlsAudioVariantsSetID = "variants-audio"
	hlsIFramesSetID       = "iframes"
)

// hlsRendition is one EXT-X-MEDIA tag.
type hlsRendition struct {
	line                                 int
	typ, group, name, lang, uri, instrID string
	def, auto, forced                    bool
	characteristics                      []string
	channels, sampleRate                 int
}

// hlsMultivariantParser holds the state of one multivariant parse.
type hlsMultivariantParser struct {
	src   string
	res   hlsResolver
	vars  hlsVars
	warn  hlsWarnings
	attrs []hlsAttr

	p          *Presentation
	variants   []*Representation
	varLines   []int // line of each variant's EXT-X-STREAM-INF
	iframes    []*Representation
	renditions []hlsRendition
	pending    *Representation // EXT-X-STREAM-INF waiting for its URI
	pendLine   int
	pendURI    string // URI attribute of the pending EXT-X-STREAM-INF
	mediaLine  int    // first media playlist tag, 0 when none
	mediaTag   string
}

// parseHLSMultivariant parses a multivariant playlist whose header r has
// already consumed.
func parseHLSMultivariant(r *hlsReader, src string, warn hlsWarnings) (*Presentation, error) {
	m := hlsMultivariantParser{src: src, res: newHLSResolver(src), warn: warn}
	m.p = &Presentation{Format: FormatHLS, URL: src}
	for {
		line, n, padded, ok := r.next()
		if !ok {
			break
		}
		if padded {
			m.warn.add("whitespace", n, "blanks around a line trimmed")
		}
		if line[0] != '#' {
			if err := m.uri(line, n); err != nil {
				return nil, err
			}
			continue
		}
		if !strings.HasPrefix(line, "#EXT") {
			continue
		}
		if err := m.tag(line, n); err != nil {
			return nil, err
		}
	}
	m.flushPending()
	if m.mediaLine > 0 {
		m.warn.add("mixed", m.mediaLine, "media playlist tag %s in a multivariant playlist; media playlist tags are ignored", m.mediaTag)
	}
	m.build()
	m.p.Warnings = m.warn.done()
	if len(m.vars.m) > 0 {
		m.p.Variables = m.vars.m
	}
	return m.p, nil
}

func (m *hlsMultivariantParser) parseAttrs(tag, value string, n int) ([]hlsAttr, error) {
	attrs, clean := hlsParseAttrs(value, m.attrs)
	m.attrs = attrs
	if !clean {
		m.warn.add("attrs-"+tag, n, "malformed attribute list in %s repaired", tag)
	}
	if err := m.vars.substAttrs(attrs); err != nil {
		return nil, hlsErr(m.src, n, ErrHLSVariable, "%s: %v", tag, err)
	}
	return attrs, nil
}

func (m *hlsMultivariantParser) tag(line string, n int) error {
	name, value := hlsTag(line)
	value = hlsTagValue(name, value, n, &m.warn)
	switch name {
	case "#EXT-X-STREAM-INF":
		return m.streamInf(value, n)
	case "#EXT-X-I-FRAME-STREAM-INF":
		return m.iframeStreamInf(value, n)
	case "#EXT-X-MEDIA":
		return m.media(value, n)
	case "#EXT-X-SESSION-DATA":
		attrs, err := m.parseAttrs("EXT-X-SESSION-DATA", value, n)
		if err != nil {
			return err
		}
		var sd SessionData
		sd.DataID, _ = hlsGet(attrs, "DATA-ID")
		sd.Value, _ = hlsGet(attrs, "VALUE")
		if uri, ok := hlsGet(attrs, "URI"); ok {
			sd.URI = m.res.resolve(uri)
		}
		sd.Language, _ = hlsGet(attrs, "LANGUAGE")
		if sd.DataID == "" {
			m.warn.add("session-data-id", n, "EXT-X-SESSION-DATA without DATA-ID")
		}
		m.p.SessionData = append(m.p.SessionData, sd)
	case "#EXT-X-SESSION-KEY":
		attrs, err := m.parseAttrs("EXT-X-SESSION-KEY", value, n)
		if err != nil {
			return err
		}
		k, err := hlsKeyFrom(attrs, &m.res)
		if err != nil || k.Method == "NONE" {
			m.warn.add("session-key", n, "unusable EXT-X-SESSION-KEY ignored")
			return nil
		}
		m.p.SessionKeys = append(m.p.SessionKeys, *k)
	case "#EXT-X-CONTENT-STEERING":
		attrs, err := m.parseAttrs("EXT-X-CONTENT-STEERING", value, n)
		if err != nil {
			return err
		}
		uri, ok := hlsGet(attrs, "SERVER-URI")
		if !ok {
			m.warn.add("steering", n, "EXT-X-CONTENT-STEERING without SERVER-URI ignored")
			return nil
		}
		cs := &ContentSteering{ServerURL: m.res.resolve(uri)}
		cs.DefaultPathway, _ = hlsGet(attrs, "PATHWAY-ID")
		m.p.ContentSteering = cs
	case "#EXT-X-INDEPENDENT-SEGMENTS":
		m.p.IndependentSegments = true
	case "#EXT-X-DEFINE":
		attrs, clean := hlsParseAttrs(value, m.attrs)
		m.attrs = attrs
		if !clean {
			m.warn.add("attrs-define", n, "malformed attribute list in EXT-X-DEFINE repaired")
		}
		err := hlsDefine(&m.vars, attrs, nil, m.src, false)
		if errors.Is(err, errHLSImportInMultivariant) || errors.Is(err, errHLSQueryParamAbsent) {
			m.warn.add("define-"+err.Error(), n, "EXT-X-DEFINE: %v", err)
			return nil
		}
		if err != nil {
			return hlsErr(m.src, n, ErrHLSVariable, "EXT-X-DEFINE: %v", err)
		}
	case "#EXT-X-VERSION", "#EXT-X-START":
	case "#EXTINF", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-DISCONTINUITY-SEQUENCE",
		"#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE", "#EXT-X-I-FRAMES-ONLY", "#EXT-X-BYTERANGE",
		"#EXT-X-DISCONTINUITY", "#EXT-X-KEY", "#EXT-X-MAP", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-GAP",
		"#EXT-X-PART", "#EXT-X-PART-INF", "#EXT-X-SERVER-CONTROL", "#EXT-X-SKIP", "#EXT-X-PRELOAD-HINT":
		if m.mediaLine == 0 {
			m.mediaLine, m.mediaTag = n, name[1:]
		}
	}
	return nil
}

// variantAttrs fills the attributes EXT-X-STREAM-INF and
// EXT-X-I-FRAME-STREAM-INF share.
func (m *hlsMultivariantParser) variantAttrs(rep *Representation, tag string, attrs []hlsAttr, n int) {
	if v, ok := hlsGet(attrs, "BANDWIDTH"); !ok {
		m.warn.add("bandwidth-missing", n, "%s without BANDWIDTH", tag)
	} else if bw, err := strconv.ParseInt(v, 10, 64); err != nil || bw < 0 {
		m.warn.add("bandwidth", n, "%s BANDWIDTH %q is not a decimal integer; taken as 0", tag, hlsClip(v))
	} else {
		rep.Bandwidth = bw
	}
	if v, ok := hlsGet(attrs, "AVERAGE-BANDWIDTH"); ok {
		if bw, err := strconv.ParseInt(v, 10, 64); err == nil && bw >= 0 {
			rep.AverageBandwidth = bw
		} else {
			m.warn.add("avg-bandwidth", n, "%s AVERAGE-BANDWIDTH %q is not a decimal integer; ignored", tag, hlsClip(v))
		}
	}
	rep.Codecs, _ = hlsGet(attrs, "CODECS")
	if v, ok := hlsGet(attrs, "RESOLUTION"); ok {
		w, h, err := hlsResolution(v)
		if err != nil {
			m.warn.add("resolution", n, "%s: %v; ignored", tag, err)
		}
		rep.Width, rep.Height = w, h
	}
	if v, ok := hlsGet(attrs, "FRAME-RATE"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			m.warn.add("frame-rate", n, "%s FRAME-RATE %q is not a decimal number; ignored", tag, hlsClip(v))
		} else {
			rep.FrameRate = f
		}
	}
	rep.VideoGroup, _ = hlsGet(attrs, "VIDEO")
	rep.Pathway, _ = hlsGet(attrs, "PATHWAY-ID")
}

// flushPending settles an EXT-X-STREAM-INF that no URI line followed:
// a URI attribute (not in the specification, but written by some
// packagers) stands in for the line; without one the variant is dropped.
func (m *hlsMultivariantParser) flushPending() {
	if m.pending == nil {
		return
	}
	if m.pendURI == "" {
		m.warn.add("streaminf-no-uri", m.pendLine, "EXT-X-STREAM-INF without a URI line; dropped")
		m.pending = nil
		return
	}
	m.warn.add("streaminf-uri-attr", m.pendLine, "EXT-X-STREAM-INF with a URI attribute instead of a URI line")
	m.addVariant(m.res.resolve(m.pendURI))
}

func (m *hlsMultivariantParser) streamInf(value string, n int) error {
	m.flushPending()
	attrs, err := m.parseAttrs("EXT-X-STREAM-INF", value, n)
	if err != nil {
		return err
	}
	m.pendURI, _ = hlsGet(attrs, "URI")
	rep := &Representation{}
	m.variantAttrs(rep, "EXT-X-STREAM-INF", attrs, n)
	rep.AudioGroup, _ = hlsGet(attrs, "AUDIO")
	rep.SubtitleGroup, _ = hlsGet(attrs, "SUBTITLES")
	for _, a := range attrs {
		// CLOSED-CAPTIONS=NONE (enumerated, unquoted) means "no captions".
		if a.key == "CLOSED-CAPTIONS" && a.quoted {
			rep.ClosedCaptions = a.val
		}
	}
	m.pending, m.pendLine = rep, n
	return nil
}

func (m *hlsMultivariantParser) uri(line string, n int) error {
	if m.pending == nil {
		m.warn.add("stray-uri", n, "URI line without EXT-X-STREAM-INF ignored")
		return nil
	}
	ref, err := m.vars.subst(line)
	if err != nil {
		return hlsErr(m.src, n, ErrHLSVariable, "%v", err)
	}
	m.addVariant(m.res.resolve(ref))
	return nil
}

// addVariant completes the pending variant with its playlist URL.
func (m *hlsMultivariantParser) addVariant(playlistURL string) {
	rep := m.pending
	m.pending = nil
	m.varLines = append(m.varLines, m.pendLine)
	rep.ID = "v" + strconv.Itoa(len(m.variants))
	rep.Index = hlsUnloadedIndex(rep, playlistURL)
	m.variants = append(m.variants, rep)
}

func (m *hlsMultivariantParser) iframeStreamInf(value string, n int) error {
	attrs, err := m.parseAttrs("EXT-X-I-FRAME-STREAM-INF", value, n)
	if err != nil {
		return err
	}
	uri, ok := hlsGet(attrs, "URI")
	if !ok {
		m.warn.add("iframe-uri", n, "EXT-X-I-FRAME-STREAM-INF without URI; dropped")
		return nil
	}
	rep := &Representation{ID: "i" + strconv.Itoa(len(m.iframes))}
	m.variantAttrs(rep, "EXT-X-I-FRAME-STREAM-INF", attrs, n)
	rep.Index = hlsUnloadedIndex(rep, m.res.resolve(uri))
	m.iframes = append(m.iframes, rep)
	return nil
}

func (m *hlsMultivariantParser) media(value string, n int) error {
	attrs, err := m.parseAttrs("EXT-X-MEDIA", value, n)
	if err != nil {
		return err
	}
	r := hlsRendition{line: n}
	r.typ, _ = hlsGet(attrs, "TYPE")
	switch r.typ {
	case "AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS":
	default:
		m.warn.add("media-type", n, "EXT-X-MEDIA TYPE %q unknown; rendition dropped", hlsClip(r.typ))
		return nil
	}
	var ok bool
	if r.group, ok = hlsGet(attrs, "GROUP-ID"); !ok {
		m.warn.add("media-group", n, "EXT-X-MEDIA without GROUP-ID; rendition dropped")
		return nil
	}
	if r.name, ok = hlsGet(attrs, "NAME"); !ok {
		m.warn.add("media-name", n, "EXT-X-MEDIA without NAME")
	}
	r.lang, _ = hlsGet(attrs, "LANGUAGE")
	if uri, ok := hlsGet(attrs, "URI"); ok {
		if r.typ == "CLOSED-CAPTIONS" {
			m.warn.add("cc-uri", n, "EXT-X-MEDIA TYPE=CLOSED-CAPTIONS with a URI; URI ignored")
		} else {
			r.uri = m.res.resolve(uri)
		}
	}
	r.instrID, _ = hlsGet(attrs, "INSTREAM-ID")
	r.def = hlsYes(attrs, "DEFAULT")
	r.auto = hlsYes(attrs, "AUTOSELECT")
	r.forced = hlsYes(attrs, "FORCED")
	if v, ok := hlsGet(attrs, "CHARACTERISTICS"); ok {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				r.characteristics = append(r.characteristics, c)
			}
		}
	}
	if v, ok := hlsGet(attrs, "CHANNELS"); ok {
		// "2", "6/JOC", "16/JOC": the first parameter is the count.
		c, _, _ := strings.Cut(v, "/")
		if r.channels, err = strconv.Atoi(c); err != nil {
			m.warn.add("channels", n, "EXT-X-MEDIA CHANNELS %q not understood; ignored", hlsClip(v))
			r.channels = 0
		}
	}
	if v, ok := hlsGet(attrs, "SAMPLE-RATE"); ok {
		if r.sampleRate, err = strconv.Atoi(v); err != nil {
			m.warn.add("sample-rate", n, "EXT-X-MEDIA SAMPLE-RATE %q not understood; ignored", hlsClip(v))
			r.sampleRate = 0
		}
	}
	m.renditions = append(m.renditions, r)
	return nil
}

// hlsUnloadedIndex is the index of a variant or rendition whose media
// playlist has not been read yet.
func hlsUnloadedIndex(rep *Representation, playlistURL string) *SegmentIndex {
	return &SegmentIndex{
		Addressing:               AddrPlaylist,
		RepresentationID:         rep.ID,
		Bandwidth:                rep.Bandwidth,
		Timescale:                1,
		AvailabilityTimeComplete: true,
		Playlist:                 &MediaPlaylist{URL: playlistURL},
	}
}

// hlsAudioOnly reports whether a variant carries audio only: its CODECS
// name audio codecs and nothing else, and it has no RESOLUTION or VIDEO
// group. Variants without CODECS are assumed to carry video.
func hlsAudioOnly(rep *Representation) bool {
	if rep.Codecs == "" || rep.Width > 0 || rep.Height > 0 || rep.VideoGroup != "" {
		return false
	}
	for _, c := range strings.Split(rep.Codecs, ",") {
		if strings.TrimSpace(c) != "" && hlsCodecKind(c) != ContentAudio {
			return false
		}
	}
	return true
}

// build turns the parsed tags into the period's adaptation sets: the
// variants with video (or of unknown content), the audio-only variants,
// one set per rendition TYPE+GROUP-ID+NAME, and the I-frame streams.
func (m *hlsMultivariantParser) build() {
	period := &Period{}
	m.p.Periods = []*Period{period}

	var video, audio []*Representation
	for _, v := range m.variants {
		if hlsAudioOnly(v) {
			audio = append(audio, v)
		} else {
			video = append(video, v)
		}
	}
	if len(video) > 0 {
		period.AdaptationSets = append(period.AdaptationSets, &AdaptationSet{
			ID: hlsVariantsSetID, ContentType: ContentVideo, Representations: video,
		})
	}
	if len(audio) > 0 {
		id := hlsAudioVariantsSetID
		if len(video) == 0 {
			id = hlsVariantsSetID
		}
		period.AdaptationSets = append(period.AdaptationSets, &AdaptationSet{
			ID: id, ContentType: ContentAudio, Representations: audio,
		})
	}

	groups := map[string]bool{}
	sets := map[[3]string]*AdaptationSet{}
	for i, r := range m.renditions {
		groups[r.typ+"\x00"+r.group] = true
		key := [3]string{r.typ, r.group, r.name}
		set, ok := sets[key]
		if !ok {
			set = &AdaptationSet{
				ID:            r.group,
				ContentType:   hlsRenditionContent(r.typ),
				Language:      r.lang,
				Name:          r.name,
				Accessibility: r.characteristics,
				InstreamID:    r.instrID,
			}
			if r.def {
				set.Roles = append(set.Roles, "default")
			}
			if r.auto {
				set.Roles = append(set.Roles, "autoselect")
			}
			if r.forced {
				set.Roles = append(set.Roles, "forced")
			}
			sets[key] = set
			period.AdaptationSets = append(period.AdaptationSets, set)
		} else {
			m.warn.add("media-dup", r.line, "EXT-X-MEDIA repeats TYPE=%s GROUP-ID=%q NAME=%q; added to the same set", r.typ, r.group, r.name)
		}
		if r.uri == "" {
			// Carried inside the variant streams: the set describes it but
			// has no representation of its own.
			continue
		}
		rep := &Representation{
			ID:                "r" + strconv.Itoa(i),
			Language:          r.lang,
			Codecs:            m.groupCodecs(r.typ, r.group),
			AudioChannels:     r.channels,
			AudioSamplingRate: r.sampleRate,
		}
		rep.Index = hlsUnloadedIndex(rep, r.uri)
		set.Representations = append(set.Representations, rep)
	}
	for i, v := range m.variants {
		for _, ref := range [...]struct{ typ, group string }{
			{"AUDIO", v.AudioGroup}, {"VIDEO", v.VideoGroup},
			{"SUBTITLES", v.SubtitleGroup}, {"CLOSED-CAPTIONS", v.ClosedCaptions},
		} {
			if ref.group != "" && !groups[ref.typ+"\x00"+ref.group] {
				m.warn.add("group-missing-"+ref.typ, m.varLines[i], "variant %s refers to %s group %q, which no EXT-X-MEDIA defines", v.ID, ref.typ, ref.group)
			}
		}
	}

	if len(m.iframes) > 0 {
		period.AdaptationSets = append(period.AdaptationSets, &AdaptationSet{
			ID: hlsIFramesSetID, ContentType: ContentVideo, IFrameOnly: true, Representations: m.iframes,
		})
	}
}

func hlsRenditionContent(typ string) ContentType {
	switch typ {
	case "AUDIO":
		return ContentAudio
	case "VIDEO":
		return ContentVideo
	default:
		return ContentText
	}
}

// groupCodecs returns the codecs of a rendition group as declared by the
// first variant that refers to the group and lists codecs of that kind:
// a variant's CODECS covers its renditions too (RFC 8216 4.3.4.2).
func (m *hlsMultivariantParser) groupCodecs(typ, group string) string {
	kind := hlsRenditionContent(typ)
	for _, v := range m.variants {
		var g string
		switch typ {
		case "AUDIO":
			g = v.AudioGroup
		case "VIDEO":
			g = v.VideoGroup
		case "SUBTITLES":
			g = v.SubtitleGroup
		}
		if g == group {
			if c := hlsCodecsOf(v.Codecs, kind); c != "" {
				return c
			}
		}
	}
	return ""
}
