package manifest

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
)

// Calendar approximations used when an xs:duration carries years or
// months: the mean Gregorian year (365.2425 days) and a twelfth of it.
const (
	dashApproxYear  = 31556952 * time.Second
	dashApproxMonth = dashApproxYear / 12
)

// dashDuration is the result of parsing an xs:duration.
type dashDuration struct {
	d time.Duration
	// approx is true when the value had non-zero years or months, which
	// were converted with the mean Gregorian year and month.
	approx bool
	// lenient is true when the value broke the lexical rules in a way we
	// tolerate (e.g. "PT.5S" without a digit before the point).
	lenient bool
}

var errDashDurationSyntax = errors.New("not an xs:duration")

// parseDashDuration parses an xs:duration such as "PT1H2M3.5S",
// "P1DT12H" or "-PT5S". Fractions are accepted on the seconds only (as
// XML Schema says); years and months are converted with the mean Gregorian
// calendar and flagged approx. Values beyond ±292 years are errors.
func parseDashDuration(s string) (dashDuration, error) {
	var r dashDuration
	orig := s
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = s[1:]
	}
	if len(s) < 2 || s[0] != 'P' {
		return r, fmt.Errorf("%q: %w", orig, errDashDurationSyntax)
	}
	s = s[1:]
	inTime := false
	sawField := false
	var total uint64 // nanoseconds
	add := func(v uint64, unit time.Duration) bool {
		hi, lo := bits.Mul64(v, uint64(unit))
		if hi != 0 {
			return false
		}
		sum, carry := bits.Add64(total, lo, 0)
		if carry != 0 || sum > math.MaxInt64 {
			return false
		}
		total = sum
		return true
	}
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return r, fmt.Errorf("%q: %w", orig, errDashDurationSyntax)
			}
			inTime = true
			s = s[1:]
			if len(s) == 0 {
				return r, fmt.Errorf("%q: %w", orig, errDashDurationSyntax)
			}
			continue
		}
		// Integer part.
		i := 0
		var v uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if v > (math.MaxUint64-9)/10 {
				return r, fmt.Errorf("%q: value out of range", orig)
			}
			v = v*10 + uint64(s[i]-'0')
			i++
		}
		intDigits := i
		// Fraction (seconds only).
		var frac uint64 // nanoseconds
		fracDigits := 0
		hasPoint := false
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			hasPoint = true
			i++
			scale := uint64(100000000)
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				frac += uint64(s[i]-'0') * scale
				scale /= 10
				fracDigits++
				i++
			}
		}
		if intDigits == 0 && fracDigits == 0 {
			return r, fmt.Errorf("%q: %w", orig, errDashDurationSyntax)
		}
		if i >= len(s) {
			return r, fmt.Errorf("%q: %w: number without designator", orig, errDashDurationSyntax)
		}
		des := s[i]
		s = s[i+1:]
		if hasPoint && !(inTime && des == 'S') {
			return r, fmt.Errorf("%q: %w: fraction only allowed on seconds", orig, errDashDurationSyntax)
		}
		if hasPoint && (intDigits == 0 || fracDigits == 0) {
			r.lenient = true
		}
		sawField = true
		ok := true
		switch {
		case !inTime && des == 'Y':
			if v != 0 {
				r.approx = true
			}
			ok = add(v, dashApproxYear)
		case !inTime && des == 'M':
			if v != 0 {
				r.approx = true
			}
			ok = add(v, dashApproxMonth)
		case !inTime && des == 'D':
			ok = add(v, 24*time.Hour)
		case inTime && des == 'H':
			ok = add(v, time.Hour)
		case inTime && des == 'M':
			ok = add(v, time.Minute)
		case inTime && des == 'S':
			ok = add(v, time.Second) && add(frac, 1)
		default:
			return r, fmt.Errorf("%q: %w: unexpected %q", orig, errDashDurationSyntax, des)
		}
		if !ok {
			return r, fmt.Errorf("%q: value out of range", orig)
		}
	}
	if !sawField {
		return r, fmt.Errorf("%q: %w", orig, errDashDurationSyntax)
	}
	r.d = time.Duration(total)
	if neg {
		r.d = -r.d
	}
	return r, nil
}

// dashDateTimeLayouts are the xs:dateTime forms seen in MPDs, with and
// without a zone.
var dashDateTimeLayouts = [...]string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
}

// parseDashDateTime parses an xs:dateTime. A value without a time zone
// is taken as UTC (as dash.js, Shaka and ExoPlayer do) and reported by
// noZone.
func parseDashDateTime(s string) (t time.Time, noZone bool, err error) {
	s = strings.TrimSpace(s)
	if t, err = time.Parse(dashDateTimeLayouts[0], s); err == nil {
		return t, false, nil
	}
	if t, err2 := time.Parse(dashDateTimeLayouts[1], s); err2 == nil {
		return t.UTC(), true, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not an xs:dateTime", s)
}

// dashTicksToDuration converts ticks of a timescale to a Duration,
// exactly (truncating below a nanosecond) and saturating at the largest
// Duration instead of overflowing.
func dashTicksToDuration(ticks, timescale uint64) time.Duration {
	if timescale == 0 {
		return 0
	}
	hi, lo := bits.Mul64(ticks, uint64(time.Second))
	if hi >= timescale {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, timescale)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(q)
}

// dashDurationToTicks converts a non-negative Duration to ticks of a
// timescale, rounding down; it saturates at MaxUint64.
func dashDurationToTicks(d time.Duration, timescale uint64) uint64 {
	if d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), timescale)
	if hi >= uint64(time.Second) {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, uint64(time.Second))
	return q
}
