package qoe

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Expected strings are what CPython prints (repr(x) in Python 3, "%f" % x,
// and str(x) in Python 2, whose rules are "%.12g" with ".0" appended to
// integral values and exponent notation from 1e11 up).
func TestPyRepr(t *testing.T) {
	a, b := 0.1, 0.2 // variables: a constant 0.1 + 0.2 would be exactly 0.3
	cases := []struct {
		x    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{4, "4.0"},
		{100, "100.0"},
		{a + b, "0.30000000000000004"},
		{0.0001, "0.0001"},
		{0.00009999, "9.999e-05"},
		{2.5e-7, "2.5e-07"},
		{1e16, "1e+16"},
		{1234567890123456, "1234567890123456.0"},
		{1e22, "1e+22"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{-7.4949812895870895, "-7.4949812895870895"},
		{1.9999999949504854e-06, "1.9999999949504854e-06"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, string(AppendPyRepr(nil, c.x)), "%v", c.x)
	}
}

func TestPy2Str(t *testing.T) {
	a, b := 0.1, 0.2
	cases := []struct {
		x    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{100, "100.0"},
		{a + b, "0.3"},
		{887.2836624630917, "887.283662463"},
		{16684.739121, "16684.739121"},
		{12345678901, "12345678901.0"},
		{123456789012, "1.23456789012e+11"},
		{1234567890123456, "1.23456789012e+15"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{5e-324, "4.94065645841e-324"},
		{math.MaxFloat64, "1.79769313486e+308"},
		{math.Inf(1), "inf"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, string(appendPy2Str(nil, c.x)), "%v", c.x)
	}
}

func TestPyFixed6(t *testing.T) {
	cases := []struct {
		x    float64
		want string
	}{
		{0, "0.000000"},
		{math.Copysign(0, -1), "-0.000000"},
		{123.456, "123.456000"},
		{0.0078125, "0.007812"}, // exact tie, to even
		{0.0234375, "0.023438"}, // exact tie, to even
		{1e22, "10000000000000000000000.000000"},
		{math.NaN(), "nan"},
		{math.Inf(-1), "-inf"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, string(appendPyFixed6(nil, c.x)), "%v", c.x)
	}
}

// FuzzPyFormat checks the formatting properties on arbitrary doubles:
// repr reads back to the same value; Python 2's str has at most 12
// significant digits and reads back to x rounded to 12 digits.
func FuzzPyFormat(f *testing.F) {
	for _, x := range []float64{0, 1, -7.4949812895870895, 887.2836624630917, 1e16, 1e-5, 5e-324, math.MaxFloat64} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		r := string(AppendPyRepr(nil, x))
		back, err := strconv.ParseFloat(r, 64)
		require.NoError(t, err, r)
		require.Equal(t, bits, math.Float64bits(back), "repr %q of %v", r, x)

		s := string(appendPy2Str(nil, x))
		back, err = strconv.ParseFloat(s, 64)
		require.NoError(t, err, s)
		want, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'e', 11, 64), 64)
		require.Equal(t, want, back, "str %q of %v", s, x)
		mant := strings.TrimLeft(strings.SplitN(s, "e", 2)[0], "-")
		digits := strings.TrimLeft(strings.ReplaceAll(mant, ".", ""), "0")
		digits = strings.TrimRight(digits, "0")
		require.LessOrEqual(t, len(digits), 12, s)
	})
}
