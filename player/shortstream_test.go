package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stream shorter than the startup threshold still starts, and a stall
// near the end resumes when the rest of the stream is buffered even though
// it is less than the rebuffer threshold.
func TestShortStreamBelowThresholdsPlaysToTheEnd(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 3, segDur: 250 * time.Millisecond, video: []int64{1_000_000}})
	cfg := testConfig(12*time.Second, time.Second, 2*time.Second)
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	// 31250 bytes per segment at 250 kbit/s: 1 s each, so the player
	// stalls between segments.
	h := newHarness(t, s, link(0, 250_000))
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 750*time.Millisecond, st.Position)
	// Nothing can start before the whole 0.75 s stream is in (3 s), then
	// it plays out: the session ends at 3.75 s.
	assert.Equal(t, 3750*time.Millisecond, st.Time)
}
