package traces

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSabreSmall(t *testing.T) {
	in := `[
  {"duration_ms": 1013, "bandwidth_kbps": 1285, "latency_ms": 100},
  {"duration_ms": 0.5, "bandwidth_kbps": 2.5e3, "latency_ms": 20, "note": "ignored"},
  {"bandwidth_kbps": 0, "duration_ms": 5000}
]`
	tr, err := ReadSabre(strings.NewReader(in), "small")
	require.NoError(t, err)
	assert.Equal(t, []SabrePeriod{
		{DurationMs: 1013, BandwidthKbps: 1285, LatencyMs: 100},
		{DurationMs: 0.5, BandwidthKbps: 2500, LatencyMs: 20},
		{DurationMs: 5000, BandwidthKbps: 0, LatencyMs: 0},
	}, tr.Sabre)
	// 1 kbit/s = 1000 bit/s; ms -> ns.
	assert.Equal(t, []Sample{
		{Duration: 1013 * time.Millisecond, Rate: 1_285_000, Latency: 100 * time.Millisecond},
		{Duration: 500 * time.Microsecond, Rate: 2_500_000, Latency: 20 * time.Millisecond},
		{Duration: 5 * time.Second, Rate: 0},
	}, tr.Samples)
}

func TestReadSabreErrors(t *testing.T) {
	cases := []readErrorCase{
		{"object", `{"duration_ms": 1}`, "bad:1:", ErrSyntax},
		{"missing duration", "[\n{\"bandwidth_kbps\": 1}\n]", "bad:2: period 1", ErrSyntax},
		{"missing bandwidth", "[\n{\"duration_ms\": 1},\n{\"duration_ms\": 1}\n]", "bad:2: period 1", ErrSyntax},
		{"negative", "[\n{\"duration_ms\": 1, \"bandwidth_kbps\": 1},\n\n  {\"duration_ms\": -1, \"bandwidth_kbps\": 1}]", "bad:4: period 2", ErrInvalid},
		{"string value", "[{\"duration_ms\": \"x\", \"bandwidth_kbps\": 1}]", "bad:1: period 1", ErrSyntax},
		{"not object", "[1]", "bad:1: period 1", ErrSyntax},
		{"unterminated", "[{\"duration_ms\": 1, \"bandwidth_kbps\": 1}", "bad:1:", ErrSyntax},
		{"trailing", "[{\"duration_ms\": 1, \"bandwidth_kbps\": 1}] []", "bad:1:", ErrSyntax},
		{"empty array", "[]", "bad", ErrInvalid},
		{"zero duration", "[{\"duration_ms\": 0, \"bandwidth_kbps\": 1}]", "bad", ErrInvalid},
	}
	checkReadErrors(t, ReadSabre, cases)
}

func TestSabreRoundTrip(t *testing.T) {
	in := `[{"duration_ms": 1013.25, "bandwidth_kbps": 1285.5, "latency_ms": 100}]`
	tr, err := ReadSabre(strings.NewReader(in), "rt")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteSabre(&buf, tr))
	assert.Equal(t, "[\n    {\"duration_ms\": 1013.25, \"bandwidth_kbps\": 1285.5, \"latency_ms\": 100}\n]\n", buf.String())
	back, err := ReadSabre(&buf, "rt")
	require.NoError(t, err)
	assert.Equal(t, tr.Sabre, back.Sabre)
	assert.Equal(t, tr.Samples, back.Samples)
}

func TestSabreRealToyNetwork(t *testing.T) {
	data, err := os.ReadFile(sharedTraces(t, "sabre/network.json"))
	require.NoError(t, err)
	tr, err := ReadSabre(bytes.NewReader(data), "network")
	require.NoError(t, err)
	// README: 4 periods of 30 s at 5000/3000/1500/3000 kbit/s, latency 75/150/200/150 ms.
	assert.Equal(t, []SabrePeriod{
		{30000, 5000, 75}, {30000, 3000, 150}, {30000, 1500, 200}, {30000, 3000, 150},
	}, tr.Sabre)
	assert.Equal(t, 2*time.Minute, tr.Duration())
	// (5000+3000+1500+3000)/4 = 3125 kbit/s.
	assert.Equal(t, int64(3_125_000), tr.MeanRate())
	// Written back in Sabre's own layout, the file is byte for byte the
	// same apart from whitespace.
	var buf bytes.Buffer
	require.NoError(t, WriteSabre(&buf, tr))
	assert.Equal(t, strings.Join(strings.Fields(string(data)), ""), strings.Join(strings.Fields(buf.String()), ""))
}
