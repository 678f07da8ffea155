package abr

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSabreBolaAbandonPlanExact checks SabreAbandonPlan.Abandons against
// SabreBola.SabreCheckAbandon on about two million progress steps: the
// plan must say "abandon" exactly when the check abandons. The steps are
// random (buffer levels and progress over the whole range) and, above
// all, near ties: buffer levels within a few ulps of the level where a
// lower rung's score equals the current rung's, where only the exact
// quotients decide (13 levels around each tie, ±6 ulps).
func TestSabreBolaAbandonPlanExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Sabre's ladders, random ascending ones and one that does not
	// ascend (the plan's general path).
	ladders := [][]int64{sabreBBBKbps, sabreBBB4KKbps, {1000, 400, 2500, 300, 6000}}
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
	var steps, abandons, ties, flips int
	compare := func(b *SabreBola, v SabreView, rung int, size, level, got float64) {
		t.Helper()
		steps++
		v.BufferMs = level
		p := SabreProgress{Rung: rung, SizeBits: size, DownloadedBits: got, TimeMs: 500, TTFBMs: 100}
		want := b.last
		_, ok, _ := b.SabreCheckAbandon(v, p)
		b.last = want
		if ok {
			abandons++
		}
		if plan.Abandons(level, got) != ok {
			t.Fatalf("rung %d, size %v, level %v, downloaded %v: check_abandon says %t, the plan says %t", rung, size, level, got, ok, !ok)
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
			for range 300 {
				v := sabreView(l, 1+rng.IntN(198), rng.Float64()*30000, 100+rng.Float64()*8000, 100)
				b.SabreDecide(v)
				rung := rng.IntN(len(kbps))
				size := float64(kbps[rung]) * 3000 * (0.5 + rng.Float64())
				b.SabrePlanAbandon(v, rung, size, &plan)
				for range 300 {
					compare(b, v, rung, size, rng.Float64()*40000, rng.Float64()*size*1.01)
				}
				if rung == 0 {
					continue
				}
				// Near ties: (lv_q − L)/o_q = (cur − L)/R at
				// L = (cur·o_q − lv_q·R)/(o_q − R).
				cur := plan.cur
				for range 100 {
					got := rng.Float64() * size
					rem := size - got
					q := rng.IntN(rung)
					o, lv := plan.other[q], plan.level[q]
					if !(o < rem) {
						continue
					}
					lt := (cur*o - lv*rem) / (o - rem)
					if !(lt >= 0) || math.IsInf(lt, 0) {
						continue
					}
					n := abandons
					for d := -6; d <= 6; d++ {
						level := lt
						for range max(d, -d) {
							level = math.Nextafter(level, math.Inf(d))
						}
						compare(b, v, rung, size, level, got)
					}
					ties++
					if n := abandons - n; n > 0 && n < 13 {
						flips++ // the verdict changes within 12 ulps
					}
				}
			}
		}
	}
	// Basic never abandons, and neither does the plan.
	b, err := NewSabreBola(SabreBolaParams{Basic: true, GammaP: 5, BufferSize: 25 * time.Second, Estimator: "ewma"})
	require.NoError(t, err)
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	v := sabreView(l, 100, 5000, 6000, 0)
	b.SabrePlanAbandon(v, 8, 15081000, &plan)
	compare(b, v, 8, 15081000, 5000, 1000000)

	t.Logf("%d steps, %d abandon; %d near ties, %d with a verdict that flips within 12 ulps of buffer", steps, abandons, ties, flips)
	assert.Greater(t, steps, 1_000_000)
	assert.Greater(t, abandons, steps/20, "the random steps must abandon often")
	assert.Greater(t, ties, 50_000)
	assert.Greater(t, flips, 10_000, "the near ties must include real ties")
}

// TestSabreBolaAbandonPlanExample is TestSabreBolaAbandon's hand example
// through the plan: rung 8 of bbb at Vp = 2662.975 abandons at 5000 ms of
// buffer (rung 0 scores 0.01205 > 0.0011738) and not at 22000 ms, where
// the current rung's score is negative.
func TestSabreBolaAbandonPlanExample(t *testing.T) {
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 199)
	b, err := NewSabreBola(DefaultSabreBolaParams())
	require.NoError(t, err)
	v := sabreView(l, 100, 20000, 6000, 0)
	b.SabreDecide(v)
	var plan SabreAbandonPlan
	b.SabrePlanAbandon(v, 8, 15081000, &plan)
	assert.True(t, plan.Abandons(5000, 1000000))
	assert.False(t, plan.Abandons(22000, 1000000))
	assert.False(t, plan.Abandons(5000, 0), "nothing downloaded")
	assert.False(t, plan.Abandons(5000, 15081000), "nothing remaining")
}
