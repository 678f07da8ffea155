package origin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discard hides io.Discard's ReadFrom so copies use a 32 KiB buffer, as
// http.ServeContent does.
type discard struct{ io.Writer }

// BenchmarkSegment measures generation of one 6 Mbit/s, 2 s segment
// (about 1.5 MB) through OpenSegment: box encoding plus payload filling.
func BenchmarkSegment(b *testing.B) { benchSegment(b, "v6000k") }

// BenchmarkAudioSegment measures a 128 kbit/s audio segment: many small
// samples, so the per-sample work dominates.
func BenchmarkAudioSegment(b *testing.B) { benchSegment(b, "a128k") }

// benchSegment measures OpenSegment and a full read of representation
// rep's segments of the default content, in turn.
func benchSegment(b *testing.B, rep string) {
	s, err := NewSynth(DefaultContent())
	if err != nil {
		b.Fatal(err)
	}
	segs, err := s.Segments(rep)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	b.SetBytes(segs[0].Size)
	for i := 0; b.Loop(); i++ {
		r, err := s.OpenSegment(rep, 1+i%len(segs))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(discard{io.Discard}, r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileRange measures a byte-range read of one fragment from the
// single-file form, as SegmentBase and HLS byte-range players request it.
func BenchmarkFileRange(b *testing.B) {
	s, err := NewSynth(DefaultContent())
	if err != nil {
		b.Fatal(err)
	}
	segs, err := s.Segments("v3000k")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	b.SetBytes(segs[0].FragmentSize)
	for i := 0; b.Loop(); i++ {
		si := segs[i%len(segs)]
		r, err := s.OpenFile("v3000k")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Seek(si.Offset, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(discard{io.Discard}, io.LimitReader(r, si.FragmentSize), buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeSegment measures a whole HTTP GET of a 3 Mbit/s segment
// through the Origin (routing, fault matching, logging) over loopback.
func BenchmarkServeSegment(b *testing.B) {
	o, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	srv := httptest.NewServer(o)
	defer srv.Close()
	client := srv.Client()
	segs, err := o.Synth().Segments("v3000k")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	b.SetBytes(segs[0].Size)
	for b.Loop() {
		resp, err := client.Get(srv.URL + "/synth/dash/v3000k/seg-1.m4s")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(discard{io.Discard}, resp.Body, buf); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkNewSynth measures precomputing the default presentation:
// init segments, all segment sizes, sidx boxes and manifests.
func BenchmarkNewSynth(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSynth(DefaultContent()); err != nil {
			b.Fatal(err)
		}
	}
}
