package origin

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"
)

// ErrBadContent is wrapped by every error NewSynth returns for a Content
// that cannot be synthesised.
var ErrBadContent = errors.New("origin: invalid content spec")

// Content describes the synthetic VOD presentation: a video ladder, an
// optional audio track, the segmentation and the VBR size model. It is
// plain data; DefaultContent returns the documented defaults.
type Content struct {
	// Video is the video ladder, lowest rung first by convention (the
	// manifests keep this order). At least one rung is required.
	Video []VideoRung
	// Audio is the single AAC-LC stereo audio track, or nil for none.
	Audio *AudioTrack
	// SegmentDuration is the nominal duration of every segment (the last
	// one may be shorter). It must be a whole number of video frames.
	// Default 2 s.
	SegmentDuration time.Duration
	// Duration is the presentation duration. It must be a whole number of
	// video frames. Default 3 min.
	Duration time.Duration
	// FrameRate is the video frame rate in frames per second. Default 30.
	FrameRate int
	// VideoTimescale is the video track timescale in ticks per second; it
	// must be a multiple of FrameRate. Default 90000.
	VideoTimescale uint32
	// VBR is the segment-size noise model.
	VBR VBR
	// Seed selects the VBR noise; the same seed gives the same sizes.
	// Default 1.
	Seed int64
}

// VideoRung is one video representation / variant of the ladder.
type VideoRung struct {
	// ID names the rung in URLs and manifests. Empty means "v<kbit/s>k",
	// e.g. "v400k". IDs are 1-64 characters of [A-Za-z0-9_-] and unique
	// across video and audio.
	ID string
	// Bitrate is the nominal (mean) bitrate in bits per second; moof+mdat
	// bytes of a segment average Bitrate × duration / 8 before VBR noise.
	Bitrate int64
	// Width and Height are the coded picture size in pixels (even, 16-8192).
	Width, Height int
}

// AudioTrack is the AAC-LC stereo audio track.
type AudioTrack struct {
	// ID names the track in URLs and manifests. Empty means "a<kbit/s>k".
	ID string
	// Bitrate is the constant bitrate in bits per second (no VBR noise is
	// applied to audio). Default 128000.
	Bitrate int64
	// SampleRate is the sampling rate in Hz and the track timescale; one
	// of the AAC sampling frequencies from 8000 to 96000. Default 48000.
	SampleRate int
	// Language is the BCP-47 / ISO 639 language tag. Default "en".
	Language string
}

// VBR is the segment-size noise model. The moof+mdat size of video
// segment k of rung r is
//
//	size = round(Bitrate × d_k / 8 × f_{k,r})
//	f_{k,r} = clamp(exp(SceneSigma·Z_k + RungSigma·Z_{k,r} − (SceneSigma²+RungSigma²)/2), Min, Max)
//
// where d_k is the segment's duration and Z_k, Z_{k,r} are independent
// standard normal variates derived by hashing (Seed, k) and (Seed, rung ID,
// k). Z_k is shared by every rung, as scene complexity is in real
// encodes; Z_{k,r} is per-rung encoder jitter. Without clamping the factor
// is log-normal with mean exactly 1, so the long-run bitrate equals the
// nominal bitrate; clamping shifts the mean by well under 1 % for the
// defaults. A segment is never smaller than its boxes plus a minimal
// payload per sample.
type VBR struct {
	// SceneSigma is the log-space standard deviation of the per-segment
	// factor shared by all rungs. Default 0.25; 0 disables.
	SceneSigma float64
	// RungSigma is the log-space standard deviation of the per-rung,
	// per-segment factor. Default 0.05; 0 disables.
	RungSigma float64
	// Min and Max bound the factor. Defaults 0.5 and 2.
	Min, Max float64
}

// DefaultContent returns a 3-minute presentation with five video rungs
// (400 kbit/s 640×360 to 6 Mbit/s 1920×1080), 30 fps, 2 s segments, a
// 128 kbit/s 48 kHz AAC-LC stereo audio track and the default VBR model.
func DefaultContent() Content {
	return Content{
		Video: []VideoRung{
			{ID: "v400k", Bitrate: 400_000, Width: 640, Height: 360},
			{ID: "v800k", Bitrate: 800_000, Width: 768, Height: 432},
			{ID: "v1500k", Bitrate: 1_500_000, Width: 960, Height: 540},
			{ID: "v3000k", Bitrate: 3_000_000, Width: 1280, Height: 720},
			{ID: "v6000k", Bitrate: 6_000_000, Width: 1920, Height: 1080},
		},
		Audio:           &AudioTrack{ID: "a128k", Bitrate: 128_000, SampleRate: 48000, Language: "en"},
		SegmentDuration: 2 * time.Second,
		Duration:        3 * time.Minute,
		FrameRate:       30,
		VideoTimescale:  90000,
		VBR:             DefaultVBR(),
		Seed:            1,
	}
}

// DefaultVBR returns the default noise model: SceneSigma 0.25,
// RungSigma 0.05, factor clamped to [0.5, 2].
func DefaultVBR() VBR {
	return VBR{SceneSigma: 0.25, RungSigma: 0.05, Min: 0.5, Max: 2}
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// aacSampleRates are the sampling frequencies AAC signals by index.
var aacSampleRates = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000}

// Limits that keep every box field in range.
const (
	maxSegments      = 65535           // sidx reference_count is 16 bits
	maxFragmentBytes = 1<<31 - 1       // sidx referenced_size is 31 bits
	maxSegmentLength = time.Hour       // keeps per-segment sample counts small
	maxBitrate       = 100_000_000_000 // 100 Gbit/s, guards overflow
)

// normalized returns a copy of c with empty IDs filled in, or an error
// wrapping ErrBadContent that names the offending field.
func (c Content) normalized() (Content, error) {
	bad := func(format string, args ...any) (Content, error) {
		return Content{}, fmt.Errorf("%w: %s", ErrBadContent, fmt.Sprintf(format, args...))
	}
	if len(c.Video) == 0 {
		return bad("no video rungs")
	}
	if c.FrameRate < 1 || c.FrameRate > 240 {
		return bad("frame rate %d outside 1-240", c.FrameRate)
	}
	if c.VideoTimescale == 0 || c.VideoTimescale%uint32(c.FrameRate) != 0 {
		return bad("video timescale %d is not a positive multiple of frame rate %d", c.VideoTimescale, c.FrameRate)
	}
	if c.SegmentDuration <= 0 || c.SegmentDuration > maxSegmentLength {
		return bad("segment duration %v outside (0, %v]", c.SegmentDuration, maxSegmentLength)
	}
	if !wholeFrames(c.SegmentDuration, c.FrameRate) {
		return bad("segment duration %v is not a whole number of frames at %d fps", c.SegmentDuration, c.FrameRate)
	}
	if c.Duration <= 0 || !wholeFrames(c.Duration, c.FrameRate) {
		return bad("duration %v is not a positive whole number of frames at %d fps", c.Duration, c.FrameRate)
	}
	n := (c.Duration + c.SegmentDuration - 1) / c.SegmentDuration
	if n > maxSegments {
		return bad("%d segments exceed the limit of %d", n, maxSegments)
	}
	v := c.VBR
	if !(v.SceneSigma >= 0 && v.SceneSigma <= 2) || !(v.RungSigma >= 0 && v.RungSigma <= 2) {
		return bad("VBR sigmas %g, %g outside [0, 2]", v.SceneSigma, v.RungSigma)
	}
	if !(v.Min > 0 && v.Min <= 1) || !(v.Max >= 1 && v.Max <= 10) {
		return bad("VBR bounds [%g, %g] must satisfy 0 < min ≤ 1 ≤ max ≤ 10", v.Min, v.Max)
	}
	out := c
	out.Video = make([]VideoRung, len(c.Video))
	seen := map[string]bool{}
	segSeconds := c.SegmentDuration.Seconds()
	for i, r := range c.Video {
		if r.Bitrate <= 0 || r.Bitrate > maxBitrate {
			return bad("video rung %d: bitrate %d outside (0, %d]", i, r.Bitrate, int64(maxBitrate))
		}
		if float64(r.Bitrate)/8*segSeconds*v.Max >= maxFragmentBytes {
			return bad("video rung %d: %d bit/s × %v segments exceed 2 GiB", i, r.Bitrate, c.SegmentDuration)
		}
		if r.Width < 16 || r.Width > 8192 || r.Height < 16 || r.Height > 8192 || r.Width%2 != 0 || r.Height%2 != 0 {
			return bad("video rung %d: size %dx%d must be even and within 16-8192", i, r.Width, r.Height)
		}
		if r.ID == "" {
			r.ID = fmt.Sprintf("v%dk", r.Bitrate/1000)
		}
		if !idPattern.MatchString(r.ID) {
			return bad("video rung %d: ID %q must be 1-64 characters of [A-Za-z0-9_-]", i, r.ID)
		}
		if seen[r.ID] {
			return bad("duplicate ID %q", r.ID)
		}
		seen[r.ID] = true
		out.Video[i] = r
	}
	if c.Audio != nil {
		a := *c.Audio
		if a.Bitrate <= 0 || a.Bitrate > 1_000_000 {
			return bad("audio bitrate %d outside (0, 1000000]", a.Bitrate)
		}
		known := false
		for _, sr := range aacSampleRates {
			known = known || sr == a.SampleRate
		}
		if !known {
			return bad("audio sample rate %d is not an AAC sampling frequency", a.SampleRate)
		}
		if a.ID == "" {
			a.ID = fmt.Sprintf("a%dk", a.Bitrate/1000)
		}
		if !idPattern.MatchString(a.ID) {
			return bad("audio ID %q must be 1-64 characters of [A-Za-z0-9_-]", a.ID)
		}
		if seen[a.ID] {
			return bad("duplicate ID %q", a.ID)
		}
		if a.Language == "" {
			a.Language = "und"
		}
		if !languagePattern.MatchString(a.Language) {
			return bad("audio language %q is not a 2-3 letter code", a.Language)
		}
		out.Audio = &a
	}
	return out, nil
}

var languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)

// wholeFrames reports whether d is an integer number of frames at fps.
func wholeFrames(d time.Duration, fps int) bool {
	return (d.Nanoseconds()*int64(fps))%int64(time.Second) == 0
}

// factor returns f_{k,r} of the VBR model for segment index k (0-based)
// of the rung whose ID hashes to rungKey.
func (v VBR) factor(seed uint64, rungKey uint64, k int) float64 {
	zs := normal(hash(seed, streamScene, 0, uint64(k)))
	zr := normal(hash(seed, streamRung, rungKey, uint64(k)))
	x := v.SceneSigma*zs + v.RungSigma*zr - (v.SceneSigma*v.SceneSigma+v.RungSigma*v.RungSigma)/2
	f := math.Exp(x)
	return min(max(f, v.Min), v.Max)
}
