package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

//go:embed sample/sample.mpd
var sampleMPD []byte

// sampleName is how the built-in sample is named in output and errors.
const sampleName = "builtin:sample.mpd"

func init() {
	register(command{
		name:    "inspect",
		summary: "print a DASH or HLS presentation: tracks, representations, segments",
		run:     runInspect,
	})
}

func runInspect(args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	nseg := fs.Int("segments", 3, "number of segments to list per representation")
	at := fs.String("at", "", "for live presentations: wall-clock time (RFC 3339) of the availability window (default now)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: abrkit inspect [--json] [--segments N] [--at RFC3339] [PATH|URL]")
		fmt.Fprintln(stderr, "with no PATH or URL, inspects a built-in sample presentation")
		fs.PrintDefaults()
	}
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		fs.Usage()
		return 2
	}
	if *nseg < 0 {
		fmt.Fprintln(stderr, "abrkit inspect: --segments must not be negative")
		return 2
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "abrkit inspect: --at %q: not an RFC 3339 time\n", *at)
			return 2
		}
		now = t
	}
	ref := sampleName
	if len(pos) == 1 {
		ref = pos[0]
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "abrkit inspect: %s: internal error: %v\n", ref, r)
			code = 1
		}
	}()
	ctx := context.Background()
	p, err := loadPresentation(ctx, ref, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "abrkit inspect: %v\n", err)
		return 1
	}
	rep := describe(p, *nseg, now)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "abrkit inspect: %v\n", err)
			return 1
		}
		return 0
	}
	printText(stdout, ref, rep)
	return 0
}

// loadPresentation reads and parses ref, and for an HLS multivariant
// playlist also the media playlists it names. Media playlists that cannot
// be read are reported on warn and left unloaded; it is an error only when
// none of them loads.
func loadPresentation(ctx context.Context, ref string, warn io.Writer) (*manifest.Presentation, error) {
	var data []byte
	if ref == sampleName {
		data = sampleMPD
	} else {
		var err error
		if data, err = fetchRef(ctx, ref); err != nil {
			return nil, err
		}
	}
	p, err := manifest.Parse(data, ref)
	if err != nil {
		return nil, err
	}
	if p.Format == manifest.FormatHLS {
		fetch := func(u string) ([]byte, error) { return fetchRef(ctx, u) }
		if err := manifest.LoadHLSMedia(p, fetch); err != nil {
			if !anyPlaylistLoaded(p) {
				return nil, err
			}
			failed := unwrapJoined(err)
			fmt.Fprintf(warn, "abrkit inspect: warning: %d media playlist(s) not loaded; first: %v\n", len(failed), failed[0])
		}
	}
	return p, nil
}

// anyPlaylistLoaded reports whether some representation of p has a loaded
// media playlist.
func anyPlaylistLoaded(p *manifest.Presentation) bool {
	for _, per := range p.Periods {
		for _, as := range per.AdaptationSets {
			for _, r := range as.Representations {
				if r.Index != nil && r.Index.Playlist != nil && r.Index.Playlist.Loaded {
					return true
				}
			}
		}
	}
	return false
}

// unwrapJoined returns the errors joined in err, or err itself.
func unwrapJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()
	}
	return []error{err}
}

// inspectReport is the JSON shape printed by inspect --json.
type inspectReport struct {
	Format    string         `json:"format"`
	Live      bool           `json:"live"`
	DurationS *float64       `json:"duration_s"`
	At        string         `json:"at,omitempty"`
	Warnings  []string       `json:"warnings,omitempty"`
	Periods   []periodReport `json:"periods"`
}

type periodReport struct {
	ID             string      `json:"id"`
	StartS         float64     `json:"start_s"`
	DurationS      *float64    `json:"duration_s"`
	AdaptationSets []setReport `json:"adaptation_sets"`
}

type setReport struct {
	ID              string      `json:"id"`
	ContentType     string      `json:"content_type"`
	Language        string      `json:"language,omitempty"`
	Name            string      `json:"name,omitempty"`
	IFrameOnly      bool        `json:"iframe_only,omitempty"`
	Representations []repReport `json:"representations"`
}

type repReport struct {
	ID           string          `json:"id"`
	Bandwidth    int64           `json:"bandwidth"`
	Width        int             `json:"width"`
	Height       int             `json:"height"`
	Codecs       string          `json:"codecs"`
	Addressing   string          `json:"addressing"`
	Playlist     string          `json:"playlist_url,omitempty"`
	SegmentCount *int            `json:"segment_count"`
	Window       *windowReport   `json:"window,omitempty"`
	Init         *segmentReport  `json:"init,omitempty"`
	Segments     []segmentReport `json:"segments"`
	Error        string          `json:"error,omitempty"`
}

type windowReport struct {
	First uint64 `json:"first_number"`
	Last  uint64 `json:"last_number"`
	Count int    `json:"count"`
}

type segmentReport struct {
	URL       string       `json:"url"`
	StartS    float64      `json:"start_s"`
	DurationS float64      `json:"duration_s"`
	Range     *rangeReport `json:"range"`
}

type rangeReport struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

func seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1e6) / 1e6
}

func optSeconds(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	s := seconds(d)
	return &s
}

func rangeOf(r manifest.ByteRange) *rangeReport {
	if r.IsZero() {
		return nil
	}
	return &rangeReport{Start: r.Offset, End: r.End()}
}

func describe(p *manifest.Presentation, nseg int, at time.Time) inspectReport {
	rep := inspectReport{
		Format:    string(p.Format),
		Live:      p.Live,
		DurationS: optSeconds(p.Duration),
		Warnings:  p.Warnings,
		Periods:   []periodReport{},
	}
	if p.Live {
		rep.At = at.UTC().Format(time.RFC3339)
	}
	for _, per := range p.Periods {
		pr := periodReport{ID: per.ID, StartS: seconds(per.Start), DurationS: optSeconds(per.Duration), AdaptationSets: []setReport{}}
		for _, as := range per.AdaptationSets {
			sr := setReport{ID: as.ID, ContentType: string(as.ContentType), Language: as.Language, Name: as.Name, IFrameOnly: as.IFrameOnly, Representations: []repReport{}}
			for _, r := range as.Representations {
				sr.Representations = append(sr.Representations, describeRep(p, r, nseg, at))
			}
			pr.AdaptationSets = append(pr.AdaptationSets, sr)
		}
		rep.Periods = append(rep.Periods, pr)
	}
	return rep
}

func describeRep(p *manifest.Presentation, r *manifest.Representation, nseg int, at time.Time) repReport {
	rr := repReport{ID: r.ID, Bandwidth: r.Bandwidth, Width: r.Width, Height: r.Height, Codecs: r.Codecs, Segments: []segmentReport{}}
	ix := r.Index
	if ix == nil {
		rr.Error = "no segment information"
		return rr
	}
	rr.Addressing = string(ix.Addressing)
	if ix.Playlist != nil {
		rr.Playlist = ix.Playlist.URL
	}
	if ix.Playlist != nil && !ix.Playlist.Loaded {
		rr.Error = "media playlist not loaded"
		return rr
	}
	if init := ix.InitSegment(); init != nil && len(init.URLs) > 0 {
		rr.Init = &segmentReport{URL: init.URLs[0], Range: rangeOf(init.Range)}
	}
	if ix.NeedsIndex() {
		rr.Error = fmt.Sprintf("segments are listed in the sidx index at bytes %d-%d; not fetched by inspect", ix.IndexRange.Offset, ix.IndexRange.End())
		return rr
	}
	first, last := 0, -1
	if n, bounded := ix.Len(); bounded && !p.Live {
		rr.SegmentCount = &n
		last = n - 1
	} else {
		f, l, err := ix.Available(at, p)
		if err != nil {
			rr.Error = err.Error()
			return rr
		}
		first, last = f, l
		if last >= first {
			fs, err1 := ix.Segment(first)
			ls, err2 := ix.Segment(last)
			if err1 == nil && err2 == nil {
				rr.Window = &windowReport{First: fs.Number, Last: ls.Number, Count: last - first + 1}
			}
		}
		if bounded {
			rr.SegmentCount = &n
		}
	}
	for i := first; i <= last && i < first+nseg; i++ {
		s, err := ix.Segment(i)
		if err != nil {
			rr.Error = err.Error()
			break
		}
		sr := segmentReport{StartS: seconds(s.Start), DurationS: seconds(s.Duration), Range: rangeOf(s.Range)}
		if len(s.URLs) > 0 {
			sr.URL = s.URLs[0]
		}
		rr.Segments = append(rr.Segments, sr)
	}
	return rr
}

func printText(w io.Writer, ref string, rep inspectReport) {
	dur := "unknown"
	if rep.DurationS != nil {
		dur = fmt.Sprintf("%.3fs", *rep.DurationS)
	}
	kind := "VOD"
	if rep.Live {
		kind = "live, window at " + rep.At
	}
	fmt.Fprintf(w, "%s: %s, %s, duration %s\n", ref, strings.ToUpper(rep.Format), kind, dur)
	for _, wmsg := range rep.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", wmsg)
	}
	for _, per := range rep.Periods {
		pd := "open"
		if per.DurationS != nil {
			pd = fmt.Sprintf("%.3fs", *per.DurationS)
		}
		fmt.Fprintf(w, "period %q start %.3fs duration %s\n", per.ID, per.StartS, pd)
		for _, as := range per.AdaptationSets {
			ct := as.ContentType
			if ct == "" {
				ct = "unknown"
			}
			extra := ""
			if as.Language != "" {
				extra += " lang=" + as.Language
			}
			if as.Name != "" {
				extra += fmt.Sprintf(" name=%q", as.Name)
			}
			if as.IFrameOnly {
				extra += " i-frames"
			}
			fmt.Fprintf(w, "  %s set %q%s\n", ct, as.ID, extra)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, r := range as.Representations {
				res := ""
				if r.Width > 0 {
					res = fmt.Sprintf("%dx%d", r.Width, r.Height)
				}
				count := "open"
				if r.SegmentCount != nil {
					count = fmt.Sprint(*r.SegmentCount)
				}
				fmt.Fprintf(tw, "    rep %q\t%d kbit/s\t%s\t%s\t%s\t%s segments\n", r.ID, r.Bandwidth/1000, res, r.Codecs, r.Addressing, count)
			}
			tw.Flush()
			for _, r := range as.Representations {
				if r.Error == "" && len(r.Segments) == 0 && r.Init == nil && r.Window == nil && r.Playlist == "" {
					continue
				}
				fmt.Fprintf(w, "    %s:\n", r.ID)
				if r.Playlist != "" {
					fmt.Fprintf(w, "      playlist %s\n", r.Playlist)
				}
				if r.Error != "" {
					fmt.Fprintf(w, "      note: %s\n", r.Error)
				}
				if r.Window != nil {
					fmt.Fprintf(w, "      window: numbers %d..%d (%d segments)\n", r.Window.First, r.Window.Last, r.Window.Count)
				}
				if r.Init != nil {
					fmt.Fprintf(w, "      init %s%s\n", r.Init.URL, rangeText(r.Init.Range))
				}
				for _, s := range r.Segments {
					fmt.Fprintf(w, "      %9.3fs +%.3fs %s%s\n", s.StartS, s.DurationS, s.URL, rangeText(s.Range))
				}
			}
		}
	}
}

func rangeText(r *rangeReport) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf(" bytes=%d-%d", r.Start, r.End)
}
