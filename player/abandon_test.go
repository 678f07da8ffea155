package player

import (
	"fmt"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// abandonAlg is scriptAlg plus an Abandoner: a download at a rung above
// 0 is abandoned for rung 0 once it has run longer than limit.
type abandonAlg struct {
	scriptAlg
	limit    time.Duration
	progress []abr.Progress
}

func (a *abandonAlg) ShouldAbandon(s *abr.Snapshot, p abr.Progress) (bool, int, abr.Reason) {
	a.progress = append(a.progress, p)
	if p.Rung > 0 && p.Elapsed > a.limit {
		a.calls = append(a.calls, fmt.Sprintf("abandon seg=%d rung=%d bytes=%d buf=%v", p.Segment, p.Rung, p.Bytes, s.Buffer))
		return true, 0, abr.Reason{Rule: "too-slow", Buffer: s.Buffer}
	}
	return false, 0, abr.Reason{}
}

// A 3-segment VOD (4 s segments at 1 and 4 Mbit/s) over a 2 Mbit/s link
// with progress every 500 ms. The script asks rung 1 for every segment.
// seg0 at rung 1 (2 MB) would take 8 s: it is abandoned at the first
// progress after 3 s (3.5 s), and fetched again at rung 0 (500 kB, 2 s).
func TestAbandonSwitch(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 3, segDur: 4 * time.Second, video: []int64{1_000_000, 4_000_000}})
	alg := &abandonAlg{scriptAlg: scriptAlg{rungs: []int{1}}, limit: 3 * time.Second}
	cfg := testConfig(30*time.Second, time.Second, time.Second)
	s, err := NewSession(cfg, p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 2_000_000))
	h.progress = 500 * ms
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())

	var seq []string
	for _, r := range h.reqs {
		seq = append(seq, fmt.Sprintf("%v seg%d rung%d", h.reqStart(r.ID), r.Segment, r.Rung))
	}
	// AbandonSwitch: straight to rung 0, no new decision for seg0.
	assert.Equal(t, []string{"0s seg0 rung1", "3.5s seg0 rung0", "5.5s seg1 rung1"}, seq[:3])
	assert.Equal(t, []RequestID{1}, h.cancels[:1])
	assert.Equal(t, []string{
		"startup seg=0",
		"abandon seg=0 rung=1 bytes=875000 buf=0s",
		"download seg=0 rung=1 bytes=875000 abandoned=true buf=0s",
		"download seg=0 rung=0 bytes=500000 abandoned=false buf=4s",
		"decide seg=1 buf=4s since=1 last=0",
	}, alg.calls[:5])
	ab := h.kinds(EvRequestAbandoned)
	require.NotEmpty(t, ab)
	assert.Equal(t, 1, ab[0].From)
	assert.Equal(t, 0, ab[0].To)
	assert.Equal(t, "too-slow", ab[0].Reason.Rule)
	// The first progress: 500 ms at 2 Mbit/s = 125000 bytes of 2 MB.
	assert.Equal(t, abr.Progress{Segment: 0, Rung: 1, Bytes: 125000, Total: 2_000_000, Elapsed: 500 * ms}, alg.progress[0])

	q := s.QoE()
	require.NoError(t, q.Validate())
	assert.True(t, q.Segments[0].Abandoned)
	assert.Equal(t, int64(875000), q.Segments[0].Size)
	assert.False(t, q.Segments[1].Abandoned)
	assert.GreaterOrEqual(t, s.Stats().Abandoned, 1)
	// Abandoned bytes count in the session's bytes, not in its media bytes.
	assert.Equal(t, s.Stats().MediaBytes+875000*int64(s.Stats().Abandoned), s.Stats().Bytes)
}

// AbandonRedecide (Sabre's quirk Q1): the same segment is decided afresh.
func TestAbandonRedecide(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 3, segDur: 4 * time.Second, video: []int64{1_000_000, 4_000_000}})
	alg := &abandonAlg{scriptAlg: scriptAlg{rungs: []int{1}}, limit: 3 * time.Second}
	cfg := testConfig(30*time.Second, time.Second, time.Second)
	cfg.Abandon = AbandonRedecide
	s, err := NewSession(cfg, p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 2_000_000))
	h.progress = 500 * ms
	s.Start(0)
	h.run(20 * time.Second)
	// The script insists on rung 1: seg0 is abandoned and re-requested at
	// rung 1 every 3.5 s, each time after Startup is asked again (no
	// segment completed yet).
	var seq []string
	for _, r := range h.reqs[:3] {
		seq = append(seq, fmt.Sprintf("%v seg%d rung%d", h.reqStart(r.ID), r.Segment, r.Rung))
	}
	assert.Equal(t, []string{"0s seg0 rung1", "3.5s seg0 rung1", "7s seg0 rung1"}, seq)
	assert.Equal(t, []string{"startup seg=0", "abandon seg=0 rung=1 bytes=875000 buf=0s",
		"download seg=0 rung=1 bytes=875000 abandoned=true buf=0s", "startup seg=0"}, alg.calls[:4])
}

// Without AbandonFirst the first segment is not checked, and without
// ReportFirstDownload it is not reported (Sabre's segment 0).
func TestFirstSegmentNotCheckedNorReported(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 2, segDur: 4 * time.Second, video: []int64{1_000_000, 4_000_000}})
	alg := &abandonAlg{scriptAlg: scriptAlg{rungs: []int{1}}, limit: 3 * time.Second}
	cfg := testConfig(30*time.Second, 0, 0)
	cfg.AbandonFirst, cfg.ReportFirstDownload = false, false
	s, err := NewSession(cfg, p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 2_000_000))
	h.progress = 500 * ms
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	assert.Equal(t, "startup seg=0", alg.calls[0])
	assert.Equal(t, "decide seg=1 buf=4s since=1 last=1", alg.calls[1])
	// seg1 is checked: 8 s > 3 s, abandoned at 11.5 s (issued at 8 s).
	assert.Contains(t, alg.calls[2], "abandon seg=1 rung=1")
	assert.Equal(t, 1, alg.progress[0].Segment)
}

// reqStart returns when request id was issued.
func (h *harness) reqStart(id RequestID) time.Duration {
	for _, e := range h.evs {
		if e.Kind == EvRequestStarted && e.Request == id {
			return e.Time
		}
	}
	return -1
}
