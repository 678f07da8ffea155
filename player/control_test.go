package player

import (
	"fmt"
	"testing"
	"time"

	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Pause stops the playhead; downloads go on up to the goal and then
// wait without a timer; Play resumes. 10 segments of 4 s, instant
// downloads, goal 12 s (request at ≤ 8 s).
func TestPauseAndPlay(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 10, segDur: 4 * time.Second, video: []int64{1_000_000}})
	s, err := NewSession(testConfig(12*time.Second, time.Second, time.Second), p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 0))
	h.at(2*time.Second, func() { s.Pause(2 * time.Second) })
	s.Start(0)
	// At 0: seg0..2 instantly (level 12 s > 8 s after seg2). At 2 s the
	// level is 10 s; the pause freezes it.
	h.run(time.Minute)
	assert.Equal(t, StatePaused, s.State())
	_, wake := s.NextWake()
	assert.False(t, wake, "a paused session with a full buffer needs no timer")
	assert.Equal(t, 2*time.Second, s.Stats().Position)
	n := len(h.reqs)
	assert.Equal(t, 3, n)

	h.at(time.Minute, func() { s.Play(time.Minute) })
	h.run(time.Hour)
	require.NoError(t, s.Err())
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 58*time.Second, st.PauseTime)
	assert.Equal(t, 40*time.Second, st.PlayTime)
	assert.Equal(t, time.Minute+38*time.Second, st.Time)
	assert.Len(t, h.kinds(EvPaused), 1)
	assert.Len(t, h.kinds(EvResumed), 1)
	// Paused at 2 s, the sink was told to stop and to start again.
	var pb []string
	for _, l := range h.log {
		if contains(l, "playback playing") {
			pb = append(pb, l)
		}
	}
	assert.Equal(t, []string{"A 0s playback playing=true", "A 2s playback playing=false", "A 1m0s playback playing=true",
		"A 1m38s playback playing=false"}, pb)
}

// Seek flushes the buffer, cancels the download in flight, resumes from
// the segment holding the target and calls OnSeek and Startup again.
func TestSeek(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 20, segDur: 4 * time.Second, video: []int64{1_000_000, 2_000_000}, init: true})
	alg := &scriptAlg{rungs: []int{1}}
	s, err := NewSession(testConfig(12*time.Second, time.Second, time.Second), p, alg)
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 8_000_000)) // 2 Mbit/s segment: 1 MB = 1 s
	h.at(2500*ms, func() { s.Seek(2500*ms, 50*time.Second) })
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())

	// Before the seek: init at 0, seg0 0.001–1.001, seg1 1.001–2.001,
	// seg2 from 2.001 (in flight at 2.5 s: cancelled).
	var seq []string
	for _, r := range h.reqs[:6] {
		seq = append(seq, fmt.Sprintf("%v %s seg%d", h.reqStart(r.ID), r.Kind, r.Segment))
	}
	assert.Equal(t, []string{"0s init seg-1", "1ms media seg0", "1.001s media seg1", "2.001s media seg2",
		"2.5s media seg12", "3.5s media seg13"}, seq)
	assert.Equal(t, []RequestID{4}, h.cancels)
	seeks := h.kinds(EvSeek)
	require.Len(t, seeks, 1)
	assert.Equal(t, 50*time.Second, seeks[0].Position)
	assert.Contains(t, alg.calls, "seek pos=50s")
	// The first decision after the seek goes through Startup.
	var starts int
	for _, c := range alg.calls {
		if c == "startup seg=12" {
			starts++
		}
	}
	assert.Equal(t, 1, starts)
	// The init segment is delivered again after the flush.
	var inits int
	for _, l := range h.log {
		if contains(l, "deliver track=0 init") {
			inits++
		}
	}
	assert.Equal(t, 2, inits)
	// Playback resumed at 3.5 s when seg12 (48–52 s) arrived; it ends at
	// 80 s of media: 30 s after 3.5 s.
	st := s.Stats()
	assert.Equal(t, time.Second, st.SeekWaitTime)
	assert.Equal(t, 0, st.Stalls)
	assert.Equal(t, 33500*ms, st.Time)
	assert.Equal(t, 1499*ms+30*time.Second, st.PlayTime) // 1.001–2.5 s, then 30 s
	flush := 0
	for _, l := range h.log {
		if contains(l, "flush position=50s") {
			flush++
		}
	}
	assert.Equal(t, 1, flush)
}

// Video and audio are fetched as separate tracks, each with its init;
// playback waits for both and ends when both are played.
func TestVideoAndAudioTracks(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 4, segDur: 2 * time.Second, video: []int64{1_000_000, 3_000_000},
		audio: []int64{64_000, 128_000}, init: true})
	p.Periods[0].AdaptationSets[1].Language = "en"
	s, err := NewSession(testConfig(10*time.Second, time.Second, time.Second), p, &fixedAlg{rung: 1})
	require.NoError(t, err)
	tr := s.Tracks()
	require.Len(t, tr, 2)
	assert.Equal(t, manifest.ContentVideo, tr[0].Content)
	assert.True(t, tr[0].Main)
	assert.Equal(t, manifest.ContentAudio, tr[1].Content)
	h := newHarness(t, s, link(10*ms, 10_000_000))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())

	byTrack := map[int][]string{}
	for _, r := range h.reqs {
		byTrack[r.Track] = append(byTrack[r.Track], fmt.Sprintf("%s %s", r.Kind, r.URL))
	}
	assert.Equal(t, []string{
		"init http://cdn-a.test/vod/v3000/init.mp4",
		"media http://cdn-a.test/vod/v3000/0.m4s", "media http://cdn-a.test/vod/v3000/1.m4s",
		"media http://cdn-a.test/vod/v3000/2.m4s", "media http://cdn-a.test/vod/v3000/3.m4s",
	}, byTrack[0])
	// Audio takes 10 % of the estimate: no estimate at first (rung 0).
	require.Len(t, byTrack[1], 5)
	assert.Equal(t, "init http://cdn-a.test/vod/a64/init.mp4", byTrack[1][0])
	// Both tracks' first requests go out at 0.
	assert.Equal(t, time.Duration(0), h.reqStart(h.reqs[0].ID))
	assert.Equal(t, time.Duration(0), h.reqStart(h.reqs[1].ID))
	st := s.Stats()
	assert.Equal(t, StateEnded, st.State)
	assert.Equal(t, 8*time.Second, st.PlayTime)
	assert.Equal(t, 8, st.Segments)
	assert.Equal(t, int64(3_000_000), st.AvgBitrate)
	// The QoE log holds the main (video) track only.
	assert.Len(t, s.QoE().Segments, 4)
}

// The audio set is chosen by language, else the one marked main.
func TestPickAudioSet(t *testing.T) {
	mk := func(id, lang string, roles ...string) *manifest.AdaptationSet {
		return &manifest.AdaptationSet{ID: id, ContentType: manifest.ContentAudio, Language: lang, Roles: roles,
			Representations: []*manifest.Representation{{ID: id}}}
	}
	video := &manifest.AdaptationSet{ID: "v", ContentType: manifest.ContentVideo, Representations: []*manifest.Representation{{ID: "v"}}}
	sets := []*manifest.AdaptationSet{video, mk("de", "de"), mk("en", "en-GB", "main"), mk("fr", "fr")}
	v, a := pickSets(manifest.FormatDASH, sets, "fr")
	assert.Same(t, video, v)
	assert.Equal(t, "fr", a.ID)
	_, a = pickSets(manifest.FormatDASH, sets, "en")
	assert.Equal(t, "en", a.ID)
	_, a = pickSets(manifest.FormatDASH, sets, "")
	assert.Equal(t, "en", a.ID)
	_, a = pickSets(manifest.FormatDASH, sets, "es")
	assert.Equal(t, "en", a.ID)
	assert.False(t, langMatches("english", "en"))
}

// Constraints bound the rung the algorithm may pick.
func TestConstraints(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 6, segDur: 2 * time.Second, video: []int64{1_000_000, 2_000_000, 4_000_000}})
	s, err := NewSession(testConfig(10*time.Second, time.Second, time.Second), p, &fixedAlg{rung: 2})
	require.NoError(t, err)
	// Heights are bitrate/2000: 500, 1000, 2000.
	s.SetConstraints(0, Constraints{MaxHeight: 1080})
	h := newHarness(t, s, link(0, 0))
	s.Start(0)
	h.run(time.Second)
	for _, r := range h.reqs {
		assert.Equal(t, 1, r.Rung)
	}
	s.SetConstraints(time.Second, Constraints{MaxBitrate: 1_500_000})
	h.now = time.Second
	h.run(time.Hour)
	assert.Equal(t, 0, h.reqs[len(h.reqs)-1].Rung)
}
