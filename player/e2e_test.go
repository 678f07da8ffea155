package player

import (
	"context"
	"fmt"
	"net/http/httptest"
	pathpkg "path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/origin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// e2eSpeed is the playback speed of the end-to-end tests: 20 s of media
// play in 1 s.
const e2eSpeed = 20

// cycleAlg fetches segment k at rung k mod (number of rungs), so that a
// play switches representation at every segment.
type cycleAlg struct{}

func (cycleAlg) Name() string { return "cycle" }

func (cycleAlg) Decide(s *abr.Snapshot) abr.Decision {
	return abr.Decision{Rung: s.Segment % (s.MaxRung + 1), Reason: abr.Reason{Rule: "cycle"}}
}

// newTestOrigin serves an origin over httptest until the test ends.
func newTestOrigin(t testing.TB, cfg origin.Config) (*origin.Origin, *httptest.Server) {
	t.Helper()
	o, err := origin.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(o)
	t.Cleanup(func() {
		_ = o.Close() // release stalled requests first
		srv.Close()
	})
	return o, srv
}

// duration is the file's media duration.
func (tf trackFile) duration() time.Duration {
	return time.Duration(tf.ticks) * time.Second / time.Duration(tf.timescale)
}

// e2eContent is a 20 s presentation: three video rungs, AAC audio, 2 s
// segments (10 per track).
func e2eContent() origin.Content {
	c := origin.DefaultContent()
	c.Video = c.Video[:3] // 400k 640x360, 800k 768x432, 1500k 960x540
	c.Duration = 20 * time.Second
	return c
}

// e2eConfig is the session configuration of the end-to-end tests.
func e2eConfig() Config {
	cfg := DefaultConfig()
	cfg.PlaybackRate = e2eSpeed
	cfg.Replace = false // one download per segment, so the request log is exact
	return cfg
}

// played is the outcome of playE2E.
type played struct {
	s     *Session
	files map[string]string // content type ("video", "audio") → output file
}

// playE2E plays url through the real driver into a file sink and
// requires that it ended normally.
func playE2E(t *testing.T, url string, cfg Config, alg abr.Algorithm) played {
	t.Helper()
	s, err := NewSessionFromURL(cfg, url, alg)
	require.NoError(t, err)
	sink, err := NewFileSink(t.TempDir(), cfg.PlaybackRate)
	require.NoError(t, err)
	d, err := NewDriver(s, sink, DefaultDriverConfig())
	require.NoError(t, err)
	// The deadline only keeps a broken build from hanging the suite.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runErr := d.Run(ctx)
	require.NoError(t, sink.Close())
	require.NoError(t, runErr, "%s", url)
	require.Equal(t, StateEnded, s.State(), "%s", url)
	p := played{s: s, files: map[string]string{}}
	for _, f := range sink.Files() {
		base := filepath.Base(f)
		_, rest, _ := strings.Cut(base, "-")
		p.files[strings.TrimSuffix(rest, filepath.Ext(rest))] = f
	}
	return p
}

// requestKey names a request in the origin log: path and Range header.
func requestKey(path, rng string) string {
	if rng == "" {
		return path
	}
	return path + " " + rng
}

// loggedRequests waits for n requests to be logged and returns the
// count per request key.
func loggedRequests(t *testing.T, o *origin.Origin, n int) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = o.WaitRequests(ctx, n) // a shortfall shows in the comparison below
	got := map[string]int{}
	for _, e := range o.Log() {
		got[requestKey(e.Path, e.Range)]++
	}
	return got
}

// byteRange renders an HTTP Range header for n bytes at off.
func byteRange(off, n int64) string { return fmt.Sprintf("bytes=%d-%d", off, off+n-1) }

// TestE2ESynthLayouts plays each synthesised layout with an algorithm
// that switches rung at every segment, and checks the request log
// (every request exactly once: the manifest, per chosen representation
// its playlist or index and init, and per segment the chosen
// representation's segment) and the recorded files.
func TestE2ESynthLayouts(t *testing.T) {
	c := e2eContent()
	o, srv := newTestOrigin(t, origin.Config{Content: &c, LogCapacity: 1000})
	sy := o.Synth()
	video := []string{"v400k", "v800k", "v1500k"}
	n := sy.NumSegments()
	require.Equal(t, 10, n)
	chosen := func(k int) string { return video[k%3] } // segment index k (0-based)
	audioSegs, err := sy.Segments("a128k")
	require.NoError(t, err)
	var audioTicks uint64
	for _, sg := range audioSegs {
		audioTicks += sg.Duration
	}

	expect := map[string]func() []string{
		origin.PathDASH: func() []string {
			want := []string{origin.PathDASH}
			for _, id := range append(slices.Clone(video), "a128k") {
				want = append(want, "/synth/dash/"+id+"/init.mp4")
			}
			for k := range n {
				want = append(want, fmt.Sprintf("/synth/dash/%s/seg-%d.m4s", chosen(k), k+1),
					fmt.Sprintf("/synth/dash/a128k/seg-%d.m4s", k+1))
			}
			return want
		},
		origin.PathDASHBase: func() []string {
			want := []string{origin.PathDASHBase}
			for _, tr := range sy.Tracks() {
				p := "/synth/dash-base/" + tr.ID + ".mp4"
				want = append(want, requestKey(p, byteRange(0, tr.InitSize)),
					requestKey(p, byteRange(tr.IndexStart, tr.IndexEnd-tr.IndexStart+1)))
			}
			want = append(want, rangeRequests(t, sy, "/synth/dash-base/", chosen)...)
			return want
		},
		origin.PathHLS: func() []string {
			want := []string{origin.PathHLS}
			for _, id := range append(slices.Clone(video), "a128k") {
				want = append(want, "/synth/hls/"+id+"/media.m3u8", "/synth/hls/"+id+"/init.mp4")
			}
			for k := range n {
				want = append(want, fmt.Sprintf("/synth/hls/%s/seg-%d.m4s", chosen(k), k+1),
					fmt.Sprintf("/synth/hls/a128k/seg-%d.m4s", k+1))
			}
			return want
		},
		origin.PathHLSByteRange: func() []string {
			want := []string{origin.PathHLSByteRange}
			for _, tr := range sy.Tracks() {
				want = append(want, "/synth/hls-byterange/"+tr.ID+".m3u8",
					requestKey("/synth/hls-byterange/"+tr.ID+".mp4", byteRange(0, tr.InitSize)))
			}
			want = append(want, rangeRequests(t, sy, "/synth/hls-byterange/", chosen)...)
			return want
		},
	}
	for _, path := range o.Paths() {
		t.Run(pathpkg.Base(pathpkg.Dir(path)), func(t *testing.T) {
			o.ClearLog()
			p := playE2E(t, srv.URL+path, e2eConfig(), cycleAlg{})
			want := expect[path]()
			got := loggedRequests(t, o, len(want))
			wantCount := map[string]int{}
			for _, k := range want {
				wantCount[k]++
			}
			assert.Equal(t, wantCount, got)

			sum := p.s.Summary()
			assert.Equal(t, 2*n, sum.Segments)
			assert.Zero(t, sum.RebufferCount)
			assert.Empty(t, sum.Errors)
			// Rungs 0,1,2,0,1,... as played: 9 switches between 10 segments.
			assert.Equal(t, n-1, sum.Switches)

			v := readTrackFile(t, p.files["video"])
			// 20 s at 90 kHz; one avc1 entry per rung (each has its own SPS).
			assert.Equal(t, uint32(90000), v.timescale)
			assert.Equal(t, uint64(20*90000), v.ticks)
			assert.Equal(t, []string{"avc1", "avc1", "avc1"}, v.entries)
			assert.Equal(t, n, v.fragments)
			assert.Equal(t, map[uint32]int{1: 4, 2: 3, 3: 3}, v.sdIndexes, "segments 1,4,7,10 at rung 0, ...")

			a := readTrackFile(t, p.files["audio"])
			assert.Equal(t, uint32(48000), a.timescale)
			assert.Equal(t, audioTicks, a.ticks)
			assert.Equal(t, []string{"mp4a"}, a.entries)
		})
	}
}

// rangeRequests lists the byte-range requests of the single-file layouts
// under dir: per segment the chosen video rung's fragment, and audio.
func rangeRequests(t *testing.T, sy *origin.Synth, dir string, chosen func(k int) string) []string {
	var want []string
	for k := range sy.NumSegments() {
		for _, id := range []string{chosen(k), "a128k"} {
			segs, err := sy.Segments(id)
			require.NoError(t, err)
			want = append(want, requestKey(dir+id+".mp4", byteRange(segs[k].Offset, segs[k].FragmentSize)))
		}
	}
	return want
}

// TestE2EStockAlgorithm plays the DASH layout with a stock algorithm and
// a real estimator and replacement enabled: whatever it chooses, no
// segment is fetched twice at the same representation, and the recorded
// video covers the presentation once.
func TestE2EStockAlgorithm(t *testing.T) {
	c := e2eContent()
	o, srv := newTestOrigin(t, origin.Config{Content: &c})
	alg, err := abr.New("throughput")
	require.NoError(t, err)
	cfg := e2eConfig()
	cfg.Replace = true
	p := playE2E(t, srv.URL+origin.PathDASH, cfg, alg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, o.WaitRequests(ctx, 1+2+20)) // manifest, two inits at least, 20 segments
	perSeg := map[string]int{}
	for _, e := range o.Log() {
		assert.Equal(t, 200, e.Status, e.Path)
		var id string
		var k int
		if _, err := fmt.Sscanf(strings.ReplaceAll(e.Path, "/", " "), " synth dash %s seg-%d.m4s", &id, &k); err == nil {
			perSeg[fmt.Sprintf("%s/%d", id, k)]++
		}
	}
	for key, count := range perSeg {
		assert.Equal(t, 1, count, key)
	}
	assert.GreaterOrEqual(t, len(perSeg), 20)
	v := readTrackFile(t, p.files["video"])
	assert.Equal(t, uint64(20*90000), v.ticks)
}
