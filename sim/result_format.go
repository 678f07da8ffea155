package sim

import (
	"math"
	"strconv"
	"time"
)

// appendInt appends n in decimal.
func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendFloat appends x in the shortest form that reads back as x, in
// positional notation unless the exponent is below -6 or at least 21 (the
// rule encoding/json uses); "NaN", "+Inf" and "-Inf" for the special
// values, which strconv.ParseFloat reads back.
func appendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, x, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, x, 'f', -1, 64)
}

// appendSeconds appends d as exact decimal seconds: up to nine fraction
// digits, trailing zeros dropped ("1.5", "0.000000001", "-2").
func appendSeconds(b []byte, d time.Duration) []byte {
	return appendScaled(b, int64(d), 1e9)
}

// appendKbps appends a bitrate in bit/s as exact decimal kbit/s
// ("1234.567").
func appendKbps(b []byte, bps int64) []byte {
	return appendScaled(b, bps, 1e3)
}

// appendScaled appends n / unit exactly in decimal, for unit a power of 10.
func appendScaled(b []byte, n, unit int64) []byte {
	if n < 0 {
		b = append(b, '-')
		if n == math.MinInt64 {
			// −MinInt64 overflows; split off the last digit.
			q, r := -(n / 10), -(n % 10)
			return appendUnsignedScaled(b, uint64(q)*10+uint64(r), uint64(unit))
		}
		n = -n
	}
	return appendUnsignedScaled(b, uint64(n), uint64(unit))
}

// appendUnsignedScaled appends n / unit exactly in decimal.
func appendUnsignedScaled(b []byte, n, unit uint64) []byte {
	b = strconv.AppendUint(b, n/unit, 10)
	frac := n % unit
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for unit /= 10; unit > 0 && frac > 0; unit /= 10 {
		b = append(b, byte('0'+frac/unit))
		frac %= unit
	}
	return b
}

// seconds converts float seconds to a Duration, rounding to the
// nanosecond and saturating at the Duration range.
func seconds(s float64) time.Duration {
	ns := math.Round(s * 1e9)
	switch {
	case math.IsNaN(ns):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(ns)
}
