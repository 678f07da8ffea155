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
