package player

import (
	"fmt"
	"testing"
	"time"

	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoPeriods builds a presentation of two periods of 3 × 4 s segments
// with video and audio; the second period (an "ad") has another ladder.
func twoPeriods(t *testing.T) *manifest.Presentation {
	p0 := buildVOD(t, ladderSpec{segments: 3, segDur: 4 * time.Second, video: []int64{1_000_000, 2_000_000},
		audio: []int64{96_000}, init: true, bases: []string{"http://cdn.test/main"}})
	p1 := buildVOD(t, ladderSpec{segments: 3, segDur: 4 * time.Second, video: []int64{800_000, 3_000_000, 5_000_000},
		audio: []int64{96_000}, init: true, bases: []string{"http://cdn.test/ad"}})
	second := p1.Periods[0]
	second.ID, second.Start = "p1", 12*time.Second
	for _, as := range second.AdaptationSets {
		for _, r := range as.Representations {
			ix := r.Index
			ix.PeriodStart = 12 * time.Second
			for i := range ix.Segments {
				ix.Segments[i].Start += 12 * time.Second
			}
			require.NoError(t, ix.Prepare())
		}
	}
	p0.Periods = append(p0.Periods, second)
	p0.Duration = 24 * time.Second
	return p0
}

// Periods play one after the other: each track moves to the next period
// when it fetched the last segment of the current one, fetches the new
// period's init segments, and the algorithm decides on the new ladder.
func TestMultiPeriod(t *testing.T) {
	alg := &scriptAlg{rungs: []int{1}}
	s, err := NewSession(testConfig(30*time.Second, time.Second, time.Second), twoPeriods(t), alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(5*ms, 20_000_000))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	var video []string
	for _, r := range h.reqs {
		if r.Track == 0 {
			video = append(video, fmt.Sprintf("%s %s", r.Kind, r.URL))
		}
	}
	assert.Equal(t, []string{
		"init http://cdn.test/main/v2000/init.mp4",
		"media http://cdn.test/main/v2000/0.m4s", "media http://cdn.test/main/v2000/1.m4s", "media http://cdn.test/main/v2000/2.m4s",
		"init http://cdn.test/ad/v3000/init.mp4",
		"media http://cdn.test/ad/v3000/0.m4s", "media http://cdn.test/ad/v3000/1.m4s", "media http://cdn.test/ad/v3000/2.m4s",
	}, video)
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 24*time.Second, st.PlayTime)
	assert.Equal(t, 24*time.Second, st.Position)
	// 2 Mbit/s then 3 Mbit/s: one switch, average 2.5 Mbit/s.
	assert.Equal(t, 1, st.Switches)
	assert.Equal(t, int64(2_500_000), st.AvgBitrate)
	assert.Equal(t, 3_000_000, int(st.Bitrate))
	// The ladders differ, so the QoE log carries no ladder.
	q := s.QoE()
	assert.Nil(t, q.Ladder)
	require.NoError(t, q.Validate())
	// The decision for the first segment of period 1 sees as its last rung
	// the new ladder's highest rung at or below the last bitrate (2 Mbit/s
	// in [0.8, 3, 5] Mbit/s: rung 0).
	require.Len(t, alg.calls, 12)
	assert.Regexp(t, `^decide seg=0 buf=[0-9.]+s since=3 last=0$`, alg.calls[6])
}

// A seek into another period moves the tracks there.
func TestSeekAcrossPeriods(t *testing.T) {
	s, err := NewSession(testConfig(10*time.Second, time.Second, time.Second), twoPeriods(t), &fixedAlg{rung: 0})
	require.NoError(t, err)
	h := newHarness(t, s, link(5*ms, 20_000_000))
	h.at(time.Second, func() { s.Seek(time.Second, 17*time.Second) })
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	var after []string
	for _, r := range h.reqs {
		if r.Track == 0 && h.reqStart(r.ID) >= time.Second {
			after = append(after, fmt.Sprintf("%s %s", r.Kind, r.URL))
		}
	}
	// Period 1 segment 1 holds 17 s (12 + 4..8 s).
	require.NotEmpty(t, after)
	assert.Equal(t, "init http://cdn.test/ad/v800/init.mp4", after[0])
	assert.Equal(t, "media http://cdn.test/ad/v800/1.m4s", after[1])
	assert.Equal(t, 24*time.Second, s.Stats().Position)
}

// Periods must offer the same tracks.
func TestPeriodsMismatch(t *testing.T) {
	p := twoPeriods(t)
	p.Periods[1].AdaptationSets = p.Periods[1].AdaptationSets[:1]
	_, err := NewSession(DefaultConfig(), p, &fixedAlg{})
	assert.ErrorIs(t, err, ErrNoTracks)
}
