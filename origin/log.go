package origin

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Outcome is how a request ended.
type Outcome int

// Request outcomes.
const (
	// Complete: the handler finished and everything it wrote was sent.
	Complete Outcome = iota
	// Canceled: the request's context ended (the client went away or the
	// Origin was closed) during a fault's wait, or a write to the client
	// failed.
	Canceled
	// Truncated: a Truncate fault closed the connection mid-body.
	Truncated
	// ResetConn: a Reset fault aborted the connection.
	ResetConn
)

// String returns "complete", "canceled", "truncated" or "reset".
func (o Outcome) String() string {
	switch o {
	case Complete:
		return "complete"
	case Canceled:
		return "canceled"
	case Truncated:
		return "truncated"
	case ResetConn:
		return "reset"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// LogEntry records one request.
type LogEntry struct {
	// Seq numbers requests from 1 in the order they arrived since the
	// last ClearLog.
	Seq    int
	Start  time.Time
	Method string
	Path   string
	// Range is the request's Range header, "" when absent.
	Range string
	// Status is the status code sent; 0 when no header was sent.
	Status int
	// Bytes counts the body bytes written to the connection.
	Bytes    int64
	Duration time.Duration
	// Rule names the fault rule applied; "" when none fired.
	Rule string
	// Effects lists the fault effects actually applied, in order, as
	// "delay=100ms", "stall=2s@1000", "stall=forever@headers",
	// "status=503", "rate=100000", "truncate@5000", "reset@100",
	// "reset@headers". A stall or cut beyond the end of the body does not
	// appear.
	Effects []string
	Outcome Outcome
}

// requestLog keeps the entries of the most recently finished requests in
// a ring. It is safe for concurrent use.
type requestLog struct {
	mu      sync.Mutex
	ring    []LogEntry
	next    int // index of the slot the next entry goes to
	total   int // entries added since the last clear
	seq     int // requests begun since the last clear
	gen     int // incremented by clear
	changed chan struct{}
}

func newRequestLog(capacity int) *requestLog {
	return &requestLog{ring: make([]LogEntry, 0, capacity), changed: make(chan struct{})}
}

// begin numbers an arriving request; its entry is later added with the
// generation returned.
func (l *requestLog) begin() (gen, seq int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.gen, l.seq
}

// add records a finished request begun in generation gen; requests that
// began before the last clear are dropped.
func (l *requestLog) add(e LogEntry, gen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen {
		return
	}
	l.total++
	if len(l.ring) < cap(l.ring) {
		l.ring = append(l.ring, e)
	} else {
		l.ring[l.next] = e
	}
	l.next = (l.next + 1) % cap(l.ring)
	close(l.changed)
	l.changed = make(chan struct{})
}

// entries returns a copy of the retained entries in arrival order.
func (l *requestLog) entries() []LogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LogEntry, 0, len(l.ring))
	if len(l.ring) == cap(l.ring) {
		out = append(out, l.ring[l.next:]...)
		out = append(out, l.ring[:l.next]...)
	} else {
		out = append(out, l.ring...)
	}
	for i := range out {
		out[i].Effects = append([]string(nil), out[i].Effects...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring = l.ring[:0]
	l.next = 0
	l.total = 0
	l.seq = 0
	l.gen++
}

// wait blocks until at least n entries have been added since the last
// clear, or ctx ends.
func (l *requestLog) wait(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		total, changed := l.total, l.changed
		l.mu.Unlock()
		if total >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
