package player

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoff(t *testing.T) {
	p := &RetryPolicy{BaseDelay: time.Second, Factor: 2, MaxDelay: 8 * time.Second, Jitter: 0.5}
	// u = 0.5 is the centre of the jitter: 1, 2, 4, 8 s, then capped.
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second} {
		assert.Equal(t, want, backoff(p, n+1, 0.5), "retry %d", n+1)
	}
	// u = 0 takes 50 % off, u = 0.75 adds 25 %.
	assert.Equal(t, 500*time.Millisecond, backoff(p, 1, 0))
	assert.Equal(t, 5*time.Second, backoff(p, 3, 0.75))
	// Factor below 1 is a constant delay; no cap.
	c := &RetryPolicy{BaseDelay: 300 * time.Millisecond}
	assert.Equal(t, 300*time.Millisecond, backoff(c, 7, 0.9))
}

// statusNet answers media segment 0 with the given statuses, one per
// attempt, then 200; every request has 50 ms latency and is instant.
func statusNet(retryAfter time.Duration, statuses ...int) func(h *harness, r Request) outcome {
	n := 0
	return func(h *harness, r Request) outcome {
		o := outcome{ttfb: 50 * ms, bytes: sizeOf(r)}
		if r.Kind == ReqMedia && r.Segment == 0 && n < len(statuses) {
			o.status, o.retryAfter = statuses[n], retryAfter
			n++
		}
		return o
	}
}

func oneSegmentSession(t *testing.T, cfg Config, bases ...string) *Session {
	p := buildVOD(t, ladderSpec{segments: 2, segDur: 4 * time.Second, video: []int64{1_000_000}, bases: bases})
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	return s
}

// mediaStarts lists (time, URL) of the media requests for segment seg.
func mediaStarts(h *harness, seg int) (times []time.Duration, urls []string) {
	for _, e := range h.kinds(EvRequestStarted) {
		if e.ReqKind == ReqMedia && e.Segment == seg {
			times = append(times, e.Time)
			urls = append(urls, e.URL)
		}
	}
	return times, urls
}

// 503 is retried with the seeded, jittered exponential backoff: the
// delays are BaseDelay·2^(n−1)·(1 + 0.5·(2u−1)) with u the n-th draw of
// PCG(seed, 0).
func TestRetry503Backoff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Seed = 42
	s := oneSegmentSession(t, cfg)
	h := newHarness(t, s, statusNet(0, 503, 503, 503))
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())

	rng := rand.New(rand.NewPCG(42, 0))
	var want []time.Duration
	at := time.Duration(0)
	want = append(want, at)
	for n := 1; n <= 3; n++ {
		u := rng.Float64()
		base := time.Second << (n - 1)
		at += 50*ms + time.Duration(float64(base)*(1+0.5*(2*u-1)))
		want = append(want, at)
	}
	times, urls := mediaStarts(h, 0)
	assert.Equal(t, want, times)
	assert.Len(t, urls, 4)
	st := s.Stats()
	assert.Equal(t, 3, st.Retries)
	assert.Equal(t, 0, st.Failovers)
	errs := h.kinds(EvError)
	require.Len(t, errs, 3)
	for i, e := range errs {
		assert.Equal(t, RecoverRetry, e.Recovery)
		assert.Equal(t, want[i+1]-want[i]-50*ms, e.Duration)
		assert.Contains(t, e.Err, "HTTP 503")
	}
	assert.Len(t, s.Summary().Errors, 3)
	assert.Equal(t, StateEnded, s.State())
}

// Four 503s exceed MaxRetries 3; with one URL the session fails.
func TestRetryExhaustedIsFatal(t *testing.T) {
	s := oneSegmentSession(t, DefaultConfig())
	h := newHarness(t, s, statusNet(0, 503, 503, 503, 503))
	s.Start(0)
	h.run(time.Minute)
	require.True(t, s.Done())
	require.ErrorIs(t, s.Err(), ErrRequestFailed)
	assert.Equal(t, StateFailed, s.State())
	times, _ := mediaStarts(h, 0)
	assert.Len(t, times, 4)
	sum := s.Summary()
	assert.NotEmpty(t, sum.Fatal)
	assert.Equal(t, "failed", sum.State)
	last := h.kinds(EvError)
	assert.Equal(t, RecoverFatal, last[len(last)-1].Recovery)
}

// 404 is not retried: with a single URL the session fails at once.
func TestStatus404NotRetried(t *testing.T) {
	s := oneSegmentSession(t, DefaultConfig())
	h := newHarness(t, s, statusNet(0, 404))
	s.Start(0)
	h.run(time.Minute)
	require.ErrorIs(t, s.Err(), ErrRequestFailed)
	times, _ := mediaStarts(h, 0)
	assert.Equal(t, []time.Duration{0}, times)
	assert.Equal(t, 0, s.Stats().Retries)
	// The failed request was cancelled when its headers came.
	assert.Equal(t, []RequestID{1}, h.cancels)
}

// 429 waits exactly Retry-After; a Retry-After over MaxRetryAfter makes
// the session fail over (here: nowhere to go, so fatal).
func TestStatus429RetryAfter(t *testing.T) {
	s := oneSegmentSession(t, DefaultConfig())
	h := newHarness(t, s, statusNet(3*time.Second, 429))
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())
	times, _ := mediaStarts(h, 0)
	assert.Equal(t, []time.Duration{0, 3050 * ms}, times)

	s = oneSegmentSession(t, DefaultConfig())
	h = newHarness(t, s, statusNet(time.Minute, 429))
	s.Start(0)
	h.run(time.Minute)
	require.ErrorIs(t, s.Err(), ErrRequestFailed)
}

// A 404 on the first BaseURL fails over to the second at once; the first
// host sits in the penalty box, so later requests go to the second host
// until the penalty expires.
func TestFailoverPenaltyBox(t *testing.T) {
	cfg := testConfig(8*time.Second, time.Second, time.Second)
	cfg.Retry.PenaltyBox = 10 * time.Second
	p := buildVOD(t, ladderSpec{segments: 8, segDur: 4 * time.Second, video: []int64{1_000_000},
		bases: []string{"http://cdn-a.test/vod", "http://cdn-b.test/vod"}})
	s, err := NewSession(cfg, p, &fixedAlg{})
	require.NoError(t, err)
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		o := outcome{ttfb: 10 * ms, bytes: sizeOf(r)}
		if r.Kind == ReqMedia && r.Segment == 0 && hostOf(r.URL) == "cdn-a.test" {
			o.status = 404
		}
		return o
	})
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())
	var hosts []string
	var times []time.Duration
	for _, e := range h.kinds(EvRequestStarted) {
		hosts = append(hosts, hostOf(e.URL))
		times = append(times, e.Time)
	}
	// seg0 at 0 (a, 404 at 10 ms), seg0 on b at 10 ms, seg1 at 20 ms on b;
	// the buffer (goal 8 s, request at ≤ 4 s) then takes a segment every
	// 4 s: seg2 at 4.02 s, seg3 at 8.02 s (still penalised until 10.01 s),
	// seg4 at 12.02 s back on a.
	require.GreaterOrEqual(t, len(hosts), 6)
	assert.Equal(t, []string{"cdn-a.test", "cdn-b.test", "cdn-b.test", "cdn-b.test", "cdn-b.test", "cdn-a.test"}, hosts[:6])
	assert.Equal(t, []time.Duration{0, 10 * ms, 20 * ms, 4020 * ms, 8020 * ms, 12020 * ms}, times[:6])
	fo := h.kinds(EvFailover)
	require.Len(t, fo, 1)
	assert.Equal(t, "cdn-a.test", fo[0].Err)
	assert.Equal(t, 1, s.Stats().Failovers)
	assert.Equal(t, StateEnded, s.State())
}

// A request that never answers times out after the first-byte timeout,
// is cancelled, and retried after the backoff.
func TestFirstByteTimeout(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Retry.Media.Jitter = 0
	s := oneSegmentSession(t, cfg)
	n := 0
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		if r.Kind == ReqMedia && r.Segment == 0 && n == 0 {
			n++
			return outcome{hang: true}
		}
		return outcome{bytes: sizeOf(r)}
	})
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())
	times, _ := mediaStarts(h, 0)
	// 10 s first-byte timeout, then 1 s backoff.
	assert.Equal(t, []time.Duration{0, 11 * time.Second}, times)
	assert.Equal(t, []RequestID{1}, h.cancels)
	assert.Equal(t, 1, s.Stats().Timeouts)
	fails := h.kinds(EvRequestFailed)
	require.Len(t, fails, 1)
	assert.Equal(t, 10*time.Second, fails[0].Time)
	assert.Contains(t, fails[0].Err, errFirstByteTimeout.Error())
}

// Network errors and resets are retried like 5xx.
func TestNetworkFailureRetried(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Retry.Media.Jitter = 0
	s := oneSegmentSession(t, cfg)
	n := 0
	h := newHarness(t, s, func(h *harness, r Request) outcome {
		if r.Kind == ReqMedia && r.Segment == 0 && n < 2 {
			n++
			return outcome{ttfb: 100 * ms, fail: []FailureClass{FailReset, FailNetwork}[n-1]}
		}
		return outcome{bytes: sizeOf(r)}
	})
	s.Start(0)
	h.run(time.Minute)
	require.NoError(t, s.Err())
	times, _ := mediaStarts(h, 0)
	assert.Equal(t, []time.Duration{0, 1100 * ms, 3200 * ms}, times)
}

func TestFailureRetryable(t *testing.T) {
	for _, c := range []struct {
		f    Failure
		want bool
	}{
		{Failure{Class: FailStatus, Status: 500}, true},
		{Failure{Class: FailStatus, Status: 503}, true},
		{Failure{Class: FailStatus, Status: 429}, true},
		{Failure{Class: FailStatus, Status: 408}, true},
		{Failure{Class: FailStatus, Status: 404}, false},
		{Failure{Class: FailStatus, Status: 403}, false},
		{Failure{Class: FailStatus, Status: 410}, false},
		{Failure{Class: FailTimeout}, true},
		{Failure{Class: FailReset}, true},
		{Failure{Class: FailNetwork, Err: errors.New("refused")}, true},
		{Failure{Class: FailTooLarge}, false},
	} {
		assert.Equal(t, c.want, c.f.retryable(), "%s", c.f)
	}
}

func TestHostOf(t *testing.T) {
	assert.Equal(t, "cdn.example:8080", hostOf("https://cdn.example:8080/a/b.m4s?x=1"))
	assert.Equal(t, "h", hostOf("http://user:pw@h/x"))
	assert.Equal(t, "h", hostOf("http://h?q"))
	assert.Equal(t, "", hostOf("relative/path.m4s"))
}
