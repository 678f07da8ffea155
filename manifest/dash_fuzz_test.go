package manifest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// addDASHSeeds adds every MPD of testdata/dash and, when present, of the
// shared corpus (DASH and media folders, GPL files included: they are
// read in place, never copied).
func addDASHSeeds(f *testing.F) {
	roots := []string{filepath.Join("testdata", "dash")}
	corpus := os.Getenv("ABRKIT_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "..", "shared", "corpus")
	}
	roots = append(roots, filepath.Join(corpus, "dash"), filepath.Join(corpus, "media"))
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".mpd", ".xml", ".mpp":
				if data, err := os.ReadFile(path); err == nil {
					f.Add(data)
				}
			}
			return nil
		})
	}
	for _, s := range []string{
		staticMPD(`duration="PT50S"`, `<Representation id="v"><SegmentTemplate media="$Time$"><SegmentTimeline><S t="0" d="10" r="-1"/></SegmentTimeline></SegmentTemplate></Representation>`),
		staticMPD(``, `<Representation id="v"><SegmentTemplate media="$Number$_$SubNumber$" timescale="3"><SegmentTimeline><S t="5" d="7" r="3" k="3"/><S n="9" d="2"/></SegmentTimeline></SegmentTemplate></Representation>`),
		liveMPD(`timeShiftBufferDepth="PT30S"`, `<Period start="PT0S"><AdaptationSet><Representation id="v"><SegmentTemplate duration="2" media="$Number%05d$"/></Representation></AdaptationSet></Period>`),
		`<MPD><Period><AdaptationSet><Representation id="v"><SegmentList duration="2"><SegmentURL media="a" mediaRange="0-9"/></SegmentList></Representation></AdaptationSet></Period></MPD>`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseDASH checks that no input makes ParseDASH or the segment
// index panic, hang or allocate without bound: counts are arithmetic and
// capped, so even an S@r of 10^18 is answered at once.
func FuzzParseDASH(f *testing.F) {
	addDASHSeeds(f)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseDASH(data, "https://example.com/a/b.mpd")
		if err != nil {
			if p != nil {
				t.Fatalf("error with a presentation: %v", err)
			}
			return
		}
		for _, per := range p.Periods {
			for _, as := range per.AdaptationSets {
				for _, r := range as.Representations {
					exerciseIndex(t, r.Index, p, now)
				}
			}
		}
	})
}

func exerciseIndex(t *testing.T, x *SegmentIndex, p *Presentation, now time.Time) {
	t.Helper()
	if x == nil {
		t.Fatal("representation without index")
	}
	if x.NeedsIndex() {
		if _, err := x.Segment(0); err == nil {
			t.Fatal("segment of an unapplied SegmentBase index")
		}
		return
	}
	n, bounded := x.Len()
	if n < 0 || (bounded && n > MaxSegments) {
		t.Fatalf("bad count %d", n)
	}
	probe := []int{0, n - 1, n, n + 1, 1 << 30}
	for _, i := range probe {
		s, err := x.Segment(i)
		if err != nil {
			if bounded && i >= 0 && i < n {
				t.Fatalf("segment %d of %d: %v", i, n, err)
			}
			continue
		}
		if bounded && i >= n {
			t.Fatalf("segment %d of %d returned", i, n)
		}
		if len(s.URLs) != max(len(x.BaseURLs), 1) {
			t.Fatalf("segment %d has %d URLs for %d BaseURLs", i, len(s.URLs), len(x.BaseURLs))
		}
		if s.Duration < 0 {
			t.Fatalf("negative duration %v", s.Duration)
		}
		if j, _ := x.SegmentAt(s.Start); j < 0 {
			t.Fatalf("SegmentAt(%v) = %d", s.Start, j)
		}
	}
	segs, err := x.AppendSegments(nil, max(0, n-40), 50)
	if err != nil {
		t.Fatalf("AppendSegments: %v", err)
	}
	if len(segs) > 50 {
		t.Fatalf("AppendSegments returned %d > 50", len(segs))
	}
	for k, s := range segs {
		one, err := x.Segment(max(0, n-40) + k)
		if err != nil || one.Start != s.Start || one.Number != s.Number || strings.Join(one.URLs, " ") != strings.Join(s.URLs, " ") {
			t.Fatalf("AppendSegments and Segment disagree at %d: %v", k, err)
		}
	}
	first, last, err := x.Available(now, p)
	if err == nil && (first < 0 || last < first) {
		t.Fatalf("window [%d, %d]", first, last)
	}
	_ = x.InitSegment()
}

// FuzzApplySidx feeds arbitrary index bytes, and the further ranges the
// index asks for, to ApplySidx.
func FuzzApplySidx(f *testing.F) {
	if file, err := os.ReadFile(filepath.Join("testdata", "dash", "mp4ff", "bbb5s_aac_sidx.mp4")); err == nil {
		f.Add(file[815:883])
		f.Add(file[:1000])
	}
	corpus := os.Getenv("ABRKIT_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "..", "shared", "corpus")
	}
	for _, name := range []string{"multi_sidx_segment.m4s", "interleaved_sidxs_segment.m4s", "moof_enc.m4s"} {
		if data, err := os.ReadFile(filepath.Join(corpus, "media", "mp4ff", name)); err == nil {
			f.Add(data[:min(len(data), 4096)])
		}
	}
	f.Add(fuzzHierarchy())
	f.Fuzz(func(t *testing.T, data []byte) {
		x := &SegmentIndex{
			Addressing:  AddrBase,
			BaseURLs:    []BaseURL{{URL: "https://h/v.mp4"}},
			Timescale:   1000,
			StartNumber: 1,
			IndexRange:  ByteRange{Offset: 1000, Length: int64(len(data))},
		}
		more, err := x.ApplySidxAt(1000, data)
		for round := 0; err == nil && len(more) > 0 && round < 32; round++ {
			r := more[0]
			lo := r.Offset - 1000
			if lo < 0 || lo >= int64(len(data)) {
				return
			}
			hi := min(int64(len(data)), lo+r.Length)
			more, err = x.ApplySidxAt(r.Offset, data[lo:hi])
		}
		if err != nil || len(more) > 0 {
			return
		}
		n, bounded := x.Len()
		if !x.IndexApplied || !bounded || n != len(x.Segments) || n > maxSidxSegments {
			t.Fatalf("applied=%v bounded=%v n=%d segments=%d", x.IndexApplied, bounded, n, len(x.Segments))
		}
		for _, s := range x.Segments {
			if s.Range.Offset < 0 || s.Range.Length < 0 || s.Duration < 0 {
				t.Fatalf("bad segment %+v", s)
			}
		}
	})
}

// fuzzHierarchy is the hierarchical index of TestApplySidxHierarchical*
// built without testing.T.
func fuzzHierarchy() []byte {
	box := func(ept uint32, refs ...[3]uint32) []byte {
		n := 32 + 12*len(refs)
		b := make([]byte, 0, n)
		be32 := func(v uint32) { b = append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }
		be32(uint32(n))
		b = append(b, "sidx"...)
		be32(0)    // version 0, flags
		be32(1)    // reference_ID
		be32(1000) // timescale
		be32(ept)
		be32(0) // first_offset
		b = append(b, 0, 0, byte(len(refs)>>8), byte(len(refs)))
		for _, r := range refs {
			be32(r[0]<<31 | r[1])
			be32(r[2])
			be32(1<<31 | 1<<28)
		}
		return b
	}
	a := box(0, [3]uint32{0, 100, 2000}, [3]uint32{0, 200, 2000})
	b := box(4000, [3]uint32{0, 200, 3000})
	root := box(0, [3]uint32{1, uint32(len(a) + 300), 4000}, [3]uint32{1, uint32(len(b) + 200), 3000})
	out := append([]byte{}, root...)
	out = append(out, a...)
	out = append(out, make([]byte, 300)...)
	out = append(out, b...)
	return append(out, make([]byte, 200)...)
}
