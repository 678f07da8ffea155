package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/abrkit/abrkit/traces"
)

// exactModel is what ExactNetwork needs from a reference network model
// that serves one transfer at a time and computes in float64 ms.
type exactModel interface {
	// idle lets ms of idle time pass.
	idle(ms float64)
	// begin runs a whole transfer of size bytes, remembering the state
	// before it, and returns its time to first byte and total time.
	begin(size int64) (ttfbMs, totalMs float64)
	// deliveredAt returns the bytes the last transfer had received
	// elapsedMs after it began, without changing the state.
	deliveredAt(elapsedMs float64) int64
	// cancelAt puts the state where it would be had the last transfer
	// stopped elapsedMs after it began.
	cancelAt(elapsedMs float64)
	// reset returns the model to its initial state.
	reset()
}

// ExactNetwork runs Pensieve's or Sabre's network model behind the Network
// interface. Like the reference simulators it serves one transfer at a
// time (Start returns ErrLinkBusy otherwise) and idle time between
// transfers consumes trace time (Pensieve's sleep walk, Sabre's delay).
//
// The model computes each transfer whole when it starts; the event times
// are its float milliseconds rounded to the nanosecond. Delivered and
// Cancel replay the transfer up to the asked time. TransferSpec.ExtraLatency
// is ignored: latency is part of the reference model (Pensieve's RTT
// before the data, Sabre's latency units).
type ExactNetwork struct {
	m        exactModel
	now      int64
	idleFrom int64 // end of the last transfer: idle time counts from here
	nextID   uint64
	cur      exactTransfer // the transfer in flight, if any
	fin      exactTransfer // a finished transfer whose events are not collected yet
}

type exactTransfer struct {
	active    bool
	fbSent    bool
	id        TransferID
	tag       uint64
	size      int64
	start     int64
	firstByte int64
	done      int64
}

// NewPensieveNetwork returns Pensieve's test-environment network model
// (see PensieveLink) as a Network.
func NewPensieveNetwork(tr *traces.Trace, cfg PensieveConfig) (*ExactNetwork, error) {
	l, err := NewPensieveLink(tr, cfg)
	if err != nil {
		return nil, err
	}
	return &ExactNetwork{m: l, nextID: 1}, nil
}

// NewSabreNetwork returns Sabre's network model (see SabreLink) as a
// Network. The sustainable-quality callback, if configured, fires when a
// transfer is computed (at Start), not when the driver's clock gets there.
func NewSabreNetwork(tr *traces.Trace, cfg SabreConfig) (*ExactNetwork, error) {
	l, err := NewSabreLink(tr, cfg)
	if err != nil {
		return nil, err
	}
	return &ExactNetwork{m: l, nextID: 1}, nil
}

// Reset returns the network and its model to time 0 with nothing in
// flight. Outstanding IDs become invalid.
func (n *ExactNetwork) Reset() {
	n.m.reset()
	n.now, n.idleFrom = 0, 0
	n.cur, n.fin = exactTransfer{}, exactTransfer{}
}

// Now implements Network.
func (n *ExactNetwork) Now() time.Duration { return time.Duration(n.now) }

// Start implements Network.
func (n *ExactNetwork) Start(now time.Duration, spec TransferSpec) (TransferID, error) {
	t := int64(now)
	if err := n.checkTime(t); err != nil {
		return 0, err
	}
	if spec.Size < 0 || spec.Size > MaxTransferBytes || spec.ExtraLatency < 0 {
		return 0, fmt.Errorf("%w: size %d bytes, extra latency %v", ErrBadTransfer, spec.Size, spec.ExtraLatency)
	}
	if n.cur.active {
		if n.cur.done > t {
			return 0, fmt.Errorf("%w: transfer %#x runs until %v", ErrLinkBusy, uint64(n.cur.id), time.Duration(n.cur.done))
		}
		if n.fin.active {
			// Two finished transfers whose events are not collected: the
			// adapter keeps only one.
			return 0, fmt.Errorf("%w: collect the events at %v first", ErrPendingEvents, now)
		}
		// It finished at exactly t; its events wait for the next Advance.
		n.fin = n.cur
		n.cur.active = false
	}
	if gap := t - n.idleFrom; gap > 0 {
		n.m.idle(nsToMs(gap))
	}
	ttfb, total := n.m.begin(spec.Size)
	firstByte := satAdd(t, msToNs(ttfb))
	n.cur = exactTransfer{
		active:    true,
		id:        TransferID(n.nextID),
		tag:       spec.Tag,
		size:      spec.Size,
		start:     t,
		firstByte: firstByte,
		done:      max(firstByte, satAdd(t, msToNs(total))),
	}
	n.nextID++
	n.now = t
	n.idleFrom = n.cur.done
	return n.cur.id, nil
}

// Cancel implements Network.
func (n *ExactNetwork) Cancel(now time.Duration, id TransferID) (int64, error) {
	t := int64(now)
	if err := n.checkTime(t); err != nil {
		return 0, err
	}
	switch {
	case n.fin.active && n.fin.id == id:
		n.fin.active = false
		n.now = t
		return n.fin.size, nil
	case n.cur.active && n.cur.id == id:
		n.cur.active = false
		n.now = t
		if t >= n.cur.done {
			return n.cur.size, nil
		}
		n.m.cancelAt(nsToMs(t - n.cur.start))
		n.idleFrom = t
		return n.m.deliveredAt(nsToMs(t - n.cur.start)), nil
	}
	return 0, fmt.Errorf("%w: %#x", ErrUnknownTransfer, uint64(id))
}

// Delivered implements Network.
func (n *ExactNetwork) Delivered(id TransferID) (int64, error) {
	switch {
	case n.fin.active && n.fin.id == id:
		return n.fin.size, nil
	case n.cur.active && n.cur.id == id:
		if n.now >= n.cur.done {
			return n.cur.size, nil
		}
		return n.m.deliveredAt(nsToMs(n.now - n.cur.start)), nil
	}
	return 0, fmt.Errorf("%w: %#x", ErrUnknownTransfer, uint64(id))
}

// Status implements Network.
func (n *ExactNetwork) Status(id TransferID) (TransferStatus, error) {
	d, err := n.Delivered(id)
	if err != nil {
		return TransferStatus{}, err
	}
	x := &n.cur
	if n.fin.active && n.fin.id == id {
		x = &n.fin
	}
	return TransferStatus{Tag: x.tag, Size: x.size, Delivered: d, Start: time.Duration(x.start), FirstByte: time.Duration(x.firstByte)}, nil
}

// Next implements Network.
func (n *ExactNetwork) Next() (time.Duration, bool) {
	t, ok := n.next()
	return time.Duration(t), ok
}

func (n *ExactNetwork) next() (int64, bool) {
	for _, x := range [2]*exactTransfer{&n.fin, &n.cur} {
		if x.active {
			if !x.fbSent {
				return x.firstByte, true
			}
			return x.done, true
		}
	}
	return 0, false
}

// Advance implements Network.
func (n *ExactNetwork) Advance(to time.Duration, dst []TransferEvent) ([]TransferEvent, error) {
	t := int64(to)
	if t < n.now {
		return dst, fmt.Errorf("%w: advance to %v, clock at %v", ErrClockBackwards, to, time.Duration(n.now))
	}
	for _, x := range [2]*exactTransfer{&n.fin, &n.cur} {
		if x.active && !x.fbSent && x.firstByte <= t {
			dst = append(dst, TransferEvent{At: time.Duration(x.firstByte), ID: x.id, Tag: x.tag, Kind: TransferFirstByte})
			x.fbSent = true
		}
		if x.active && x.fbSent && x.done <= t {
			dst = append(dst, TransferEvent{At: time.Duration(x.done), ID: x.id, Tag: x.tag, Kind: TransferDone, Bytes: x.size})
			x.active = false
		}
	}
	n.now = t
	return dst, nil
}

func (n *ExactNetwork) checkTime(t int64) error {
	if t < n.now {
		return fmt.Errorf("%w: %v, clock at %v", ErrClockBackwards, time.Duration(t), time.Duration(n.now))
	}
	if e, ok := n.next(); ok && e < t {
		return fmt.Errorf("%w: event at %v, asked for %v", ErrPendingEvents, time.Duration(e), time.Duration(t))
	}
	return nil
}

// msToNs converts float64 ms to integer ns, rounding to nearest and
// saturating.
func msToNs(ms float64) int64 {
	ns := math.Round(ms * 1e6)
	if !(ns < math.MaxInt64/2) {
		return math.MaxInt64 / 2
	}
	return int64(max(ns, 0))
}

func nsToMs(ns int64) float64 { return float64(ns) / 1e6 }
