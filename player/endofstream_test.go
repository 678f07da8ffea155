package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tracks that end a few milliseconds apart (AAC audio cut on whole
// frames) must not leave playback stalled at the earlier end once the
// sink's buffered ranges are fed back: the intersection of the tracks'
// ranges ends at 20 s, the audio at 20.0053 s.
func TestEndOfStreamWithUnevenTrackEnds(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000}, audio: []int64{128_000}})
	audio := p.Periods[0].AdaptationSets[1].Representations[0].Index
	last := &audio.Segments[len(audio.Segments)-1]
	last.Duration += 5300 * time.Microsecond
	audio.PeriodDuration += 5300 * time.Microsecond
	require.NoError(t, audio.Prepare())
	p.Duration += 5300 * time.Microsecond

	cfg := testConfig(12*time.Second, time.Second, time.Second)
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	sink := NewHeadless(1)
	h := newHarness(t, s, link(0, 8_000_000))
	h.sink = sink
	for at := 250 * ms; at < 60*time.Second; at += 250 * ms {
		h.at(at, func() { s.OnSinkStatus(at, sink.Status(at)) })
	}
	s.Start(0)
	h.run(2 * time.Minute)
	require.NoError(t, s.Err())
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State, "playback must reach the end")
	assert.Equal(t, 0, st.Stalls)
}
