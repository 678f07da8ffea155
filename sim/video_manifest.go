package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/abrkit/abrkit/manifest"
)

// RangeFetcher returns the bytes of a resource, or of a byte range of it
// when r is not zero. The simulator uses it to read manifests, media
// playlists and sidx indexes.
type RangeFetcher func(url string, r manifest.ByteRange) ([]byte, error)

// VideoFromPresentation builds a video model from the first video
// adaptation set of p's first period (the first set when none is marked
// video). Segment sizes come from the segments' byte ranges (SegmentList,
// SegmentBase after its sidx is read, HLS byte ranges); where a segment
// has none, the nominal size bandwidth × duration / 8 is used. Indexes
// that need their sidx are read through fetch; media playlists must
// already be loaded (manifest.LoadHLSMedia). The model's segment duration
// is the mean over the lowest rung's segments; every rung keeps the
// number of segments of the shortest one.
func VideoFromPresentation(p *manifest.Presentation, fetch RangeFetcher) (*Video, error) {
	if p == nil || len(p.Periods) == 0 {
		return nil, fmt.Errorf("%w: presentation has no period", ErrBadVideo)
	}
	name := p.URL
	var set *manifest.AdaptationSet
	for _, as := range p.Periods[0].AdaptationSets {
		if len(as.Representations) == 0 || as.IFrameOnly {
			continue
		}
		if as.ContentType == manifest.ContentVideo {
			set = as
			break
		}
		if set == nil {
			set = as
		}
	}
	if set == nil {
		return nil, fmt.Errorf("%w: %s: no adaptation set with representations", ErrBadVideo, name)
	}
	reps := append([]*manifest.Representation(nil), set.Representations...)
	sort.SliceStable(reps, func(i, j int) bool { return reps[i].Bandwidth < reps[j].Bandwidth })

	var cols [][]manifest.Segment
	v := &Video{Name: strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))}
	for _, r := range reps {
		if r.Bandwidth <= 0 || r.Bandwidth > MaxBitrate {
			return nil, fmt.Errorf("%w: %s: representation %q has bandwidth %d", ErrBadVideo, name, r.ID, r.Bandwidth)
		}
		if len(v.Bitrates) > 0 && r.Bandwidth == v.Bitrates[len(v.Bitrates)-1] {
			continue // the same rung twice (e.g. redundant HLS variants)
		}
		segs, err := representationSegments(name, r, fetch)
		if err != nil {
			return nil, err
		}
		v.Bitrates = append(v.Bitrates, r.Bandwidth)
		v.Widths = append(v.Widths, r.Width)
		v.Heights = append(v.Heights, r.Height)
		cols = append(cols, segs)
	}
	n := len(cols[0])
	for _, c := range cols {
		n = min(n, len(c))
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: %s: no segments", ErrBadVideo, name)
	}
	var total time.Duration
	for _, sg := range cols[0][:n] {
		total += sg.Duration
	}
	v.SegmentDuration = total / time.Duration(n)
	v.Play = n
	v.Sizes = make([][]int64, n)
	for i := range v.Sizes {
		row := make([]int64, len(cols))
		for q, c := range cols {
			sg := c[i]
			if sg.Range.Length > 0 {
				row[q] = sg.Range.Length
			} else {
				row[q] = max(1, v.Bitrates[q]*int64(sg.Duration)/int64(8*time.Second))
			}
		}
		v.Sizes[i] = row
	}
	return v, v.validate(name)
}

// representationSegments lists r's segments, reading its sidx first when
// the index needs it.
func representationSegments(name string, r *manifest.Representation, fetch RangeFetcher) ([]manifest.Segment, error) {
	ix := r.Index
	if ix == nil {
		return nil, fmt.Errorf("%w: %s: representation %q has no segment information", ErrBadVideo, name, r.ID)
	}
	if ix.Playlist != nil && !ix.Playlist.Loaded {
		return nil, fmt.Errorf("%w: %s: media playlist of %q is not loaded", ErrBadVideo, name, r.ID)
	}
	if ix.NeedsIndex() {
		if fetch == nil || len(ix.BaseURLs) == 0 {
			return nil, fmt.Errorf("%w: %s: representation %q needs its sidx index and no fetcher was given", ErrBadVideo, name, r.ID)
		}
		url := ix.BaseURLs[0].URL
		pending := []manifest.ByteRange{ix.IndexRange}
		for reads := 0; len(pending) > 0; reads++ {
			if reads >= 64 {
				return nil, fmt.Errorf("%w: %s: sidx of %q needs more than 64 reads", ErrBadVideo, name, r.ID)
			}
			br := pending[0]
			pending = pending[1:]
			data, err := fetch(url, br)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: sidx of %q: %v", ErrBadVideo, name, r.ID, err)
			}
			more, err := ix.ApplySidxAt(br.Offset, data)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: sidx of %q: %v", ErrBadVideo, name, r.ID, err)
			}
			pending = append(pending, more...)
		}
	}
	n, bounded := ix.Len()
	if !bounded {
		return nil, fmt.Errorf("%w: %s: representation %q has an open-ended segment list (live)", ErrBadVideo, name, r.ID)
	}
	if n > MaxVideoSegments {
		return nil, fmt.Errorf("%w: %s: representation %q has %d segments, more than %d", ErrBadVideo, name, r.ID, n, MaxVideoSegments)
	}
	segs, err := ix.AppendSegments(nil, 0, n)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: representation %q: %v", ErrBadVideo, name, r.ID, err)
	}
	return segs, nil
}

// maxManifestBytes bounds the manifest and playlist files read by
// LoadManifestVideo.
const maxManifestBytes = 32 << 20

// LoadManifestVideo reads a local DASH MPD or HLS playlist (with its media
// playlists and sidx indexes, resolved as local paths) and builds a video
// model with VideoFromPresentation.
func LoadManifestVideo(path string) (*Video, error) {
	fetch := func(url string, r manifest.ByteRange) ([]byte, error) {
		return readLocalRange(url, r)
	}
	data, err := fetch(path, manifest.ByteRange{})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadVideo, err)
	}
	p, err := manifest.Parse(data, path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadVideo, err)
	}
	if p.Format == manifest.FormatHLS {
		if err := manifest.LoadHLSMedia(p, func(u string) ([]byte, error) { return fetch(u, manifest.ByteRange{}) }); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadVideo, err)
		}
	}
	return VideoFromPresentation(p, fetch)
}

// readLocalRange reads a whole file (bounded) or a byte range of it.
func readLocalRange(path string, r manifest.ByteRange) ([]byte, error) {
	path = strings.TrimPrefix(path, "file://")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if r.IsZero() {
		data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(data) > maxManifestBytes {
			return nil, fmt.Errorf("%s: larger than %d bytes", path, maxManifestBytes)
		}
		return data, nil
	}
	if r.Offset < 0 || r.Length < 0 || r.Length > maxManifestBytes {
		return nil, fmt.Errorf("%s: byte range %d+%d out of bounds", path, r.Offset, r.Length)
	}
	buf := make([]byte, r.Length)
	if _, err := f.ReadAt(buf, r.Offset); err != nil {
		return nil, fmt.Errorf("%s: bytes %d-%d: %w", path, r.Offset, r.End(), err)
	}
	return buf, nil
}
