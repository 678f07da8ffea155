package player

import (
	"fmt"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/stretchr/testify/require"
)

// fuzzAlg decides from the snapshot in a way that covers every optional
// capability: switches, delays, abandonment and replacement.
type fuzzAlg struct{ n int }

func (a *fuzzAlg) Name() string { return "fuzz" }
func (a *fuzzAlg) Decide(s *abr.Snapshot) abr.Decision {
	a.n++
	d := abr.Decision{Rung: (a.n * 7) % (s.Ladder.Top() + 2), Reason: abr.Reason{Rule: "fuzz"}}
	if a.n%5 == 0 {
		d.Delay = time.Duration(a.n%3) * 300 * time.Millisecond
	}
	if a.n%11 == 0 {
		d.Rung = -3 // out of range: the session clamps
	}
	return d
}
func (a *fuzzAlg) ShouldAbandon(s *abr.Snapshot, p abr.Progress) (bool, int, abr.Reason) {
	return p.Elapsed > 3*time.Second && p.Rung > 0, p.Rung - 1 + a.n%2*5, abr.Reason{Rule: "fuzz-abandon"}
}
func (a *fuzzAlg) Replace(s *abr.Snapshot, q int) (int, bool) {
	if a.n%4 == 0 && len(s.Buffered) > 2 {
		return a.n % (len(s.Buffered) + 1), true
	}
	return 0, false
}

// FuzzSession drives a session with an arbitrary script of driver inputs
// and user commands. The session must never panic, never ask to wake in
// the past, and keep its accounting consistent.
func FuzzSession(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte("\x03\x03\x03\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0"))
	f.Add([]byte{2, 2, 2, 2, 2, 2, 9, 9, 9, 1, 1, 1, 1, 1, 0xff, 0x80, 3, 3})
	f.Add([]byte("P\x06\x16\x26\x36\x46\x56\x66\x76\x86\x96\xa6\xb6\xc6\x1c\x06\x16\x26\x36"))
	f.Fuzz(func(t *testing.T, script []byte) {
		p := buildVOD(t, ladderSpec{segments: 12, segDur: 2 * time.Second, video: []int64{400_000, 1_000_000, 2_500_000},
			audio: []int64{64_000, 128_000}, init: true, bases: []string{"http://a.test/v", "http://b.test/v"}})
		if len(script) > 0 && script[0] == 'P' {
			p = twoPeriods(t)
		}
		cfg := testConfig(8*time.Second, time.Second, 2*time.Second)
		cfg.Seed = 1
		cfg.MaxBufferBytes = 3_000_000
		s, err := NewSession(cfg, p, &fuzzAlg{})
		require.NoError(t, err)
		now := time.Duration(0)
		var open []Request
		bytes := map[RequestID]int64{}
		s.Start(0)
		for i := 0; i < len(script); i++ {
			for a, ok := s.Poll(); ok; a, ok = s.Poll() {
				switch a.Kind {
				case ActRequest:
					open = append(open, a.Request)
				case ActCancel:
					for j, r := range open {
						if r.ID == a.ID {
							open = append(open[:j], open[j+1:]...)
							break
						}
					}
				}
			}
			for _, ok := s.PollEvent(); ok; _, ok = s.PollEvent() {
			}
			if w, ok := s.NextWake(); ok {
				require.GreaterOrEqual(t, w, now, "wake in the past: %s", s.dbgWakes())
			}
			b := script[i]
			now += time.Duration(b>>4) * 137 * time.Millisecond
			var r Request
			if len(open) > 0 {
				r = open[int(b)%len(open)]
			}
			switch op := b & 15; {
			case op < 3 && len(open) > 0:
				s.OnResponse(now, r.ID, Response{Status: []int{200, 206, 503}[op], ContentLength: -1})
			case op < 6 && len(open) > 0:
				bytes[r.ID] += int64(b) * 1000
				s.OnProgress(now, r.ID, bytes[r.ID])
			case op < 9 && len(open) > 0:
				s.OnComplete(now, r.ID, bytes[r.ID]+int64(b)*100, []byte{byte(op)})
				open = removeReq(open, r.ID)
			case op == 9 && len(open) > 0:
				s.OnFailure(now, r.ID, Failure{Class: FailureClass(b%5 + 1), Status: 500 + int(b%30)})
				open = removeReq(open, r.ID)
			case op == 10:
				s.Pause(now)
			case op == 11:
				s.Play(now)
			case op == 12:
				s.Seek(now, time.Duration(b)*100*time.Millisecond)
			case op == 13:
				s.SetConstraints(now, Constraints{MaxRung: int(b % 3)})
			case op == 14:
				s.OnSinkStatus(now, SinkStatus{HasPlayhead: b&16 != 0, Playhead: time.Duration(b) * 50 * time.Millisecond,
					Buffered: []TimeRange{{0, time.Duration(b) * 100 * time.Millisecond}}, Backpressure: b&32 != 0})
			case op == 15 && b > 0xf0:
				s.Stop(now)
			default:
				s.Tick(now)
			}
			st := s.Stats()
			require.GreaterOrEqual(t, st.Buffer, time.Duration(0))
			require.LessOrEqual(t, st.StartupTime+st.PlayTime+st.PauseTime+st.RebufferTime+st.SeekWaitTime, st.Time+time.Nanosecond, "%+v", st)
			require.NoError(t, s.QoE().Validate())
		}
	})
}

func removeReq(rs []Request, id RequestID) []Request {
	for j, r := range rs {
		if r.ID == id {
			return append(rs[:j], rs[j+1:]...)
		}
	}
	return rs
}

// dbgWakes describes the session's timers for failure messages.
func (s *Session) dbgWakes() string {
	out := fmt.Sprintf("now=%v mf=%v/%v", s.now, s.mf.hasWake, s.mf.wakeAt)
	for _, t := range s.tracks {
		out += fmt.Sprintf(" t%d=%v/%v req=%v", t.id, t.f.hasWake, t.f.wakeAt, t.f.req != nil)
	}
	for _, r := range s.inflight {
		var w wake
		r.deadlines(&w)
		out += fmt.Sprintf(" r%d=%v", r.id, w.at)
	}
	at, ok := s.ph.nextEvent(s)
	out += fmt.Sprintf(" ph=%v/%v", ok, at)
	return out
}
