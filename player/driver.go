package player

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ErrDriverUsed is returned by Run when the driver already ran: a Driver
// plays its session once.
var ErrDriverUsed = errors.New("player: driver already ran")

// DriverConfig configures a Driver. Start from DefaultDriverConfig.
type DriverConfig struct {
	// Client sends the requests. nil: a client over Transport.
	Client *http.Client
	// Transport is used when Client is nil. nil: the driver builds its
	// own transport (a clone of http.DefaultTransport) and closes its
	// connections when Run returns. An injected Client or Transport is
	// the caller's to close.
	Transport http.RoundTripper
	// Header holds extra request headers (tokens, CMCD); nil for none.
	Header http.Header
	// UserAgent is the User-Agent header. Default "abrkit".
	UserAgent string
	// MaxManifestBytes bounds the body of manifest, playlist and index
	// requests; a larger body fails the request with FailTooLarge.
	// Default 16 MiB.
	MaxManifestBytes int64
	// MaxSegmentBytes bounds the body of init and media requests.
	// Default 256 MiB.
	MaxSegmentBytes int64
	// ProgressBytes and ProgressInterval throttle body progress reports:
	// the first body bytes are reported at once; later a report is sent
	// once ProgressInterval passed since the last one, or once
	// ProgressBytes more arrived, but never more often than every
	// ProgressInterval/10. Defaults 16 KiB (Shaka Player samples every
	// 16 kB) and 50 ms.
	ProgressBytes    int64
	ProgressInterval time.Duration
	// StatusInterval is how often the sink's Status is fed back to the
	// session when nothing else happens (it is also fed after every
	// input). Default 100 ms.
	StatusInterval time.Duration
	// Observer receives the session's events on the driver goroutine; it
	// must not block for long nor call the session or Do. nil: events are
	// discarded.
	Observer Observer
	// Logger receives debug records about requests. nil: discard.
	Logger *slog.Logger
}

// DefaultDriverConfig returns the defaults documented on DriverConfig.
func DefaultDriverConfig() DriverConfig {
	return DriverConfig{
		UserAgent:        "abrkit",
		MaxManifestBytes: 16 << 20,
		MaxSegmentBytes:  256 << 20,
		ProgressBytes:    16 << 10,
		ProgressInterval: 50 * time.Millisecond,
		StatusInterval:   100 * time.Millisecond,
	}
}

// validate reports the first unusable field.
func (c *DriverConfig) validate() error {
	switch {
	case c.MaxManifestBytes <= 0 || c.MaxSegmentBytes <= 0:
		return fmt.Errorf("%w: driver MaxManifestBytes %d and MaxSegmentBytes %d must be positive",
			ErrBadConfig, c.MaxManifestBytes, c.MaxSegmentBytes)
	case c.ProgressBytes <= 0 || c.ProgressInterval <= 0:
		return fmt.Errorf("%w: driver ProgressBytes %d and ProgressInterval %v must be positive",
			ErrBadConfig, c.ProgressBytes, c.ProgressInterval)
	case c.StatusInterval <= 0:
		return fmt.Errorf("%w: driver StatusInterval %v must be positive", ErrBadConfig, c.StatusInterval)
	}
	return nil
}

// MediaBorrower is implemented by sinks that keep no reference to the
// Data of a media delivery once Deliver returned (they copy it, write it
// out or ignore it). The driver then reuses that memory for later
// downloads instead of allocating a buffer per segment. FileSink
// borrows; a sink that queues segments for a decoder goroutine must not
// claim to. With no sink or a Headless sink, which never reads media
// bytes, the driver counts media bodies without keeping them (their
// deliveries carry Bytes but no Data).
type MediaBorrower interface {
	// BorrowsMedia reports whether the sink only borrows media data.
	BorrowsMedia() bool
}

// Driver runs a Session on the wall clock with net/http: the real
// driver of DESIGN §1. Run executes the session loop on the calling
// goroutine and starts one goroutine per request in flight, nothing else.
// The session time it passes is the monotonic time since Run started.
//
// Every request honours the Timeouts the session attached to it (time to
// first byte, total, no progress; the session enforces them as well),
// carries an HTTP Range header for byte ranges, reads at most
// MaxManifestBytes or MaxSegmentBytes, and reports its progress as bytes
// arrive. Deliveries go to the sink, whose Status is fed back to the
// session. When Run returns, every request goroutine has ended and the
// connections of a driver-owned transport are closed.
type Driver struct {
	s     *Session
	sink  Sink
	cfg   DriverConfig
	obs   Observer
	log   *slog.Logger
	http  *http.Client
	owned *http.Transport // closed at shutdown; nil when injected

	ran   atomic.Bool
	start time.Time

	msgs     chan message
	cmds     chan command
	quit     chan struct{}                         // closed when the loop stops reading msgs
	done     chan struct{}                         // closed when Run has returned
	inflight map[RequestID]context.CancelCauseFunc // by request in progress
	wg       sync.WaitGroup

	// media says where media bodies go; pooled buffers return to pool
	// once delivered.
	media bodyMode
	pool  bufPool
}

// command is a function Do runs on the loop.
type command struct {
	fn   func(s *Session, now time.Duration)
	done chan struct{}
}

// NewDriver returns a driver that plays s into sink. sink may be nil:
// deliveries are then dropped and the session's own headless playhead
// model is the only clock of playback.
func NewDriver(s *Session, sink Sink, cfg DriverConfig) (*Driver, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil session", ErrBadConfig)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Driver{
		s:        s,
		sink:     sink,
		cfg:      cfg,
		obs:      cfg.Observer,
		log:      cfg.Logger,
		http:     cfg.Client,
		msgs:     make(chan message, 64),
		cmds:     make(chan command),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		inflight: map[RequestID]context.CancelCauseFunc{},
	}
	if d.obs == nil {
		d.obs = ObserverFunc(func(*Event) {})
	}
	switch sk := sink.(type) {
	case nil, *Headless:
		d.media = bodyDiscard // nothing reads the bytes
	case MediaBorrower:
		if sk.BorrowsMedia() {
			d.media = bodyPooled
		}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.http == nil {
		rt := cfg.Transport
		if rt == nil {
			d.owned = http.DefaultTransport.(*http.Transport).Clone()
			rt = d.owned
		}
		d.http = &http.Client{Transport: rt}
	}
	return d, nil
}

// Session returns the driven session. Use it before Run, after Run
// returned, or inside Do; the session is not safe for concurrent use.
func (d *Driver) Session() *Session { return d.s }

// now is the session time: monotonic time since Run started.
func (d *Driver) now() time.Duration { return time.Since(d.start) }

// Run starts the session and plays it until it is done (end of stream,
// fatal error, Stop through Do) or ctx ends, in which case the session is
// stopped. It returns nil when the session ended without a fatal error,
// the session's error (wrapping ErrRequestFailed, ErrBadContent, ErrSink,
// ...) after a fatal one, ctx's error when ctx ended first, and
// ErrDriverUsed when called again.
func (d *Driver) Run(ctx context.Context) error {
	if !d.ran.CompareAndSwap(false, true) {
		return ErrDriverUsed
	}
	d.start = time.Now()
	defer d.shutdown()
	s := d.s
	s.Start(d.now())
	d.settle()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var ctxErr error
	for !s.Done() {
		wait := d.cfg.StatusInterval
		if d.sink == nil {
			wait = time.Hour
		}
		if at, ok := s.NextWake(); ok {
			wait = min(wait, at-d.now())
		}
		timer.Reset(max(wait, 0))
		select {
		case m := <-d.msgs:
			d.handle(m)
		case c := <-d.cmds:
			c.fn(s, d.now())
			close(c.done)
		case <-timer.C:
			s.Tick(d.now())
		case <-ctx.Done():
			ctxErr = ctx.Err()
			s.Stop(d.now())
		}
		d.settle()
	}
	if ctxErr != nil {
		return ctxErr
	}
	return s.Err()
}

// Do runs fn on the driver's loop with the session and the current
// session time, between inputs, and waits for it: the way to pause, seek,
// change the algorithm or read Stats while Run is running. It returns
// false without running fn once Run has returned. Do blocks until Run
// picks fn up; never call it from an Observer or from fn.
func (d *Driver) Do(fn func(s *Session, now time.Duration)) bool {
	c := command{fn: fn, done: make(chan struct{})}
	select {
	case d.cmds <- c:
	case <-d.done:
		return false
	}
	<-c.done
	return true
}

// settle performs the session's actions, feeds the sink's status back
// and hands the events to the observer.
func (d *Driver) settle() {
	now := d.now()
	d.apply(now)
	if d.sink != nil && !d.s.Done() {
		d.s.OnSinkStatus(now, d.sink.Status(now))
		d.apply(now)
	}
	d.s.DrainEvents(d.obs)
}

// apply performs every queued action.
func (d *Driver) apply(now time.Duration) {
	for {
		a, ok := d.s.Poll()
		if !ok {
			return
		}
		switch a.Kind {
		case ActRequest:
			d.startRequest(a.Request)
		case ActCancel:
			if cancel := d.inflight[a.ID]; cancel != nil {
				cancel(errCancelled)
				delete(d.inflight, a.ID)
			}
		default:
			if d.sink != nil {
				if _, err := ApplyToSink(now, d.sink, &a); err != nil {
					d.s.OnSinkError(now, a.Delivery.Track, err)
				}
			}
			// The session keeps init segments, not media: once the sink
			// had it, a media buffer can take the next download.
			if a.Kind == ActDeliver && !a.Delivery.Init && d.media == bodyPooled {
				d.pool.put(a.Delivery.Data)
			}
		}
	}
}

// handle feeds one request report to the session.
func (d *Driver) handle(m message) {
	s := d.s
	switch m.kind {
	case msgResponse:
		s.OnResponse(m.at, m.id, m.resp)
	case msgProgress:
		s.OnProgress(m.at, m.id, m.bytes)
	case msgComplete:
		delete(d.inflight, m.id)
		s.OnComplete(m.at, m.id, m.bytes, m.data)
	case msgFailure:
		delete(d.inflight, m.id)
		d.log.Debug("request failed", "id", m.id, "failure", m.fail.String())
		s.OnFailure(m.at, m.id, m.fail)
	}
}

// shutdown cancels the requests in flight, waits for their goroutines
// and closes the connections of an owned transport.
func (d *Driver) shutdown() {
	for id, cancel := range d.inflight {
		cancel(errCancelled)
		delete(d.inflight, id)
	}
	close(d.quit)
	d.wg.Wait()
	if d.owned != nil {
		// Connections that become idle later are closed too.
		d.owned.CloseIdleConnections()
	}
	d.s.DrainEvents(d.obs)
	close(d.done)
}

// bufPool keeps a few media buffers for reuse. Request goroutines take
// from it, the loop gives back; segments of one session have similar
// sizes, so a handful of buffers serves them all.
type bufPool struct {
	mu   sync.Mutex
	free [][]byte
}

// maxFreeBuffers bounds the buffers a pool keeps.
const maxFreeBuffers = 4

// get returns an empty buffer with capacity at least n: the smallest
// free one that fits, else a new one.
func (p *bufPool) get(n int) []byte {
	p.mu.Lock()
	best := -1
	for i, b := range p.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.free[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := p.free[best]
		last := len(p.free) - 1
		p.free[best], p.free[last] = p.free[last], nil
		p.free = p.free[:last]
		p.mu.Unlock()
		return b[:0]
	}
	p.mu.Unlock()
	return make([]byte, 0, n)
}

// put offers b for reuse; when the pool is full it keeps the larger
// buffers.
func (p *bufPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < maxFreeBuffers {
		p.free = append(p.free, b)
		return
	}
	small := 0
	for i := range p.free {
		if cap(p.free[i]) < cap(p.free[small]) {
			small = i
		}
	}
	if cap(b) > cap(p.free[small]) {
		p.free[small] = b
	}
}
