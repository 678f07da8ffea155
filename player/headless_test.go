package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeadlessDrain(t *testing.T) {
	h := NewHeadless(2)
	require.NoError(t, h.Deliver(0, &Delivery{Track: 0, Init: true, Bytes: 10}))
	require.NoError(t, h.Deliver(0, &Delivery{Track: 0, Start: 0, Duration: 4 * time.Second, Bytes: 100}))
	require.NoError(t, h.Deliver(0, &Delivery{Track: 0, Start: 4 * time.Second, Duration: 4 * time.Second, Bytes: 100}))
	require.NoError(t, h.Deliver(0, &Delivery{Track: 1, Start: 0, Duration: 6 * time.Second, Bytes: 10}))
	// Not playing: the playhead stays.
	st := h.Status(time.Second)
	assert.Equal(t, time.Duration(0), st.Playhead)
	assert.Equal(t, []TimeRange{{0, 6 * time.Second}}, st.Buffered)

	h.SetPlaying(time.Second, true)
	// 1 s at speed 2 plays 2 s.
	st = h.Status(2 * time.Second)
	assert.Equal(t, 2*time.Second, st.Playhead)
	// Audio ends at 6 s: the playhead stops there.
	st = h.Status(10 * time.Second)
	assert.Equal(t, 6*time.Second, st.Playhead)
	assert.Empty(t, st.Buffered)
	// More audio: playback goes on to the end of the video.
	require.NoError(t, h.Deliver(10*time.Second, &Delivery{Track: 1, Start: 6 * time.Second, Duration: 6 * time.Second}))
	st = h.Status(11 * time.Second)
	assert.Equal(t, 8*time.Second, st.Playhead)
	inits, segs, bytes := h.Delivered()
	assert.Equal(t, 1, inits)
	assert.Equal(t, 4, segs)
	assert.Equal(t, int64(220), bytes)

	h.Flush(12*time.Second, 30*time.Second)
	st = h.Status(13 * time.Second)
	assert.Equal(t, 30*time.Second, st.Playhead)
	assert.Empty(t, st.Buffered)

	assert.Error(t, h.Deliver(13*time.Second, &Delivery{Track: -1}))
	assert.Error(t, h.Deliver(13*time.Second, &Delivery{Track: 0, Duration: -time.Second}))
}

func TestHeadlessBackpressure(t *testing.T) {
	h := NewHeadless(1)
	h.MaxAhead = 5 * time.Second
	require.NoError(t, h.Deliver(0, &Delivery{Start: 0, Duration: 4 * time.Second}))
	assert.False(t, h.Status(0).Backpressure)
	require.NoError(t, h.Deliver(0, &Delivery{Start: 4 * time.Second, Duration: 4 * time.Second}))
	assert.True(t, h.Status(0).Backpressure)
	h.SetPlaying(0, true)
	assert.False(t, h.Status(3*time.Second).Backpressure)
}

func TestAddRange(t *testing.T) {
	const S = time.Second
	var rs []TimeRange
	rs = addRange(rs, TimeRange{10 * S, 20 * S})
	rs = addRange(rs, TimeRange{30 * S, 40 * S})
	rs = addRange(rs, TimeRange{0, 5 * S})
	assert.Equal(t, []TimeRange{{0, 5 * S}, {10 * S, 20 * S}, {30 * S, 40 * S}}, rs)
	rs = addRange(rs, TimeRange{18 * S, 31 * S})
	assert.Equal(t, []TimeRange{{0, 5 * S}, {10 * S, 40 * S}}, rs)
	// Holes of up to a millisecond close; larger ones stay.
	rs = addRange(rs, TimeRange{40*S + time.Millisecond, 50 * S})
	assert.Equal(t, []TimeRange{{0, 5 * S}, {10 * S, 50 * S}}, rs)
	rs = addRange(rs, TimeRange{50*S + 2*time.Millisecond, 60 * S})
	assert.Len(t, rs, 3)
	rs = addRange(rs, TimeRange{7 * S, 7 * S})
	assert.Len(t, rs, 3)
}

// The session follows a sink that reports its playhead: a headless sink
// at speed 2 with PlaybackRate 2 plays 20 s of media in about 10 s.
func TestSinkFeedback(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000}})
	cfg := testConfig(12*time.Second, time.Second, time.Second)
	cfg.PlaybackRate = 2
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	sink := NewHeadless(2)
	h := newHarness(t, s, link(0, 8_000_000)) // 500 kB: 0.5 s
	h.sink = sink
	for at := 250 * ms; at < 30*time.Second; at += 250 * ms {
		h.at(at, func() { s.OnSinkStatus(at, sink.Status(at)) })
	}
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 20*time.Second, st.Position)
	// seg0 at 0.5 s, then 10 s of playing at double speed.
	assert.InDelta(t, 10.5, st.Time.Seconds(), 0.3)
	assert.Equal(t, 0, st.Stalls)
}

// Backpressure from the sink holds new media requests back.
func TestSinkBackpressure(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000}})
	s, err := NewSession(testConfig(30*time.Second, time.Second, time.Second), p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 8_000_000))
	h.at(0, func() { s.OnSinkStatus(0, SinkStatus{Backpressure: true}) })
	s.Start(0)
	h.run(10 * time.Second)
	// The first request went out before the backpressure; nothing after.
	assert.Len(t, h.reqs, 1)
	h.at(10*time.Second, func() { s.OnSinkStatus(10*time.Second, SinkStatus{}) })
	h.run(time.Hour)
	assert.Len(t, h.reqs, 5)
	require.NoError(t, s.Err())
}
