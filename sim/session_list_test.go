package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/manifest"
)

// TestListSegments checks that the explicit segment list the Runner gives
// the core addresses exactly the template's segments: the same count, the
// same segment (number, times, URLs) at every position, the same position
// for times at, inside and between segment boundaries and past the end,
// and no initialisation segment. Envivio's template has 48 four-second
// segments on 6 rungs, Sabre's bbb movie 199 three-second ones on 10.
func TestListSegments(t *testing.T) {
	bbb, err := LoadSabreMovie(drvShared(t, "traces", "sabre", "mmsys18", "bbb.json"))
	require.NoError(t, err)
	for _, v := range []*Video{Envivio(), bbb} {
		p := v.Presentation()
		for _, rep := range p.Periods[0].AdaptationSets[0].Representations {
			tpl := rep.Index
			require.NoError(t, tpl.Prepare())
			list := listSegments(tpl)
			require.Equal(t, manifest.AddrList, list.Addressing, v.Name)
			require.Equal(t, manifest.AddrTemplate, tpl.Addressing, "the template itself is left alone")
			n, bounded := tpl.Len()
			ln, lbounded := list.Len()
			require.True(t, bounded)
			require.Equal(t, n, ln)
			require.Equal(t, bounded, lbounded)
			assert.Equal(t, v.Play, n, v.Name)
			assert.Nil(t, list.InitSegment())
			for i := range n {
				want, err := tpl.Segment(i)
				require.NoError(t, err)
				got, err := list.Segment(i)
				require.NoError(t, err)
				require.Equal(t, want, got, "%s rung %s segment %d", v.Name, rep.ID, i)
				for _, at := range []time.Duration{want.Start, want.Start + want.Duration/2, want.Start + want.Duration - 1} {
					wi, wok := tpl.SegmentAt(at)
					gi, gok := list.SegmentAt(at)
					require.Equal(t, wi, gi, "%s: segment at %v", v.Name, at)
					require.Equal(t, wok, gok)
				}
			}
			_, err := list.Segment(n)
			assert.ErrorIs(t, err, manifest.ErrSegmentOutOfRange)
			last, _ := tpl.Segment(n - 1)
			end := last.Start + last.Duration
			wi, wok := tpl.SegmentAt(end)
			gi, gok := list.SegmentAt(end)
			assert.Equal(t, wi, gi)
			assert.Equal(t, wok, gok)
		}
	}
}
