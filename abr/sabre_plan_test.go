package abr

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSabreBolaAbandonThreshold checks SabreAbandonPlan.Threshold against
// SabreBola.SabreCheckAbandon on about two million progress steps of
// random plans (Sabre's ladders and random ascending ones, three BOLA
// configurations, random segments, buffers, rungs and sizes): no step
// with a buffer estimate at or above the threshold for its progress may
// abandon. The steps include the threshold itself and the next floats
// above it, and buffer levels within a few ulps of exact ties between a
// lower rung's score and the current one's. The threshold must also be
// tight, for a simulator to gain from it: hardly any step below it may
// go without abandoning.
func TestSabreBolaAbandonThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ladders := [][]int64{sabreBBBKbps, sabreBBB4KKbps}
	for range 8 {
		k := make([]int64, 2+rng.IntN(12))
		r := int64(50 + rng.IntN(400))
		for i := range k {
			k[i] = r
			r += 1 + int64(rng.Float64()*float64(r))
		}
		ladders = append(ladders, k)
	}
	var plan SabreAbandonPlan
	var steps, quiet, abandons, below, belowQuiet, ties int
	abandonsAt := func(b *SabreBola, v SabreView, rung int, size, level, got float64) bool {
		v.BufferMs = level
		last := b.last
		_, ok, _ := b.SabreCheckAbandon(v, SabreProgress{Rung: rung, SizeBits: size, DownloadedBits: got, TimeMs: 500, TTFBMs: 100})
		b.last = last
		return ok
	}
	// check asks one step with at least got0 bits downloaded when the
	// threshold was computed.
	check := func(b *SabreBola, v SabreView, rung int, size, th, level, got float64) {
		t.Helper()
		steps++
		ok := abandonsAt(b, v, rung, size, level, got)
		if ok {
			abandons++
		}
		if level >= th {
			quiet++
			if ok {
				t.Fatalf("rung %d, size %v, downloaded %v: abandons at buffer %v, above the threshold %v", rung, size, got, level, th)
			}
		}
	}
	for _, kbps := range ladders {
		l := sabreTestLadder(kbps, 3*time.Second, 199)
		for _, bp := range []SabreBolaParams{
			DefaultSabreBolaParams(),
			{GammaP: 5, BufferSize: 10 * time.Second, Estimator: "ewma"},
			{GammaP: 1.5, BufferSize: 60 * time.Second, Estimator: "ewma"},
		} {
			b, err := NewSabreBola(bp)
			require.NoError(t, err)
			for range 200 {
				v := sabreView(l, 1+rng.IntN(198), rng.Float64()*30000, 100+rng.Float64()*8000, 100)
				b.SabreDecide(v)
				rung := rng.IntN(len(kbps))
				size := float64(kbps[rung]) * 3000 * (0.5 + rng.Float64())
				b.SabrePlanAbandon(v, rung, size, &plan)
				for range 20 {
					got0 := rng.Float64() * size
					th := plan.Threshold(got0)
					require.False(t, math.IsInf(th, 1), "an ascending ladder can always be told")
					for range 20 {
						// Later steps: more downloaded, any buffer.
						got := got0 + rng.Float64()*(size-got0)
						check(b, v, rung, size, th, rng.Float64()*40000, got)
					}
					if !math.IsInf(th, 0) {
						level := th
						for range 4 {
							check(b, v, rung, size, th, level, got0)
							level = math.Nextafter(level, math.Inf(1))
						}
						for range 10 {
							check(b, v, rung, size, th, th+rng.Float64()*100, got0+rng.Float64()*(size-got0))
						}
					}
					// Tightness: steps just computed for, below the threshold.
					for range 10 {
						level := rng.Float64() * 40000
						if level < th {
							below++
							if !abandonsAt(b, v, rung, size, level, got0) {
								belowQuiet++
							}
						}
					}
					// Near ties: (lv_q − L)/o_q = (cur − L)/R at
					// L = (cur·o_q − lv_q·R)/(o_q − R), ±6 ulps.
					if rung == 0 {
						continue
					}
					rem := size - got0
					q := rng.IntN(rung)
					o, lv := plan.other[q], plan.level[q]
					if !(o < rem) {
						continue
					}
					lt := (plan.cur*o - lv*rem) / (o - rem)
					if !(lt >= 0) || math.IsInf(lt, 0) {
						continue
					}
					ties++
					for d := -6; d <= 6; d++ {
						level := lt
						for range max(d, -d) {
							level = math.Nextafter(level, math.Inf(d))
						}
						check(b, v, rung, size, th, level, got0)
					}
				}
			}
		}
	}
	t.Logf("%d steps, %d at or above the threshold, %d abandon; %d near ties; %d steps below the threshold, %d of them without abandoning",
		steps, quiet, abandons, ties, below, belowQuiet)
	assert.Greater(t, steps, 1_000_000)
	assert.Greater(t, quiet, steps/3, "the threshold must leave most steps unchecked")
	assert.Greater(t, abandons, steps/20, "the steps must abandon often")
	assert.Greater(t, ties, 20_000)
	assert.Less(t, belowQuiet, below/1000+1, "the threshold must be tight")
}

// TestSabreBolaAbandonThresholdEdges: BOLA-BASIC never abandons (−Inf), a
// ladder that does not ascend cannot be told (+Inf), and the hand example
// of TestSabreBolaAbandon abandons at 5000 ms, so below the threshold,
// and not at 22000 ms, above it.
func TestSabreBolaAbandonThresholdEdges(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	var plan SabreAbandonPlan

	basic, err := NewSabreBola(SabreBolaParams{Basic: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	v := sabreView(l, 100, 5000, 6000, 0)
	basic.SabrePlanAbandon(v, 8, 15081000, &plan)
	assert.Equal(t, math.Inf(-1), plan.Threshold(1000000))

	b, err := NewSabreBola(DefaultSabreBolaParams())
	require.NoError(t, err)
	b.SabreDecide(sabreView(l, 100, 20000, 6000, 0)) // Vp = 2662.975
	b.SabrePlanAbandon(v, 8, 15081000, &plan)
	th := plan.Threshold(1000000)
	assert.Less(t, 5000.0, th)
	assert.Greater(t, 22000.0, th)
	// Rung q beats the current score (21528.82 − L)/14081000 below
	// L = (cur·o_q − lv_q·R)/(o_q − R): 12891.6 for rung 0 ((13314.88 −
	// L)/690000), rising to 17710.815378245406 for rung 7 (size
	// 15081000·2962/5027 = 8886000, level 20120.22).
	assert.InDelta(t, 17710.815378245406, th, 1e-6)
	assert.Equal(t, math.Inf(1), plan.Threshold(15081000), "nothing remaining")

	odd := sabreTestLadder([]int64{1000, 400, 2500, 300, 6000}, 3*time.Second, 199)
	o, err := NewSabreBola(DefaultSabreBolaParams())
	require.NoError(t, err)
	ov := sabreView(odd, 100, 5000, 6000, 0)
	o.SabreDecide(ov)
	o.SabrePlanAbandon(ov, 4, 18000000, &plan)
	assert.Equal(t, math.Inf(1), plan.Threshold(1000000))
}
