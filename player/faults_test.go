package player

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cdnPair is the same synthetic content served by two origins, A and B,
// with a DASH manifest on A whose two BaseURLs name both: the session
// fails over from A to B.
type cdnPair struct {
	a, b       *origin.Origin
	urlA, urlB string
	manifest   string // URL of the two-BaseURL MPD on A
}

// twoBaseMPD is the path of the two-BaseURL manifest on origin A.
const twoBaseMPD = "/two.mpd"

// newCDNPair serves c from two origins and writes the two-BaseURL MPD.
func newCDNPair(t *testing.T, c origin.Content) *cdnPair {
	t.Helper()
	dir := t.TempDir()
	a, srvA := newTestOrigin(t, origin.Config{Dir: dir, Content: &c})
	b, srvB := newTestOrigin(t, origin.Config{Content: &c})
	resp, err := http.Get(srvA.URL + origin.PathDASH)
	require.NoError(t, err)
	mpd, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	// MPD-level BaseURLs go right after the MPD start tag (ISO/IEC
	// 23009-1 element order: ProgramInformation, BaseURL, ..., Period; the
	// synthetic MPD has no ProgramInformation).
	s := string(mpd)
	at := strings.Index(s, "<MPD")
	require.GreaterOrEqual(t, at, 0)
	end := at + strings.Index(s[at:], ">") + 1
	bases := "<BaseURL>" + srvA.URL + "/synth/dash/</BaseURL><BaseURL>" + srvB.URL + "/synth/dash/</BaseURL>"
	s = s[:end] + bases + s[end:]
	require.NoError(t, os.WriteFile(filepath.Join(dir, strings.TrimPrefix(twoBaseMPD, "/")), []byte(s), 0o644))
	a.ClearLog()
	return &cdnPair{a: a, b: b, urlA: srvA.URL, urlB: srvB.URL, manifest: srvA.URL + twoBaseMPD}
}

// faultConfig is the session configuration of the fault matrix: short
// timeouts and backoffs so that recovery takes well under a second.
func faultConfig(speed float64) Config {
	cfg := DefaultConfig()
	cfg.PlaybackRate = speed
	cfg.Replace = false
	pol := RetryPolicy{MaxRetries: 2, BaseDelay: 50 * time.Millisecond, Factor: 2, MaxDelay: 200 * time.Millisecond,
		Timeouts: Timeouts{FirstByte: 300 * time.Millisecond, Total: time.Second, NoProgress: 300 * time.Millisecond}}
	cfg.Retry.Manifest, cfg.Retry.Index, cfg.Retry.Init, cfg.Retry.Media = pol, pol, pol, pol
	return cfg
}

// playFaults plays url with rung 0 through the real driver and returns
// the session and Run's error.
func playFaults(t *testing.T, url string, cfg Config) (*Session, error) {
	t.Helper()
	s, err := NewSessionFromURL(cfg, url, &fixedAlg{rung: 0})
	require.NoError(t, err)
	d, err := NewDriver(s, NewHeadless(cfg.PlaybackRate), DefaultDriverConfig())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s, d.Run(ctx)
}

// count returns how many requests origin o logged for path, waiting for
// at least atLeast of them.
func count(t *testing.T, o *origin.Origin, path string, atLeast int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for o.Count(path) < atLeast && ctx.Err() == nil {
		if err := o.WaitRequests(ctx, len(o.Log())+1); err != nil {
			break
		}
	}
	return o.Count(path)
}

// The fault matrix: every fault class of the origin on the manifest, an
// init segment and a media segment. Each is recovered without a stall
// (retry on the same URL; failover to the second BaseURL after a 404)
// when the buffer covers the recovery, which the timing is chosen for:
//
//   - manifest and init faults happen before playback starts;
//   - the media fault hits segment 13 of 15 (2 s each) at speed 16: 24 s
//     are buffered, and the longest recovery, a Retry-After of 1 s or a
//     1 s total timeout plus a 50 ms backoff, consumes at most 16.8 s,
//     leaving 7 s (0.4 s of wall time) for the downloads before it.
func TestFaultMatrixRecovers(t *testing.T) {
	short := e2eContent()
	short.Duration = 6 * time.Second
	long := e2eContent()
	long.Duration = 30 * time.Second
	targets := []struct {
		name    string
		path    string
		content origin.Content
		speed   float64
	}{
		{"manifest", twoBaseMPD, short, e2eSpeed},
		{"init", "/synth/dash/v400k/init.mp4", short, e2eSpeed},
		{"media", "/synth/dash/v400k/seg-13.m4s", long, 16},
	}
	faults := []struct {
		name     string
		fault    origin.Fault
		failover bool   // recovered on B rather than by a retry on A
		errText  string // in the recorded error
	}{
		{"status-503", origin.Fault{Status: 503}, false, "HTTP 503"},
		{"status-404", origin.Fault{Status: 404}, true, "HTTP 404"},
		{"status-429-retry-after", origin.Fault{Status: 429, RetryAfter: time.Second}, false, "HTTP 429"},
		{"ttfb", origin.Fault{Delay: 5 * time.Second}, false, "first-byte timeout"},
		{"throttle", origin.Fault{Rate: 200}, false, "timeout"},
		{"stall", origin.Fault{Stall: origin.Stall{After: 100, Forever: true}}, false, "no-progress timeout"},
		{"truncate", origin.Fault{Cut: origin.Cut{Mode: origin.Truncate, After: 100}}, false, "reset"},
		{"reset", origin.Fault{Cut: origin.Cut{Mode: origin.Reset, After: 100}}, false, "reset"},
	}
	for _, tg := range targets {
		for _, fc := range faults {
			if tg.name == "manifest" && fc.failover {
				continue // one manifest URL: see TestFaultMatrixUnrecoverable
			}
			t.Run(tg.name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				cp := newCDNPair(t, tg.content)
				require.NoError(t, cp.a.SetFaults(origin.Script{Rules: []origin.Rule{
					{Name: fc.name, Path: tg.path, Requests: []origin.Span{{First: 1, Last: 1}}, Fault: fc.fault}}}))
				s, err := playFaults(t, cp.manifest, faultConfig(tg.speed))
				require.NoError(t, err)
				sum := s.Summary()
				assert.True(t, sum.Ended, "played to the end")
				assert.Zero(t, sum.RebufferCount, "no stall: the buffer covered the recovery")
				require.NotEmpty(t, sum.Errors)
				assert.Contains(t, sum.Errors[0], fc.errText)
				if fc.failover {
					assert.Contains(t, sum.Errors[0], "(failover)")
					assert.Equal(t, 1, sum.Failovers)
					assert.Equal(t, 1, count(t, cp.a, tg.path, 1), "A: the failed request")
					assert.Equal(t, 1, count(t, cp.b, tg.path, 1), "B: the failover")
				} else {
					assert.Contains(t, sum.Errors[0], "(retry)")
					assert.Equal(t, 2, count(t, cp.a, tg.path, 2), "A: the failed request and its retry")
					assert.Zero(t, cp.b.Count(tg.path))
				}
			})
		}
	}
}

// The session honours the server's Retry-After: the retry of a 429 waits
// the 2 s the server asked for, not the 50 ms backoff.
func TestFaultRetryAfterDelay(t *testing.T) {
	c := e2eContent()
	c.Duration = 4 * time.Second
	cp := newCDNPair(t, c)
	require.NoError(t, cp.a.SetFaults(origin.Script{Rules: []origin.Rule{{Path: twoBaseMPD,
		Requests: []origin.Span{{First: 1, Last: 1}}, Fault: origin.Fault{Status: 429, RetryAfter: 2 * time.Second}}}}))
	s, err := NewSessionFromURL(faultConfig(e2eSpeed), cp.manifest, &fixedAlg{})
	require.NoError(t, err)
	var delays []time.Duration
	cfg := DefaultDriverConfig()
	cfg.Observer = ObserverFunc(func(e *Event) {
		if e.Kind == EvError {
			delays = append(delays, e.Duration)
		}
	})
	d, err := NewDriver(s, NewHeadless(e2eSpeed), cfg)
	require.NoError(t, err)
	require.NoError(t, d.Run(context.Background()))
	assert.Equal(t, []time.Duration{2 * time.Second}, delays)
}

// When no URL candidate is left the session stops with an error that
// says what failed and why.
func TestFaultMatrixUnrecoverable(t *testing.T) {
	c := e2eContent()
	c.Duration = 6 * time.Second
	cases := []struct {
		name   string
		onA    origin.Rule
		onB    *origin.Rule
		errors []string
	}{
		{"manifest-404", origin.Rule{Path: twoBaseMPD, Fault: origin.Fault{Status: 404}}, nil,
			[]string{"manifest", twoBaseMPD, "HTTP 404"}},
		{"media-404-everywhere", origin.Rule{Path: "/synth/dash/v400k/seg-2.m4s", Fault: origin.Fault{Status: 404}},
			&origin.Rule{Path: "/synth/dash/v400k/seg-2.m4s", Fault: origin.Fault{Status: 404}},
			[]string{"segment 1 of track 0", "HTTP 404"}},
		{"init-503-everywhere", origin.Rule{Path: "/synth/dash/v400k/init.mp4", Fault: origin.Fault{Status: 503}},
			&origin.Rule{Path: "/synth/dash/v400k/init.mp4", Fault: origin.Fault{Status: 503}},
			[]string{"init", "HTTP 503", "after 6 attempts"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cp := newCDNPair(t, c)
			require.NoError(t, cp.a.SetFaults(origin.Script{Rules: []origin.Rule{tc.onA}}))
			if tc.onB != nil {
				require.NoError(t, cp.b.SetFaults(origin.Script{Rules: []origin.Rule{*tc.onB}}))
			}
			s, err := playFaults(t, cp.manifest, faultConfig(e2eSpeed))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrRequestFailed), "%v", err)
			for _, want := range tc.errors {
				assert.Contains(t, err.Error(), want)
			}
			assert.Equal(t, StateFailed, s.State())
			assert.Equal(t, err.Error(), s.Summary().Fatal)
		})
	}
}
