package abr

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSabreHalfPow checks sabreHalfPow against math.Pow(0.5, y) bit for
// bit on about 3.4 million inputs: uniform and log-uniform values, the
// neighbourhoods (±40 ulps) of every integer and half-integer up to 1100,
// where math.Pow's split of y into integer and fraction changes, and the
// arguments Sabre's EWMA computes on (transfer times and their running
// sums over 3 s and 8 s half-lives, sample counts over 1 and 8/3).
func TestSabreHalfPow(t *testing.T) {
	check := func(y float64) {
		got, want := sabreHalfPow(y), math.Pow(0.5, y)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("sabreHalfPow(%v) = %v (%#x), math.Pow(0.5, y) = %v (%#x)", y, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for _, y := range []float64{0, math.Copysign(0, -1), 0.5, 1, 1.5, 0.25, 1e-300, 5e-324, 999.9999, 1000, 1074, 1075, 2000, -1, -0.5, -3.25,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.Nextafter(0.5, 1), math.Nextafter(0.5, 0)} {
		check(y)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		check(rng.Float64() * 50)
	}
	for range 1_000_000 {
		check(math.Pow(10, rng.Float64()*15-12)) // 1e-12 .. 1000
	}
	for k := range 2200 {
		y := float64(k) / 2
		up, down := y, y
		for range 40 {
			up, down = math.Nextafter(up, math.Inf(1)), math.Nextafter(down, math.Inf(-1))
			check(up)
			check(down)
		}
		check(y)
	}
	// Sabre's EWMA: D/h and W/h with D from 1 ms to 60 s, W the running
	// sum over a session; n/(h/p) for sample counts.
	for _, h := range []float64{3000, 8000} {
		for range 1000 {
			w := 0.0
			for range 200 {
				d := math.Pow(10, rng.Float64()*4.8) // 1 ms .. 63 s
				w += d
				check(d / h)
				check(w / h)
			}
		}
		for n := 1; n <= 5000; n++ {
			check(float64(n) / (h / 3000))
		}
	}
}
