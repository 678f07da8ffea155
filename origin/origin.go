package origin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultLogCapacity is the number of requests the log retains by default.
const DefaultLogCapacity = 10000

// Config configures an Origin. DefaultConfig gives the defaults.
type Config struct {
	// Dir, when set, is a directory served at "/" (SynthPrefix excepted
	// when Content is set). Default "" (none).
	Dir string
	// Content, when non-nil, is synthesised and served under SynthPrefix.
	// Default DefaultContent().
	Content *Content
	// Faults is the initial fault script. Default none.
	Faults Script
	// Logger receives one record per request at Info level. Default nil:
	// discard.
	Logger *slog.Logger
	// LogCapacity bounds the in-memory request log; older entries are
	// dropped. Values below 1 mean DefaultLogCapacity.
	LogCapacity int
	// CORS lets browser players on other origins use the server: every
	// response allows any origin and exposes the headers players read
	// (Content-Range, Content-Length, ETag, Retry-After), and CORS
	// preflight requests (OPTIONS) are answered with 204. Default true.
	CORS bool
}

// DefaultConfig returns a Config serving DefaultContent under
// SynthPrefix, with no directory, no faults, no logging, a request log
// of DefaultLogCapacity entries and CORS enabled.
func DefaultConfig() Config {
	c := DefaultContent()
	return Config{Content: &c, LogCapacity: DefaultLogCapacity, CORS: true}
}

// Origin is an http.Handler serving a directory and synthetic content,
// injecting scripted faults and logging every request. It is safe for
// concurrent use. Close it to release requests held by stalls.
type Origin struct {
	synth   *Synth
	dir     *dirHandler
	cors    bool
	faults  atomic.Pointer[faultSet]
	log     *requestLog
	logger  *slog.Logger
	closing context.Context
	close   context.CancelFunc
}

// New builds an Origin from cfg.
func New(cfg Config) (*Origin, error) {
	if cfg.LogCapacity < 1 {
		cfg.LogCapacity = DefaultLogCapacity
	}
	o := &Origin{log: newRequestLog(cfg.LogCapacity), logger: cfg.Logger, cors: cfg.CORS}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Content != nil {
		s, err := NewSynth(*cfg.Content)
		if err != nil {
			return nil, err
		}
		o.synth = s
	}
	if err := o.SetFaults(cfg.Faults); err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		d, err := newDirHandler(cfg.Dir)
		if err != nil {
			return nil, err
		}
		o.dir = d
	}
	o.closing, o.close = context.WithCancel(context.Background())
	return o, nil
}

// Synth returns the synthesiser, or nil when no Content was configured.
func (o *Origin) Synth() *Synth { return o.synth }

// Paths returns the URL paths of the synthetic presentations (none
// without Content).
func (o *Origin) Paths() []string {
	if o.synth == nil {
		return nil
	}
	return []string{PathDASH, PathDASHBase, PathHLS, PathHLSByteRange}
}

// SetFaults replaces the fault script and restarts every rule's request
// count. Requests already in progress keep the fault they started with.
func (o *Origin) SetFaults(s Script) error {
	fs, err := compileScript(s)
	if err != nil {
		return err
	}
	o.faults.Store(fs)
	return nil
}

// Log returns a copy of the retained request log in arrival order (by
// Seq). An entry appears when its request's handling has finished, so a
// request can be missing while a later one is present; WaitRequests
// waits for a count of finished requests.
func (o *Origin) Log() []LogEntry { return o.log.entries() }

// Counts returns the number of retained log entries per URL path.
func (o *Origin) Counts() map[string]int {
	counts := map[string]int{}
	for _, e := range o.log.entries() {
		counts[e.Path]++
	}
	return counts
}

// Count returns the number of retained log entries for one URL path.
func (o *Origin) Count(path string) int { return o.Counts()[path] }

// ClearLog empties the request log and restarts its sequence numbers.
// Requests in flight at that moment are not logged when they finish.
func (o *Origin) ClearLog() { o.log.clear() }

// WaitRequests blocks until at least n requests have finished and been
// logged since the last ClearLog, or ctx ends. Tests use it to
// synchronise with handlers still finishing after the client has seen the
// response.
func (o *Origin) WaitRequests(ctx context.Context, n int) error { return o.log.wait(ctx, n) }

// Close ends every fault wait in progress (those requests are aborted
// and logged as Canceled) and releases the served directory. Synthetic
// content is still served afterwards, but a request whose fault waits is
// aborted at once.
func (o *Origin) Close() error {
	o.close()
	if o.dir != nil {
		return o.dir.close()
	}
	return nil
}

// ServeHTTP routes the request, applying the fault script and logging it.
func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	gen, seq := o.log.begin()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(o.closing, cancel)
	defer stop()
	r = r.WithContext(ctx)

	rule, fired := o.faults.Load().match(r)
	rw := &faultWriter{w: w, ctx: ctx}
	if fired {
		rw.fault = rule.Fault
	}
	defer func() {
		e := LogEntry{
			Seq: seq, Start: start, Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"),
			Status: rw.status, Bytes: rw.bytes, Duration: time.Since(start),
			Effects: rw.effects, Outcome: rw.outcome,
		}
		if fired {
			e.Rule = rule.Name
		}
		o.log.add(e, gen)
		o.logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", e.Method), slog.String("path", e.Path), slog.String("range", e.Range),
			slog.Int("status", e.Status), slog.Int64("bytes", e.Bytes), slog.Duration("duration", e.Duration),
			slog.String("rule", e.Rule), slog.String("effects", strings.Join(e.Effects, " ")),
			slog.String("outcome", e.Outcome.String()))
	}()
	if o.cors {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag, Retry-After")
	}
	rw.serve(o.route(r), r)
}

// preflight answers a CORS preflight request.
func preflight(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Range, If-Range, If-None-Match, If-Modified-Since")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func (o *Origin) route(r *http.Request) http.Handler {
	switch {
	case o.cors && r.Method == http.MethodOptions:
		return http.HandlerFunc(preflight)
	case o.synth != nil && strings.HasPrefix(r.URL.Path, SynthPrefix):
		return o.synth
	case o.dir != nil:
		return o.dir
	}
	return http.NotFoundHandler()
}

// errCut is returned to the handler once a cut point is reached; the
// handler's remaining writes are discarded.
var errCut = errors.New("origin: response cut by fault")

// faultWriter wraps the ResponseWriter of one request: it records the
// status and byte count and applies the body part of the fault.
type faultWriter struct {
	w     http.ResponseWriter
	ctx   context.Context
	fault Fault

	status    int
	bytes     int64
	effects   []string
	outcome   Outcome
	err       error // first write or wait error; later writes fail with it
	stalled   bool
	cutReady  bool      // the cut point has been reached
	rateStart time.Time // when the first paced chunk was sent
	rateBase  int64     // body bytes sent before rateStart
}

func (f *faultWriter) effect(format string, args ...any) {
	f.effects = append(f.effects, fmt.Sprintf(format, args...))
}

// wait sleeps for d or until the request ends.
func (f *faultWriter) wait(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
}

// doStall pauses for the configured stall. Mid-body it flushes first, so
// the client has everything sent so far.
func (f *faultWriter) doStall() error {
	f.stalled = true
	where := "headers"
	if f.fault.Stall.After != BeforeHeaders {
		where = fmt.Sprint(f.bytes)
		f.flush()
	}
	if f.fault.Stall.Forever {
		f.effect("stall=forever@%s", where)
		<-f.ctx.Done()
		return f.ctx.Err()
	}
	f.effect("stall=%v@%s", f.fault.Stall.For, where)
	return f.wait(f.fault.Stall.For)
}

func (f *faultWriter) serve(h http.Handler, r *http.Request) {
	ft := f.fault
	if ft.Delay > 0 {
		f.effect("delay=%v", ft.Delay)
		if err := f.wait(ft.Delay); err != nil {
			f.outcome = Canceled
			f.abort(false)
			return
		}
	}
	if ft.Stall.active() && ft.Stall.After == BeforeHeaders {
		if err := f.doStall(); err != nil {
			f.outcome = Canceled
			f.abort(false)
			return
		}
	}
	if ft.Cut.Mode == Reset && ft.Cut.After == BeforeHeaders {
		f.effect("reset@headers")
		f.outcome = ResetConn
		f.abort(true)
		return
	}
	if ft.Rate > 0 {
		f.effect("rate=%d", ft.Rate)
	}
	if ft.Status != 0 {
		f.effect("status=%d", ft.Status)
		hdr := f.Header()
		if ft.RetryAfter > 0 {
			hdr.Set("Retry-After", fmt.Sprint(int64((ft.RetryAfter+time.Second-1)/time.Second)))
		}
		body := fmt.Sprintf("%d %s (injected fault)\n", ft.Status, http.StatusText(ft.Status))
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		hdr.Set("Content-Length", fmt.Sprint(len(body)))
		f.WriteHeader(ft.Status)
		if r.Method != http.MethodHead {
			_, _ = f.Write([]byte(body))
		}
	} else {
		h.ServeHTTP(f, r)
	}
	switch {
	case f.cutReady && ft.Cut.Mode == Truncate:
		f.effect("truncate@%d", ft.Cut.After)
		f.outcome = Truncated
		f.abort(false)
	case f.cutReady && ft.Cut.Mode == Reset:
		f.effect("reset@%d", ft.Cut.After)
		f.outcome = ResetConn
		f.abort(true)
	case f.err != nil:
		// The client must not mistake what it got for a whole response.
		f.outcome = Canceled
		f.abort(false)
	}
}

// abort closes the connection under the response: after delivering what
// was written, with a FIN (truncate) or an RST (reset). When the
// connection cannot be hijacked (HTTP/2) it aborts the response the way
// net/http provides, which resets the stream.
func (f *faultWriter) abort(reset bool) {
	rc := http.NewResponseController(f.w)
	if f.status != 0 {
		_ = rc.Flush()
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (f *faultWriter) flush() {
	_ = http.NewResponseController(f.w).Flush()
}

// Header returns the header map of the underlying writer.
func (f *faultWriter) Header() http.Header { return f.w.Header() }

// WriteHeader records the status and passes it on.
func (f *faultWriter) WriteHeader(code int) {
	if f.status == 0 && code >= 200 {
		f.status = code
	}
	f.w.WriteHeader(code)
}

// Flush passes a handler's flush on.
func (f *faultWriter) Flush() { f.flush() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (f *faultWriter) Unwrap() http.ResponseWriter { return f.w }

// Write sends body bytes, applying rate, stall and cut.
func (f *faultWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.status == 0 {
		f.WriteHeader(http.StatusOK)
	}
	ft := f.fault
	written := 0
	for len(p) > 0 {
		if ft.Stall.active() && !f.stalled && f.bytes == ft.Stall.After {
			if err := f.doStall(); err != nil {
				f.err = err
				return written, err
			}
		}
		if ft.Cut.Mode != NoCut && f.bytes == ft.Cut.After {
			f.cutReady = true
			f.err = errCut
			return written, errCut
		}
		chunk := int64(len(p))
		if ft.Stall.active() && !f.stalled && ft.Stall.After > f.bytes {
			chunk = min(chunk, ft.Stall.After-f.bytes)
		}
		if ft.Cut.Mode != NoCut && ft.Cut.After > f.bytes {
			chunk = min(chunk, ft.Cut.After-f.bytes)
		}
		if ft.Rate > 0 {
			// Pace before each chunk, not after, so the wait never
			// outlives a body the client has already received whole.
			chunk = min(chunk, max(1, min(ft.Rate/20, 32<<10)))
			if f.rateStart.IsZero() {
				f.rateStart, f.rateBase = time.Now(), f.bytes
			}
			sent := f.bytes - f.rateBase
			due := f.rateStart.Add(time.Duration(float64(sent) * float64(time.Second) / float64(ft.Rate)))
			if err := f.wait(time.Until(due)); err != nil {
				f.err = err
				return written, err
			}
		}
		n, err := f.w.Write(p[:chunk])
		f.bytes += int64(n)
		written += n
		p = p[n:]
		if err != nil {
			f.err = err
			return written, err
		}
		if ft.Rate > 0 {
			f.flush()
		}
	}
	return written, nil
}
