package origin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultClient opens a new connection per request, so the transport never
// retries a request on a reused connection and the rule counts stay
// exact.
func faultClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func mustScript(t *testing.T, text string) Script {
	t.Helper()
	s, err := ParseScript("test", []byte(text))
	require.NoError(t, err)
	return s
}

func faultOrigin(t *testing.T, script string) (*Origin, *httptest.Server, *http.Client) {
	t.Helper()
	c := smallContent()
	o, srv := newOriginServer(t, Config{Content: &c, Faults: mustScript(t, script)})
	return o, srv, faultClient(t)
}

func waitLog(t *testing.T, o *Origin, n int) []LogEntry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, o.WaitRequests(ctx, n))
	return o.Log()
}

// segment returns the whole bytes of a synthetic segment, fetched without
// faults.
func segmentBytes(t *testing.T, id string, n int) []byte {
	t.Helper()
	s, err := NewSynth(smallContent())
	require.NoError(t, err)
	r, err := s.OpenSegment(id, n)
	require.NoError(t, err)
	return readAll(t, r)
}

func TestStatusFaultOnSelectedRequests(t *testing.T) {
	o, srv, client := faultOrigin(t, "/synth/dash/*/seg-*.m4s requests=2,3 status=503 retry-after=1500ms name=flaky")
	url := srv.URL + "/synth/dash/v400k/seg-1.m4s"
	var statuses []int
	for range 4 {
		resp, body := get(t, client, url)
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusServiceUnavailable {
			assert.Equal(t, "2", resp.Header.Get("Retry-After"), "1.5 s rounds up to 2 s")
			assert.Contains(t, string(body), "503 Service Unavailable")
		}
	}
	assert.Equal(t, []int{200, 503, 503, 200}, statuses)
	resp, _ := get(t, client, srv.URL+"/synth/dash/v400k/init.mp4") // does not match the glob
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	log := waitLog(t, o, 5)
	require.Len(t, log, 5)
	for i, e := range log[:4] {
		assert.Equal(t, i+1, e.Seq)
		assert.Equal(t, "/synth/dash/v400k/seg-1.m4s", e.Path)
		assert.Equal(t, statuses[i], e.Status)
		assert.Equal(t, Complete, e.Outcome)
		if i == 1 || i == 2 {
			assert.Equal(t, "flaky", e.Rule)
			assert.Equal(t, []string{"status=503"}, e.Effects)
		} else {
			assert.Empty(t, e.Rule)
			assert.Empty(t, e.Effects)
		}
	}
	assert.Equal(t, 4, o.Count("/synth/dash/v400k/seg-1.m4s"))
	assert.Equal(t, map[string]int{"/synth/dash/v400k/seg-1.m4s": 4, "/synth/dash/v400k/init.mp4": 1}, o.Counts())
}

func TestStatusFaultOnHEAD(t *testing.T) {
	o, srv, client := faultOrigin(t, PathHLS+" method=HEAD status=404")
	req, err := http.NewRequest(http.MethodHead, srv.URL+PathHLS, nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = get(t, client, srv.URL+PathHLS) // GET is not selected
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	log := waitLog(t, o, 2)
	assert.Zero(t, log[0].Bytes)
	assert.Equal(t, "rule1", log[0].Rule)
}

func TestDelayRateAndShortStallKeepTheBodyWhole(t *testing.T) {
	for script, effects := range map[string][]string{
		"/synth/dash/a128k/seg-2.m4s delay=30ms":                  {"delay=30ms"},
		"/synth/dash/a128k/seg-2.m4s rate=400000":                 {"rate=400000"},
		"/synth/dash/a128k/seg-2.m4s stall=20ms stall-after=1000": {"stall=20ms@1000"},
		"/synth/dash/a128k/seg-2.m4s stall=20ms stall-after=0":    {"stall=20ms@0"},
		"/synth/dash/a128k/seg-2.m4s stall=20ms stall-after=headers delay=5ms rate=1000000": {
			"delay=5ms", "stall=20ms@headers", "rate=1000000"},
		// Beyond the end of the body: neither happens.
		"/synth/dash/a128k/seg-2.m4s stall=1h stall-after=99999999": nil,
		"/synth/dash/a128k/seg-2.m4s truncate=99999999":             nil,
	} {
		t.Run(script, func(t *testing.T) {
			o, srv, client := faultOrigin(t, script)
			want := segmentBytes(t, "a128k", 2)
			resp, body := get(t, client, srv.URL+"/synth/dash/a128k/seg-2.m4s")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, want, body)
			e := waitLog(t, o, 1)[0]
			assert.Equal(t, effects, e.Effects)
			assert.Equal(t, Complete, e.Outcome)
			assert.EqualValues(t, len(want), e.Bytes)
		})
	}
}

func TestStallForeverEndsWhenClientGivesUp(t *testing.T) {
	o, srv, client := faultOrigin(t, "/synth/dash/v800k/seg-1.m4s stall=forever stall-after=5000")
	want := segmentBytes(t, "v800k", 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/synth/dash/v800k/seg-1.m4s", nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	assert.EqualValues(t, len(want), resp.ContentLength)
	got := make([]byte, 5000)
	_, err = io.ReadFull(resp.Body, got)
	require.NoError(t, err)
	assert.Equal(t, want[:5000], got)
	cancel() // the client gives up while the server stalls
	_, err = resp.Body.Read(make([]byte, 1))
	assert.Error(t, err)
	resp.Body.Close()

	e := waitLog(t, o, 1)[0]
	assert.Equal(t, Canceled, e.Outcome)
	assert.EqualValues(t, 5000, e.Bytes)
	assert.Equal(t, []string{"stall=forever@5000"}, e.Effects)
}

func TestCloseReleasesStallBeforeHeaders(t *testing.T) {
	c := smallContent()
	o, err := New(Config{Content: &c, Faults: mustScript(t, "** stall=forever stall-after=headers")})
	require.NoError(t, err)
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		o.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := faultClient(t)
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.URL + PathDASH)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	require.NoError(t, o.Close())
	assert.Error(t, <-errc, "the client must not see a response")
	e := waitLog(t, o, 1)[0]
	assert.Equal(t, Canceled, e.Outcome)
	assert.Zero(t, e.Status)
	assert.Equal(t, []string{"stall=forever@headers"}, e.Effects)
}

func TestTruncateAnnouncesFullLength(t *testing.T) {
	o, srv, client := faultOrigin(t, "/synth/dash/v400k/seg-*.m4s truncate=1000")
	want := segmentBytes(t, "v400k", 2)
	resp, err := client.Get(srv.URL + "/synth/dash/v400k/seg-2.m4s")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, len(want), resp.ContentLength)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, want[:1000], body)

	// Offsets count body bytes, so they index into the range served.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/synth/dash/v400k/seg-2.m4s", nil)
	require.NoError(t, err)
	req.Header.Set("Range", "bytes=100-5099")
	resp, err = client.Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.EqualValues(t, 5000, resp.ContentLength)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, want[100:1100], body)

	log := waitLog(t, o, 2)
	for _, e := range log {
		assert.Equal(t, Truncated, e.Outcome)
		assert.EqualValues(t, 1000, e.Bytes)
		assert.Equal(t, []string{"truncate@1000"}, e.Effects)
	}
	assert.Equal(t, "bytes=100-5099", log[1].Range)
	assert.Equal(t, http.StatusPartialContent, log[1].Status)
}

func TestResetMidBody(t *testing.T) {
	o, srv, client := faultOrigin(t, "/synth/dash/v400k/seg-3.m4s reset=1000")
	want := segmentBytes(t, "v400k", 3)
	var body []byte
	resp, err := client.Get(srv.URL + "/synth/dash/v400k/seg-3.m4s")
	if err == nil {
		assert.EqualValues(t, len(want), resp.ContentLength)
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	// An RST, not the clean close of a truncation.
	require.ErrorIs(t, err, syscall.ECONNRESET)
	assert.LessOrEqual(t, len(body), 1000)
	assert.Equal(t, want[:len(body)], body)
	e := waitLog(t, o, 1)[0]
	assert.Equal(t, ResetConn, e.Outcome)
	assert.EqualValues(t, 1000, e.Bytes)
	assert.Equal(t, http.StatusOK, e.Status)
	assert.Equal(t, []string{"reset@1000"}, e.Effects)
}

func TestResetBeforeHeaders(t *testing.T) {
	o, srv, client := faultOrigin(t, "re:manifest\\.mpd$ requests=1 reset")
	_, err := client.Get(srv.URL + PathDASH)
	require.ErrorIs(t, err, syscall.ECONNRESET)
	resp, _ := get(t, client, srv.URL+PathDASH) // only the first request is reset
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	log := waitLog(t, o, 2)
	assert.Equal(t, ResetConn, log[0].Outcome)
	assert.Zero(t, log[0].Status)
	assert.Zero(t, log[0].Bytes)
	assert.Equal(t, []string{"reset@headers"}, log[0].Effects)
	assert.Equal(t, Complete, log[1].Outcome)
}

func TestRulesCountIndependentlyAndFirstFiringWins(t *testing.T) {
	o, srv, client := faultOrigin(t, `
/synth/** requests=2 status=500 name=A
re:seg-1\.m4s$ requests=1 status=404 name=B
`)
	url := srv.URL + "/synth/hls/v400k/seg-1.m4s"
	var got []int
	for range 3 {
		resp, _ := get(t, client, url)
		got = append(got, resp.StatusCode)
	}
	// Request 1: A counts 1 (not selected), B counts 1 and fires.
	// Request 2: A counts 2 and fires; B counts 2 as well.
	// Request 3: neither selects count 3.
	assert.Equal(t, []int{404, 500, 200}, got)
	log := waitLog(t, o, 3)
	assert.Equal(t, []string{"B", "A", ""}, []string{log[0].Rule, log[1].Rule, log[2].Rule})

	// SetFaults restarts the counts.
	require.NoError(t, o.SetFaults(mustScript(t, "/synth/** requests=1 status=502")))
	resp, _ := get(t, client, url)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	resp, _ = get(t, client, url)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.ErrorIs(t, o.SetFaults(Script{Rules: []Rule{{Path: "/x", Fault: Fault{Rate: -1}}}}), ErrBadScript)
}

func TestRequestLogIsBoundedAndQueryable(t *testing.T) {
	var records bytes.Buffer
	c := smallContent()
	o, srv := newOriginServer(t, Config{
		Content: &c, LogCapacity: 3,
		Logger: slog.New(slog.NewJSONHandler(&records, nil)),
	})
	for i := range 5 {
		path := PathDASH
		if i%2 == 1 {
			path = PathHLS
		}
		resp, _ := get(t, srv.Client(), srv.URL+path, "Range", "bytes=0-9")
		require.Equal(t, http.StatusPartialContent, resp.StatusCode)
		waitLog(t, o, i+1) // the ring keeps the last to finish: make that the last sent
	}
	log := waitLog(t, o, 5)
	require.Len(t, log, 3, "only the last three are kept")
	assert.Equal(t, []int{3, 4, 5}, []int{log[0].Seq, log[1].Seq, log[2].Seq})
	assert.Equal(t, []string{PathDASH, PathHLS, PathDASH}, []string{log[0].Path, log[1].Path, log[2].Path})
	for _, e := range log {
		assert.Equal(t, "GET", e.Method)
		assert.Equal(t, "bytes=0-9", e.Range)
		assert.EqualValues(t, 10, e.Bytes)
	}
	assert.Equal(t, map[string]int{PathDASH: 2, PathHLS: 1}, o.Counts())

	// The copy is the caller's.
	log[0].Path = "changed"
	assert.Equal(t, PathDASH, o.Log()[0].Path)

	// One JSON record per request reached the logger.
	lines := strings.Split(strings.TrimSpace(records.String()), "\n")
	require.Len(t, lines, 5)
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	assert.Equal(t, "request", rec["msg"])
	assert.Equal(t, PathDASH, rec["path"])
	assert.EqualValues(t, 206, rec["status"])
	assert.EqualValues(t, 10, rec["bytes"])
	assert.Equal(t, "complete", rec["outcome"])

	o.ClearLog()
	assert.Empty(t, o.Log())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.True(t, errors.Is(o.WaitRequests(ctx, 1), context.Canceled))
	get(t, srv.Client(), srv.URL+PathHLS)
	assert.Equal(t, 1, waitLog(t, o, 1)[0].Seq, "sequence numbers restart after ClearLog")
}

func TestClearLogDropsRequestsInFlight(t *testing.T) {
	o, srv, client := faultOrigin(t, PathDASH+" stall=forever stall-after=10")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+PathDASH, nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, err = io.ReadFull(resp.Body, make([]byte, 10)) // the handler is now stalled
	require.NoError(t, err)
	o.ClearLog()
	cancel()
	resp.Body.Close()

	resp, _ = get(t, client, srv.URL+PathHLS)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	log := waitLog(t, o, 1)
	require.Len(t, log, 1)
	assert.Equal(t, PathHLS, log[0].Path)
	assert.Equal(t, 1, log[0].Seq)
	// Closing the server waits for the stalled handler; it still is not
	// logged.
	srv.Close()
	assert.Len(t, o.Log(), 1, "the stalled request began before ClearLog")
}
