package manifest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// checkPresentation asserts invariants every parsed presentation keeps.
func checkPresentation(t *testing.T, p *Presentation) {
	t.Helper()
	if p.Format == FormatHLS {
		require.Len(t, p.Periods, 1, "an HLS presentation has one period")
	}
	for _, period := range p.Periods {
		for _, set := range period.AdaptationSets {
			for _, rep := range set.Representations {
				if p.Format == FormatHLS {
					require.NotNil(t, rep.Index, "representation %s without index", rep.ID)
					require.NotNil(t, rep.Index.Playlist, "representation %s without playlist", rep.ID)
					if rep.Index.Playlist.Loaded {
						checkHLSIndex(t, rep.Index)
					}
				}
			}
		}
	}
}

// checkHLSIndex asserts the invariants of a loaded HLS media playlist:
// numbers consecutive from StartNumber, starts contiguous from 0, one
// non-empty URL per segment, non-negative ranges, parts pointing at a
// segment or the one being produced.
func checkHLSIndex(t *testing.T, idx *SegmentIndex) {
	t.Helper()
	var start time.Duration
	for i, s := range idx.Segments {
		require.Equal(t, idx.StartNumber+uint64(i), s.Number, "segment %d number", i)
		require.Equal(t, start, s.Start, "segment %d start", i)
		require.GreaterOrEqual(t, s.Duration, time.Duration(0))
		require.Len(t, s.URLs, 1)
		require.NotEmpty(t, s.URLs[0])
		require.GreaterOrEqual(t, s.Range.Offset, int64(0))
		require.GreaterOrEqual(t, s.Range.Length, int64(0))
		if s.Key != nil {
			require.Same(t, s.Keys[0], s.Key)
		}
		start += s.Duration
	}
	for _, part := range idx.Playlist.Parts {
		require.GreaterOrEqual(t, part.Segment, 0)
		require.LessOrEqual(t, part.Segment, len(idx.Segments))
	}
}
