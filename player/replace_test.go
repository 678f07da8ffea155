package player

import (
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replaceAlg is scriptAlg plus a Replacer: it replaces the first buffered
// segment after the head whose rung is below the decided one.
type replaceAlg struct {
	scriptAlg
	asked int
}

func (a *replaceAlg) Replace(s *abr.Snapshot, q int) (int, bool) {
	a.asked++
	for i := 1; i < len(s.Buffered); i++ {
		if s.Buffered[i].Rung < q {
			return i, true
		}
	}
	return 0, false
}

// The script picks rung 0 for seg0..2 and rung 1 after. At the decision
// for seg3, seg1 and seg2 (buffered at rung 0, not playing) are fetched
// again at rung 1 and overwritten, then seg3 follows.
func TestReplacement(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000, 2_000_000}})
	alg := &replaceAlg{scriptAlg: scriptAlg{rungs: []int{0, 0, 0, 1}}}
	s, err := NewSession(testConfig(30*time.Second, time.Second, time.Second), p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(10*ms, 0))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())

	var got []string
	for _, r := range h.reqs {
		x := "seg" + itoa(r.Segment) + "@" + itoa(r.Rung)
		if r.Replacement {
			x += "R"
		}
		got = append(got, x)
	}
	assert.Equal(t, []string{"seg0@0", "seg1@0", "seg2@0", "seg1@1R", "seg2@1R", "seg3@1", "seg4@1"}, got)
	rep := h.kinds(EvReplaced)
	require.Len(t, rep, 2)
	assert.Equal(t, 1, rep[0].Segment)
	assert.Equal(t, 0, rep[0].From)
	assert.Equal(t, 1, rep[0].To)
	assert.Empty(t, rep[0].Err)

	// The log marks the first seg1 and seg2 records replaced.
	q := s.QoE()
	require.NoError(t, q.Validate())
	require.Len(t, q.Segments, 7)
	assert.True(t, q.Segments[1].Replaced)
	assert.True(t, q.Segments[2].Replaced)
	assert.True(t, q.Segments[3].Replacement)
	assert.Equal(t, 5, q.PlayedCount())
	// Played bitrate: seg0 at 1 Mbit/s, seg1..4 at 2 Mbit/s.
	assert.Equal(t, int64(1_800_000), s.Stats().AvgBitrate)
	assert.Equal(t, 1, s.Stats().Switches)
	assert.Equal(t, 2, s.Stats().Replaced)
	// Deliveries: seven media segments, two flagged as replacements.
	var repl int
	for _, l := range h.log {
		if contains(l, "deliver") && contains(l, "replacement") {
			repl++
		}
	}
	assert.Equal(t, 2, repl)
}

// A replacement that arrives after its segment started playing is
// wasted; the buffer keeps the old rung.
func TestReplacementTooLate(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 4, segDur: 4 * time.Second, video: []int64{1_000_000, 2_000_000}})
	alg := &replaceAlg{scriptAlg: scriptAlg{rungs: []int{0, 0, 1}}}
	s, err := NewSession(testConfig(30*time.Second, time.Second, time.Second), p, alg)
	require.NoError(t, err)
	// Segments take 1 s, except the replacement of seg1, which takes 6 s:
	// seg1 starts playing at 4.0 s (playback started at 1 s... seg0 ends
	// at 5 s), while the replacement lands at 8 s.
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		n := sizeOf(r)
		d := time.Second
		if r.Replacement {
			d = 6 * time.Second
		}
		return outcome{bytes: n, rate: n * 8 * int64(time.Second) / int64(d)}
	})
	h.progress = time.Second
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	rep := h.kinds(EvReplaced)
	require.Len(t, rep, 1)
	assert.Equal(t, "too late to replace", rep[0].Err)
	assert.Equal(t, 1, s.Stats().ReplaceLate)
	q := s.QoE()
	for _, r := range q.Segments {
		assert.False(t, r.Replaced)
	}
}
