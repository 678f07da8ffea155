package sim

// Network models.
//
// A Network is driven by a virtual clock that only moves forward. The
// virtual driver starts transfers, asks when the next thing happens, moves
// the clock there and collects what happened:
//
//	id, _ := net.Start(now, sim.TransferSpec{Size: n, Tag: session})
//	for {
//		t, ok := net.Next()             // earliest first byte / completion
//		// ... min with the driver's own timers, progress ticks ...
//		events, _ = net.Advance(t, events[:0])
//		for _, ev := range events { /* TransferFirstByte, TransferDone */ }
//	}
//
// Bytes delivered so far (for progress reports and abandonment) come from
// Delivered after advancing to the time of interest; Cancel stops a
// transfer. Idle time needs no call: the trace is indexed by virtual time,
// so advancing the clock with nothing in flight consumes trace time (for
// the exact models too, see below).
//
// Three implementations:
//
//   - TraceLink: a looping, piecewise-constant link built from a
//     traces.Trace, with per-request latency and a payload factor, in
//     integer arithmetic (ns, bit/s, nano-bits). Transfers in flight share
//     the rate equally (processor sharing), so one TraceLink per session is
//     the trace-driven link, and one TraceLink shared by many sessions is
//     the shared bottleneck; TransferSpec.Tag tells the sessions apart and
//     TransferSpec.ExtraLatency gives each its own RTT.
//   - ExactNetwork over a PensieveLink: Pensieve's test environment
//     (test/fixed_env.py), one transfer at a time.
//   - ExactNetwork over a SabreLink: Sabre's network model
//     (src/sabre.py NetworkModel), one transfer at a time.
//
// PensieveLink and SabreLink also have a native float API that returns the
// reference simulators' numbers digit for digit; a profile that must match
// their printed results drives them directly. The ExactNetwork adapters
// convert their float milliseconds to time.Duration (rounded to the
// nanosecond), so through the Network interface they follow the same model
// but not the last digits.
//
// # Reference quirks reproduced
//
// Pensieve (hongzimao/pensieve test/fixed_env.py, the deterministic test
// environment; see PensieveLink):
//   - The cooked trace is a step function in which bandwidth i applies over
//     (time[i-1], time[i]]; bandwidth 0 is never used.
//   - Only 95% of the trace throughput carries payload
//     (PACKET_PAYLOAD_PORTION), applied as throughput*duration*0.95 per
//     interval and as (size-sent)/throughput/0.95 for the final fraction.
//   - The 80 ms LINK_RTT is added to each chunk's delay after the transfer
//     walk and does NOT consume trace time: the trace clock runs slower
//     than the session clock by 80 ms per chunk.
//   - A chunk that ends exactly on an interval boundary still moves the
//     pointer to the next interval (strict '>' test); zero-rate intervals
//     met that way add their whole duration.
//   - At the end of the trace the pointer goes back to index 1 and the
//     trace time to 0 (not to time[0]).
//   - The full-buffer sleep walks the trace with its own loop and returns
//     what is left of the sleep after that walk, not the sleep itself
//     (PensieveLink.Sleep reports both).
//   - Delays accumulate in seconds and are multiplied by 1000 once, then
//     the RTT is added; all in float64.
//   - Not reproduced: the training environment's random start and
//     U(0.9, 1.1) delay noise (sim/env.py); the test environment has none.
//
// Sabre (UMass-LIDS/sabre src/sabre.py at 09b03bb; see SabreLink):
//   - Units are bits, ms and kbit/s (= bits/ms) in float64, with the
//     -nm multiplier applied to every period's bandwidth.
//   - Each request first pays one latency, charged in "latency units"
//     across period boundaries: in period k one unit costs latency_k ms, so
//     a latency that crosses a boundary blends the latencies of the periods
//     it spans; no bits flow meanwhile; zero-latency periods cost nothing.
//   - Bits then flow at each period's rate; zero-rate periods pass whole.
//   - A request of zero (or negative) size costs no time and no latency.
//   - Idle waits (full buffer, ABR delay) move the trace cursor by the same
//     time; the trace loops silently.
//   - Requests with abandonment checks are split into progress steps of
//     max(12000 bits, m ms x rate) with m = 50 - TTFB for the first step and
//     50 after, recomputed at period edges, with the checker called after
//     each step that leaves bits outstanding and given
//     max(0, level - elapsed) as the buffer estimate; this split changes
//     the float sums and is reproduced exactly (SabreLink.DownloadChecked).
//   - The sustainable-quality bookkeeping runs on every period change
//     (rate x (1 - latency/segment)), reported through a callback.
//   - Not reproduced: Sabre hangs on a trace with no capacity (quirk Q18);
//     the constructors reject such traces instead.
//
// TraceLink is abrkit's own model and has no quirks to reproduce: latency
// is a wall-clock wait before the first byte during which the transfer
// takes no share of the link, and the trace runs with virtual time.

import (
	"errors"
	"time"
)

// Errors returned by the network models. Callers can branch on them with
// errors.Is.
var (
	// ErrClockBackwards is returned when an operation's time is before the
	// network's clock (Now).
	ErrClockBackwards = errors.New("sim: network time moved backwards")
	// ErrPendingEvents is returned by Start and Cancel when an event before
	// the given time has not been collected with Advance yet.
	ErrPendingEvents = errors.New("sim: network has uncollected events before this time")
	// ErrUnknownTransfer is returned for an ID that was never issued, was
	// cancelled, or whose TransferDone event has been collected.
	ErrUnknownTransfer = errors.New("sim: unknown transfer")
	// ErrBadTransfer is returned for a transfer with a negative or too
	// large size (see MaxTransferBytes) or a negative extra latency.
	ErrBadTransfer = errors.New("sim: bad transfer")
	// ErrLinkBusy is returned by an ExactNetwork when a transfer is started
	// while another is in flight: the reference simulators fetch one
	// segment at a time.
	ErrLinkBusy = errors.New("sim: link busy")
	// ErrBadLink is returned by constructors for an invalid configuration
	// or a trace that cannot carry data.
	ErrBadLink = errors.New("sim: bad link")
)

// MaxTransferBytes is the largest transfer the models accept (1 GiB), which
// keeps the integer arithmetic of TraceLink exact.
const MaxTransferBytes int64 = 1 << 30

// TransferID identifies a transfer on one Network. It stays valid until
// the transfer's TransferDone event has been returned by Advance or the
// transfer is cancelled; slots are then reused under new IDs, and stale IDs
// return ErrUnknownTransfer. The zero TransferID is never issued.
type TransferID uint64

// TransferSpec describes a transfer to start.
type TransferSpec struct {
	// Size is the number of bytes to deliver, 0 to MaxTransferBytes. A zero
	// size transfer completes at its first-byte time.
	Size int64
	// Tag is opaque to the network and echoed in events, for example the
	// index of the session that owns the transfer.
	Tag uint64
	// ExtraLatency is added to the link's per-request latency, for example
	// a per-session RTT on a shared bottleneck. Must not be negative.
	// The exact models ignore it (their latency is part of the model).
	ExtraLatency time.Duration
}

// TransferEventKind says what happened to a transfer.
type TransferEventKind uint8

// Transfer event kinds.
const (
	// TransferFirstByte: the request's latency has passed and data starts
	// to flow (TTFB = At - start time). If the link rate is zero at that
	// moment, the first byte itself arrives later.
	TransferFirstByte TransferEventKind = iota + 1
	// TransferDone: the last byte has arrived. The ID is released.
	TransferDone
)

// String returns "first-byte" or "done".
func (k TransferEventKind) String() string {
	switch k {
	case TransferFirstByte:
		return "first-byte"
	case TransferDone:
		return "done"
	default:
		return "unknown"
	}
}

// TransferEvent is something that happened to a transfer at a virtual time.
type TransferEvent struct {
	At    time.Duration     // when it happened
	ID    TransferID        // which transfer
	Tag   uint64            // the transfer's TransferSpec.Tag
	Kind  TransferEventKind // what happened
	Bytes int64             // bytes delivered at At: 0 for first byte, the size for done
}

// TransferStatus describes a transfer in flight.
type TransferStatus struct {
	Tag       uint64        // TransferSpec.Tag
	Size      int64         // bytes requested
	Delivered int64         // bytes delivered as of the network's Now
	Start     time.Duration // when Start was called
	FirstByte time.Duration // when data starts (or started) to flow
}

// Network is the interface the virtual driver uses. A Network is not safe
// for concurrent use; one goroutine drives it. Implementations do not
// allocate per transfer in steady state.
//
// Events are reported in time order. At one instant, completions of
// transfers already flowing come before first-byte events, and first-byte
// events come in start order (a zero-byte transfer's TransferDone follows
// its TransferFirstByte).
type Network interface {
	// Now returns the network clock: the latest time given to Start,
	// Cancel or Advance.
	Now() time.Duration
	// Start begins a transfer at virtual time now (>= Now()). Events before
	// now must have been collected with Advance (ErrPendingEvents); events
	// at exactly now may still be pending.
	Start(now time.Duration, spec TransferSpec) (TransferID, error)
	// Cancel stops a transfer at virtual time now (>= Now(), same rule on
	// pending events as Start) and returns the bytes it had delivered. No
	// further event is reported for it, even one due at exactly now.
	Cancel(now time.Duration, id TransferID) (delivered int64, err error)
	// Delivered returns the bytes the transfer has delivered as of Now().
	Delivered(id TransferID) (int64, error)
	// Status describes a transfer in flight as of Now().
	Status(id TransferID) (TransferStatus, error)
	// Next returns the time of the earliest event not yet collected, or
	// ok=false when nothing is pending (or nothing will ever happen, for a
	// link whose capacity has run out).
	Next() (at time.Duration, ok bool)
	// Advance moves the clock to `to` (>= Now()), appends every event at or
	// before `to` not yet collected to dst, in order, and returns dst.
	Advance(to time.Duration, dst []TransferEvent) ([]TransferEvent, error)
}
