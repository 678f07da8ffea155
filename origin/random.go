package origin

import (
	"hash/fnv"
	"math"
)

// Streams keep the hashed variates of different purposes independent.
const (
	streamScene uint64 = iota + 1
	streamRung
	streamFrame
	streamFiller
)

// mix is the splitmix64 finaliser: a bijective avalanche of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash derives a 64-bit value from the seed and three coordinates. Every
// random quantity of the synthesiser is a pure function of its
// coordinates, so any segment can be generated alone, in any order.
func hash(seed, stream, a, b uint64) uint64 {
	h := mix(seed + 0x9e3779b97f4a7c15)
	h = mix(h ^ stream)
	h = mix(h ^ a)
	return mix(h ^ b)
}

// unit maps h to a float64 uniform on [0, 1).
func unit(h uint64) float64 {
	return float64(h>>11) / (1 << 53)
}

// normal maps h to a standard normal variate by the Box–Muller transform
// of two uniforms derived from h.
func normal(h uint64) float64 {
	u1 := 1 - unit(h)      // (0, 1]: keeps the logarithm finite
	u2 := unit(mix(h + 1)) // a second, independent uniform
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// idKey hashes a rung ID, so a rung's noise does not change when other
// rungs are added, removed or reordered.
func idKey(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}
