package manifest

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// ParseHLS parses an HLS playlist. playlistURL (a URL or a file path) is
// where it came from: relative URIs are resolved against it and errors
// and warnings name it.
//
// A multivariant playlist becomes one Presentation with one Period whose
// adaptation sets are, in this order: the variant streams
// (EXT-X-STREAM-INF) with video or of unknown content (ID "variants",
// representations "v0", "v1", ...); the audio-only variants, whose
// CODECS list audio codecs only (ID "variants-audio", or "variants" when
// there is no other variant); one set per alternate rendition
// (EXT-X-MEDIA) TYPE+GROUP-ID+NAME, with ID GROUP-ID, Name NAME, in
// playlist order (representation "r<k>" for the k-th rendition kept,
// counting from 0; a rendition without URI, such as closed captions or
// audio muxed into the variants, gives a set without representations);
// and the I-frame streams (ID "iframes", IFrameOnly, representations
// "i0", ...). Each representation's Index has Addressing AddrPlaylist and
// an unloaded Playlist holding the media playlist URL; LoadHLSMedia or
// AttachHLSMedia fill it in, and set Live, Duration and the live timing.
//
// A media playlist given directly becomes a Presentation with one set
// holding one loaded representation ("v0").
//
// Tolerated deviations (comment before #EXTM3U, EXTINF without comma,
// ...) are listed in Presentation.Warnings. Input that is not a usable
// playlist is rejected with an error wrapping ErrHLSSyntax or
// ErrHLSVariable that names playlistURL and the line.
func ParseHLS(data []byte, playlistURL string) (*Presentation, error) {
	warn := hlsWarnings{src: playlistURL}
	r, err := hlsStart(data, playlistURL, &warn)
	if err != nil {
		return nil, err
	}
	if kind, _, _ := hlsKind(r.src[r.pos:], r.line); kind == hlsMultivariant {
		return parseHLSMultivariant(r, playlistURL, warn)
	}
	idx, err := parseHLSMedia(data, playlistURL, nil)
	if err != nil {
		return nil, err
	}
	pl := idx.Playlist
	set := &AdaptationSet{ID: hlsVariantsSetID, ContentType: hlsGuessContent(idx), IFrameOnly: pl.IFramesOnly}
	rep := &Representation{ID: "v0", Index: idx}
	idx.RepresentationID = rep.ID
	set.Representations = []*Representation{rep}
	p := &Presentation{
		Format:              FormatHLS,
		URL:                 playlistURL,
		Periods:             []*Period{{AdaptationSets: []*AdaptationSet{set}}},
		IndependentSegments: pl.IndependentSegments,
		Warnings:            pl.Warnings,
	}
	p.hlsRefresh()
	return p, nil
}

// hlsGuessContent guesses the content type of a media playlist given
// without its multivariant playlist, from I-FRAMES-ONLY or the file
// extension of its first segment; ContentUnknown when neither tells.
func hlsGuessContent(idx *SegmentIndex) ContentType {
	if idx.Playlist.IFramesOnly {
		return ContentVideo
	}
	if len(idx.Segments) == 0 || len(idx.Segments[0].URLs) == 0 {
		return ContentUnknown
	}
	u := idx.Segments[0].URLs[0]
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	switch strings.ToLower(path.Ext(u)) {
	case ".vtt", ".webvtt", ".srt", ".ttml":
		return ContentText
	case ".aac", ".ac3", ".ec3", ".mp3", ".m4a", ".opus", ".flac":
		return ContentAudio
	}
	return ContentUnknown
}

// AttachHLSMedia parses data as the media playlist of rep, one of p's
// representations, and installs the resulting index (also for reloads of
// a live playlist). The playlist is parsed against rep's playlist URL and
// may IMPORT p's variables. p's Live, Duration, MaxSegmentDuration and
// Timing are updated from all loaded playlists, and on the first load
// the playlist's warnings are added to p.Warnings. On error rep keeps
// its previous index.
func (p *Presentation) AttachHLSMedia(rep *Representation, data []byte) error {
	if rep == nil || rep.Index == nil || rep.Index.Playlist == nil {
		return errors.New("manifest: AttachHLSMedia: representation has no HLS media playlist")
	}
	idx, err := parseHLSMedia(data, rep.Index.Playlist.URL, p.Variables)
	if err != nil {
		return err
	}
	if !rep.Index.Playlist.Loaded {
		// Reloads keep their warnings in the playlist only, so that a
		// long live session does not grow p.Warnings.
		p.Warnings = append(p.Warnings, idx.Playlist.Warnings...)
	}
	p.hlsInstall(rep, idx)
	p.hlsRefresh()
	return nil
}

// hlsInstall gives rep its own index over the parsed playlist idx (the
// segments and playlist information are shared between representations
// that name the same playlist).
func (p *Presentation) hlsInstall(rep *Representation, idx *SegmentIndex) {
	rep.Index = &SegmentIndex{
		Addressing:               AddrPlaylist,
		RepresentationID:         rep.ID,
		Bandwidth:                rep.Bandwidth,
		Timescale:                idx.Timescale,
		StartNumber:              idx.StartNumber,
		AvailabilityTimeComplete: idx.AvailabilityTimeComplete,
		PeriodStart:              idx.PeriodStart,
		PeriodDuration:           idx.PeriodDuration,
		Init:                     idx.Init,
		Segments:                 idx.Segments,
		Playlist:                 idx.Playlist,
	}
}

// LoadHLSMedia fetches and parses every media playlist of p that is not
// loaded yet, each URL once, and updates p as AttachHLSMedia does. fetch
// returns the bytes at a resolved playlist URL (or file path). Playlists
// that fail to fetch or parse stay unloaded; their errors, each naming
// the URL, are joined into the result, and the others are loaded all the
// same.
func LoadHLSMedia(p *Presentation, fetch func(url string) ([]byte, error)) error {
	type loaded struct {
		idx *SegmentIndex
		err error
	}
	cache := map[string]loaded{}
	var errs []error
	for _, period := range p.Periods {
		for _, set := range period.AdaptationSets {
			for _, rep := range set.Representations {
				if rep.Index == nil || rep.Index.Playlist == nil || rep.Index.Playlist.Loaded || rep.Index.Playlist.URL == "" {
					continue
				}
				u := rep.Index.Playlist.URL
				l, done := cache[u]
				if !done {
					data, err := fetch(u)
					if err != nil {
						l.err = fmt.Errorf("manifest: fetch HLS media playlist %s: %w", u, err)
					} else {
						l.idx, l.err = parseHLSMedia(data, u, p.Variables)
					}
					cache[u] = l
					if l.err != nil {
						errs = append(errs, l.err)
					} else {
						p.Warnings = append(p.Warnings, l.idx.Playlist.Warnings...)
					}
				}
				if l.idx != nil {
					p.hlsInstall(rep, l.idx)
				}
			}
		}
	}
	p.hlsRefresh()
	return errors.Join(errs...)
}

// hlsRefresh derives the presentation's timing from its loaded media
// playlists: live when any lacks EXT-X-ENDLIST; otherwise Duration is
// the longest playlist. For live presentations the reload interval
// (MinimumUpdatePeriod) is the smallest target duration, as Shaka Player
// does, SuggestedPresentationDelay the largest HOLD-BACK (three target
// durations when absent, RFC 8216bis 4.4.3.8) and PartHoldBack the
// largest PART-HOLD-BACK. Nothing changes while no playlist is loaded.
func (p *Presentation) hlsRefresh() {
	var (
		any, live                     bool
		longest, maxTD, minTD, hb, ph time.Duration
	)
	for _, period := range p.Periods {
		for _, set := range period.AdaptationSets {
			for _, rep := range set.Representations {
				if rep.Index == nil || rep.Index.Playlist == nil || !rep.Index.Playlist.Loaded {
					continue
				}
				any = true
				idx, pl := rep.Index, rep.Index.Playlist
				if !pl.EndList {
					live = true
				}
				if n := len(idx.Segments); n > 0 {
					longest = max(longest, idx.Segments[n-1].Start+idx.Segments[n-1].Duration)
				}
				td := pl.TargetDuration
				maxTD = max(maxTD, td)
				if td > 0 && (minTD == 0 || td < minTD) {
					minTD = td
				}
				hold := 3 * td
				if pl.ServerControl != nil && pl.ServerControl.HoldBack > 0 {
					hold = pl.ServerControl.HoldBack
				}
				hb = max(hb, hold)
				if pl.ServerControl != nil {
					ph = max(ph, pl.ServerControl.PartHoldBack)
				}
			}
		}
	}
	if !any {
		return
	}
	p.Live = live
	p.MaxSegmentDuration = maxTD
	p.Duration = 0
	p.Timing = LiveTiming{}
	if live {
		p.Timing.MinimumUpdatePeriod = minTD
		p.Timing.SuggestedPresentationDelay = hb
		p.Timing.PartHoldBack = ph
	} else {
		p.Duration = longest
	}
	for _, period := range p.Periods {
		period.Duration = p.Duration
	}
}
