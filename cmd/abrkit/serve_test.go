package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServe runs serve in the background and returns its base URL, a
// stop function returning the exit code, and the captured output.
func startServe(t *testing.T, args ...string) (base string, stop func() int, stdout, stderr *bytes.Buffer) {
	t.Helper()
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- serve(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), stdout, stderr, func(a string) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		base = "http://" + a
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d: %s", code, stderr)
	}
	var once bool
	code := 0
	stop = func() int {
		if !once {
			once = true
			cancel()
			code = <-done
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return base, stop, stdout, stderr
}

func fetchStatus(t *testing.T, client *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

func TestServeSynthDirAndFaults(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.m3u8"), []byte("#EXTM3U\n"), 0o600))
	faults := filepath.Join(dir, "faults.txt")
	require.NoError(t, os.WriteFile(faults, []byte("/synth/dash/*/seg-2.m4s requests=1 status=503\n"), 0o600))

	base, stop, stdout, stderr := startServe(t, "--dir", dir, "--faults", faults,
		"--ladder", "300:480x270,1200:1280x720", "--audio", "96", "--duration", "10s", "--seed", "7")
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	code, body := fetchStatus(t, client, base+"/synth/dash/manifest.mpd")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `id="v300k"`)
	assert.Contains(t, string(body), `id="v1200k"`)
	assert.Contains(t, string(body), `id="a96k"`)
	assert.Contains(t, string(body), `mediaPresentationDuration="PT10S"`)
	code, _ = fetchStatus(t, client, base+"/synth/dash/v300k/seg-2.m4s")
	assert.Equal(t, http.StatusServiceUnavailable, code, "the script's first match fails")
	code, _ = fetchStatus(t, client, base+"/synth/dash/v300k/seg-2.m4s")
	assert.Equal(t, http.StatusOK, code)
	code, _ = fetchStatus(t, client, base+"/synth/dash/v300k/seg-6.m4s")
	assert.Equal(t, http.StatusNotFound, code, "10 s is five 2 s segments")
	resp, err := client.Get(base + "/hello.m3u8")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), "CORS is on by default")
	code, body = fetchStatus(t, client, base+"/hello.m3u8")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "#EXTM3U\n", string(body))

	require.Equal(t, 0, stop())
	out := stdout.String()
	for _, want := range []string{
		"listening on " + base,
		base + "/synth/dash/manifest.mpd", base + "/synth/dash-base/manifest.mpd",
		base + "/synth/hls/master.m3u8", base + "/synth/hls-byterange/master.m3u8",
		base + "/ (" + dir + ")", "1 rules from " + faults,
	} {
		assert.Contains(t, out, want)
	}
	// One log line per request, with the fault visible.
	logs := stderr.String()
	assert.Equal(t, 6, strings.Count(logs, "msg=request"), logs)
	assert.Contains(t, logs, "status=503")
	assert.Contains(t, logs, "rule=rule1")
}

func TestServeQuietNoSynth(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.mpd"), []byte("<MPD/>"), 0o600))
	base, stop, stdout, stderr := startServe(t, "--dir", dir, "--synth=false", "--quiet")
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	code, _ := fetchStatus(t, client, base+"/a.mpd")
	assert.Equal(t, http.StatusOK, code)
	code, _ = fetchStatus(t, client, base+"/synth/dash/manifest.mpd")
	assert.Equal(t, http.StatusNotFound, code)
	require.Equal(t, 0, stop())
	assert.NotContains(t, stdout.String(), "/synth/")
	assert.Empty(t, stderr.String())
}

func TestServeArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	badScript := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(badScript, []byte("/a bogus=1\n"), 0o600))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--synth=false"}, 2, "nothing to serve"},
		{[]string{"--ladder", "400"}, 2, "want KBITS:WIDTHxHEIGHT"},
		{[]string{"--ladder", "x:640x360"}, 2, "invalid syntax"},
		{[]string{"--ladder", "400:641x360"}, 2, "must be even"},
		{[]string{"--segment", "1001ms"}, 2, "not a whole number of frames"},
		{[]string{"--audio", "-1"}, 2, "negative bitrate"},
		{[]string{"--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--faults", filepath.Join(dir, "missing.txt")}, 1, "missing.txt"},
		{[]string{"--faults", badScript}, 1, badScript + `:1: origin: bad fault script: unknown option "bogus"`},
		{[]string{"--dir", filepath.Join(dir, "nope")}, 1, "open directory"},
		{[]string{"--addr", "256.0.0.1:99999"}, 1, "listen"},
	} {
		var stdout, stderr bytes.Buffer
		code := serve(context.Background(), tc.args, &stdout, &stderr, nil)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, stderr.String())
		assert.Contains(t, stderr.String(), tc.want, "%v", tc.args)
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, serve(context.Background(), []string{"--help"}, &stdout, &stderr, nil))
	assert.Contains(t, stderr.String(), "usage: abrkit serve")
}

func TestServeIsRegistered(t *testing.T) {
	c, ok := commands["serve"]
	require.True(t, ok)
	assert.NotEmpty(t, c.summary)
}
