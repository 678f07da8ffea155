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

func TestReadPensieveSmall(t *testing.T) {
	in := "0.0\t9\n1.0\t8\n\n2.5  4\r\n"
	tr, err := ReadPensieve(strings.NewReader(in), "small")
	require.NoError(t, err)
	assert.Equal(t, FormatPensieve, tr.Format)
	// Exact columns, including the never-used Mbps[0] = 9.
	assert.Equal(t, []float64{0, 1, 2.5}, tr.Cooked.TimeS)
	assert.Equal(t, []float64{9, 8, 4}, tr.Cooked.Mbps)
	// Pensieve applies bw[i] over (t[i-1], t[i]]: 1 s at 8 Mbit/s, then
	// 1.5 s at 4 Mbit/s. The 9 on line 1 is dropped.
	assert.Equal(t, []Sample{
		{Duration: time.Second, Rate: 8_000_000},
		{Duration: 1500 * time.Millisecond, Rate: 4_000_000},
	}, tr.Samples)
	assert.Equal(t, 2500*time.Millisecond, tr.Duration())
	// 8e6*1 + 4e6*1.5 = 14e6 bits in 2.5 s = 5.6 Mbit/s.
	assert.Equal(t, int64(14_000_000), tr.Bits())
	assert.Equal(t, int64(5_600_000), tr.MeanRate())
}

func TestReadPensieveStartsAtFirstTime(t *testing.T) {
	// A trace whose first time is 0.5 s starts there: one sample of 1 s.
	tr, err := ReadPensieve(strings.NewReader("0.5 1\n1.5 2\n"), "late")
	require.NoError(t, err)
	assert.Equal(t, []Sample{{Duration: time.Second, Rate: 2_000_000}}, tr.Samples)
}

func TestReadPensieveErrors(t *testing.T) {
	cases := []readErrorCase{
		{"one column", "0 1\n1\n", "bad:2:", ErrSyntax},
		{"three columns", "0 1 2\n", "bad:1:", ErrSyntax},
		{"not a number", "0 1\n1 abc\n", "bad:2: throughput", ErrSyntax},
		{"hex", "0 1\n0x1p0 1\n", "bad:2: time", ErrSyntax},
		{"decreasing", "0 1\n2 1\n1 1\n", "bad:3:", ErrInvalid},
		{"negative rate", "0 1\n1 -1\n", "bad:2:", ErrInvalid},
		{"nan", "0 1\n1 nan\n", "bad:2:", ErrInvalid},
		{"inf", "0 1\ninf 1\n", "bad:2:", ErrInvalid},
		{"one line", "0 1\n", "bad:", ErrInvalid},
		{"empty", "", "bad:", ErrInvalid},
		{"zero duration", "0 1\n0 1\n", "bad:", ErrInvalid},
	}
	checkReadErrors(t, ReadPensieve, cases)
}

func TestReadPensieveLongLine(t *testing.T) {
	_, err := ReadPensieve(strings.NewReader("0 1\n"+strings.Repeat("1", maxLine+10)+" 1\n"), "long")
	require.ErrorIs(t, err, ErrSyntax)
	assert.Contains(t, err.Error(), "long:2:")
}

func TestPensieveRoundTrip(t *testing.T) {
	in := "0.0\t4.03768755221\n0.549999952316\t4.79283060109\n0.879999876022\t4.49231799163\n"
	tr, err := ReadPensieve(strings.NewReader(in), "rt")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WritePensieve(&buf, tr))
	// Shortest round-trip formatting gives back the file's digits.
	assert.Equal(t, "0\t4.03768755221\n0.549999952316\t4.79283060109\n0.879999876022\t4.49231799163\n", buf.String())
	back, err := ReadPensieve(&buf, "rt")
	require.NoError(t, err)
	assert.Equal(t, tr.Cooked, back.Cooked)
	assert.Equal(t, tr.Samples, back.Samples)
}

func TestPensieveColumnsDerived(t *testing.T) {
	tr, err := Steps("s", time.Second, 8_000_000, 4_000_000)
	require.NoError(t, err)
	c := tr.PensieveColumns()
	// t = 0, 1, 2; bw[1] = 8 covers (0,1], bw[2] = 4 covers (1,2]; bw[0] repeats bw[1].
	assert.Equal(t, []float64{0, 1, 2}, c.TimeS)
	assert.Equal(t, []float64{8, 8, 4}, c.Mbps)
	var buf bytes.Buffer
	require.NoError(t, WritePensieve(&buf, tr))
	back, err := ReadPensieve(&buf, "s")
	require.NoError(t, err)
	assert.Equal(t, tr.Samples, back.Samples)
}

func TestReadPensieveRealFile(t *testing.T) {
	p := sharedTraces(t, "pensieve-hsdpa/test/norway_bus_1")
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	tr, err := ReadPensieve(f, "norway_bus_1")
	require.NoError(t, err)
	// First two lines of the file: "0.0 4.03768755221", "0.549999952316 4.79283060109".
	assert.Equal(t, 4.03768755221, tr.Cooked.Mbps[0])
	assert.Equal(t, 0.549999952316, tr.Cooked.TimeS[1])
	// Sample 0: 0.549999952316 s -> 549999952 ns; 4.79283060109 Mbit/s -> 4792831 bit/s.
	assert.Equal(t, Sample{Duration: 549999952 * time.Nanosecond, Rate: 4_792_831}, tr.Samples[0])
	assert.Len(t, tr.Samples, len(tr.Cooked.TimeS)-1)
	// The README: test traces last about 300 s (44 s to 317 s).
	assert.Greater(t, tr.Duration(), 44*time.Second)
	assert.Less(t, tr.Duration(), 318*time.Second)
}
