package origin

import (
	"bytes"
	"io"
	"math"
	"testing"
	"time"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallContent is the default ladder cut to 21 s: ten 2 s segments and a
// 1 s last one, small enough to parse every byte.
func smallContent() Content {
	c := DefaultContent()
	c.Duration = 21 * time.Second
	return c
}

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return data
}

// expectedStarts returns the segment start times in ticks, computed
// independently of the implementation: video cuts every 60 frames of 3000
// ticks; audio cuts at the AAC frame (1024 samples) nearest to each
// multiple of 2 s.
func expectedStarts(kind Kind, nseg int, total time.Duration) []uint64 {
	starts := make([]uint64, nseg+1)
	for k := range starts {
		d := min(time.Duration(k)*2*time.Second, total)
		if kind == Video {
			starts[k] = uint64(d.Seconds()*30) * 3000
		} else {
			starts[k] = uint64(math.Round(d.Seconds()*48000/1024)) * 1024
		}
	}
	return starts
}

func TestSegmentsParseWithExactTiming(t *testing.T) {
	s, err := NewSynth(smallContent())
	require.NoError(t, err)
	require.Equal(t, 11, s.NumSegments())
	for _, tr := range s.Tracks() {
		t.Run(tr.ID, func(t *testing.T) {
			initData, err := s.InitSegment(tr.ID)
			require.NoError(t, err)
			init, err := mp4.DecodeFile(bytes.NewReader(initData))
			require.NoError(t, err)
			require.NotNil(t, init.Init)
			trak := init.Init.Moov.Trak
			assert.Equal(t, tr.Timescale, trak.Mdia.Mdhd.Timescale)
			stsd := trak.Mdia.Minf.Stbl.Stsd
			wantDur := uint32(3000) // 90000 / 30 fps
			if tr.Kind == Video {
				require.NotNil(t, stsd.AvcX)
				assert.Equal(t, "avc1", stsd.AvcX.Type())
				assert.EqualValues(t, tr.Width, stsd.AvcX.Width)
				assert.EqualValues(t, tr.Height, stsd.AvcX.Height)
				assert.EqualValues(t, 90000, tr.Timescale)
			} else {
				require.NotNil(t, stsd.Mp4a)
				assert.EqualValues(t, 48000, stsd.Mp4a.SampleRate)
				assert.EqualValues(t, 2, stsd.Mp4a.ChannelCount)
				assert.EqualValues(t, 48000, tr.Timescale)
				wantDur = 1024
			}
			// mehd carries the track duration: 21 s, or 984 AAC frames.
			want := expectedStarts(tr.Kind, 11, 21*time.Second)
			assert.EqualValues(t, want[11], init.Init.Moov.Mvex.Mehd.FragmentDuration)

			segs, err := s.Segments(tr.ID)
			require.NoError(t, err)
			var total uint64
			for i, si := range segs {
				rs, err := s.OpenSegment(tr.ID, i+1)
				require.NoError(t, err)
				data := readAll(t, rs)
				require.EqualValues(t, si.Size, len(data))
				f, err := mp4.DecodeFile(bytes.NewReader(data))
				require.NoError(t, err, "segment %d", i+1)
				require.Len(t, f.Segments, 1)
				seg := f.Segments[0]
				require.NotNil(t, seg.Styp, "segment %d has no styp", i+1)
				require.Len(t, seg.Fragments, 1)
				frag := seg.Fragments[0]
				assert.EqualValues(t, i+1, frag.Moof.Mfhd.SequenceNumber)
				assert.Equal(t, want[i], frag.Moof.Traf.Tfdt.BaseMediaDecodeTime(), "tfdt of segment %d", i+1)
				samples, err := frag.GetFullSamples(init.Init.Moov.Mvex.Trex)
				require.NoError(t, err)
				var dur uint64
				var payload int
				for j, smp := range samples {
					assert.Equal(t, wantDur, smp.Dur)
					assert.Len(t, smp.Data, int(smp.Size))
					dur += uint64(smp.Dur)
					payload += len(smp.Data)
					if tr.Kind == Video {
						assert.Equal(t, j == 0, smp.IsSync(), "sync flag of sample %d", j)
						nalus, err := avc.GetNalusFromSample(smp.Data)
						require.NoError(t, err)
						require.Len(t, nalus, 1)
						wantType := avc.NALU_NON_IDR
						if j == 0 {
							wantType = avc.NALU_IDR
						}
						assert.Equal(t, wantType, avc.GetNaluType(nalus[0][0]))
					} else {
						assert.True(t, smp.IsSync())
					}
				}
				assert.Equal(t, want[i+1]-want[i], dur, "duration of segment %d", i+1)
				assert.Equal(t, si.Duration, dur)
				assert.Equal(t, int(frag.Mdat.Size()-8), payload)
				total += dur
			}
			// 21 s exactly for video; 984 frames = 20.992 s for audio.
			if tr.Kind == Video {
				assert.EqualValues(t, 21*90000, total)
			} else {
				assert.EqualValues(t, 984*1024, total)
			}
		})
	}
}

// TestDefaultContentHeaders checks every segment of the full default
// presentation, reading only the boxes (mdat payloads are skipped by
// seeking, so nothing large is generated).
func TestDefaultContentHeaders(t *testing.T) {
	s, err := NewSynth(DefaultContent())
	require.NoError(t, err)
	require.Equal(t, 90, s.NumSegments()) // 180 s / 2 s
	for _, tr := range s.Tracks() {
		segs, err := s.Segments(tr.ID)
		require.NoError(t, err)
		want := expectedStarts(tr.Kind, 90, 3*time.Minute)
		for i, si := range segs {
			rs, err := s.OpenSegment(tr.ID, i+1)
			require.NoError(t, err)
			f, err := mp4.DecodeFile(rs, mp4.WithDecodeMode(mp4.DecModeLazyMdat))
			require.NoError(t, err)
			frag := f.Segments[0].Fragments[0]
			require.EqualValues(t, i+1, frag.Moof.Mfhd.SequenceNumber)
			require.Equal(t, want[i], frag.Moof.Traf.Tfdt.BaseMediaDecodeTime())
			var dur, size uint64
			for _, smp := range frag.Moof.Traf.Trun.Samples {
				dur += uint64(smp.Dur)
				size += uint64(smp.Size)
			}
			require.Equal(t, want[i+1]-want[i], dur)
			require.Equal(t, frag.Mdat.Size()-8, size)
			require.EqualValues(t, si.Size, 24+frag.Moof.Size()+frag.Mdat.Size()) // styp is 24 bytes
		}
		// Video ends at 180 s; audio at round(8437.5) = 8438 frames.
		if tr.Kind == Video {
			assert.EqualValues(t, 180*90000, want[90])
		} else {
			assert.EqualValues(t, 8438*1024, want[90])
		}
	}
}

func TestSizesWithoutNoise(t *testing.T) {
	c := smallContent()
	c.VBR.SceneSigma, c.VBR.RungSigma = 0, 0
	s, err := NewSynth(c)
	require.NoError(t, err)
	segs, err := s.Segments("v400k")
	require.NoError(t, err)
	// 400 kbit/s × 2 s / 8 = 100000 bytes of moof+mdat; the 1 s tail 50000.
	for _, si := range segs[:10] {
		assert.EqualValues(t, 100000, si.FragmentSize)
		assert.EqualValues(t, 100024, si.Size)
	}
	assert.EqualValues(t, 50000, segs[10].FragmentSize)
	// Audio is CBR: segment 1 holds 94 frames = 96256 samples, and
	// 128000 × 96256 / (8 × 48000) = 32085.33 → 32085 bytes; segment 3
	// holds 93 frames: 128000 × 95232 / 384000 = 31744.
	a, err := s.Segments("a128k")
	require.NoError(t, err)
	assert.EqualValues(t, 32085, a[0].FragmentSize)
	assert.EqualValues(t, 31744, a[2].FragmentSize)
}

func TestVBRStatisticsAndBounds(t *testing.T) {
	c := DefaultContent()
	c.Duration = 4 * time.Hour // 7200 segments
	s, err := NewSynth(c)
	require.NoError(t, err)
	segs, err := s.Segments("v3000k")
	require.NoError(t, err)
	nominal := 3_000_000.0 * 2 / 8 // 750000 bytes
	var sum, sumLog, sumLog2 float64
	minF, maxF := math.Inf(1), math.Inf(-1)
	for _, si := range segs {
		f := float64(si.FragmentSize) / nominal
		sum += f
		sumLog += math.Log(f)
		sumLog2 += math.Log(f) * math.Log(f)
		minF, maxF = min(minF, f), max(maxF, f)
	}
	n := float64(len(segs))
	mean := sum / n
	sd := math.Sqrt(sumLog2/n - (sumLog/n)*(sumLog/n))
	// Log-normal with σ² = 0.25² + 0.05² → σ = 0.255, mean 1. The sample
	// mean of 7200 draws has a standard error of about 0.003.
	assert.InDelta(t, 1.0, mean, 0.015)
	assert.InDelta(t, 0.255, sd, 0.015)
	assert.GreaterOrEqual(t, minF, 0.5)
	assert.LessOrEqual(t, maxF, 2.0)
	assert.Less(t, minF, 0.6, "the lower tail should be reached")
	assert.Greater(t, maxF, 1.8, "the upper tail should be reached")
}

func TestSceneNoiseIsSharedAcrossRungs(t *testing.T) {
	c := DefaultContent()
	c.VBR.RungSigma = 0
	s, err := NewSynth(c)
	require.NoError(t, err)
	lo, err := s.Segments("v400k")
	require.NoError(t, err)
	hi, err := s.Segments("v6000k")
	require.NoError(t, err)
	// With only the shared term, every rung has the same factor per
	// segment, so sizes keep the 15:1 bitrate ratio to rounding.
	for k := range lo {
		assert.InDelta(t, 15.0, float64(hi[k].FragmentSize)/float64(lo[k].FragmentSize), 0.001)
	}
}

func TestDeterministicForSeed(t *testing.T) {
	a, err := NewSynth(smallContent())
	require.NoError(t, err)
	b, err := NewSynth(smallContent())
	require.NoError(t, err)
	c2 := smallContent()
	c2.Seed = 2
	other, err := NewSynth(c2)
	require.NoError(t, err)
	ra, err := a.OpenSegment("v800k", 4)
	require.NoError(t, err)
	rb, err := b.OpenSegment("v800k", 4)
	require.NoError(t, err)
	assert.Equal(t, readAll(t, ra), readAll(t, rb))

	sa, _ := a.Segments("v800k")
	so, _ := other.Segments("v800k")
	differ := 0
	for k := range sa {
		if sa[k].FragmentSize != so[k].FragmentSize {
			differ++
		}
	}
	assert.Greater(t, differ, 8, "another seed gives other sizes")

	// A rung's sizes do not depend on the other rungs.
	c3 := smallContent()
	c3.Video = c3.Video[3:4]
	alone, err := NewSynth(c3)
	require.NoError(t, err)
	s1, _ := a.Segments("v3000k")
	s2, _ := alone.Segments("v3000k")
	assert.Equal(t, s1, s2)
}

func TestAudio44100(t *testing.T) {
	c := smallContent()
	c.Audio.SampleRate = 44100
	s, err := NewSynth(c)
	require.NoError(t, err)
	segs, err := s.Segments("a128k")
	require.NoError(t, err)
	// Boundaries at round(k × 2 × 44100 / 1024) = round(k × 86.1328…):
	// 0, 86, 172, 258, 345, …; the end at round(21 × 44100 / 1024) = 904.
	assert.EqualValues(t, 86*1024, segs[1].Start)
	assert.EqualValues(t, 172*1024, segs[2].Start)
	assert.EqualValues(t, 258*1024, segs[3].Start)
	assert.EqualValues(t, 345*1024, segs[4].Start)
	last := segs[len(segs)-1]
	assert.EqualValues(t, 904*1024, last.Start+last.Duration)
	for k := 1; k < len(segs); k++ {
		assert.Equal(t, segs[k-1].Start+segs[k-1].Duration, segs[k].Start)
	}
}

func TestAccessorErrors(t *testing.T) {
	s, err := NewSynth(smallContent())
	require.NoError(t, err)
	_, err = s.Segments("nope")
	assert.ErrorIs(t, err, ErrUnknownTrack)
	_, err = s.InitSegment("nope")
	assert.ErrorIs(t, err, ErrUnknownTrack)
	_, err = s.OpenFile("nope")
	assert.ErrorIs(t, err, ErrUnknownTrack)
	_, err = s.OpenSegment("v400k", 0)
	assert.ErrorIs(t, err, ErrNoSegment)
	_, err = s.OpenSegment("v400k", 12)
	assert.ErrorIs(t, err, ErrNoSegment)
	rs, err := s.OpenSegment("v400k", 11)
	require.NoError(t, err)
	_, err = rs.Seek(-1, io.SeekStart)
	assert.Error(t, err)
}

func TestContentReturnsNormalisedCopy(t *testing.T) {
	c := smallContent()
	c.Video[0].ID = ""
	c.Audio.ID = ""
	s, err := NewSynth(c)
	require.NoError(t, err)
	got := s.Content()
	assert.Equal(t, "v400k", got.Video[0].ID)
	assert.Equal(t, "a128k", got.Audio.ID)
	got.Video[0].ID = "changed"
	got.Audio.ID = "changed"
	assert.Equal(t, "v400k", s.Content().Video[0].ID)
	assert.Equal(t, "a128k", s.Content().Audio.ID)
	assert.Equal(t, "", c.Video[0].ID, "the caller's spec is not modified")
}
