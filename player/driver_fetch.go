package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// msgKind tells the request reports apart.
type msgKind uint8

const (
	msgResponse msgKind = iota + 1
	msgProgress
	msgComplete
	msgFailure
)

// message is a report of a request goroutine to the loop. at is the
// session time the goroutine observed the event at.
type message struct {
	kind  msgKind
	id    RequestID
	at    time.Duration
	bytes int64
	resp  Response
	data  []byte
	fail  Failure
}

// errCancelled is the cause of a request the session cancelled (or that
// was in flight at shutdown); nothing is reported for it.
var errCancelled = errors.New("request cancelled")

// Body errors.
var (
	errTooLarge     = errors.New("body larger than the driver's limit")
	errRangeIgnored = errors.New("server ignored the byte range")
)

// readChunk bounds one body read, so that progress is reported at a
// useful granularity even on fast links.
const readChunk = 64 << 10

// startRequest starts the goroutine of request r.
func (d *Driver) startRequest(r Request) {
	ctx, cancel := context.WithCancelCause(context.Background())
	d.inflight[r.ID] = cancel
	d.wg.Add(1)
	go d.fetch(ctx, cancel, r)
}

// send hands a final report to the loop, or drops it when the loop has
// stopped.
func (d *Driver) send(m message) {
	select {
	case d.msgs <- m:
	case <-d.quit:
	}
}

// fail reports a failure unless the session cancelled the request.
func (d *Driver) fail(ctx context.Context, id RequestID, err error) {
	cause := context.Cause(ctx)
	if errors.Is(cause, errCancelled) {
		return
	}
	fl := classify(err, cause)
	d.send(message{kind: msgFailure, id: id, at: d.now(), fail: fl})
}

// fetch performs request r and reports on it.
func (d *Driver) fetch(ctx context.Context, cancel context.CancelCauseFunc, r Request) {
	defer d.wg.Done()
	defer cancel(errCancelled)
	wd := newWatchdog(d, r.Timeouts, d.now(), cancel)
	defer wd.stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		d.fail(ctx, r.ID, err)
		return
	}
	for k, v := range d.cfg.Header {
		req.Header[k] = slices.Clone(v)
	}
	if d.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", d.cfg.UserAgent)
	}
	if !r.Range.IsZero() {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(r.Range.Offset, 10)+"-"+strconv.FormatInt(r.Range.End(), 10))
	}
	resp, err := d.http.Do(req)
	if err != nil {
		d.fail(ctx, r.ID, err)
		return
	}
	defer resp.Body.Close()
	wd.gotHeaders(d.now())

	limit := d.cfg.MaxSegmentBytes
	switch r.Kind {
	case ReqManifest, ReqPlaylist, ReqIndex:
		limit = d.cfg.MaxManifestBytes
	}
	body, length, rangeErr := d.rangeBody(resp, r)
	d.send(message{kind: msgResponse, id: r.ID, at: d.now(), resp: Response{
		Status:        resp.StatusCode,
		RetryAfter:    retryAfter(resp.Header, time.Now()),
		ContentLength: length,
		CacheHit:      cacheHit(resp.Header),
	}})
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The session fails the request on the status; let a short error
		// body go so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return
	}
	if rangeErr != nil {
		d.fail(ctx, r.ID, rangeErr)
		return
	}
	if length > limit {
		d.fail(ctx, r.ID, fmt.Errorf("%w: Content-Length %d > %d", errTooLarge, length, limit))
		return
	}
	mode := bodyKeep
	if r.Kind == ReqMedia {
		mode = d.media
	}
	data, total, err := d.readBody(ctx, r.ID, body, length, limit, wd, mode)
	if err != nil {
		d.fail(ctx, r.ID, err)
		return
	}
	d.send(message{kind: msgComplete, id: r.ID, at: d.now(), bytes: total, data: data})
}

// rangeBody returns the body of the requested range and its length (-1
// when unknown). A 206 must start at the requested offset; a 200 to a
// range request (a server without Range support) is skipped forward to
// the range.
func (d *Driver) rangeBody(resp *http.Response, r Request) (io.Reader, int64, error) {
	if r.Range.IsZero() || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Body, resp.ContentLength, nil
	}
	if resp.StatusCode == http.StatusPartialContent {
		first, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || first != r.Range.Offset {
			return resp.Body, resp.ContentLength, fmt.Errorf("206 with Content-Range %q for requested bytes %d-%d",
				resp.Header.Get("Content-Range"), r.Range.Offset, r.Range.End())
		}
		return resp.Body, resp.ContentLength, nil
	}
	// 200: the whole resource.
	if resp.ContentLength >= 0 && resp.ContentLength <= r.Range.Offset {
		return resp.Body, 0, fmt.Errorf("%w: %d-byte resource for requested bytes %d-%d",
			errRangeIgnored, resp.ContentLength, r.Range.Offset, r.Range.End())
	}
	if _, err := io.CopyN(io.Discard, resp.Body, r.Range.Offset); err != nil {
		return resp.Body, 0, fmt.Errorf("%w: skipping to offset %d: %w", errRangeIgnored, r.Range.Offset, err)
	}
	length := r.Range.Length
	if resp.ContentLength >= 0 {
		length = min(length, resp.ContentLength-r.Range.Offset)
	}
	return io.LimitReader(resp.Body, length), length, nil
}

// bodyMode says where a body's bytes go.
type bodyMode uint8

const (
	// bodyKeep reads into a new slice (manifests, indexes, init
	// segments: the session keeps them).
	bodyKeep bodyMode = iota
	// bodyPooled reads media into a buffer of the driver's pool, which
	// returns to the pool once the sink had it.
	bodyPooled
	// bodyDiscard counts media bytes without keeping them (no sink, or a
	// Headless sink, which never reads them).
	bodyDiscard
)

// readBody reads the body, bounded by limit, reporting progress as it
// goes. It returns the bytes (nil with bodyDiscard) and their count.
func (d *Driver) readBody(ctx context.Context, id RequestID, body io.Reader, length, limit int64, wd *watchdog, mode bodyMode) (data []byte, total int64, err error) {
	size := int(min(readChunk, limit+1))
	if length >= 0 && mode != bodyDiscard {
		size = int(length)
	}
	var buf []byte
	switch mode {
	case bodyKeep:
		buf = make([]byte, 0, size)
	default:
		buf = d.pool.get(size)
		defer func() {
			if err != nil || mode == bodyDiscard {
				d.pool.put(buf)
			}
		}()
	}
	// The first bytes are reported at once (lastAt in the past), later
	// ones as ProgressBytes and ProgressInterval allow.
	lastAt, lastTotal := d.now()-d.cfg.ProgressInterval, int64(0)
	minGap := d.cfg.ProgressInterval / 10
	var probe [1]byte
	for {
		if mode == bodyDiscard {
			buf = buf[:0]
		}
		var n int
		var rerr error
		switch {
		case total == length:
			// The whole announced body is here: expect io.EOF.
			n, rerr = body.Read(probe[:])
			if n > 0 {
				return nil, total, fmt.Errorf("body longer than its Content-Length %d", length)
			}
		case len(buf) == cap(buf):
			buf = slices.Grow(buf, max(1, min(len(buf), int(limit+1)-len(buf))))
			fallthrough
		default:
			n, rerr = body.Read(buf[len(buf):min(cap(buf), len(buf)+readChunk)])
		}
		buf = buf[:len(buf)+n]
		total += int64(n)
		if total > limit {
			return nil, total, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
		}
		if n > 0 {
			now := d.now()
			wd.progress(now)
			gap := now - lastAt
			if gap >= d.cfg.ProgressInterval || (total-lastTotal >= d.cfg.ProgressBytes && gap >= minGap) {
				select {
				case d.msgs <- message{kind: msgProgress, id: id, at: now, bytes: total}:
					lastAt, lastTotal = now, total
				default: // the loop is busy; the next report carries the total
				}
			}
		}
		if rerr == io.EOF {
			if mode == bodyDiscard {
				return nil, total, nil
			}
			return buf, total, nil
		}
		if rerr != nil {
			return nil, total, rerr
		}
		if ctx.Err() != nil {
			return nil, total, context.Cause(ctx)
		}
	}
}

// classify turns a transport or body error into a Failure. cause is the
// request context's cause (a timeout of the watchdog) or nil.
func classify(err, cause error) Failure {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the session's messages name the URL already
	}
	switch {
	case errors.Is(cause, errFirstByteTimeout) || errors.Is(cause, errTotalTimeout) || errors.Is(cause, errNoProgressTimeout):
		return Failure{Class: FailTimeout, Err: cause}
	case errors.Is(err, errTooLarge):
		return Failure{Class: FailTooLarge, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return Failure{Class: FailTimeout, Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return Failure{Class: FailReset, Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Failure{Class: FailTimeout, Err: err}
	}
	return Failure{Class: FailNetwork, Err: err}
}

// watchdog enforces a request's Timeouts on the request goroutine: it
// cancels the request context with the timeout as the cause. The timer
// fires at the earliest deadline that could pass, checks which one did,
// and re-arms itself otherwise, so progress costs one atomic store.
type watchdog struct {
	d       *Driver
	to      Timeouts
	issued  time.Duration
	headers atomic.Bool
	last    atomic.Int64 // session time of the last progress
	cancel  context.CancelCauseFunc
	timer   *time.Timer
}

func newWatchdog(d *Driver, to Timeouts, issued time.Duration, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{d: d, to: to, issued: issued, cancel: cancel}
	if next, ok := w.next(); ok {
		w.timer = time.AfterFunc(next-issued, w.check)
	}
	return w
}

// next returns the earliest deadline of the request given its state,
// false when none applies.
func (w *watchdog) next() (time.Duration, bool) {
	var at wake
	w.to.deadlines(&at, w.issued, time.Duration(w.last.Load()), w.headers.Load())
	return at.at, at.ok
}

// check runs when the timer fires.
func (w *watchdog) check() {
	now := w.d.now()
	if err := w.to.expired(now, w.issued, time.Duration(w.last.Load()), w.headers.Load()); err != nil {
		w.cancel(err)
		return
	}
	if next, ok := w.next(); ok {
		w.timer.Reset(next - now)
	}
}

// gotHeaders notes the response headers and re-arms for the body.
func (w *watchdog) gotHeaders(now time.Duration) {
	w.last.Store(int64(now))
	w.headers.Store(true)
	if w.timer == nil {
		return
	}
	if next, ok := w.next(); ok {
		w.timer.Reset(max(next-now, 0))
	}
}

// progress notes body bytes.
func (w *watchdog) progress(now time.Duration) { w.last.Store(int64(now)) }

func (w *watchdog) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// retryAfter parses the Retry-After header (delay-seconds or an
// HTTP-date, RFC 9110 §10.2.3) relative to now; 0 when absent or invalid.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}

// cacheHit reads the cache-hit hint of a response: an RFC 9211
// Cache-Status whose last (closest) cache reports "hit"; an X-Cache,
// X-Cache-Status or X-Proxy-Cache whose last entry contains HIT (Fastly,
// CloudFront, Varnish, nginx); a CF-Cache-Status of HIT (Cloudflare); or
// a positive Age (RFC 9111 §5.1: the response came from a cache).
func cacheHit(h http.Header) bool {
	if v := h.Get("Cache-Status"); v != "" {
		parts := strings.Split(lastItem(v), ";")
		for _, p := range parts[1:] {
			if strings.EqualFold(strings.TrimSpace(p), "hit") {
				return true
			}
		}
		return false
	}
	for _, k := range []string{"X-Cache", "X-Cache-Status", "X-Proxy-Cache"} {
		if v := h.Get(k); v != "" {
			return strings.Contains(strings.ToUpper(lastItem(v)), "HIT")
		}
	}
	if v := h.Get("CF-Cache-Status"); v != "" {
		return strings.EqualFold(strings.TrimSpace(v), "HIT")
	}
	if v := h.Get("Age"); v != "" {
		age, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return err == nil && age > 0
	}
	return false
}

// lastItem returns the last comma-separated member of a header value.
func lastItem(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// contentRangeStart returns the first byte position of a Content-Range
// "bytes first-last/complete" value.
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(strings.TrimSpace(rest), "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
