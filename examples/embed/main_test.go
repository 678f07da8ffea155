package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/abrkit/abrkit/manifest"
	"github.com/abrkit/abrkit/player"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runEmbed(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, run(ctx, args, &stdout, &stderr), "stderr: %s", stderr.String())
	return stdout.String(), stderr.String()
}

// The built-in stream (10 s, 2 s segments, video up to 1080p and audio)
// plays into the in-process decoders: each sees every fragment and
// 10 s of media, and video never exceeds the device's 720 lines.
func TestEmbedInProcessDecoder(t *testing.T) {
	stdout, stderr := runEmbed(t, "-duration", "10s", "-speed", "40")
	video := regexp.MustCompile(`decoder track 0 \(video\): (\d+) configurations, 5 fragments, 300 samples, 10\.000 s, largest picture (\d+)x(\d+)`).
		FindStringSubmatch(stdout)
	require.NotNil(t, video, stdout)
	height, err := strconv.Atoi(video[3])
	require.NoError(t, err)
	assert.LessOrEqual(t, height, 720, "the constraint holds")
	// 30 fps × 10 s = 300 video samples; audio: 10 s at 48 kHz ends on
	// the AAC frame nearest 10 s, 469 frames of 1024 (10.005 s).
	assert.Contains(t, stdout, "decoder track 1 (audio): 1 configurations, 5 fragments, 469 samples, 10.005 s")
	assert.Contains(t, stdout, "session: ended")
	assert.Contains(t, stderr, `msg="abr decision"`)
	assert.Contains(t, stderr, `msg="decoder configured"`)
	assert.Contains(t, stderr, "msg=ended")
}

// With -decoder each track's stream goes to a child process; at 360
// lines only the lowest rung fits, so each stream is one init segment
// and its fragments: a fragmented MP4 file mp4ff reads.
func TestEmbedChildDecoder(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EMBED_OUT", dir)
	stdout, _ := runEmbed(t, "-duration", "6s", "-speed", "40", "-max-height", "360",
		"-decoder", `cat > "$EMBED_OUT/$ABRKIT_CONTENT.mp4"`)
	assert.Contains(t, stdout, `exited: <nil>`)
	for content, want := range map[string]uint64{"video": 6 * 90000, "audio": 281 * 1024} {
		data, err := os.ReadFile(filepath.Join(dir, content+".mp4"))
		require.NoError(t, err)
		f, err := mp4.DecodeFile(bytes.NewReader(data))
		require.NoError(t, err)
		require.NotNil(t, f.Init)
		var ticks uint64
		for _, seg := range f.Segments {
			for _, frag := range seg.Fragments {
				samples, err := frag.GetFullSamples(f.Init.Moov.Mvex.Trex)
				require.NoError(t, err)
				for _, s := range samples {
					ticks += uint64(s.Dur)
				}
			}
		}
		// Video: 6 s at 90 kHz; audio: 6 s at 48 kHz is 281.25 AAC frames,
		// cut at the nearest whole frame.
		assert.Equal(t, want, ticks, content)
		if content == "video" {
			assert.Equal(t, uint16(360), f.Init.Moov.Trak.Mdia.Minf.Stbl.Stsd.AvcX.Height)
		}
	}
}

func TestEmbedBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Error(t, run(context.Background(), []string{"-abr", "no-such-algorithm", "-duration", "2s"}, &out, &out))
	assert.Error(t, run(context.Background(), []string{"-no-such-flag"}, &out, &out))
}

// -h prints the flags and is not a failure (it used to exit 1 with
// "flag: help requested").
func TestEmbedHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-h"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "-max-height")
	assert.Empty(t, stdout.String(), "nothing is played")
}

// Close ends every track that got a decoder, also when a lower track
// index never delivered anything (here only track 1 did): its decoder
// reports and returns instead of being left waiting for more input.
func TestDecoderSinkCloseSparseTracks(t *testing.T) {
	k := newDecoderSink(1, slog.New(slog.DiscardHandler), "")
	_, err := k.pipe(&player.Delivery{Track: 1, Content: manifest.ContentAudio})
	require.NoError(t, err)
	reports, err := k.Close()
	require.NoError(t, err)
	assert.Equal(t, []string{"decoder track 1 (audio): 0 configurations, 0 fragments, 0 samples, 0.000 s"}, reports)
}
