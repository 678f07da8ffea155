package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
)

// The virtual driver: a discrete-event loop that runs one player.Session
// on a virtual clock. It owns no goroutine and never sleeps. Each turn it
// takes the earliest of the transport's next event (a first byte, a
// progress report, a completion) and the session's NextWake, moves the
// clock there and feeds the session that input; then it carries out the
// actions the session queued (start a transfer, cancel one). Sink actions
// are not needed: the session's own headless playhead plays the buffer.
// Ties go to the transport, so a download that completes at the very
// moment a timer fires is seen first, as a real player would see the
// socket before its timer.

// transport answers the session's requests from a network model. The
// driver calls start and cancel while carrying out actions, next and
// fire in its loop; fire feeds the session (through the driver) the
// transport's events due at t, in time order.
type transport interface {
	start(d *driver, now time.Duration, r *player.Request) error
	cancel(d *driver, now time.Duration, id player.RequestID) error
	next() (time.Duration, bool)
	fire(d *driver, t time.Duration) error
}

// startNote remembers the estimate at the start of a media request, for
// the timeline.
type startNote struct {
	at       time.Duration
	seg      int
	rung     int
	estimate int64
}

// driver runs one session at a time; its buffers are reused.
type driver struct {
	s        *player.Session
	tp       transport
	now      time.Duration
	maxTime  time.Duration
	ctx      context.Context
	acts     []player.Action
	deferred []player.Request
	keepTL   bool
	notes    []startNote
}

func (d *driver) reset(s *player.Session, tp transport, cfg *SessionConfig) {
	d.s, d.tp, d.now = s, tp, 0
	d.maxTime = cfg.MaxTime
	if d.maxTime <= 0 {
		d.maxTime = 24 * time.Hour
	}
	d.ctx = cfg.Context
	d.acts = d.acts[:0]
	d.deferred = d.deferred[:0]
	d.keepTL = cfg.Timeline
	d.notes = d.notes[:0]
}

// run drives the session until it is done.
func (d *driver) run() error {
	if d.ctx != nil {
		if err := d.ctx.Err(); err != nil {
			return err
		}
	}
	d.s.Start(0)
	if err := d.drain(); err != nil {
		return err
	}
	for turn := 0; !d.s.Done(); turn++ {
		if turn&1023 == 1023 && d.ctx != nil {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		tn, okn := d.tp.next()
		tw, okw := d.s.NextWake()
		if !okn && !okw {
			return fmt.Errorf("%w at %v: the player waits for no input the network can give", ErrStuck, d.now)
		}
		useNet := okn && (!okw || tn <= tw)
		t := tw
		if useNet {
			t = tn
		}
		t = max(t, d.now)
		if t > d.maxTime {
			return fmt.Errorf("%w: virtual time limit %v reached", ErrStuck, d.maxTime)
		}
		d.now = t
		if useNet {
			if err := d.tp.fire(d, t); err != nil {
				return err
			}
			continue
		}
		d.s.Tick(t)
		if err := d.drain(); err != nil {
			return err
		}
	}
	return nil
}

// drain carries out the actions the session queued.
func (d *driver) drain() error {
	for {
		d.acts = d.s.AppendActions(d.acts[:0])
		if len(d.acts) == 0 && len(d.deferred) == 0 {
			return nil
		}
		for i := range d.acts {
			if err := d.act(&d.acts[i]); err != nil {
				return err
			}
		}
		for len(d.deferred) > 0 {
			r := d.deferred[0]
			d.deferred = append(d.deferred[:0], d.deferred[1:]...)
			if err := d.startRequest(&r); err != nil {
				return err
			}
		}
	}
}

// act carries out one action.
func (d *driver) act(a *player.Action) error {
	switch a.Kind {
	case player.ActRequest:
		return d.startRequest(&a.Request)
	case player.ActCancel:
		return d.tp.cancel(d, d.now, a.ID)
	}
	return nil
}

// startRequest starts a request on the transport.
func (d *driver) startRequest(r *player.Request) error {
	if r.Kind != player.ReqMedia {
		return fmt.Errorf("%w: the simulator serves media segments only, got a %s request for %s", ErrBadSession, r.Kind, r.URL)
	}
	if r.Size < 0 {
		return fmt.Errorf("%w: no size for segment %d at rung %d", ErrBadSession, r.Segment, r.Rung)
	}
	if d.keepTL {
		d.notes = append(d.notes, startNote{at: d.now, seg: r.Segment, rung: r.Rung, estimate: d.s.Stats().Estimate.Throughput})
	}
	return d.tp.start(d, d.now, r)
}

// pollInline carries out the actions queued by an input given while a
// transport computes a transfer (the sabre profile's per-step reports):
// requests wait until the transport is done, cancels of id are reported
// back, others are ignored.
func (d *driver) pollInline(id player.RequestID) (cancelled bool) {
	for {
		a, ok := d.s.Poll()
		if !ok {
			return cancelled
		}
		switch a.Kind {
		case player.ActRequest:
			d.deferred = append(d.deferred, a.Request)
		case player.ActCancel:
			if a.ID == id {
				cancelled = true
			}
		}
	}
}

// timeline builds the per-download timeline from the session log.
func (d *driver) timeline(log *qoe.Session) []TimelinePoint {
	out := make([]TimelinePoint, 0, len(log.Segments))
	for i := range log.Segments {
		g := &log.Segments[i]
		p := TimelinePoint{
			Time:       g.DownloadEnd,
			Segment:    g.Index,
			Throughput: bitsPerSecond(g.Size, g.DownloadEnd-g.DownloadStart-g.TTFB),
			Buffer:     g.BufferAfter,
			Bitrate:    g.Bitrate,
		}
		for k := len(d.notes) - 1; k >= 0; k-- {
			if n := &d.notes[k]; n.at == g.DownloadStart && n.seg == g.Index && n.rung == g.Rung {
				p.Estimate = n.estimate
				break
			}
		}
		out = append(out, p)
	}
	return out
}
