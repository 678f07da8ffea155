package sim

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/abrkit/abrkit/traces"
)

// LinkConfig configures a TraceLink.
type LinkConfig struct {
	// Latency is the fixed per-request latency: the time from Start to the
	// first byte, during which the transfer does not use the link.
	// Default 0.
	Latency time.Duration
	// UseTraceLatency adds the latency of the trace sample in force when a
	// request starts (Sabre traces carry one). Default true.
	UseTraceLatency bool
	// PayloadFactor multiplies every sample's rate to give the rate
	// available to payload, e.g. 0.95 for Pensieve's packet payload
	// portion. Must be positive and finite. Default 1.
	PayloadFactor float64
	// Loop makes the trace repeat after its end, as both reference
	// simulators do. Without it the last sample's rate holds forever.
	// Default true.
	Loop bool
	// Offset is the trace time at virtual time 0, to start sessions at
	// different points of one trace. Must not be negative; taken modulo the
	// trace length when looping. Default 0.
	Offset time.Duration
}

// DefaultLinkConfig returns the LinkConfig defaults: no fixed latency, the
// trace's own latency if it has one, full payload, looping, no offset.
func DefaultLinkConfig() LinkConfig {
	return LinkConfig{UseTraceLatency: true, PayloadFactor: 1, Loop: true}
}

// TraceLink is a trace-driven link: the capacity follows a looping,
// piecewise-constant trace indexed by virtual time; each request waits its
// latency and then shares the capacity equally with every other transfer
// in flight (processor sharing, like one TCP flow per request with perfect
// fairness and no slow start).
//
// Used by one session it is a dedicated trace-driven link; shared by many
// it is a shared bottleneck. All arithmetic is in integers: time in ns,
// rates in bit/s, service in nano-bits (1e-9 bit), with 128-bit
// intermediates; completion times are rounded up to the nanosecond.
//
// TraceLink implements Network. It is not safe for concurrent use.
type TraceLink struct {
	cfg     LinkConfig
	periods []linkPeriod
	total   int64 // trace length, ns
	loopCap u128  // nano-bits one full trace carries
	offset  int64 // trace time at virtual time 0 (reduced modulo total when looping)
	now     int64 // the clock
	tv      int64 // time at which v was last brought up to date
	cur     linkCursor
	v       uint64 // service each flowing transfer has received since its base, nano-bits
	slots   []linkSlot
	free    []int32
	waiting netHeap // transfers in their latency phase, by first-byte time
	flowing netHeap // transfers receiving data, by finishing service
	seq     uint64
	done    int64 // cached time of the next completion; valid if doneOK
	doneOK  bool
}

// linkPeriod is one trace sample in engine units.
type linkPeriod struct {
	end  int64  // trace time at which the period ends, ns (cumulative)
	rate uint64 // payload rate, bit/s = nano-bits per ns
	lat  int64  // trace latency, ns
}

// linkCursor locates the period in force at some virtual time.
type linkCursor struct {
	i     int   // period index
	start int64 // virtual time the period began
	end   int64 // virtual time it ends (math.MaxInt64 when open-ended)
}

type slotState uint8

const (
	slotFree slotState = iota
	slotWaiting
	slotFlowing
)

type linkSlot struct {
	gen       uint32
	state     slotState
	pos       int32 // index in the heap the transfer is in
	tag       uint64
	size      int64
	start     int64
	firstByte int64
	base      uint64 // v when the transfer started flowing
	finish    uint64 // base + size in nano-bits
	seq       uint64
}

// nanoBitsPerByte converts bytes to nano-bits.
const nanoBitsPerByte = 8_000_000_000

// rebaseAbove is the service level at which v and the finish tags are
// shifted down to keep them far from overflow.
const rebaseAbove = 1 << 62

// NewTraceLink returns a TraceLink over tr with configuration cfg. The
// trace must be valid and able to carry data when looping (ErrBadLink).
// The link copies what it needs; tr may be changed afterwards.
func NewTraceLink(tr *traces.Trace, cfg LinkConfig) (*TraceLink, error) {
	if err := tr.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLink, err)
	}
	if !(cfg.PayloadFactor > 0) || math.IsInf(cfg.PayloadFactor, 0) {
		return nil, fmt.Errorf("%w: trace %q: payload factor %v is not positive and finite", ErrBadLink, tr.Name, cfg.PayloadFactor)
	}
	if cfg.Latency < 0 || cfg.Offset < 0 {
		return nil, fmt.Errorf("%w: trace %q: negative latency or offset", ErrBadLink, tr.Name)
	}
	l := &TraceLink{cfg: cfg, periods: make([]linkPeriod, 0, len(tr.Samples))}
	var end int64
	for _, s := range tr.Samples {
		r := math.Round(float64(s.Rate) * cfg.PayloadFactor)
		if r >= math.MaxInt64/2 {
			return nil, fmt.Errorf("%w: trace %q: rate %d bit/s x %v is too large", ErrBadLink, tr.Name, s.Rate, cfg.PayloadFactor)
		}
		end += int64(s.Duration)
		p := linkPeriod{end: end, rate: uint64(r), lat: int64(s.Latency)}
		l.periods = append(l.periods, p)
		l.loopCap = l.loopCap.add(mul128(p.rate, uint64(s.Duration)))
	}
	l.total = end
	if cfg.Loop && l.loopCap.isZero() {
		return nil, fmt.Errorf("%w: trace %q: %w", ErrBadLink, tr.Name, traces.ErrZeroCapacity)
	}
	l.offset = int64(cfg.Offset)
	if cfg.Loop {
		l.offset %= l.total
	}
	l.Reset()
	return l, nil
}

// Reset returns the link to virtual time 0 with nothing in flight, keeping
// its trace, configuration and allocated memory. Outstanding IDs become
// invalid.
func (l *TraceLink) Reset() {
	for i := range l.slots {
		if l.slots[i].state != slotFree {
			l.slots[i].state = slotFree
			l.slots[i].gen++
		}
	}
	l.free = l.free[:0]
	for i := len(l.slots) - 1; i >= 0; i-- {
		l.free = append(l.free, int32(i))
	}
	l.waiting.items = l.waiting.items[:0]
	l.flowing.items = l.flowing.items[:0]
	l.now, l.tv, l.v, l.seq = 0, 0, 0, 0
	l.doneOK = false
	l.cur = l.seek(0)
}

// Now implements Network.
func (l *TraceLink) Now() time.Duration { return time.Duration(l.now) }

// Start implements Network.
func (l *TraceLink) Start(now time.Duration, spec TransferSpec) (TransferID, error) {
	if err := l.checkTime(int64(now)); err != nil {
		return 0, err
	}
	if spec.Size < 0 || spec.Size > MaxTransferBytes || spec.ExtraLatency < 0 {
		return 0, fmt.Errorf("%w: size %d bytes, extra latency %v", ErrBadTransfer, spec.Size, spec.ExtraLatency)
	}
	t := int64(now)
	if len(l.flowing.items) == 0 {
		l.catchUp(t)
	}
	lat := int64(l.cfg.Latency) + int64(spec.ExtraLatency)
	if l.cfg.UseTraceLatency {
		c := l.cursorAt(t)
		lat += l.periods[c.i].lat
	}
	l.now = t
	idx := l.alloc()
	s := &l.slots[idx]
	s.state = slotWaiting
	s.tag = spec.Tag
	s.size = spec.Size
	s.start = t
	s.firstByte = satAdd(t, lat)
	s.seq = l.seq
	l.seq++
	l.waiting.push(l.slots, netHeapItem{key: uint64(s.firstByte), seq: s.seq, slot: idx})
	return l.id(idx), nil
}

// Cancel implements Network.
func (l *TraceLink) Cancel(now time.Duration, id TransferID) (int64, error) {
	idx, err := l.lookup(id)
	if err != nil {
		return 0, err
	}
	if err := l.checkTime(int64(now)); err != nil {
		return 0, err
	}
	t := int64(now)
	s := &l.slots[idx]
	var delivered int64
	switch s.state {
	case slotWaiting:
		l.waiting.remove(l.slots, s.pos)
	case slotFlowing:
		l.updateV(t)
		delivered = l.deliveredAtV(s, l.v)
		l.flowing.remove(l.slots, s.pos)
		l.doneOK = false
	}
	l.now = t
	l.release(idx)
	return delivered, nil
}

// Delivered implements Network.
func (l *TraceLink) Delivered(id TransferID) (int64, error) {
	idx, err := l.lookup(id)
	if err != nil {
		return 0, err
	}
	s := &l.slots[idx]
	if s.state != slotFlowing {
		return 0, nil
	}
	return l.deliveredAtV(s, l.vAt(l.now)), nil
}

// Status implements Network.
func (l *TraceLink) Status(id TransferID) (TransferStatus, error) {
	d, err := l.Delivered(id)
	if err != nil {
		return TransferStatus{}, err
	}
	s := &l.slots[int32(uint32(id))]
	return TransferStatus{Tag: s.tag, Size: s.size, Delivered: d, Start: time.Duration(s.start), FirstByte: time.Duration(s.firstByte)}, nil
}

// Next implements Network.
func (l *TraceLink) Next() (time.Duration, bool) {
	t, ok := l.next()
	return time.Duration(t), ok
}

// Advance implements Network.
func (l *TraceLink) Advance(to time.Duration, dst []TransferEvent) ([]TransferEvent, error) {
	t := int64(to)
	if t < l.now {
		return dst, fmt.Errorf("%w: advance to %v, clock at %v", ErrClockBackwards, to, time.Duration(l.now))
	}
	for {
		e, ok := l.next()
		if !ok || e > t {
			break
		}
		doneDue := l.doneOK && l.done == e && len(l.flowing.items) > 0
		l.updateV(e)
		if doneDue {
			// The completion time was computed as the first instant at
			// which the leading transfer's service is complete.
			l.v = max(l.v, l.flowing.items[0].key)
		}
		for len(l.flowing.items) > 0 && l.flowing.items[0].key <= l.v {
			idx := l.flowing.pop(l.slots)
			s := &l.slots[idx]
			dst = append(dst, TransferEvent{At: time.Duration(e), ID: l.id(idx), Tag: s.tag, Kind: TransferDone, Bytes: s.size})
			l.release(idx)
			l.doneOK = false
		}
		for len(l.waiting.items) > 0 && int64(l.waiting.items[0].key) <= e {
			idx := l.waiting.pop(l.slots)
			s := &l.slots[idx]
			dst = append(dst, TransferEvent{At: time.Duration(e), ID: l.id(idx), Tag: s.tag, Kind: TransferFirstByte})
			if s.size == 0 {
				dst = append(dst, TransferEvent{At: time.Duration(e), ID: l.id(idx), Tag: s.tag, Kind: TransferDone})
				l.release(idx)
				continue
			}
			if l.v > rebaseAbove {
				l.rebase()
			}
			s.state = slotFlowing
			s.base = l.v
			s.finish = l.v + uint64(s.size)*nanoBitsPerByte
			l.flowing.push(l.slots, netHeapItem{key: s.finish, seq: s.seq, slot: idx})
			l.doneOK = false
		}
	}
	l.now = t
	if len(l.flowing.items) == 0 {
		l.catchUp(t)
	}
	return dst, nil
}

// checkTime enforces the clock rules of Start and Cancel.
func (l *TraceLink) checkTime(t int64) error {
	if t < l.now {
		return fmt.Errorf("%w: %v, clock at %v", ErrClockBackwards, time.Duration(t), time.Duration(l.now))
	}
	if e, ok := l.next(); ok && e < t {
		return fmt.Errorf("%w: event at %v, asked for %v", ErrPendingEvents, time.Duration(e), time.Duration(t))
	}
	return nil
}

// next returns the earliest pending event time.
func (l *TraceLink) next() (int64, bool) {
	e, ok := int64(math.MaxInt64), false
	if len(l.waiting.items) > 0 {
		e, ok = int64(l.waiting.items[0].key), true
	}
	if len(l.flowing.items) > 0 {
		if !l.doneOK {
			l.done = l.completionTime()
			l.doneOK = true
		}
		if l.done < e {
			e, ok = l.done, true
		}
	}
	return e, ok
}

// completionTime returns when the leading flowing transfer completes if
// nothing else changes, or math.MaxInt64 if it never does.
func (l *TraceLink) completionTime() int64 {
	lead := l.flowing.items[0].key
	if lead <= l.v {
		return l.tv
	}
	need := mul128(lead-l.v, uint64(len(l.flowing.items)))
	c := l.cur
	t := l.tv
	for {
		r := l.periods[c.i].rate
		if c.end == math.MaxInt64 {
			if r == 0 {
				return math.MaxInt64
			}
			dt, ok := need.divCeil(r)
			if !ok {
				return math.MaxInt64
			}
			return satAdd(t, dt)
		}
		if r > 0 {
			capacity := mul128(r, uint64(c.end-t))
			if !capacity.less(need) {
				dt, _ := need.divCeil(r)
				return t + dt
			}
			need = need.sub(capacity)
		}
		t = c.end
		l.step(&c)
		if l.cfg.Loop && l.loopCap.less(need) {
			// Skip whole trace periods that cannot finish the transfer.
			k := need.sub(u128{lo: 1}).div(l.loopCap)
			if k >= uint64(math.MaxInt64/l.total) || t > math.MaxInt64-int64(k)*l.total {
				return math.MaxInt64
			}
			need = need.sub(l.loopCap.mul(k))
			shift := int64(k) * l.total
			t += shift
			c.start += shift
			c.end += shift
		}
	}
}

// updateV brings the per-flow service v up to time t and moves the cursor.
func (l *TraceLink) updateV(t int64) {
	if n := uint64(len(l.flowing.items)); n > 0 {
		l.v += l.capacity(&l.cur, l.tv, t).divFloor(n)
	} else {
		l.cur = l.cursorAt(t)
	}
	l.tv = t
}

// vAt returns the per-flow service at time t >= tv without changing state.
func (l *TraceLink) vAt(t int64) uint64 {
	n := uint64(len(l.flowing.items))
	if n == 0 || t <= l.tv {
		return l.v
	}
	c := l.cur
	return l.v + l.capacity(&c, l.tv, t).divFloor(n)
}

func (l *TraceLink) deliveredAtV(s *linkSlot, v uint64) int64 {
	if v >= s.finish {
		return s.size
	}
	return int64((v - s.base) / nanoBitsPerByte)
}

// catchUp moves an idle link's bookkeeping to t so later walks stay short.
func (l *TraceLink) catchUp(t int64) {
	l.cur = l.cursorAt(t)
	l.tv = t
	l.v = 0
}

// rebase shifts v and every finish tag down by v.
func (l *TraceLink) rebase() {
	base := l.v
	for i := range l.flowing.items {
		it := &l.flowing.items[i]
		it.key -= base
		s := &l.slots[it.slot]
		s.finish -= base
		s.base -= base
	}
	l.v = 0
}

// capacity returns the nano-bits the link carries over [a, b), a >= the
// cursor's start, and leaves the cursor at b.
func (l *TraceLink) capacity(c *linkCursor, a, b int64) u128 {
	var sum u128
	for a < b {
		if b < c.end {
			return sum.add(mul128(l.periods[c.i].rate, uint64(b-a)))
		}
		sum = sum.add(mul128(l.periods[c.i].rate, uint64(c.end-a)))
		a = c.end
		l.step(c)
		if l.cfg.Loop && b-a >= l.total {
			k := (b - a) / l.total
			sum = sum.add(l.loopCap.mul(uint64(k)))
			shift := k * l.total
			a += shift
			c.start += shift
			c.end += shift
		}
	}
	return sum
}

// step moves the cursor to the next period with a positive duration.
func (l *TraceLink) step(c *linkCursor) {
	for {
		c.i++
		if c.i == len(l.periods) {
			c.i = 0
		}
		prevEnd := int64(0)
		if c.i > 0 {
			prevEnd = l.periods[c.i-1].end
		}
		c.start = c.end
		if !l.cfg.Loop && c.i == len(l.periods)-1 {
			c.end = math.MaxInt64
			return
		}
		c.end = c.start + (l.periods[c.i].end - prevEnd)
		if c.end > c.start {
			return
		}
	}
}

// cursorAt returns a cursor for time t >= tv, walking from the current one
// when t is near and seeking otherwise.
func (l *TraceLink) cursorAt(t int64) linkCursor {
	c := l.cur
	if t < c.end {
		return c
	}
	if t-c.end >= l.total {
		return l.seek(t)
	}
	for t >= c.end {
		l.step(&c)
	}
	return c
}

// seek locates the period in force at virtual time t from scratch.
func (l *TraceLink) seek(t int64) linkCursor {
	tau := t + l.offset
	var base int64
	if l.cfg.Loop {
		base = tau / l.total * l.total
		tau -= base
	} else if tau >= l.total {
		tau = l.total - 1
	}
	// First period whose end is after tau (zero-length periods are skipped).
	lo, hi := 0, len(l.periods)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if l.periods[mid].end > tau {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	c := linkCursor{i: lo, end: base + l.periods[lo].end - l.offset}
	c.start = base - l.offset
	if lo > 0 {
		c.start += l.periods[lo-1].end
	}
	if !l.cfg.Loop && lo == len(l.periods)-1 {
		c.end = math.MaxInt64
	}
	return c
}

func (l *TraceLink) alloc() int32 {
	if n := len(l.free); n > 0 {
		idx := l.free[n-1]
		l.free = l.free[:n-1]
		return idx
	}
	l.slots = append(l.slots, linkSlot{gen: 1})
	return int32(len(l.slots) - 1)
}

func (l *TraceLink) release(idx int32) {
	s := &l.slots[idx]
	s.state = slotFree
	s.gen++
	l.free = append(l.free, idx)
}

func (l *TraceLink) id(idx int32) TransferID {
	return TransferID(uint64(l.slots[idx].gen)<<32 | uint64(uint32(idx)))
}

func (l *TraceLink) lookup(id TransferID) (int32, error) {
	idx := int64(uint32(id))
	if idx >= int64(len(l.slots)) {
		return 0, fmt.Errorf("%w: %#x", ErrUnknownTransfer, uint64(id))
	}
	s := &l.slots[idx]
	if s.state == slotFree || s.gen != uint32(id>>32) {
		return 0, fmt.Errorf("%w: %#x", ErrUnknownTransfer, uint64(id))
	}
	return int32(idx), nil
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// netHeap is a min-heap of transfers by (key, seq) that keeps each slot's
// position up to date so transfers can be removed from the middle.
type netHeap struct {
	items []netHeapItem
}

type netHeapItem struct {
	key  uint64
	seq  uint64
	slot int32
}

func (a netHeapItem) less(b netHeapItem) bool {
	return a.key < b.key || a.key == b.key && a.seq < b.seq
}

func (h *netHeap) push(slots []linkSlot, it netHeapItem) {
	h.items = append(h.items, it)
	i := len(h.items) - 1
	slots[it.slot].pos = int32(i)
	h.up(slots, i)
}

func (h *netHeap) pop(slots []linkSlot) int32 {
	top := h.items[0].slot
	h.remove(slots, 0)
	return top
}

func (h *netHeap) remove(slots []linkSlot, pos int32) {
	last := len(h.items) - 1
	i := int(pos)
	if i != last {
		h.items[i] = h.items[last]
		slots[h.items[i].slot].pos = int32(i)
	}
	h.items = h.items[:last]
	if i < last {
		h.down(slots, i)
		h.up(slots, i)
	}
}

func (h *netHeap) up(slots []linkSlot, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.items[i].less(h.items[p]) {
			return
		}
		h.swap(slots, i, p)
		i = p
	}
}

func (h *netHeap) down(slots []linkSlot, i int) {
	n := len(h.items)
	for {
		m := i
		if l := 2*i + 1; l < n && h.items[l].less(h.items[m]) {
			m = l
		}
		if r := 2*i + 2; r < n && h.items[r].less(h.items[m]) {
			m = r
		}
		if m == i {
			return
		}
		h.swap(slots, i, m)
		i = m
	}
}

func (h *netHeap) swap(slots []linkSlot, i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	slots[h.items[i].slot].pos = int32(i)
	slots[h.items[j].slot].pos = int32(j)
}

// u128 is an unsigned 128-bit integer for capacity sums in nano-bits.
type u128 struct{ hi, lo uint64 }

func mul128(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

func (x u128) isZero() bool { return x.hi == 0 && x.lo == 0 }

func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

func (x u128) add(y u128) u128 {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, c2 := bits.Add64(x.hi, y.hi, c)
	if c2 != 0 {
		return u128{math.MaxUint64, math.MaxUint64}
	}
	return u128{hi, lo}
}

// sub returns x - y for x >= y.
func (x u128) sub(y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{hi, lo}
}

// mul returns x * k, saturating.
func (x u128) mul(k uint64) u128 {
	hh, hl := bits.Mul64(x.hi, k)
	lh, ll := bits.Mul64(x.lo, k)
	hi, c := bits.Add64(hl, lh, 0)
	if hh != 0 || c != 0 {
		return u128{math.MaxUint64, math.MaxUint64}
	}
	return u128{hi, ll}
}

// divFloor returns floor(x / d), saturating at math.MaxUint64.
func (x u128) divFloor(d uint64) uint64 {
	if x.hi >= d {
		return math.MaxUint64
	}
	q, _ := bits.Div64(x.hi, x.lo, d)
	return q
}

// divCeil returns ceil(x / d) as an int64; ok is false if it does not fit.
func (x u128) divCeil(d uint64) (int64, bool) {
	if x.hi >= d {
		return 0, false
	}
	q, r := bits.Div64(x.hi, x.lo, d)
	if r != 0 {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// div returns floor(x / y) for y > 0, saturating at math.MaxUint64; used
// to count whole trace periods, so y is at least one period's capacity.
func (x u128) div(y u128) uint64 {
	if y.hi == 0 {
		return x.divFloor(y.lo)
	}
	// y >= 2^64: the quotient is below 2^64; shift both until y fits.
	s := uint(64 - bits.LeadingZeros64(y.hi))
	yy := y.lo>>s | y.hi<<(64-s)
	xx := u128{x.hi >> s, x.lo>>s | x.hi<<(64-s)}
	q := xx.divFloor(yy)
	// The shifted estimate can be one too large; correct it.
	for q > 0 && x.less(y.mul(q)) {
		q--
	}
	return q
}
