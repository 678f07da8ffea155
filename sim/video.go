package sim

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/manifest"
)

// ErrBadVideo is wrapped by every error about a video model's input.
var ErrBadVideo = errors.New("bad video model")

// Bounds on video models, so that a typo in a spec cannot make the
// simulator allocate without limit.
const (
	// MaxVideoSegments is the most segments a video model may have.
	MaxVideoSegments = 1_000_000
	// MaxSegmentDuration is the longest segment a video model may have.
	MaxSegmentDuration = 10 * time.Minute
	// MaxBitrate is the highest rung bitrate accepted (100 Gbit/s).
	MaxBitrate = 100_000_000_000
)

// Video is a video model: a bitrate ladder and the size of every segment
// at every rung. It is what the simulator needs of a stream.
type Video struct {
	// Name identifies the model in reports.
	Name string
	// SegmentDuration is the media duration of each segment.
	SegmentDuration time.Duration
	// Bitrates is the nominal ladder in bits per second, ascending.
	Bitrates []int64
	// Widths and Heights per rung, 0 when unknown.
	Widths, Heights []int
	// Sizes[i][q] is the size in bytes of segment i at rung q.
	Sizes [][]int64
	// Play is the number of segments a session plays; it may be smaller
	// than len(Sizes) (Pensieve plays 48 of Envivio's 49 chunks, the last
	// only serving as look-ahead size information).
	Play int
}

// Rungs returns the number of rungs.
func (v *Video) Rungs() int { return len(v.Bitrates) }

// Size returns the size in bytes of segment i at rung q, or -1 past the
// end of the size table.
func (v *Video) Size(i, q int) int64 {
	if i < 0 || i >= len(v.Sizes) || q < 0 || q >= len(v.Bitrates) {
		return -1
	}
	return v.Sizes[i][q]
}

// Duration returns the played media duration.
func (v *Video) Duration() time.Duration { return time.Duration(v.Play) * v.SegmentDuration }

// Ladder returns the abr view of the model, with per-segment sizes.
func (v *Video) Ladder() *abr.Ladder {
	rungs := make([]abr.Rung, len(v.Bitrates))
	for q, b := range v.Bitrates {
		rungs[q] = abr.Rung{Bitrate: b}
		if q < len(v.Widths) {
			rungs[q].Width, rungs[q].Height = v.Widths[q], v.Heights[q]
		}
	}
	return &abr.Ladder{Rungs: rungs, SegmentDuration: v.SegmentDuration, Segments: v.Play, Size: v.Size}
}

// Presentation builds the manifest model of the video as a VOD DASH
// presentation with one video adaptation set addressed by a number
// template ("<rep>/<number>.m4s", numbers from 0, timescale in
// nanoseconds so that every segment lasts exactly SegmentDuration and
// there are exactly Play of them), so that the player core
// can run on it. The simulator gives the core the sizes through
// player.Config.Sizes (Video.Size), and the core's requests name their
// segment and rung.
func (v *Video) Presentation() *manifest.Presentation {
	dur := v.Duration()
	as := &manifest.AdaptationSet{ID: "video", ContentType: manifest.ContentVideo, MimeType: "video/mp4"}
	for q, b := range v.Bitrates {
		id := strconv.Itoa(q)
		r := &manifest.Representation{ID: id, Bandwidth: b, MimeType: "video/mp4"}
		if q < len(v.Widths) {
			r.Width, r.Height = v.Widths[q], v.Heights[q]
		}
		r.Index = &manifest.SegmentIndex{
			Addressing:               manifest.AddrTemplate,
			BaseURLs:                 []manifest.BaseURL{{URL: "sim:///"}},
			RepresentationID:         id,
			Bandwidth:                b,
			Timescale:                uint64(time.Second),
			StartNumber:              0,
			Duration:                 uint64(v.SegmentDuration),
			Media:                    "$RepresentationID$/$Number$.m4s",
			PeriodDuration:           dur,
			AvailabilityTimeComplete: true,
		}
		as.Representations = append(as.Representations, r)
	}
	return &manifest.Presentation{
		Format:   manifest.FormatDASH,
		URL:      "sim:///" + v.Name,
		Duration: dur,
		Periods:  []*manifest.Period{{ID: "0", Duration: dur, AdaptationSets: []*manifest.AdaptationSet{as}}},
	}
}

func (v *Video) validate(src string) error {
	if len(v.Bitrates) == 0 {
		return fmt.Errorf("%w: %s: no rungs", ErrBadVideo, src)
	}
	if v.SegmentDuration <= 0 {
		return fmt.Errorf("%w: %s: segment duration must be positive", ErrBadVideo, src)
	}
	for q := 1; q < len(v.Bitrates); q++ {
		if v.Bitrates[q] <= v.Bitrates[q-1] {
			return fmt.Errorf("%w: %s: bitrates must ascend (rung %d: %d after %d)", ErrBadVideo, src, q, v.Bitrates[q], v.Bitrates[q-1])
		}
	}
	if v.Bitrates[0] <= 0 {
		return fmt.Errorf("%w: %s: bitrates must be positive", ErrBadVideo, src)
	}
	if len(v.Sizes) == 0 {
		return fmt.Errorf("%w: %s: no segments", ErrBadVideo, src)
	}
	for i, row := range v.Sizes {
		if len(row) != len(v.Bitrates) {
			return fmt.Errorf("%w: %s: segment %d has %d sizes for %d rungs", ErrBadVideo, src, i, len(row), len(v.Bitrates))
		}
		for q, s := range row {
			if s <= 0 {
				return fmt.Errorf("%w: %s: segment %d rung %d: size %d is not positive", ErrBadVideo, src, i, q, s)
			}
		}
	}
	if v.Play <= 0 || v.Play > len(v.Sizes) {
		return fmt.Errorf("%w: %s: %d segments to play but %d sizes", ErrBadVideo, src, v.Play, len(v.Sizes))
	}
	return nil
}

// Envivio ladder facts (Pensieve's video_server/Manifest.mpd).
var (
	envivioBitrates = []int64{300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000}
	envivioWidths   = []int{320, 640, 768, 1024, 1280, 1920}
	envivioHeights  = []int{180, 360, 432, 576, 720, 1080}
)

// EnvivioPlayed is the number of Envivio chunks Pensieve's simulator plays
// (the size files have one more entry, used only as look-ahead).
const EnvivioPlayed = 48

//go:embed videodata/envivio/video_size_*
var envivioFS embed.FS

// Envivio returns the embedded Envivio model of Pensieve (6 rungs, 4 s
// chunks, 48 chunks played, 49 sizes).
func Envivio() *Video {
	v, err := readEnvivio(func(name string) ([]byte, error) {
		return envivioFS.ReadFile("videodata/envivio/" + name)
	}, "embedded envivio")
	if err != nil {
		panic(err) // the embedded files are fixed and valid
	}
	return v
}

// LoadEnvivio reads Pensieve's chunk-size files video_size_0 …
// video_size_5 from dir (one size in bytes per line, chunk 0 first).
func LoadEnvivio(dir string) (*Video, error) {
	return readEnvivio(func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, name))
	}, dir)
}

func readEnvivio(read func(string) ([]byte, error), src string) (*Video, error) {
	var cols [][]int64
	for q := range envivioBitrates {
		name := fmt.Sprintf("video_size_%d", q)
		data, err := read(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadVideo, src, err)
		}
		col, err := ParseChunkSizes(data, filepath.Join(src, name))
		if err != nil {
			return nil, err
		}
		if q > 0 && len(col) != len(cols[0]) {
			return nil, fmt.Errorf("%w: %s: %d sizes but video_size_0 has %d", ErrBadVideo, filepath.Join(src, name), len(col), len(cols[0]))
		}
		cols = append(cols, col)
	}
	v := &Video{
		Name:            "envivio",
		SegmentDuration: 4 * time.Second,
		Bitrates:        envivioBitrates,
		Widths:          envivioWidths,
		Heights:         envivioHeights,
		Play:            min(EnvivioPlayed, len(cols[0])),
	}
	v.Sizes = make([][]int64, len(cols[0]))
	for i := range v.Sizes {
		row := make([]int64, len(cols))
		for q := range cols {
			row[q] = cols[q][i]
		}
		v.Sizes[i] = row
	}
	return v, v.validate(src)
}

// ParseChunkSizes parses a chunk-size file: one positive integer (bytes)
// per line; blank lines and a trailing CR are tolerated. name is used in
// errors.
func ParseChunkSizes(data []byte, name string) ([]int64, error) {
	var out []int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 256), 1<<16)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" {
			continue
		}
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: %s:%d: %q is not a positive size in bytes", ErrBadVideo, name, line, t)
		}
		out = append(out, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %v", ErrBadVideo, name, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no chunk sizes", ErrBadVideo, name)
	}
	return out, nil
}

// sabreMovie is Sabre's movie JSON.
type sabreMovie struct {
	SegmentDurationMS *float64    `json:"segment_duration_ms"`
	BitratesKbps      []float64   `json:"bitrates_kbps"`
	SegmentSizesBits  [][]float64 `json:"segment_sizes_bits"`
}

// LoadSabreMovie reads a Sabre movie file.
func LoadSabreMovie(path string) (*Video, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadVideo, err)
	}
	return ParseSabreMovie(data, path)
}

// ParseSabreMovie parses Sabre's movie JSON ({segment_duration_ms,
// bitrates_kbps, segment_sizes_bits}); sizes must be whole bytes.
func ParseSabreMovie(data []byte, name string) (*Video, error) {
	var m sabreMovie
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadVideo, name, err)
	}
	if m.SegmentDurationMS == nil || len(m.BitratesKbps) == 0 || len(m.SegmentSizesBits) == 0 {
		return nil, fmt.Errorf("%w: %s: needs segment_duration_ms, bitrates_kbps and segment_sizes_bits", ErrBadVideo, name)
	}
	ms := *m.SegmentDurationMS
	if !(ms > 0 && ms < 1e9) {
		return nil, fmt.Errorf("%w: %s: segment_duration_ms %v out of range", ErrBadVideo, name, ms)
	}
	v := &Video{Name: strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), SegmentDuration: time.Duration(ms * float64(time.Millisecond))}
	for q, k := range m.BitratesKbps {
		if !(k > 0 && k < 1e9) {
			return nil, fmt.Errorf("%w: %s: bitrates_kbps[%d] = %v out of range", ErrBadVideo, name, q, k)
		}
		v.Bitrates = append(v.Bitrates, int64(math.Round(k*1000)))
	}
	v.Sizes = make([][]int64, len(m.SegmentSizesBits))
	for i, row := range m.SegmentSizesBits {
		r := make([]int64, len(row))
		for q, bits := range row {
			if !(bits > 0 && bits < 1e15) || math.Mod(bits, 8) != 0 {
				return nil, fmt.Errorf("%w: %s: segment_sizes_bits[%d][%d] = %v is not a positive whole number of bytes", ErrBadVideo, name, i, q, bits)
			}
			r[q] = int64(bits) / 8
		}
		v.Sizes[i] = r
	}
	v.Play = len(v.Sizes)
	return v, v.validate(name)
}

// Repeat returns a copy of v whose segment list is repeated and cut to
// ceil(length / SegmentDuration) segments (Sabre's -ml option).
func (v *Video) Repeat(length time.Duration) (*Video, error) {
	if length <= 0 {
		return nil, fmt.Errorf("%w: movie length must be positive", ErrBadVideo)
	}
	n := int((length + v.SegmentDuration - 1) / v.SegmentDuration)
	out := *v
	out.Sizes = make([][]int64, n)
	for i := range out.Sizes {
		out.Sizes[i] = v.Sizes[i%v.Play]
	}
	out.Play = n
	return &out, nil
}

// SyntheticConfig describes a synthetic video: a ladder × duration with
// seeded VBR noise.
type SyntheticConfig struct {
	// Bitrates is the ladder in bit/s, ascending.
	Bitrates []int64
	// SegmentDuration and Segments give the length.
	SegmentDuration time.Duration
	Segments        int
	// VBR is the standard deviation of the per-segment size factor
	// (log-normal, mean 1); 0 gives constant sizes.
	VBR float64
	// Seed of the noise.
	Seed uint64
}

// DefaultSyntheticConfig returns a 6-rung ladder like Envivio's, 4 s
// segments, 150 segments (10 min), VBR 0.25, seed 1.
func DefaultSyntheticConfig() SyntheticConfig {
	return SyntheticConfig{
		Bitrates:        append([]int64(nil), envivioBitrates...),
		SegmentDuration: 4 * time.Second,
		Segments:        150,
		VBR:             0.25,
		Seed:            1,
	}
}

// Synthetic builds a video from cfg. The size factor of a segment is
// shared by all rungs (scene complexity affects every encoding alike) and
// drawn as exp(σZ − σ²/2) with Z standard normal, so its mean is 1; it is
// clamped to [0.25, 4].
func Synthetic(cfg SyntheticConfig) (*Video, error) {
	if cfg.Segments <= 0 || cfg.Segments > MaxVideoSegments {
		return nil, fmt.Errorf("%w: synthetic video needs 1 to %d segments, not %d", ErrBadVideo, MaxVideoSegments, cfg.Segments)
	}
	if cfg.SegmentDuration <= 0 || cfg.SegmentDuration > MaxSegmentDuration {
		return nil, fmt.Errorf("%w: synthetic segment duration %v outside (0, %v]", ErrBadVideo, cfg.SegmentDuration, MaxSegmentDuration)
	}
	for _, b := range cfg.Bitrates {
		if b <= 0 || b > MaxBitrate {
			return nil, fmt.Errorf("%w: synthetic bitrate %d outside (0, %d] bit/s", ErrBadVideo, b, MaxBitrate)
		}
	}
	if cfg.VBR < 0 || cfg.VBR > 2 {
		return nil, fmt.Errorf("%w: VBR %v outside [0, 2]", ErrBadVideo, cfg.VBR)
	}
	v := &Video{Name: "synthetic", SegmentDuration: cfg.SegmentDuration, Bitrates: append([]int64(nil), cfg.Bitrates...), Play: cfg.Segments}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	v.Sizes = make([][]int64, cfg.Segments)
	for i := range v.Sizes {
		f := 1.0
		if cfg.VBR > 0 {
			f = math.Exp(cfg.VBR*rng.NormFloat64() - cfg.VBR*cfg.VBR/2)
			f = min(max(f, 0.25), 4)
		}
		row := make([]int64, len(v.Bitrates))
		for q, b := range v.Bitrates {
			row[q] = max(1, int64(math.Round(float64(b)*cfg.SegmentDuration.Seconds()/8*f)))
		}
		v.Sizes[i] = row
	}
	return v, v.validate("synthetic")
}
