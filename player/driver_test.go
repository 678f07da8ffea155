package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestCacheHit(t *testing.T) {
	for _, tc := range []struct {
		header, value string
		hit           bool
	}{
		{"X-Cache", "HIT", true},
		{"X-Cache", "Hit from cloudfront", true},
		{"X-Cache", "Miss from cloudfront", false},
		{"X-Cache", "MISS, HIT", true}, // Fastly: the last entry is the edge next to the client
		{"X-Cache", "HIT, MISS", false},
		{"X-Cache-Status", "HIT", true},
		{"X-Proxy-Cache", "MISS", false},
		{"CF-Cache-Status", "HIT", true},
		{"CF-Cache-Status", "DYNAMIC", false},
		{"Cache-Status", "OriginCache; fwd=miss, CDN; hit", true}, // RFC 9211 §2 example shape
		{"Cache-Status", "CDN; hit, Edge; fwd=uri-miss", false},
		{"Age", "12", true},
		{"Age", "0", false},
		{"Age", "soon", false},
		{"Server", "origin", false},
	} {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		assert.Equal(t, tc.hit, cacheHit(h), "%s: %s", tc.header, tc.value)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"Thu, 26 Nov 2026 12:00:30 GMT", 30 * time.Second}, // RFC 9110 IMF-fixdate
		{"Thu, 26 Nov 2026 11:59:00 GMT", 0},                // in the past
		{"tomorrow", 0},
		{"99999999999", 24 * time.Hour}, // capped
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		assert.Equal(t, tc.want, retryAfter(h, now), "%q", tc.value)
	}
}

func TestContentRangeStart(t *testing.T) {
	for _, tc := range []struct {
		value string
		first int64
		ok    bool
	}{
		{"bytes 746-18481/73980", 746, true},
		{"bytes 0-0/*", 0, true},
		{"bytes */73980", 0, false},
		{"items 1-2/3", 0, false},
		{"bytes -5-10/20", 0, false},
		{"", 0, false},
	} {
		first, ok := contentRangeStart(tc.value)
		assert.Equal(t, tc.ok, ok, tc.value)
		assert.Equal(t, tc.first, first, tc.value)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err, cause error
		want       FailureClass
	}{
		{context.Canceled, errFirstByteTimeout, FailTimeout},
		{context.Canceled, errNoProgressTimeout, FailTimeout},
		{io.ErrUnexpectedEOF, nil, FailReset},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), nil, FailReset},
		{&netErr{timeout: true}, nil, FailTimeout},
		{fmt.Errorf("%w: 5000 bytes", errTooLarge), nil, FailTooLarge},
		{errors.New("dial tcp: connection refused"), nil, FailNetwork},
	} {
		assert.Equal(t, tc.want, classify(tc.err, tc.cause).Class, "%v / %v", tc.err, tc.cause)
	}
}

// netErr is a net.Error for TestClassify.
type netErr struct{ timeout bool }

func (e *netErr) Error() string   { return "net error" }
func (e *netErr) Timeout() bool   { return e.timeout }
func (e *netErr) Temporary() bool { return false }

func TestNewDriverValidates(t *testing.T) {
	_, err := NewDriver(nil, nil, DefaultDriverConfig())
	assert.ErrorIs(t, err, ErrBadConfig)
	s, err := NewSessionFromURL(DefaultConfig(), "http://127.0.0.1:1/x.mpd", &fixedAlg{})
	require.NoError(t, err)
	for _, mod := range []func(*DriverConfig){
		func(c *DriverConfig) { c.MaxSegmentBytes = 0 },
		func(c *DriverConfig) { c.ProgressInterval = 0 },
		func(c *DriverConfig) { c.StatusInterval = -time.Second },
	} {
		cfg := DefaultDriverConfig()
		mod(&cfg)
		_, err := NewDriver(s, nil, cfg)
		assert.ErrorIs(t, err, ErrBadConfig)
	}
}

// videoOnly is a 10 s synthetic presentation without audio.
func videoOnly() origin.Content {
	c := e2eContent()
	c.Audio = nil
	c.Duration = 10 * time.Second
	return c
}

// runDriver plays url into sink with the given driver configuration.
func runDriver(t *testing.T, url string, sink Sink, dcfg DriverConfig) (*Session, error) {
	t.Helper()
	s, err := NewSessionFromURL(e2eConfig(), url, &fixedAlg{})
	require.NoError(t, err)
	d, err := NewDriver(s, sink, dcfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s, d.Run(ctx)
}

// A server that ignores Range answers 200 with the whole file: the
// driver skips to the range and reads only its bytes.
func TestDriverServerIgnoresRange(t *testing.T) {
	c := videoOnly()
	o, err := origin.New(origin.Config{Content: &c})
	require.NoError(t, err)
	defer o.Close()
	var ranged atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			ranged.Add(1)
			r.Header.Del("Range")
		}
		o.ServeHTTP(w, r)
	}))
	defer srv.Close()
	sink, err := NewFileSink(t.TempDir(), e2eSpeed)
	require.NoError(t, err)
	s, err := runDriver(t, srv.URL+origin.PathDASHBase, sink, DefaultDriverConfig())
	require.NoError(t, err)
	require.NoError(t, sink.Close())
	assert.Equal(t, StateEnded, s.State())
	// index + init + 5 fragments, all asked as ranges, all answered 200.
	assert.Equal(t, int64(7), ranged.Load())
	for _, e := range o.Log() {
		assert.Equal(t, 200, e.Status)
	}
	f := readTrackFile(t, sink.Files()[0])
	assert.Equal(t, uint64(10*90000), f.ticks)
	// Only the ranges count as media: 5 fragments' bytes, not 5 files.
	segs, err := o.Synth().Segments("v400k")
	require.NoError(t, err)
	var frag int64
	for _, sg := range segs {
		frag += sg.FragmentSize
	}
	assert.Equal(t, frag, s.Stats().MediaBytes)
}

// A body over the configured bound fails the request as too large,
// which is not retried; with no other URL the session stops.
func TestDriverBodyTooLarge(t *testing.T) {
	c := videoOnly()
	_, srv := newTestOrigin(t, origin.Config{Content: &c})
	cfg := DefaultDriverConfig()
	cfg.MaxSegmentBytes = 10_000 // init segments fit, media segments (~100 kB) do not
	s, err := runDriver(t, srv.URL+origin.PathDASH, NewHeadless(e2eSpeed), cfg)
	require.ErrorIs(t, err, ErrRequestFailed)
	assert.Contains(t, err.Error(), "too-large")
	assert.Equal(t, 1, s.Stats().Failures, "not retried")
}

// Cancelling the context stops the session, aborts the requests in
// flight and leaves no goroutine behind.
func TestDriverContextCancel(t *testing.T) {
	c := videoOnly()
	o, err := origin.New(origin.Config{Content: &c, Faults: origin.Script{Rules: []origin.Rule{
		{Path: "/synth/dash/*/seg-3.m4s", Fault: origin.Fault{Stall: origin.Stall{After: 1000, Forever: true}}}}}})
	require.NoError(t, err)
	srv := httptest.NewServer(o)
	s, err := NewSessionFromURL(e2eConfig(), srv.URL+origin.PathDASH, &fixedAlg{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := DefaultDriverConfig()
	cfg.Observer = ObserverFunc(func(e *Event) {
		if e.Kind == EvProgress { // a request is in flight
			cancel()
		}
	})
	d, err := NewDriver(s, NewHeadless(e2eSpeed), cfg)
	require.NoError(t, err)
	err = d.Run(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, StateStopped, s.State())
	assert.False(t, d.Do(func(*Session, time.Duration) {}), "Do after Run")
	assert.ErrorIs(t, d.Run(context.Background()), ErrDriverUsed)
	require.NoError(t, o.Close())
	srv.Close()
	goleak.VerifyNone(t)
}

// Do runs commands on the loop: a seek to 16 s of a 20 s stream plays
// the rest from there.
func TestDriverDo(t *testing.T) {
	c := e2eContent()
	_, srv := newTestOrigin(t, origin.Config{Content: &c})
	cfg := e2eConfig()
	cfg.PlaybackRate = 2 // slow enough that the seek lands while playing
	s, err := NewSessionFromURL(cfg, srv.URL+origin.PathDASH, &fixedAlg{})
	require.NoError(t, err)
	var seeks atomic.Int64
	dcfg := DefaultDriverConfig()
	dcfg.Observer = ObserverFunc(func(e *Event) {
		if e.Kind == EvSeek {
			seeks.Add(1)
		}
	})
	d, err := NewDriver(s, NewHeadless(2), dcfg)
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for sought := false; !sought; {
			if !d.Do(func(s *Session, now time.Duration) {
				if s.Stats().Started {
					s.Seek(now, 16*time.Second)
					sought = true
				}
			}) {
				return
			}
		}
	}()
	require.NoError(t, d.Run(context.Background()))
	wg.Wait()
	assert.Equal(t, int64(1), seeks.Load())
	assert.Equal(t, StateEnded, s.State())
	assert.Less(t, s.Stats().PlayTime, 4*time.Second, "at most 4 s played after the seek, plus what played before it")
}

// Request headers: the User-Agent and extra headers reach the server,
// through an injected transport.
func TestDriverHeadersAndTransport(t *testing.T) {
	c := videoOnly()
	o, err := origin.New(origin.Config{Content: &c})
	require.NoError(t, err)
	defer o.Close()
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.UserAgent() != "firmware/1.0" || r.Header.Get("X-Token") != "abc" {
			bad.Add(1)
		}
		o.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rt := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	defer rt.base.CloseIdleConnections()
	cfg := DefaultDriverConfig()
	cfg.UserAgent = "firmware/1.0"
	cfg.Header = http.Header{"X-Token": {"abc"}}
	cfg.Transport = rt
	_, err = runDriver(t, srv.URL+origin.PathDASH, NewHeadless(e2eSpeed), cfg)
	require.NoError(t, err)
	assert.Zero(t, bad.Load())
	assert.Equal(t, int64(1+1+5), rt.n.Load(), "manifest, init, 5 segments")
}

type countingTransport struct {
	base *http.Transport
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// Progress is reported while a body arrives, in increasing totals below
// the final size; a throttled 100 kB segment takes half a second, longer
// than the 50 ms progress interval.
func TestDriverProgress(t *testing.T) {
	c := videoOnly()
	c.Duration = 4 * time.Second
	_, srv := newTestOrigin(t, origin.Config{Content: &c, Faults: origin.Script{Rules: []origin.Rule{
		{Path: "/synth/dash/v400k/seg-1.m4s", Fault: origin.Fault{Rate: 200_000}}}}})
	progress := map[RequestID][]int64{}
	done := map[RequestID]int64{}
	cfg := DefaultDriverConfig()
	cfg.Observer = ObserverFunc(func(e *Event) {
		switch e.Kind {
		case EvProgress:
			progress[e.Request] = append(progress[e.Request], e.Bytes)
		case EvRequestCompleted:
			done[e.Request] = e.Bytes
		}
	})
	_, err := runDriver(t, srv.URL+origin.PathDASH, NewHeadless(e2eSpeed), cfg)
	require.NoError(t, err)
	slow := 0
	for id, ps := range progress {
		for i := 1; i < len(ps); i++ {
			assert.Greater(t, ps[i], ps[i-1], "request %d", id)
		}
		assert.LessOrEqual(t, ps[len(ps)-1], done[id], "request %d", id)
		if len(ps) >= 2 {
			slow++
		}
	}
	assert.GreaterOrEqual(t, slow, 1, "the throttled segment reported its progress")
}

// Without a sink the session's own playhead model keeps time.
func TestDriverWithoutSink(t *testing.T) {
	c := e2eContent()
	_, srv := newTestOrigin(t, origin.Config{Content: &c})
	s, err := runDriver(t, srv.URL+origin.PathDASH, nil, DefaultDriverConfig())
	require.NoError(t, err)
	assert.Equal(t, StateEnded, s.State())
	assert.Equal(t, 20, s.Summary().Segments)
}

// A sink error ends the session with an error wrapping ErrSink.
func TestDriverSinkError(t *testing.T) {
	c := videoOnly()
	_, srv := newTestOrigin(t, origin.Config{Content: &c})
	_, err := runDriver(t, srv.URL+origin.PathDASH, &failingSink{Headless: NewHeadless(e2eSpeed)}, DefaultDriverConfig())
	require.ErrorIs(t, err, ErrSink)
	assert.Contains(t, err.Error(), "decoder full")
}

type failingSink struct{ *Headless }

func (f *failingSink) Deliver(now time.Duration, d *Delivery) error {
	if !d.Init && d.Segment == 2 {
		return errors.New("decoder full")
	}
	return f.Headless.Deliver(now, d)
}

// The buffer pool hands out the smallest free buffer that fits and,
// when full, keeps the largest ones.
func TestBufPool(t *testing.T) {
	var p bufPool
	for _, n := range []int{100, 400, 200, 300} {
		p.put(make([]byte, 7, n))
	}
	b := p.get(150)
	assert.Equal(t, 200, cap(b))
	assert.Empty(t, b)
	p.put(b)
	p.put(make([]byte, 0, 50))  // full: smaller than all, dropped
	p.put(make([]byte, 0, 500)) // replaces the 100
	var caps []int
	for range maxFreeBuffers {
		caps = append(caps, cap(p.get(1)))
	}
	assert.Equal(t, []int{200, 300, 400, 500}, caps, "smallest fitting first")
	assert.Equal(t, 1000, cap(p.get(1000)), "new buffer when none fits")
}
