package player

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/stretchr/testify/require"
)

// corpusDir holds the real streams copied from the team's corpus (see
// testdata/corpus/README.md for their origin and licences).
var corpusDir = filepath.Join("testdata", "corpus")

// trackFile summarises one track of a recorded fMP4 file as parsed by
// mp4ff.
type trackFile struct {
	timescale uint32
	entries   []string // sample entry types, in stsd order
	ticks     uint64   // sum of the trun sample durations
	fragments int
	samples   int
	sdIndexes map[uint32]int // fragments per sample description index
}

// readTrackFile parses a single-track recording (see readTracks).
func readTrackFile(t *testing.T, path string) trackFile {
	t.Helper()
	tracks := readTracks(t, path)
	require.Len(t, tracks, 1, path)
	for _, tf := range tracks {
		return tf
	}
	return trackFile{}
}

// readTracks parses a recorded file with mp4ff, per track ID, and checks
// that each track's fragments tile its timeline: each tfdt equals the
// previous one plus its samples' durations.
func readTracks(t *testing.T, path string) map[uint32]trackFile {
	t.Helper()
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	f, err := mp4.DecodeFile(fh)
	require.NoError(t, err, path)
	require.NotNil(t, f.Init, "%s has no init", path)
	moov := f.Init.Moov
	out := map[uint32]trackFile{}
	for _, trak := range moov.Traks {
		id := trak.Tkhd.TrackID
		tf := trackFile{timescale: trak.Mdia.Mdhd.Timescale, sdIndexes: map[uint32]int{}}
		for _, e := range trak.Mdia.Minf.Stbl.Stsd.Children {
			tf.entries = append(tf.entries, e.Type())
		}
		var trex *mp4.TrexBox
		for _, x := range moov.Mvex.Trexs {
			if x.TrackID == id {
				trex = x
			}
		}
		require.NotNil(t, trex, "%s: no trex for track %d", path, id)
		next, first := uint64(0), true
		for _, seg := range f.Segments {
			for _, frag := range seg.Fragments {
				var tfhd *mp4.TfhdBox
				for _, traf := range frag.Moof.Trafs {
					if traf.Tfhd.TrackID == id {
						tfhd = traf.Tfhd
					}
				}
				if tfhd == nil {
					continue
				}
				idx := trex.DefaultSampleDescriptionIndex
				if tfhd.HasSampleDescriptionIndex() {
					idx = tfhd.SampleDescriptionIndex
				}
				tf.sdIndexes[idx]++
				samples, err := frag.GetFullSamples(trex)
				require.NoError(t, err)
				require.NotEmpty(t, samples)
				if !first {
					require.Equal(t, next, samples[0].DecodeTime, "%s track %d fragment %d starts where the previous ended", path, id, tf.fragments)
				}
				first = false
				for _, s := range samples {
					tf.ticks += uint64(s.Dur)
				}
				tf.samples += len(samples)
				last := samples[len(samples)-1]
				next = last.DecodeTime + uint64(last.Dur)
				tf.fragments++
			}
		}
		out[id] = tf
	}
	return out
}
