package manifest

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDashDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		approx  bool
		lenient bool
	}{
		{"PT1H2M3.5S", time.Hour + 2*time.Minute + 3500*time.Millisecond, false, false}, // 3600+120+3.5 s
		{"P1DT12H", 36 * time.Hour, false, false},                                       // 24 h + 12 h
		{"PT0S", 0, false, false},
		{"PT0.000S", 0, false, false},
		{"-PT5S", -5 * time.Second, false, false},
		{"PT84.00S", 84 * time.Second, false, false},
		// Zero years and months are exact (shaka-player dash-vr).
		{"P0Y0M0DT0H2M17.000S", 137 * time.Second, false, false}, // 2*60+17
		// Mean Gregorian year 365.2425 d = 31,556,952 s; a month is 1/12 of it.
		{"P1Y", 31556952 * time.Second, true, false},
		{"P1M", 2629746 * time.Second, true, false},
		{"P1MT1M", 2629746*time.Second + time.Minute, true, false}, // M before T is months, after is minutes
		// Nanoseconds: digits past the ninth are dropped.
		{"PT1.0010000467300415S", 1001000046 * time.Nanosecond, false, false},
		// Shaka packager writes PT.5S: no digit before the point.
		{"PT.5S", 500 * time.Millisecond, false, true},
		{"PT389761H2M15.535S", 389761*time.Hour + 2*time.Minute + 15535*time.Millisecond, false, false},
	}
	for _, c := range cases {
		got, err := parseDashDuration(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got.d, c.in)
		assert.Equal(t, c.approx, got.approx, c.in)
		assert.Equal(t, c.lenient, got.lenient, c.in)
	}
	for _, bad := range []string{"", "P", "PT", "1S", "PT1", "P1S", "PT1Y", "P1.5D", "2S", "PTS", "P1DT", "PT1H1H1X",
		"PT9999999999999999999S", "P99999999999Y", "PT9223372037S"} {
		_, err := parseDashDuration(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseDashDateTime(t *testing.T) {
	got, noZone, err := parseDashDateTime("1977-05-25T18:00:00.000Z")
	require.NoError(t, err)
	assert.False(t, noZone)
	assert.Equal(t, time.Date(1977, 5, 25, 18, 0, 0, 0, time.UTC), got.UTC())

	got, noZone, err = parseDashDateTime("2024-05-24T15:12:00+02:00")
	require.NoError(t, err)
	assert.False(t, noZone)
	assert.Equal(t, time.Date(2024, 5, 24, 13, 12, 0, 0, time.UTC), got.UTC()) // 15:12 at +02:00

	got, noZone, err = parseDashDateTime("2016-10-14T17:00:17")
	require.NoError(t, err)
	assert.True(t, noZone, "no zone is reported so the parser can warn")
	assert.Equal(t, time.Date(2016, 10, 14, 17, 0, 17, 0, time.UTC), got)

	_, _, err = parseDashDateTime("availability_start_time")
	assert.Error(t, err)
}

func TestTickConversions(t *testing.T) {
	// 3.5 s at 90 kHz is 315,000 ticks.
	assert.Equal(t, 3500*time.Millisecond, dashTicksToDuration(315000, 90000))
	// 1 tick of 1/3 s truncates to 333,333,333 ns.
	assert.Equal(t, 333333333*time.Nanosecond, dashTicksToDuration(1, 3))
	assert.Equal(t, time.Duration(math.MaxInt64), dashTicksToDuration(math.MaxUint64, 1), "saturates")
	assert.Equal(t, time.Duration(0), dashTicksToDuration(5, 0))
	assert.Equal(t, uint64(315000), dashDurationToTicks(3500*time.Millisecond, 90000))
	assert.Equal(t, uint64(0), dashDurationToTicks(-time.Second, 90000))
	assert.Equal(t, uint64(math.MaxUint64), dashDurationToTicks(math.MaxInt64, math.MaxUint64))
}
