package manifest

import (
	"fmt"
	"strings"
	"time"
)

// buildWarn records a warning found after decoding (no line number).
func (dd *dashDecoder) buildWarn(format string, args ...any) {
	if len(dd.warnings) >= 200 {
		return
	}
	dd.warnings = append(dd.warnings, fmt.Sprintf(format, args...))
}

// build turns the decoded MPD into the presentation model: period
// timing, BaseURL resolution, inheritance of segment information and the
// prepared segment indexes.
func (dd *dashDecoder) build(m *dashRawMPD) (*Presentation, error) {
	p := &Presentation{
		Format:             FormatDASH,
		URL:                dd.url,
		Live:               m.dynamic,
		MinBufferTime:      m.minBuffer,
		MaxSegmentDuration: m.maxSegDur,
		Timing:             m.timing,
		UTCTiming:          m.utc,
		ServiceDescription: m.service,
	}
	for _, pr := range strings.Split(m.profiles, ",") {
		if pr = strings.TrimSpace(pr); pr != "" {
			p.Profiles = append(p.Profiles, pr)
		}
	}
	if m.hasDur {
		p.Duration = m.duration
	}
	if m.dynamic && m.timing.AvailabilityStart.IsZero() {
		dd.buildWarn("dynamic MPD without a usable availabilityStartTime: live availability cannot be computed")
	}
	for _, l := range m.locations {
		u, err := resolveReference(dd.url, l)
		if err != nil {
			dd.buildWarn("Location %q ignored: %v", l, err)
			continue
		}
		p.Locations = append(p.Locations, u)
	}
	if m.steering != nil {
		cs := *m.steering
		if cs.ServerURL != "" {
			if u, err := resolveReference(dd.url, cs.ServerURL); err == nil {
				cs.ServerURL = u
			} else {
				dd.buildWarn("ContentSteering URL %q: %v", cs.ServerURL, err)
			}
		}
		p.ContentSteering = &cs
	}
	mpdBases := resolveBaseURLs([]BaseURL{{URL: dd.url}}, m.baseURLs, dd.buildWarn)

	starts, durs := dd.periodTiming(m)
	for i, rp := range m.periods {
		per := &Period{
			ID:           rp.id,
			Start:        starts[i],
			Duration:     durs[i],
			BaseURLs:     resolveBaseURLs(mpdBases, rp.baseURLs, dd.buildWarn),
			EventStreams: rp.events,
		}
		for _, ras := range rp.sets {
			set, err := dd.buildSet(rp, per, ras)
			if err != nil {
				return nil, err
			}
			per.AdaptationSets = append(per.AdaptationSets, set)
		}
		p.Periods = append(p.Periods, per)
	}
	if !m.hasDur && !m.dynamic && len(p.Periods) > 0 {
		last := p.Periods[len(p.Periods)-1]
		if last.Duration > 0 {
			p.Duration = last.Start + last.Duration
		}
	}
	p.Warnings = dd.warnings
	return p, nil
}

// periodTiming applies ISO/IEC 23009-1 5.3.2.1: a Period without @start
// starts where the previous one ends (its start plus @duration), the
// first at 0; a Period without @duration lasts until the next one starts,
// the last until mediaPresentationDuration (unknown, 0, when that is
// absent, as in live).
func (dd *dashDecoder) periodTiming(m *dashRawMPD) (starts, durs []time.Duration) {
	n := len(m.periods)
	starts = make([]time.Duration, n)
	durs = make([]time.Duration, n)
	for i, rp := range m.periods {
		switch {
		case rp.hasStart:
			starts[i] = rp.start
		case i == 0:
			if m.dynamic {
				dd.buildWarn("first Period of a dynamic MPD has no @start; taken as 0")
			}
		case m.periods[i-1].hasDuration:
			starts[i] = satAdd(starts[i-1], m.periods[i-1].duration)
		default:
			dd.buildWarn("Period %d has no @start and the previous Period no @duration; taken to start with it", i)
			starts[i] = starts[i-1]
		}
		if i > 0 && starts[i] < starts[i-1] {
			dd.buildWarn("Period %d starts before the previous one (%s < %s)", i, starts[i], starts[i-1])
		}
	}
	for i, rp := range m.periods {
		switch {
		case rp.hasDuration:
			durs[i] = rp.duration
		case i+1 < n:
			durs[i] = max(starts[i+1]-starts[i], 0)
		case m.hasDur:
			if m.duration > starts[i] {
				durs[i] = m.duration - starts[i]
			} else {
				dd.buildWarn("last Period starts at %s, not before mediaPresentationDuration %s", starts[i], m.duration)
			}
		}
	}
	return starts, durs
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstNonZero[T int | float64](a, b T) T {
	if a != 0 {
		return a
	}
	return b
}

func (dd *dashDecoder) buildSet(rp *dashRawPeriod, per *Period, ras *dashRawAS) (*AdaptationSet, error) {
	set := &AdaptationSet{
		ID:                ras.id,
		MimeType:          ras.mimeType,
		Language:          ras.lang,
		Name:              ras.label,
		Roles:             ras.roles,
		Accessibility:     ras.accessibility,
		ContentProtection: ras.cps,
		IFrameOnly:        ras.trick,
	}
	if set.MimeType == "" && len(ras.reps) > 0 {
		set.MimeType = ras.reps[0].mimeType
	}
	set.ContentType = inferContentType(ras)
	asBases := resolveBaseURLs(per.BaseURLs, ras.baseURLs, dd.buildWarn)
	for _, rr := range ras.reps {
		r := &Representation{
			ID:                rr.id,
			Bandwidth:         rr.bandwidth,
			Codecs:            firstNonEmpty(rr.codecs, ras.codecs),
			MimeType:          firstNonEmpty(rr.mimeType, ras.mimeType),
			Width:             firstNonZero(rr.width, ras.width),
			Height:            firstNonZero(rr.height, ras.height),
			FrameRate:         firstNonZero(rr.frameRate, ras.frameRate),
			AudioSamplingRate: firstNonZero(rr.audioSamplingRate, ras.audioSamplingRate),
			AudioChannels:     firstNonZero(rr.audioChannels, ras.audioChannels),
			Language:          rr.lang,
			ContentProtection: rr.cps,
		}
		bases := resolveBaseURLs(asBases, rr.baseURLs, dd.buildWarn)
		idx, err := dd.buildIndex(per, [3]*dashSegInfo{rp.seg, ras.seg, rr.seg}, bases, rr)
		if err != nil {
			return nil, err
		}
		r.Index = idx
		set.Representations = append(set.Representations, r)
	}
	return set, nil
}

// contentTypeOf maps a contentType value or a MIME top-level type.
func contentTypeOf(s string) ContentType {
	switch strings.ToLower(s) {
	case "video":
		return ContentVideo
	case "audio":
		return ContentAudio
	case "text", "subtitle", "subtitles":
		return ContentText
	case "image":
		return ContentImage
	}
	return ContentUnknown
}

// codecContentType classifies the first codec of an RFC 6381 list.
func codecContentType(codecs string) ContentType {
	c, _, _ := strings.Cut(strings.TrimSpace(codecs), ",")
	c, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(c)), ".")
	switch c {
	case "avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav", "av01", "vp08", "vp09", "vp8", "vp9",
		"vvc1", "vvi1", "mp4v", "lvc1", "svc1", "mvc1", "mp2v", "evc1", "jpeg", "2dcc":
		return ContentVideo
	case "mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "mhm1", "mhm2", "dtsc", "dtse", "dtsh", "dtsl", "dtsx", "vorbis", "mp3", "alac":
		return ContentAudio
	case "stpp", "wvtt", "tx3g", "ttml", "vtt", "c608", "c708":
		return ContentText
	}
	return ContentUnknown
}

// inferContentType classifies an adaptation set: @contentType, then a
// single ContentComponent, then the MIME type, then the codecs (of the
// set or its first representation).
func inferContentType(as *dashRawAS) ContentType {
	if ct := contentTypeOf(as.contentType); ct != ContentUnknown {
		return ct
	}
	for _, c := range as.componentTypes {
		if ct := contentTypeOf(c); ct == ContentVideo {
			return ct
		}
	}
	if len(as.componentTypes) > 0 {
		if ct := contentTypeOf(as.componentTypes[0]); ct != ContentUnknown {
			return ct
		}
	}
	mime, codecs := as.mimeType, as.codecs
	if len(as.reps) > 0 {
		mime = firstNonEmpty(mime, as.reps[0].mimeType)
		codecs = firstNonEmpty(codecs, as.reps[0].codecs)
		if ct := contentTypeOf(as.reps[0].contentType); ct != ContentUnknown && as.contentType == "" {
			return ct
		}
	}
	mime = strings.ToLower(mime)
	top, sub, _ := strings.Cut(mime, "/")
	switch {
	case top == "video" || top == "audio" || top == "image":
		if ct := codecContentType(codecs); ct == ContentText {
			return ct
		}
		return contentTypeOf(top)
	case top == "text", strings.HasPrefix(sub, "ttml"), strings.HasPrefix(sub, "vtt"):
		return ContentText
	}
	return codecContentType(codecs)
}

// buildIndex merges the segment information of Period, AdaptationSet and
// Representation attribute by attribute (ISO/IEC 23009-1 5.3.9.1: the
// lowest level that carries one of SegmentBase, SegmentList,
// SegmentTemplate decides the kind; higher levels of the same kind supply
// what it leaves out) and builds the prepared index.
func (dd *dashDecoder) buildIndex(per *Period, levels [3]*dashSegInfo, bases []BaseURL, rr *dashRawRep) (*SegmentIndex, error) {
	var kind byte
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i] != nil {
			kind = levels[i].kind
			break
		}
	}
	eff := dashSegInfo{atc: true, line: rr.line}
	for _, l := range levels {
		if l != nil && l.kind == kind {
			eff.merge(l)
		}
	}
	x := &SegmentIndex{
		BaseURLs:                 bases,
		RepresentationID:         rr.id,
		Bandwidth:                rr.bandwidth,
		Timescale:                1,
		PresentationTimeOffset:   eff.pto,
		StartNumber:              1,
		EndNumber:                eff.endNumber,
		Duration:                 eff.duration,
		AvailabilityTimeOffset:   eff.ato,
		AvailabilityTimeComplete: eff.atc,
		PeriodStart:              per.Start,
		PeriodDuration:           per.Duration,
	}
	if eff.set&siTimescale != 0 {
		x.Timescale = eff.timescale
	}
	if eff.set&siStartNumber != 0 {
		x.StartNumber = eff.startNumber
	}
	where := func() string {
		return fmt.Sprintf("Representation %q", rr.id)
	}
	switch kind {
	case 0:
		x.Addressing = AddrBase
	case segKindBase:
		x.Addressing = AddrBase
		x.IndexRange = eff.indexRange
		if eff.set&siIndexRange == 0 && eff.set&siRepIndex != 0 {
			x.IndexRange = eff.repIndex.rng
		}
		if eff.set&siRepIndex != 0 && eff.repIndex.sourceURL != "" {
			x.IndexURLs = dd.resolveAll(bases, eff.repIndex.sourceURL)
		}
		if eff.set&siInit != 0 {
			x.Init = &InitSegment{URLs: dd.resolveAll(bases, eff.init.sourceURL), Range: eff.init.rng}
		}
	case segKindList:
		x.Addressing = AddrList
		if eff.set&siInit != 0 {
			x.Init = &InitSegment{URLs: dd.resolveAll(bases, eff.init.sourceURL), Range: eff.init.rng}
		}
		if eff.set&siTimeline != 0 {
			x.Timeline = eff.timeline
		}
		if err := dd.listSegments(x, &eff, where); err != nil {
			return nil, err
		}
	case segKindTemplate:
		x.Addressing = AddrTemplate
		if eff.set&siTimeline != 0 {
			x.Addressing = AddrTimeline
			x.Timeline = eff.timeline
			if eff.set&siDuration != 0 {
				dd.buildWarn("%s: SegmentTemplate has both @duration and SegmentTimeline; the timeline is used", where())
			}
		}
		x.Media = eff.media
		x.Initialization = eff.initialization
		if x.Initialization == "" && eff.set&siInit != 0 {
			x.Initialization = eff.init.sourceURL
		}
		if eff.set&siMedia == 0 {
			dd.buildWarn("%s: SegmentTemplate without @media", where())
		}
		parseTemplate(x.Media, rr.id, rr.bandwidth, func(f string, a ...any) { dd.buildWarn(where()+": "+f, a...) })
		for _, p := range parseTemplate(x.Initialization, rr.id, rr.bandwidth, func(f string, a ...any) { dd.buildWarn(where()+": "+f, a...) }) {
			if p.id != tmplLiteral {
				dd.buildWarn("%s: SegmentTemplate@initialization %q uses $Number$, $Time$ or $SubNumber$; expanded for the first segment", where(), x.Initialization)
				break
			}
		}
	}
	if err := x.Prepare(); err != nil {
		return nil, dd.wrapAt(eff.line, where(), err)
	}
	return x, nil
}

// resolveAll resolves ref against every base; an empty ref means the
// base itself. Results are memoised per reference (a SegmentList usually
// names one file thousands of times) and the returned slices are shared.
func (dd *dashDecoder) resolveAll(bases []BaseURL, ref string) []string {
	if len(bases) == 0 {
		return nil
	}
	if dd.resolved == nil || dd.resolvedFor == nil || &dd.resolvedFor[0] != &bases[0] || len(dd.resolvedFor) != len(bases) {
		dd.resolved = map[string][]string{}
		dd.resolvedFor = bases
	}
	if out, ok := dd.resolved[ref]; ok {
		return out
	}
	out := dd.resolveAllUncached(bases, ref)
	dd.resolved[ref] = out
	return out
}

func (dd *dashDecoder) resolveAllUncached(bases []BaseURL, ref string) []string {
	out := make([]string, len(bases))
	for i, b := range bases {
		if ref == "" {
			out[i] = b.URL
			continue
		}
		u, err := resolveReference(b.URL, ref)
		if err != nil {
			dd.buildWarn("URL %q: %v; used as written", ref, err)
			u = ref
		}
		out[i] = u
	}
	return out
}

// listSegments expands a SegmentList into explicit segments, timed by
// its SegmentTimeline or @duration.
func (dd *dashDecoder) listSegments(x *SegmentIndex, eff *dashSegInfo, where func() string) error {
	n := len(eff.segURLs)
	if n > MaxSegments {
		return dd.wrapAt(eff.line, where(), ErrTooManySegments)
	}
	ts := x.timescale()
	var tl *SegmentIndex
	var tlPrep *indexPrep
	if len(x.Timeline) > 0 {
		tl = &SegmentIndex{}
		*tl = *x
		tl.Addressing = AddrTimeline
		tl.Segments = nil
		p, err := tl.compute()
		if err != nil {
			return dd.wrapAt(eff.line, where(), err)
		}
		tlPrep = p
		if !p.open && p.total < int64(n) {
			dd.buildWarn("%s: SegmentList has %d SegmentURLs but its timeline only %d segments; the rest are dropped", where(), n, p.total)
			n = int(p.total)
		}
	} else if x.Duration == 0 && n > 1 {
		dd.buildWarn("%s: SegmentList of %d segments without @duration or SegmentTimeline; period split evenly", where(), n)
	}
	x.Segments = make([]Segment, n)
	for i := 0; i < n; i++ {
		su := eff.segURLs[i]
		s := &x.Segments[i]
		switch {
		case tl != nil:
			ts := tl.templateSegment(tlPrep, int64(i))
			s.Number, s.Time, s.Start, s.Duration, s.SubNumber = ts.Number, ts.Time, ts.Start, ts.Duration, ts.SubNumber
		case x.Duration > 0:
			s.Number = x.StartNumber + uint64(i)
			s.Time = x.PresentationTimeOffset + uint64(i)*x.Duration
			off := dashTicksToDuration(uint64(i)*x.Duration, ts)
			s.Start = x.PeriodStart + off
			s.Duration = dashTicksToDuration(uint64(i+1)*x.Duration, ts) - off
		default:
			s.Number = x.StartNumber + uint64(i)
			part := x.PeriodDuration / time.Duration(max(n, 1))
			s.Start = x.PeriodStart + time.Duration(i)*part
			s.Duration = part
		}
		s.URLs = dd.resolveAll(x.bases(), su.media)
		s.Range = su.rng
		s.Init = x.Init
	}
	return nil
}
