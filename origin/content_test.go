package origin

import (
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultContentIsValid(t *testing.T) {
	c := DefaultContent()
	got, err := c.normalized()
	require.NoError(t, err)
	assert.Len(t, got.Video, 5)
	assert.Equal(t, 3*time.Minute, got.Duration)
	assert.Equal(t, 2*time.Second, got.SegmentDuration)
	require.NotNil(t, got.Audio)
	assert.EqualValues(t, 128000, got.Audio.Bitrate)
	assert.Equal(t, 48000, got.Audio.SampleRate)
}

func TestContentValidation(t *testing.T) {
	cases := map[string]func(c *Content){
		"no video":                 func(c *Content) { c.Video = nil },
		"zero frame rate":          func(c *Content) { c.FrameRate = 0 },
		"timescale not multiple":   func(c *Content) { c.VideoTimescale = 90001 },
		"zero segment":             func(c *Content) { c.SegmentDuration = 0 },
		"segment not whole frames": func(c *Content) { c.SegmentDuration = 2*time.Second + time.Millisecond },
		"duration not whole frames": func(c *Content) {
			c.Duration = time.Minute + 10*time.Millisecond // 1/3 of a 30 fps frame
		},
		"too many segments": func(c *Content) { c.Duration = 65536 * 2 * time.Second },
		"negative sigma":    func(c *Content) { c.VBR.SceneSigma = -0.1 },
		"min above 1":       func(c *Content) { c.VBR.Min = 1.5 },
		"max below 1":       func(c *Content) { c.VBR.Max = 0.9 },
		"zero bitrate":      func(c *Content) { c.Video[1].Bitrate = 0 },
		"odd width":         func(c *Content) { c.Video[0].Width = 641 },
		"tiny height":       func(c *Content) { c.Video[0].Height = 8 },
		"bad id":            func(c *Content) { c.Video[0].ID = "a/b" },
		"duplicate id":      func(c *Content) { c.Video[1].ID = c.Video[0].ID },
		"audio clashes":     func(c *Content) { c.Audio.ID = "v400k" },
		"audio rate":        func(c *Content) { c.Audio.SampleRate = 47000 },
		"audio bitrate":     func(c *Content) { c.Audio.Bitrate = 0 },
		"audio language":    func(c *Content) { c.Audio.Language = "english" },
		"huge fragments": func(c *Content) {
			c.Video[0].Bitrate = 10_000_000_000 // 10 Gbit/s × 2 s × 2 > 2 GiB
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := DefaultContent()
			a := *c.Audio
			c.Audio = &a
			mutate(&c)
			_, err := NewSynth(c)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrBadContent)
		})
	}
}

func TestAudioSegmentWithoutFrameIsRejected(t *testing.T) {
	c := DefaultContent()
	c.FrameRate = 200
	c.VideoTimescale = 90000 - 90000%200
	c.Duration = 2*time.Second + 5*time.Millisecond // a 5 ms last segment: a quarter AAC frame
	_, err := NewSynth(c)
	require.ErrorIs(t, err, ErrBadContent)
	assert.ErrorContains(t, err, "audio segment 2 would hold no AAC frame")
}

func TestVideoOnly(t *testing.T) {
	c := smallContent()
	c.Audio = nil
	s, err := NewSynth(c)
	require.NoError(t, err)
	for _, tr := range s.Tracks() {
		assert.Equal(t, Video, tr.Kind)
	}
	assert.NotContains(t, string(s.manifests[PathHLS].body), "EXT-X-MEDIA")
	assert.NotContains(t, string(s.manifests[PathDASH].body), `contentType="audio"`)
}

// Level limits from H.264 Table A-1 (MaxFS macroblocks per frame, MaxMBPS
// macroblocks per second), worked by hand:
//   - 640×360: 40×23 = 920 MBs, ×30 = 27600/s → 2.2 allows 20250/s only → 3.0
//   - 768×432: 48×27 = 1296, 38880/s → 3.0 (1620, 40500)
//   - 960×540: 60×34 = 2040 > 1620 → 3.1
//   - 1280×720: 80×45 = 3600, 108000/s → 3.1 exactly
//   - 1920×1080: 120×68 = 8160, 244800/s → 4.0 (8192, 245760)
//   - 1920×1080 at 60 fps: 489600/s → 4.2 (522240)
//   - 3840×2160 at 30: 240×135 = 32400 MBs → 5.1 (36864, 983040)
func TestChooseLevel(t *testing.T) {
	assert.Equal(t, 30, chooseLevel(640, 360, 30, 400_000))
	assert.Equal(t, 30, chooseLevel(768, 432, 30, 800_000))
	assert.Equal(t, 31, chooseLevel(960, 540, 30, 1_500_000))
	assert.Equal(t, 31, chooseLevel(1280, 720, 30, 3_000_000))
	assert.Equal(t, 40, chooseLevel(1920, 1080, 30, 6_000_000))
	assert.Equal(t, 42, chooseLevel(1920, 1080, 60, 6_000_000))
	assert.Equal(t, 51, chooseLevel(3840, 2160, 30, 20_000_000))
	// The bitrate limit alone: 640×360 at 20 Mbit/s exceeds 3.1's
	// 14000 × 1.25 = 17.5 Mbit/s, so 3.2 (25 Mbit/s).
	assert.Equal(t, 32, chooseLevel(640, 360, 30, 20_000_000))
}

func TestGeneratedParameterSetsParse(t *testing.T) {
	for _, size := range [][2]int{{640, 360}, {1920, 1080}, {1280, 720}, {16, 16}, {854, 480}} {
		sps := makeSPS(size[0], size[1], 25, 31)
		parsed, err := avc.ParseSPSNALUnit(sps, true)
		require.NoError(t, err)
		assert.EqualValues(t, size[0], parsed.Width, "width of %v", size)
		assert.EqualValues(t, size[1], parsed.Height, "height of %v", size)
		assert.EqualValues(t, 100, parsed.Profile)
		assert.EqualValues(t, 31, parsed.Level)
		require.NotNil(t, parsed.VUI)
		assert.True(t, parsed.VUI.TimingInfoPresentFlag)
		// Frame rate = time_scale / (2 × num_units_in_tick) = 50 / 2.
		assert.EqualValues(t, 50, parsed.VUI.TimeScale)
		assert.EqualValues(t, 1, parsed.VUI.NumUnitsInTick)
		pps, err := avc.ParsePPSNALUnit(makePPS(), map[uint32]*avc.SPS{0: parsed})
		require.NoError(t, err)
		assert.True(t, pps.EntropyCodingModeFlag)
		assert.True(t, pps.Transform8x8ModeFlag)
	}
}
