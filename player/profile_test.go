package player

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sabreConfig is the player model of Sabre (sabre-model.md §4): no
// startup or rebuffer threshold, full-buffer wait w = L + p − B reported
// to the algorithm, segment 0 neither checked nor reported, abandonment
// re-decides the same segment, no init segments, no timeouts.
func sabreConfig(bufferMax time.Duration) Config {
	c := DefaultConfig()
	c.BufferGoal = bufferMax
	c.StartupThreshold, c.RebufferThreshold = 0, 0
	c.Wait = WaitRule{Headroom: true, Report: true}
	c.MediaOnly = true
	c.AbandonFirst, c.ReportFirstDownload = false, false
	c.Abandon = AbandonRedecide
	c.MaxBufferBytes = 0
	for _, p := range []*RetryPolicy{&c.Retry.Manifest, &c.Retry.Index, &c.Retry.Init, &c.Retry.Media} {
		p.Timeouts = Timeouts{}
	}
	return c
}

// Sabre's loop with B = 10 s, p = 3 s and 100 ms per download (latency
// only): seg0 arrives at 0.1 s (L = 3 s, playback starts); seg1 and seg2
// need no wait (L = 5.9 s, then 8.8 s); before seg3, w = 8.8 + 3 − 10 =
// 1.8 s is waited and reported, then the decision sees L = 7 s; after
// seg3 L = 9.9 s, so seg4 waits 2.9 s.
func TestSabreLoopOrder(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 3 * time.Second, video: []int64{1_000_000}, init: true})
	alg := &scriptAlg{rungs: []int{0}}
	s, err := NewSession(sabreConfig(10*time.Second), p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, func(h *harness, r Request) outcome { return outcome{ttfb: 100 * ms, bytes: sizeOf(r)} })
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	assert.Equal(t, []string{
		"startup seg=0",
		"decide seg=1 buf=3s since=1 last=0",
		"download seg=1 rung=0 bytes=375000 abandoned=false buf=5.9s",
		"decide seg=2 buf=5.9s since=2 last=0",
		"download seg=2 rung=0 bytes=375000 abandoned=false buf=8.8s",
		"wait 1.8s buf=7s",
		"decide seg=3 buf=7s since=3 last=0",
		"download seg=3 rung=0 bytes=375000 abandoned=false buf=9.9s",
		"wait 2.9s buf=7s",
		"decide seg=4 buf=7s since=4 last=0",
		"download seg=4 rung=0 bytes=375000 abandoned=false buf=9.9s",
	}, alg.calls)
	for _, r := range h.reqs {
		assert.Equal(t, ReqMedia, r.Kind, "MediaOnly fetches no init segment")
	}
	st := s.Stats()
	assert.Equal(t, 100*ms, st.StartupTime)
	assert.Equal(t, 0, st.Stalls)
}

// An ABR delay (Decision.Delay) postpones the request and is not
// reported as a wait.
func TestDecisionDelay(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 3, segDur: 3 * time.Second, video: []int64{1_000_000}})
	alg := &scriptAlg{rungs: []int{0}, delay: 500 * ms}
	s, err := NewSession(sabreConfig(30*time.Second), p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 0))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	var times []time.Duration
	for _, r := range h.reqs {
		times = append(times, h.reqStart(r.ID))
	}
	// Startup has no delay; each Decide asks for 500 ms.
	assert.Equal(t, []time.Duration{0, 500 * ms, time.Second}, times)
	for _, c := range alg.calls {
		assert.NotContains(t, c, "wait")
	}
}

// Pensieve's environment: after each chunk, a buffer over 60 s (here
// 10 s) is drained in 500 ms steps down to at most the goal before the
// next request. 4 s chunks, 80 ms per download:
//
//	seg0 0–0.08 s: L = 4 s; seg1 0.08–0.16 s: L = 7.92 s;
//	seg2 0.16–0.24 s: L = 11.84 s > 10 s: sleep ⌈1.84/0.5⌉·0.5 = 2 s;
//	seg3 2.24–2.32 s: L = 9.84 − 0.08 + 4 = 13.76 s: sleep 4 s;
//	seg4 6.32–6.40 s: L = 9.76 − 0.08 + 4 = 13.68 s.
func TestPensieveWait(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 5, segDur: 4 * time.Second, video: []int64{1_000_000}})
	cfg := sabreConfig(10 * time.Second)
	cfg.Wait = WaitRule{Step: 500 * ms}
	cfg.Abandon = AbandonSwitch
	cfg.ReportFirstDownload, cfg.AbandonFirst = true, true
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, func(h *harness, r Request) outcome { return outcome{ttfb: 80 * ms, bytes: sizeOf(r)} })
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	var times []time.Duration
	for _, r := range h.reqs {
		times = append(times, h.reqStart(r.ID))
	}
	assert.Equal(t, []time.Duration{0, 80 * ms, 160 * ms, 2240 * ms, 6320 * ms}, times)
	// The per-chunk log has the buffer after each chunk.
	var after []time.Duration
	for _, r := range s.QoE().Segments {
		after = append(after, r.BufferAfter)
	}
	assert.Equal(t, []time.Duration{4 * time.Second, 7920 * ms, 11840 * ms, 13760 * ms, 13680 * ms}, after)
}
