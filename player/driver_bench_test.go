package player

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// Goodput on loopback: the real driver fetching a VOD session's media
// against a plain http.Get + io.Copy loop over the same segments from the
// same server (DESIGN target: the driver at least 0.9× the plain loop).
const (
	goodputSegments = 16
	goodputSegBytes = 8 << 20
)

// goodputServer serves goodputSegBytes for any path.
func goodputServer(b *testing.B) *httptest.Server {
	body := bytes.Repeat([]byte("abrkit-goodput-"), goodputSegBytes/15+1)[:goodputSegBytes]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "seg.m4s", time.Time{}, bytes.NewReader(body))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkPlainGet fetches the segments one after the other with
// http.Get and io.Copy into io.Discard.
func BenchmarkPlainGet(b *testing.B) {
	srv := goodputServer(b)
	b.SetBytes(goodputSegments * goodputSegBytes)
	b.ResetTimer()
	for range b.N {
		for k := range goodputSegments {
			resp, err := http.Get(srv.URL + "/vod/v32000/" + strconv.Itoa(k) + ".m4s")
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != goodputSegBytes {
				b.Fatalf("read %d bytes: %v", n, err)
			}
		}
	}
	b.StopTimer()
	http.DefaultClient.CloseIdleConnections()
}

// BenchmarkDriverGoodput plays a session of the same segments through the
// real driver into a headless sink (which never reads media bytes, so the
// driver counts them without keeping them, as in load tests); the buffer
// goal holds the whole presentation, so the downloads run back to back.
// Like http.Get's default client, the sessions share one transport, so
// both loops run over a warm keep-alive connection.
func BenchmarkDriverGoodput(b *testing.B) {
	benchDriverGoodput(b, func(speed float64) Sink { return NewHeadless(speed) })
}

func benchDriverGoodput(b *testing.B, newSink func(speed float64) Sink) {
	srv := goodputServer(b)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	dcfg := DefaultDriverConfig()
	dcfg.Transport = tr
	p := buildVOD(b, ladderSpec{segments: goodputSegments, segDur: 2 * time.Second,
		video: []int64{32_000_000}, bases: []string{srv.URL + "/vod"}})
	cfg := DefaultConfig()
	cfg.MediaOnly = true
	cfg.BufferGoal = time.Hour
	cfg.MaxBufferBytes = 0
	cfg.PlaybackRate = 1000
	b.SetBytes(goodputSegments * goodputSegBytes)
	b.ResetTimer()
	for range b.N {
		s, err := NewSession(cfg, p, &fixedAlg{})
		if err != nil {
			b.Fatal(err)
		}
		d, err := NewDriver(s, newSink(cfg.PlaybackRate), dcfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		if got := s.Stats().MediaBytes; got != goodputSegments*goodputSegBytes {
			b.Fatalf("fetched %d media bytes", got)
		}
	}
}

// borrowingSink copies every media segment into its own buffer during
// Deliver and keeps no reference, like a firmware sink filling a
// decoder's input buffer.
type borrowingSink struct {
	*Headless
	borrow bool
	input  []byte
}

func (s *borrowingSink) Deliver(now time.Duration, d *Delivery) error {
	s.input = append(s.input[:0], d.Data...)
	return s.Headless.Deliver(now, d)
}

func (s *borrowingSink) BorrowsMedia() bool { return s.borrow }

// BenchmarkDriverGoodputSink is BenchmarkDriverGoodput into a sink that
// copies every segment into its own buffer (a cost the plain loop, which
// discards the bytes, does not have): "borrowed" lets the driver reuse
// its buffers (MediaBorrower), "kept" makes it allocate one per segment.
func BenchmarkDriverGoodputSink(b *testing.B) {
	for _, borrow := range []bool{true, false} {
		name := "kept"
		if borrow {
			name = "borrowed"
		}
		b.Run(name, func(b *testing.B) {
			benchDriverGoodput(b, func(speed float64) Sink { return &borrowingSink{Headless: NewHeadless(speed), borrow: borrow} })
		})
	}
}
