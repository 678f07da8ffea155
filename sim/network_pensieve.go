package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/abrkit/abrkit/traces"
)

// PensieveConfig holds the constants of Pensieve's test environment
// (test/fixed_env.py).
type PensieveConfig struct {
	// LinkRTT is added to every chunk's delay (LINK_RTT). Default 80 ms.
	LinkRTT time.Duration
	// PacketPayloadPortion is the share of the trace throughput that
	// carries payload (PACKET_PAYLOAD_PORTION). Default 0.95.
	PacketPayloadPortion float64
}

// DefaultPensieveConfig returns Pensieve's constants: 80 ms and 0.95.
func DefaultPensieveConfig() PensieveConfig {
	return PensieveConfig{LinkRTT: 80 * time.Millisecond, PacketPayloadPortion: 0.95}
}

// PensieveLink is the network part of Pensieve's deterministic test
// environment, in Pensieve's float64 arithmetic, digit for digit.
//
// State is the trace pointer ptr and last_mahimahi_time (seconds). The
// bandwidth at index ptr applies until time[ptr]; a download walks the
// intervals, 95% of each carrying payload, and finishes inside the interval
// where the payload covers the chunk; the RTT is added afterwards without
// moving the trace. At the end of the trace ptr returns to 1 and the time
// to 0. See the package notes in network.go for every quirk reproduced.
//
// Fresh and after Reset the link is at ptr = 1, time = time[0], as the
// test environment starts each trace.
type PensieveLink struct {
	timeS   []float64 // cooked_time
	bw      []float64 // cooked_bw, Mbit/s
	rttMs   float64
	portion float64
	ptr     int
	last    float64 // last_mahimahi_time, s
	snap    pensieveCursor
	size    int64
}

type pensieveCursor struct {
	ptr  int
	last float64
}

// NewPensieveLink returns the Pensieve model over tr, using the exact
// cooked columns when tr was read from a cooked file
// (traces.Trace.PensieveColumns). The trace must be able to deliver data,
// or Pensieve's loop would never end (ErrBadLink).
func NewPensieveLink(tr *traces.Trace, cfg PensieveConfig) (*PensieveLink, error) {
	if err := tr.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLink, err)
	}
	if !(cfg.PacketPayloadPortion > 0) || math.IsInf(cfg.PacketPayloadPortion, 0) || cfg.LinkRTT < 0 {
		return nil, fmt.Errorf("%w: trace %q: need a positive payload portion and a non-negative RTT", ErrBadLink, tr.Name)
	}
	c := tr.PensieveColumns()
	n := len(c.TimeS)
	if n < 2 || len(c.Mbps) != n {
		return nil, fmt.Errorf("%w: trace %q: a cooked trace needs at least 2 samples", ErrBadLink, tr.Name)
	}
	capacity := c.Mbps[1] > 0 && c.TimeS[1] > 0
	for i := 2; i < n && !capacity; i++ {
		capacity = c.Mbps[i] > 0 && c.TimeS[i] > c.TimeS[i-1]
	}
	if !capacity || !(c.TimeS[n-1] > 0) {
		return nil, fmt.Errorf("%w: trace %q: %w", ErrBadLink, tr.Name, traces.ErrZeroCapacity)
	}
	l := &PensieveLink{
		timeS:   c.TimeS,
		bw:      c.Mbps,
		rttMs:   float64(cfg.LinkRTT) / float64(time.Millisecond),
		portion: cfg.PacketPayloadPortion,
	}
	l.Reset()
	return l, nil
}

// Reset puts the pointer at 1 and the trace time at time[0].
func (l *PensieveLink) Reset() {
	l.ptr = 1
	l.last = l.timeS[0]
}

// Cursor returns Pensieve's mahimahi_ptr and last_mahimahi_time (s).
func (l *PensieveLink) Cursor() (ptr int, lastTimeS float64) { return l.ptr, l.last }

// Download fetches a chunk of size bytes and returns Pensieve's delay in
// ms: the transfer walk in seconds, times 1000, plus the RTT.
func (l *PensieveLink) Download(size int64) (delayMs float64) {
	chunk := float64(size)
	delay, sent := 0.0, 0.0
	for {
		throughput := l.bw[l.ptr] * 1e6 / 8 // bytes/s
		duration := l.timeS[l.ptr] - l.last
		// Conversions to float64 keep the compiler from fusing a product
		// into a later addition, which would change the last digit.
		payload := float64(float64(throughput*duration) * l.portion)
		if sent+payload > chunk {
			frac := (chunk - sent) / throughput / l.portion
			delay += frac
			l.last += frac
			break
		}
		sent += payload
		delay += duration
		l.last = l.timeS[l.ptr]
		l.ptr++
		if l.ptr >= len(l.bw) {
			l.ptr = 1
			l.last = 0
		}
	}
	return float64(delay*1000) + l.rttMs
}

// Sleep moves the trace forward by sleepMs the way the test environment
// drains an over-full buffer, and returns what that loop leaves in its
// sleep variable: sleepMs itself when the sleep ends inside the current
// interval, less otherwise (the environment reports that value; quirk).
func (l *PensieveLink) Sleep(sleepMs float64) (reportedMs float64) {
	for {
		duration := l.timeS[l.ptr] - l.last
		if duration > sleepMs/1000 {
			l.last += sleepMs / 1000
			return sleepMs
		}
		sleepMs -= float64(duration * 1000)
		l.last = l.timeS[l.ptr]
		l.ptr++
		if l.ptr >= len(l.bw) {
			l.ptr = 1
			l.last = 0
		}
	}
}

// The exactModel methods used by ExactNetwork.

func (l *PensieveLink) idle(ms float64) { l.Sleep(ms) }

func (l *PensieveLink) begin(size int64) (ttfbMs, totalMs float64) {
	l.snap = pensieveCursor{l.ptr, l.last}
	l.size = size
	return l.rttMs, l.Download(size)
}

// deliveredAt returns the bytes received elapsedMs after the start of the
// transfer begun last: none during the RTT (placed before the data in the
// adapter), then payload at 95% of each interval's throughput.
func (l *PensieveLink) deliveredAt(elapsedMs float64) int64 {
	if elapsedMs <= l.rttMs {
		return 0
	}
	left := (elapsedMs - l.rttMs) / 1000
	ptr, last := l.snap.ptr, l.snap.last
	got := 0.0
	for {
		throughput := l.bw[ptr] * 1e6 / 8
		duration := l.timeS[ptr] - last
		if duration >= left {
			got += throughput * left * l.portion
			break
		}
		got += throughput * duration * l.portion
		left -= duration
		last = l.timeS[ptr]
		ptr++
		if ptr >= len(l.bw) {
			ptr, last = 1, 0
		}
	}
	return min(l.size, int64(got))
}

func (l *PensieveLink) cancelAt(elapsedMs float64) {
	l.ptr, l.last = l.snap.ptr, l.snap.last
	if elapsedMs > l.rttMs {
		l.Sleep(elapsedMs - l.rttMs)
	}
}

func (l *PensieveLink) reset() { l.Reset() }
