package traces

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSVSmall(t *testing.T) {
	in := "# two samples\nduration_s, rate_bps, latency_s\n1.013,1285000,0.1\n5, 320000, 0.000000001\n"
	tr, err := ReadCSV(strings.NewReader(in), "small")
	require.NoError(t, err)
	assert.Equal(t, []Sample{
		{Duration: 1013 * time.Millisecond, Rate: 1_285_000, Latency: 100 * time.Millisecond},
		{Duration: 5 * time.Second, Rate: 320_000, Latency: time.Nanosecond},
	}, tr.Samples)
}

func TestReadCSVNoLatency(t *testing.T) {
	tr, err := ReadCSV(strings.NewReader("duration_s,rate_bps\n.5,8000000\n"), "nl")
	require.NoError(t, err)
	assert.Equal(t, []Sample{{Duration: 500 * time.Millisecond, Rate: 8_000_000}}, tr.Samples)
}

func TestReadCSVErrors(t *testing.T) {
	cases := []readErrorCase{
		{"no header", "1,2\n", "bad:1: ", ErrSyntax},
		{"wrong header", "time,rate\n", "bad:1:", ErrSyntax},
		{"field count", "duration_s,rate_bps\n1,2,3\n", "bad:2:", ErrSyntax},
		{"exponent", "duration_s,rate_bps\n1e3,2\n", "bad:2: duration_s", ErrSyntax},
		{"units", "duration_s,rate_bps\n1s2,2\n", "bad:2: duration_s", ErrSyntax},
		{"negative", "duration_s,rate_bps\n-1,2\n", "bad:2: duration_s", ErrSyntax},
		{"ten digits", "duration_s,rate_bps\n0.0000000001,2\n", "bad:2: duration_s", ErrSyntax},
		{"float rate", "duration_s,rate_bps\n\n1,2.5\n", "bad:3: rate_bps", ErrSyntax},
		{"negative rate", "duration_s,rate_bps\n1,-2\n", "bad:2: rate_bps", ErrSyntax},
		{"bad latency", "duration_s,rate_bps,latency_s\n1,2,x\n", "bad:2: latency_s", ErrSyntax},
		{"empty", "", "bad", ErrInvalid},
		{"header only", "duration_s,rate_bps\n", "bad", ErrInvalid},
		{"huge", "duration_s,rate_bps\n99999999999999,1\n", "bad:2:", ErrInvalid},
	}
	checkReadErrors(t, ReadCSV, cases)
}

func TestCSVRoundTrip(t *testing.T) {
	tr := &Trace{Name: "rt", Samples: []Sample{
		{Duration: 1013 * time.Millisecond, Rate: 1_285_000, Latency: 100 * time.Millisecond},
		{Duration: 3*time.Second + 7, Rate: 0},
	}}
	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, tr))
	assert.Equal(t, "duration_s,rate_bps,latency_s\n1.013,1285000,0.1\n3.000000007,0,0\n", buf.String())
	back, err := ReadCSV(&buf, "rt")
	require.NoError(t, err)
	assert.Equal(t, tr.Samples, back.Samples)

	// Without latencies the column is left out.
	buf.Reset()
	require.NoError(t, WriteCSV(&buf, mustConstant(t, 5, time.Second)))
	assert.Equal(t, "duration_s,rate_bps\n1,5\n", buf.String())
}
