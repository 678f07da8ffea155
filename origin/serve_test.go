package origin

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func newOriginServer(t *testing.T, cfg Config) (*Origin, *httptest.Server) {
	t.Helper()
	o, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(o)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, o.Close())
	})
	return o, srv
}

func dirConfig() Config {
	c := smallContent()
	return Config{Dir: filepath.Join("testdata", "www"), Content: &c}
}

func TestDirectoryContentTypes(t *testing.T) {
	_, srv := newOriginServer(t, dirConfig())
	for path, want := range map[string]string{
		"/manifest.mpd":  "application/dash+xml",
		"/media.m3u8":    "application/vnd.apple.mpegurl",
		"/sub/seg-1.m4s": "video/iso.segment",
		"/sub/seg-1.ts":  "video/mp2t",
		PathDASH:         "application/dash+xml", // synthetic content still answers
	} {
		resp, _ := get(t, srv.Client(), srv.URL+path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, want, resp.Header.Get("Content-Type"), path)
		assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"), path)
	}
	assert.Equal(t, "video/mp4", ContentType("A.MP4"))
	assert.Equal(t, "", ContentType("file.unknown"))
}

func TestDirectoryRefusesWhatItShouldNotServe(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.mpd"), []byte("<MPD/>"), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	_, srv := newOriginServer(t, Config{Dir: dir})

	resp, body := get(t, srv.Client(), srv.URL+"/ok.mpd")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "<MPD/>", string(body))
	for _, p := range []string{"/link.txt", "/sub", "/", "/missing.mpd", "/..%2f" + filepath.Base(outside) + "/secret.txt", PathDASH} {
		resp, body := get(t, srv.Client(), srv.URL+p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		assert.NotContains(t, string(body), "secret")
	}
	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/ok.mpd", nil)
	require.NoError(t, err)
	resp, err = srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestNewErrors(t *testing.T) {
	_, err := New(Config{Dir: filepath.Join("testdata", "does-not-exist")})
	assert.Error(t, err)
	bad := DefaultContent()
	bad.FrameRate = 0
	_, err = New(Config{Content: &bad})
	assert.ErrorIs(t, err, ErrBadContent)
	_, err = New(Config{Faults: Script{Rules: []Rule{{Path: "/x"}}}})
	assert.ErrorIs(t, err, ErrBadScript)
}

// TestRanges exercises single ranges, suffix ranges, open ranges, 416,
// HEAD and If-Range on a directory file and on the three kinds of
// synthetic resource, comparing against the full body.
func TestRanges(t *testing.T) {
	_, srv := newOriginServer(t, dirConfig())
	for _, path := range []string{"/sub/seg-1.m4s", "/synth/dash/v1500k/seg-3.m4s", "/synth/dash-base/v800k.mp4", PathHLS} {
		t.Run(path, func(t *testing.T) {
			resp, full := get(t, srv.Client(), srv.URL+path)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			size := int64(len(full))
			require.Equal(t, strconv.FormatInt(size, 10), resp.Header.Get("Content-Length"))
			require.Greater(t, size, int64(60))

			resp, part := get(t, srv.Client(), srv.URL+path, "Range", "bytes=10-49")
			assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("bytes 10-49/%d", size), resp.Header.Get("Content-Range"))
			assert.Equal(t, full[10:50], part)

			resp, part = get(t, srv.Client(), srv.URL+path, "Range", "bytes=-25")
			assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("bytes %d-%d/%d", size-25, size-1, size), resp.Header.Get("Content-Range"))
			assert.Equal(t, full[size-25:], part)

			resp, part = get(t, srv.Client(), srv.URL+path, "Range", fmt.Sprintf("bytes=%d-", size-7))
			assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
			assert.Equal(t, full[size-7:], part)

			resp, _ = get(t, srv.Client(), srv.URL+path, "Range", fmt.Sprintf("bytes=%d-", size))
			assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("bytes */%d", size), resp.Header.Get("Content-Range"))

			req, err := http.NewRequest(http.MethodHead, srv.URL+path, nil)
			require.NoError(t, err)
			resp, err = srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, strconv.FormatInt(size, 10), resp.Header.Get("Content-Length"))
		})
	}
	// If-Range with the current ETag honours the range; with a stale one
	// the whole file comes back.
	path := srv.URL + "/synth/dash/v400k/seg-2.m4s"
	resp, full := get(t, srv.Client(), path)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	resp, part := get(t, srv.Client(), path, "Range", "bytes=0-9", "If-Range", etag)
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, full[:10], part)
	resp, whole := get(t, srv.Client(), path, "Range", "bytes=0-9", "If-Range", `"stale"`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, full, whole)
}

func TestETagDependsOnContentAndPath(t *testing.T) {
	a, err := NewSynth(smallContent())
	require.NoError(t, err)
	c := smallContent()
	c.Seed = 9
	b, err := NewSynth(c)
	require.NoError(t, err)
	etag := func(s *Synth, path string) string {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Header().Get("ETag")
	}
	assert.Equal(t, etag(a, PathDASH), etag(a, PathDASH))
	assert.NotEqual(t, etag(a, PathDASH), etag(b, PathDASH))
	assert.NotEqual(t, etag(a, PathDASH), etag(a, PathHLS))
}

// TestReadersAgreeWithFullBytes checks, for random offsets and lengths,
// that reading through Seek/Read returns the same bytes as a sequential
// read of the whole resource, and that the single file is init, sidx and
// then exactly the fragments of the segment files.
func TestReadersAgreeWithFullBytes(t *testing.T) {
	s, err := NewSynth(smallContent())
	require.NoError(t, err)
	files := map[string][]byte{}
	for _, tr := range s.Tracks() {
		r, err := s.OpenFile(tr.ID)
		require.NoError(t, err)
		file := readAll(t, r)
		require.EqualValues(t, tr.FileSize, len(file))
		files[tr.ID] = file
		init, err := s.InitSegment(tr.ID)
		require.NoError(t, err)
		require.Equal(t, init, file[:tr.InitSize])
		segs, err := s.Segments(tr.ID)
		require.NoError(t, err)
		for _, si := range segs {
			r, err := s.OpenSegment(tr.ID, si.Number)
			require.NoError(t, err)
			seg := readAll(t, r)
			// The segment file is styp (24 bytes) + the fragment bytes.
			require.Equal(t, seg[24:], file[si.Offset:si.Offset+si.FragmentSize], "%s segment %d", tr.ID, si.Number)
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		tr := rapid.SampledFrom(s.Tracks()).Draw(rt, "track")
		file := files[tr.ID]
		r, err := s.OpenFile(tr.ID)
		require.NoError(rt, err)
		reads := rapid.IntRange(1, 5).Draw(rt, "reads")
		for range reads {
			off := rapid.Int64Range(0, tr.FileSize).Draw(rt, "off")
			n := rapid.IntRange(0, 300_000).Draw(rt, "n")
			whence := rapid.IntRange(0, 2).Draw(rt, "whence")
			var pos int64
			switch whence {
			case io.SeekStart:
				pos, err = r.Seek(off, io.SeekStart)
			case io.SeekCurrent:
				cur, _ := r.Seek(0, io.SeekCurrent)
				pos, err = r.Seek(off-cur, io.SeekCurrent)
			default:
				pos, err = r.Seek(off-tr.FileSize, io.SeekEnd)
			}
			require.NoError(rt, err)
			require.Equal(rt, off, pos)
			buf := make([]byte, n)
			got, err := io.ReadFull(r, buf)
			want := min(int64(n), tr.FileSize-off)
			require.EqualValues(rt, want, got)
			switch {
			case want == 0 && n > 0:
				require.ErrorIs(rt, err, io.EOF)
			case int64(n) > want:
				require.ErrorIs(rt, err, io.ErrUnexpectedEOF)
			default:
				require.NoError(rt, err)
			}
			require.True(rt, bytes.Equal(file[off:off+want], buf[:got]))
		}
	})
}

func TestOriginServesSynthAfterClose(t *testing.T) {
	o, err := New(dirConfig())
	require.NoError(t, err)
	require.NoError(t, o.Close())
	// Requests after Close still get an answer: synthetic content needs
	// no directory.
	rec := httptest.NewRecorder()
	o.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathDASH, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestCORS(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		c := smallContent()
		_, srv := newOriginServer(t, Config{Content: &c, Dir: filepath.Join("testdata", "www"), CORS: enabled})
		resp, _ := get(t, srv.Client(), srv.URL+PathHLS, "Origin", "http://player.example")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/sub/seg-1.m4s", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", "http://player.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "range")
		pre, err := srv.Client().Do(req)
		require.NoError(t, err)
		pre.Body.Close()
		if enabled {
			assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
			assert.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "Content-Range")
			assert.Equal(t, http.StatusNoContent, pre.StatusCode)
			assert.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), "Range")
			assert.Equal(t, "*", pre.Header.Get("Access-Control-Allow-Origin"))
		} else {
			assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, http.StatusMethodNotAllowed, pre.StatusCode)
		}
	}
}
