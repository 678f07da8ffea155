package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenario runs a session with everything that could make runs differ:
// two tracks, two CDNs, jittered retries, a 404 failover, abandonment,
// timeouts, pause and seek. It returns the serialized action and event
// stream and the summary.
func scenario(t *testing.T, seed uint64) (string, Summary) {
	p := buildVOD(t, ladderSpec{segments: 30, segDur: 2 * time.Second, video: []int64{500_000, 1_500_000, 4_000_000},
		audio: []int64{96_000}, init: true, bases: []string{"http://a.test/v", "http://b.test/v"}})
	alg := &abandonAlg{scriptAlg: scriptAlg{rungs: []int{0, 1, 2, 2, 1, 2, 0, 2}}, limit: 1500 * ms}
	cfg := testConfig(10*time.Second, time.Second, 2*time.Second)
	cfg.Seed = seed
	s, err := NewSession(cfg, p, alg)
	require.NoError(t, err)
	n := 0
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		n++
		o := outcome{ttfb: time.Duration(20+n%7*5) * ms, bytes: sizeOf(r), rate: int64(2_000_000 + n%5*700_000)}
		switch {
		case n%11 == 0:
			o.status = 503
		case n%17 == 0:
			o.fail = FailReset
		case n%23 == 0 && hostOf(r.URL) == "a.test":
			o.status = 404
		case n == 40:
			o.hang = true
		}
		return o
	})
	h.progress = 250 * ms
	h.at(9*time.Second, func() { s.Pause(9 * time.Second) })
	h.at(14*time.Second, func() { s.Play(14 * time.Second) })
	h.at(20*time.Second, func() { s.Seek(20*time.Second, 31*time.Second) })
	s.Start(0)
	h.run(time.Hour)
	require.True(t, s.Done())
	return h.transcript(), s.Summary()
}

func TestDeterminism(t *testing.T) {
	a, sa := scenario(t, 7)
	b, sb := scenario(t, 7)
	require.Equal(t, a, b)
	assert.Equal(t, sa, sb)
	assert.Equal(t, "ended", sa.State)
	assert.Positive(t, sa.Abandoned)
	assert.Equal(t, 1, sa.Failovers)
	// The scenario exercises what it claims to.
	for _, want := range []string{"abandoned", "recovery=retry", "recovery=failover", "seek pos=31s", "paused", "ended"} {
		assert.Contains(t, a, want)
	}
	assert.Greater(t, len(a), 10000)
	// Another seed changes the jittered retry times.
	c, _ := scenario(t, 8)
	assert.NotEqual(t, a, c)
}
