package qoe

import (
	"math"
	"strconv"
)

// appendPyFixed6 appends x as Python's "%f" does: 6 decimals, correctly
// rounded (ties to even on the exact binary value, like Go), "inf", "-inf"
// and "nan" for the special values.
func appendPyFixed6(dst []byte, x float64) []byte {
	if s, ok := pySpecial(x); ok {
		return append(dst, s...)
	}
	return strconv.AppendFloat(dst, x, 'f', 6, 64)
}

// AppendPyRepr appends x as Python 3's repr(float) does, which is also how
// numpy (1.14 and later) prints a float64 scalar: the shortest digits that
// read back as x, in positional notation when 1e-4 <= |x| < 1e16 (with a
// ".0" on integral values) and as d.ddde±XX otherwise.
func AppendPyRepr(dst []byte, x float64) []byte {
	if s, ok := pySpecial(x); ok {
		return append(dst, s...)
	}
	var buf [32]byte
	return appendPyDigits(dst, strconv.AppendFloat(buf[:0], x, 'e', -1, 64), 16)
}

// appendPy2Str appends x as Python 2's str(float) does: 12 significant
// digits ("%.12g"), trailing zeros dropped, exponent notation when the
// decimal exponent is below -4 or at least 11, and ".0" on integral values.
// Pensieve (Python 2) logs its time stamps and download delays this way.
func appendPy2Str(dst []byte, x float64) []byte {
	if s, ok := pySpecial(x); ok {
		return append(dst, s...)
	}
	var buf [32]byte
	return appendPyDigits(dst, strconv.AppendFloat(buf[:0], x, 'e', 11, 64), 11)
}

// pySpecial returns Python's spelling of infinities and NaN.
func pySpecial(x float64) (string, bool) {
	switch {
	case math.IsNaN(x):
		return "nan", true
	case math.IsInf(x, 1):
		return "inf", true
	case math.IsInf(x, -1):
		return "-inf", true
	}
	return "", false
}

// appendPyDigits lays out a number given in Go's 'e' format
// ("-d.dddde±XX") the way CPython's float formatting does: positional when
// -4 < decpt <= maxDecpt (decpt = exponent + 1), else exponential with at
// least two exponent digits; trailing zeros of the mantissa dropped; ".0"
// added to positional integral values.
func appendPyDigits(dst, e []byte, maxDecpt int) []byte {
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	ePos := 0
	for e[ePos] != 'e' {
		ePos++
	}
	exp := 0
	for _, c := range e[ePos+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[ePos+1] == '-' {
		exp = -exp
	}
	// Digits without the decimal point.
	var digits [24]byte
	nd := 0
	for _, c := range e[:ePos] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	for nd > 1 && digits[nd-1] == '0' {
		nd--
	}
	d := digits[:nd]
	if d[0] == '0' { // zero
		return append(dst, "0.0"...)
	}
	decpt := exp + 1
	if decpt <= -4 || decpt > maxDecpt {
		dst = append(dst, d[0])
		if nd > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	switch {
	case decpt <= 0:
		dst = append(dst, "0."...)
		for range -decpt {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case decpt >= nd:
		dst = append(dst, d...)
		for range decpt - nd {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, d[:decpt]...)
	dst = append(dst, '.')
	return append(dst, d[decpt:]...)
}
