package player

import (
	"errors"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tinyMPD = `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" minBufferTime="PT2S">
 <Period>
  <AdaptationSet contentType="video" mimeType="video/mp4">
   <SegmentTemplate media="$RepresentationID$/$Number$.m4s" initialization="$RepresentationID$/init.mp4" timescale="1000" duration="2000" startNumber="1"/>
   <Representation id="lo" bandwidth="500000" width="640" height="360"/>
   <Representation id="hi" bandwidth="2000000" width="1280" height="720"/>
  </AdaptationSet>
 </Period>
</MPD>`

func TestNewSessionFromManifest(t *testing.T) {
	s, err := NewSessionFromManifest(DefaultConfig(), "http://m.test/a/stream.mpd", []byte(tinyMPD), &fixedAlg{rung: 1})
	require.NoError(t, err)
	h := newHarness(t, s, link(5*ms, 50_000_000))
	s.Start(0)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	assert.Equal(t, []string{"http://m.test/a/hi/init.mp4", "http://m.test/a/hi/1.m4s", "http://m.test/a/hi/2.m4s",
		"http://m.test/a/hi/3.m4s", "http://m.test/a/hi/4.m4s"}, h.urls())
	assert.Equal(t, 8*time.Second, s.Stats().PlayTime)

	_, err = NewSessionFromManifest(DefaultConfig(), "http://m.test/x.mpd", []byte("garbage"), &fixedAlg{})
	assert.ErrorIs(t, err, ErrBadContent)
}

// The manifest is a request like the others: retried on 503, fatal on
// 404, and the session sets up its tracks once it parsed.
func TestManifestFromURL(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Retry.Manifest.Jitter = 0
	s, err := NewSessionFromURL(cfg, "http://m.test/a/stream.mpd", &fixedAlg{})
	require.NoError(t, err)
	assert.Equal(t, StateIdle, s.State())
	n := 0
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		if r.Kind == ReqManifest {
			n++
			if n == 1 {
				return outcome{ttfb: 20 * ms, status: 503}
			}
			return outcome{ttfb: 20 * ms, bytes: int64(len(tinyMPD)), data: []byte(tinyMPD)}
		}
		return outcome{bytes: sizeOf(r)}
	})
	s.Start(0)
	assert.Equal(t, StateLoading, s.State())
	h.run(time.Hour)
	require.NoError(t, s.Err())
	assert.Equal(t, ReqManifest, h.reqs[0].Kind)
	assert.Equal(t, -1, h.reqs[0].Track)
	assert.Equal(t, PriorityManifest, h.reqs[0].Priority)
	assert.Equal(t, time.Second+20*ms, h.reqStart(h.reqs[1].ID))
	assert.Len(t, h.kinds(EvManifestLoaded), 1)
	assert.Equal(t, StateEnded, s.State())

	s, err = NewSessionFromURL(cfg, "http://m.test/a/stream.mpd", &fixedAlg{})
	require.NoError(t, err)
	h = newHarness(t, s, func(h *harness, r Request) outcome { return outcome{status: 404} })
	s.Start(0)
	h.run(time.Hour)
	assert.ErrorIs(t, s.Err(), ErrRequestFailed)

	s, err = NewSessionFromURL(cfg, "http://m.test/a/stream.mpd", &fixedAlg{})
	require.NoError(t, err)
	h = newHarness(t, s, func(h *harness, r Request) outcome { return outcome{bytes: 3, data: []byte("<x>")} })
	s.Start(0)
	h.run(time.Hour)
	assert.ErrorIs(t, s.Err(), ErrBadContent)
}

func TestConfigValidation(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 2, segDur: time.Second, video: []int64{1000}})
	for name, mod := range map[string]func(*Config){
		"goal":      func(c *Config) { c.BufferGoal = 0 },
		"startup":   func(c *Config) { c.StartupThreshold = time.Hour },
		"rebuffer":  func(c *Config) { c.RebufferThreshold = -1 },
		"rate":      func(c *Config) { c.PlaybackRate = 0 },
		"jitter":    func(c *Config) { c.Retry.Media.Jitter = 2 },
		"retries":   func(c *Config) { c.Retry.Init.MaxRetries = -1 },
		"step":      func(c *Config) { c.Wait.Step = -time.Second },
		"bytes":     func(c *Config) { c.MaxBufferBytes = -1 },
		"history":   func(c *Config) { c.HistoryLimit = -1 },
		"constrain": func(c *Config) { c.Constraints.MaxHeight = -1 },
	} {
		c := DefaultConfig()
		mod(&c)
		_, err := NewSession(c, p, &fixedAlg{})
		assert.ErrorIs(t, err, ErrBadConfig, name)
	}
	_, err := NewSession(DefaultConfig(), p, nil)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewSession(DefaultConfig(), nil, &fixedAlg{})
	assert.ErrorIs(t, err, ErrNoTracks)
	live := buildVOD(t, ladderSpec{segments: 2, segDur: time.Second, video: []int64{1000}})
	live.Live = true
	_, err = NewSession(DefaultConfig(), live, &fixedAlg{})
	assert.ErrorIs(t, err, ErrLive)
	empty := &manifest.Presentation{Periods: []*manifest.Period{{}}}
	_, err = NewSession(DefaultConfig(), empty, &fixedAlg{})
	assert.ErrorIs(t, err, ErrNoTracks)
}

// Stop cancels what is in flight and ends the session.
func TestStop(t *testing.T) {
	s := oneSegmentSession(t, DefaultConfig())
	h := newHarness(t, s, func(h *harness, r Request) outcome { return outcome{hang: true} })
	h.at(time.Second, func() { s.Stop(time.Second) })
	s.Start(0)
	h.run(time.Hour)
	assert.True(t, s.Done())
	assert.NoError(t, s.Err())
	assert.Equal(t, StateStopped, s.State())
	assert.Equal(t, []RequestID{1}, h.cancels)
	ended := h.kinds(EvEnded)
	require.Len(t, ended, 1)
	assert.Equal(t, "stopped", ended[0].Err)
	_, ok := s.NextWake()
	assert.False(t, ok)
	// Inputs after the end are ignored.
	s.OnComplete(2*time.Second, 1, 100, nil)
	s.Tick(3 * time.Second)
	_, ok = s.Poll()
	assert.False(t, ok)
}

// Events beyond MaxQueuedEvents are dropped and counted; the mask
// selects kinds.
func TestEventQueueBound(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxQueuedEvents = 3
	s := oneSegmentSession(t, cfg)
	s.Start(0)
	evs := s.AppendEvents(nil)
	assert.Len(t, evs, 2) // decision, request started
	s.OnResponse(ms, 1, Response{Status: 200, ContentLength: 500_000})
	for i := range 10 {
		s.OnProgress(ms*time.Duration(2+i), 1, int64(i*1000))
	}
	// first-byte + 10 progress events, 3 kept.
	assert.Equal(t, 8, s.Stats().EventsDropped)
	var n int
	s.DrainEvents(ObserverFunc(func(*Event) { n++ }))
	assert.Equal(t, 3, n)

	cfg.Events = MaskOf(EvDecision)
	cfg.MaxQueuedEvents = 0
	s = oneSegmentSession(t, cfg)
	s.Start(0)
	evs = s.AppendEvents(nil)
	require.Len(t, evs, 1)
	assert.Equal(t, EvDecision, evs[0].Kind)
	assert.True(t, MaskOf(EvSeek, EvEnded).Has(EvEnded))
	assert.False(t, MaskOf(EvSeek).Has(EvEnded))
	assert.True(t, AllEvents.Has(EvEnded))
	assert.False(t, AllEvents.Has(0))
}

// providerAlg brings its own estimator.
type providerAlg struct {
	fixedAlg
	est *countingEstimator
}

func (a *providerAlg) NewEstimator() abr.Estimator { return a.est }

// countingEstimator reports the number of samples it got as its
// throughput.
type countingEstimator struct{ n int64 }

func (e *countingEstimator) Add(abr.Sample) { e.n++ }
func (e *countingEstimator) Reset()         { e.n = 0 }
func (e *countingEstimator) Estimate() abr.Estimate {
	return abr.Estimate{Throughput: e.n, Valid: e.n > 0}
}

// The session uses the algorithm's estimator, feeds it one sample per
// completed main-track download, and a new algorithm's estimator learns
// the history.
func TestEstimatorOwnership(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 6, segDur: 2 * time.Second, video: []int64{1_000_000}})
	first := &providerAlg{est: &countingEstimator{}}
	s, err := NewSession(testConfig(30*time.Second, time.Second, time.Second), p, first)
	require.NoError(t, err)
	h := newHarness(t, s, link(ms, 0))
	s.Start(0)
	h.run(2500 * ms)
	done := s.Stats().Segments
	require.Positive(t, done)
	assert.Equal(t, int64(done), first.est.n)
	assert.Equal(t, int64(done), s.Stats().Estimate.Throughput)

	second := &providerAlg{est: &countingEstimator{}}
	s.SetAlgorithm(h.now, second)
	assert.Equal(t, int64(done), second.est.n, "history replayed into the new estimator")
	h.run(time.Hour)
	assert.Equal(t, int64(6), second.est.n)
	assert.Equal(t, int64(done), first.est.n)

	// A configured estimator is kept whatever the algorithm.
	cfg := testConfig(30*time.Second, time.Second, time.Second)
	fixed := &countingEstimator{}
	cfg.Estimator = fixed
	s, err = NewSession(cfg, p, &providerAlg{est: &countingEstimator{}})
	require.NoError(t, err)
	h = newHarness(t, s, link(ms, 0))
	s.Start(0)
	h.run(time.Hour)
	assert.Equal(t, int64(6), fixed.n)
}

// The byte cap holds requests back like the time goal.
func TestByteCap(t *testing.T) {
	p := buildVOD(t, ladderSpec{segments: 10, segDur: 2 * time.Second, video: []int64{4_000_000}})
	cfg := testConfig(60*time.Second, time.Second, time.Second)
	cfg.MaxBufferBytes = 3_000_000 // three 1 MB segments
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, link(0, 0))
	s.Start(0)
	h.run(time.Second)
	assert.Len(t, h.reqs, 3)
	// Each played segment frees room for one more.
	h.run(2*time.Second + 1)
	assert.Len(t, h.reqs, 4)
	h.run(time.Hour)
	require.NoError(t, s.Err())
	assert.Equal(t, 20*time.Second, s.Stats().PlayTime)
}

func TestStrings(t *testing.T) {
	assert.Equal(t, "media", ReqMedia.String())
	assert.Equal(t, "kind(9)", RequestKind(9).String())
	assert.Equal(t, "timeout", FailTimeout.String())
	assert.Equal(t, "HTTP 503: x", Failure{Class: FailStatus, Status: 503, Err: errors.New("x")}.String())
	assert.Equal(t, "deliver", ActDeliver.String())
	assert.Equal(t, "stall-start", EvStallStart.String())
	assert.Equal(t, "failover", RecoverFailover.String())
	assert.Equal(t, "seeking", StateSeeking.String())
	assert.Equal(t, "cancel id=3", Action{Kind: ActCancel, ID: 3}.String())
}
