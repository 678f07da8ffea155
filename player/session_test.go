package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ms = time.Millisecond

// A 10-segment VOD at a fixed rung over an 8 Mbit/s link with no latency:
// the init segment once, then the segments in order, back to back until
// the buffer reaches the goal less one segment, then one per drained
// segment.
func TestRequestSequenceVOD(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 10, segDur: 4 * time.Second, video: []int64{2_000_000, 1_000_000, 4_000_000}, init: true})
	s, err := NewSession(testConfig(30*time.Second, time.Second, 2*time.Second), p, &fixedAlg{rung: 1})
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 8_000_000))
	s.Start(0)
	h.run(time.Hour)
	require.True(t, s.Done())
	require.NoError(t, s.Err())

	// Rung 1 of the sorted ladder is the 2 Mbit/s representation "v2000".
	want := []string{"http://cdn-a.test/vod/v2000/init.mp4"}
	for i := range 10 {
		want = append(want, "http://cdn-a.test/vod/v2000/"+itoa(i)+".m4s")
	}
	assert.Equal(t, want, h.urls())

	// Init: 1000 bytes at 8 Mbit/s = 1 ms. Each segment is 1 MB = 1 s.
	// Playback starts when segment 0 completes (1.001 s, 4 s buffered ≥
	// the 1 s threshold). After segment k completes (at 1.001 s + k s)
	// the buffer holds 4(k+1) − k = 3k + 4 s, at most 26 s (goal 30 s
	// less one segment) up to k = 7: segments 0..8 go back to back.
	// After segment 8 the level is 28 s, so segment 9 waits 2 s and is
	// issued at 11.001 s.
	issued := []time.Duration{0}
	for k := range 9 {
		issued = append(issued, 1*ms+time.Duration(k)*time.Second)
	}
	issued = append(issued, 11001*ms)
	var got []time.Duration
	for _, e := range h.kinds(EvRequestStarted) {
		got = append(got, e.Time)
	}
	assert.Equal(t, issued, got)

	sum := s.Summary()
	assert.InDelta(t, 1.001, sum.StartupS, 1e-9)
	assert.InDelta(t, 40.0, sum.PlayedS, 1e-9)
	assert.Equal(t, 0, sum.RebufferCount)
	assert.Equal(t, 10, sum.Segments)
	assert.Equal(t, int64(1000+10*1_000_000), sum.Bytes)
	assert.Equal(t, int64(2_000_000), sum.AvgBitrateBps)
	assert.Equal(t, 0, sum.Switches)
	assert.True(t, sum.Ended)
	assert.Empty(t, sum.Errors)
	assert.Equal(t, 41001*ms, s.Stats().Time)

	// Deliveries: the init segment, then the ten segments in order.
	var deliv []string
	for _, l := range h.log {
		if len(l) > 2 && l[0] == 'A' && contains(l, "deliver") {
			deliv = append(deliv, l[len("A ")+len(durStr(l)):])
		}
	}
	require.Len(t, deliv, 11)
	assert.Contains(t, deliv[0], "init rep=v2000 rung=1 bytes=1000")
	assert.Contains(t, deliv[10], "seg=9 num=10 start=36s dur=4s bytes=1000000")
}

// perSegment returns a network where media segment i transfers in
// durs[i] (no latency); other requests are instant.
func perSegment(durs ...time.Duration) func(h *harness, r Request) outcome {
	return func(h *harness, r Request) outcome {
		n := sizeOf(r)
		if r.Kind != ReqMedia {
			return outcome{bytes: n}
		}
		d := durs[min(r.Segment, len(durs)-1)]
		return outcome{bytes: n, rate: n * 8 * int64(time.Second) / int64(d)}
	}
}

// Startup and rebuffer accounting on a scripted link, computed by hand.
// 5 segments of 4 s at 1 Mbit/s (500 kB), goal 12 s (request when the
// level is at most 8 s), startup threshold 2 s, rebuffer threshold 6 s.
// Download times 1, 1, 10, 1, 1 s:
//
//	seg0 0–1 s: level 4 s ≥ 2 s, playback starts at 1 s (startup 1 s)
//	seg1 1–2 s: level 3 + 4 = 7 s
//	seg2 2–12 s: the buffer runs dry at 9 s; stall; at 12 s level 4 s < 6 s
//	seg3 12–13 s: level 8 s ≥ 6 s, resume at 13 s (stall 4 s)
//	seg4 13–14 s: level 7 + 4 = 11 s; all fetched; plays out at 25 s.
func TestStartupAndRebufferAccounting(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000}})
	s, err := NewSession(testConfig(12*time.Second, 2*time.Second, 6*time.Second), p, &fixedAlg{rung: 0})
	require.NoError(t, err)
	h := newHarness(t, s, perSegment(time.Second, time.Second, 10*time.Second, time.Second, time.Second))
	h.progress = time.Second // keeps the 5 s no-progress timeout quiet
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())

	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 25*time.Second, st.Time)
	assert.Equal(t, time.Second, st.StartupTime)
	assert.Equal(t, 1, st.Stalls)
	assert.Equal(t, 4*time.Second, st.RebufferTime)
	assert.Equal(t, 20*time.Second, st.PlayTime)

	stalls := h.kinds(EvStallStart)
	require.Len(t, stalls, 1)
	assert.Equal(t, 9*time.Second, stalls[0].Time)
	assert.Equal(t, 8*time.Second, stalls[0].Position)
	ends := h.kinds(EvStallEnd)
	require.Len(t, ends, 1)
	assert.Equal(t, 13*time.Second, ends[0].Time)
	assert.Equal(t, 4*time.Second, ends[0].Duration)

	// The QoE log charges the stall to the segments awaited: 3 s to seg2
	// (9–12 s) and 1 s to seg3 (12–13 s).
	q := s.QoE()
	require.NoError(t, q.Validate())
	require.Len(t, q.Segments, 5)
	var reb []time.Duration
	for _, r := range q.Segments {
		reb = append(reb, r.Rebuffer)
	}
	assert.Equal(t, []time.Duration{0, 0, 3 * time.Second, time.Second, 0}, reb)
	assert.Equal(t, 12*time.Second, q.Segments[2].DownloadEnd)
	assert.Equal(t, 4*time.Second, q.Segments[2].BufferAfter)
	assert.Equal(t, time.Second, q.StartupDelay)
	assert.Equal(t, 4*time.Second, q.StallTime)
	assert.Equal(t, 1, q.StallCount)
}
