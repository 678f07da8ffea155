package sim

import (
	"fmt"
	"time"

	"github.com/abrkit/abrkit/player"
)

// netTransport serves the session's requests from a Network (a TraceLink
// for the native profile, or any other implementation). Body progress is
// reported every interval after the first byte while bytes keep
// arriving, as browsers and HTTP stacks report it; a transfer stalled on
// a zero-rate stretch reports nothing, so the player's no-progress
// timeout sees it.
type netTransport struct {
	net      Network
	interval time.Duration
	reqs     []netReq
	evs      []TransferEvent
}

// netReq is a request in flight on the network.
type netReq struct {
	id       player.RequestID
	tid      TransferID
	size     int64
	flowing  bool
	nextTick time.Duration
	reported int64
}

func (t *netTransport) reset(n Network, interval time.Duration) {
	t.net, t.interval = n, interval
	t.reqs = t.reqs[:0]
	t.evs = t.evs[:0]
}

func (t *netTransport) start(_ *driver, now time.Duration, r *player.Request) error {
	tid, err := t.net.Start(now, TransferSpec{Size: r.Size, Tag: uint64(r.ID)})
	if err != nil {
		return fmt.Errorf("sim: starting segment %d at rung %d: %w", r.Segment, r.Rung, err)
	}
	t.reqs = append(t.reqs, netReq{id: r.ID, tid: tid, size: r.Size})
	return nil
}

func (t *netTransport) cancel(_ *driver, now time.Duration, id player.RequestID) error {
	for i := range t.reqs {
		if t.reqs[i].id == id {
			if _, err := t.net.Cancel(now, t.reqs[i].tid); err != nil {
				return fmt.Errorf("sim: cancelling request %d: %w", id, err)
			}
			t.remove(i)
			return nil
		}
	}
	return nil
}

func (t *netTransport) remove(i int) {
	copy(t.reqs[i:], t.reqs[i+1:])
	t.reqs = t.reqs[:len(t.reqs)-1]
}

func (t *netTransport) next() (time.Duration, bool) {
	at, ok := t.net.Next()
	if t.interval > 0 {
		for i := range t.reqs {
			if r := &t.reqs[i]; r.flowing && (!ok || r.nextTick < at) {
				at, ok = r.nextTick, true
			}
		}
	}
	return at, ok
}

func (t *netTransport) find(tid TransferID) int {
	for i := range t.reqs {
		if t.reqs[i].tid == tid {
			return i
		}
	}
	return -1
}

func (t *netTransport) fire(d *driver, at time.Duration) error {
	var err error
	t.evs, err = t.net.Advance(at, t.evs[:0])
	if err != nil {
		return fmt.Errorf("sim: network: %w", err)
	}
	for _, ev := range t.evs {
		i := t.find(ev.ID)
		if i < 0 {
			continue // cancelled by an earlier input at this instant
		}
		r := &t.reqs[i]
		id := r.id
		switch ev.Kind {
		case TransferFirstByte:
			r.flowing = true
			r.nextTick = ev.At + t.interval
			d.s.OnResponse(ev.At, id, player.Response{Status: 200, ContentLength: r.size})
		case TransferDone:
			t.remove(i)
			d.s.OnComplete(ev.At, id, ev.Bytes, nil)
		}
		if err := d.drain(); err != nil {
			return err
		}
	}
	if t.interval <= 0 {
		return nil
	}
	for {
		i := -1
		for k := range t.reqs {
			if r := &t.reqs[k]; r.flowing && r.nextTick <= at {
				i = k
				break
			}
		}
		if i < 0 {
			return nil
		}
		r := &t.reqs[i]
		r.nextTick = at + t.interval
		got, err := t.net.Delivered(r.tid)
		if err != nil {
			return fmt.Errorf("sim: network: %w", err)
		}
		if got <= r.reported {
			continue
		}
		r.reported = got
		d.s.OnProgress(at, r.id, got)
		if err := d.drain(); err != nil {
			return err
		}
	}
}
