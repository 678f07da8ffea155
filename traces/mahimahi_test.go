package traces

import (
	"bufio"
	"bytes"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadMahimahiSingleOpportunity(t *testing.T) {
	// The README's example: a file containing only "1" is a 12 Mbit/s link
	// (one 1500-byte packet per ms). The bin is wider than the 1 ms period,
	// so the only bin is 1 ms wide.
	tr, err := ReadMahimahi(strings.NewReader("1\n"), "one", DefaultMahimahiBin)
	require.NoError(t, err)
	assert.Equal(t, []Sample{{Duration: time.Millisecond, Rate: 12_000_000}}, tr.Samples)
}

func TestReadMahimahiBinning(t *testing.T) {
	// Period L = 10 ms, bins of 5 ms. Timestamp m counts in bin (m-1)/5,
	// timestamp 0 counts in the last bin:
	//   bin 0 [0,5): m = 1, 1, 2, 5 -> 4 packets -> 4*12000 bit / 5 ms = 9.6 Mbit/s
	//   bin 1 [5,10): m = 10 and the two 0s -> 3 packets -> 7.2 Mbit/s
	// Mean: 7*12000 bit / 10 ms = 8.4 Mbit/s.
	tr, err := ReadMahimahi(strings.NewReader("0\n0\n1\n1\n2\n5\n10\n"), "bins", 5*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, []Sample{
		{Duration: 5 * time.Millisecond, Rate: 9_600_000},
		{Duration: 5 * time.Millisecond, Rate: 7_200_000},
	}, tr.Samples)
	assert.Equal(t, int64(8_400_000), tr.MeanRate())
}

func TestReadMahimahiGapsMerge(t *testing.T) {
	// Packets at 1 ms and 1000 ms with 100 ms bins: bin 0 and bin 9 hold one
	// packet each (12000 bit / 100 ms = 120 kbit/s); bins 1-8 are empty and
	// merge into one 800 ms zero-rate sample.
	tr, err := ReadMahimahi(strings.NewReader("1\n1000\n"), "gaps", 100*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, []Sample{
		{Duration: 100 * time.Millisecond, Rate: 120_000},
		{Duration: 800 * time.Millisecond, Rate: 0},
		{Duration: 100 * time.Millisecond, Rate: 120_000},
	}, tr.Samples)
}

func TestReadMahimahiPartialLastBin(t *testing.T) {
	// L = 250 ms with 100 ms bins: bins of 100, 100 and 50 ms. One packet
	// per bin: 120 kbit/s, 120 kbit/s, then 12000 bit / 50 ms = 240 kbit/s.
	tr, err := ReadMahimahi(strings.NewReader("100\n200\n250\n"), "partial", 100*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, []Sample{
		{Duration: 200 * time.Millisecond, Rate: 120_000},
		{Duration: 50 * time.Millisecond, Rate: 240_000},
	}, tr.Samples)
}

func TestReadMahimahiErrors(t *testing.T) {
	cases := []struct {
		name, in, msg string
		bin           time.Duration
		target        error
	}{
		{"float", "1\n2.5\n", "m:2:", time.Millisecond, ErrSyntax},
		{"negative", "-1\n", "m:1:", time.Millisecond, ErrSyntax},
		{"decreasing", "5\n3\n", "m:2:", time.Millisecond, ErrInvalid},
		{"empty", "\n\n", "m:", time.Millisecond, ErrInvalid},
		{"zero period", "0\n0\n", "m:", time.Millisecond, ErrInvalid},
		{"bad bin", "1\n", "bin width", 1500 * time.Microsecond, ErrInvalid},
		{"zero bin", "1\n", "bin width", 0, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadMahimahi(strings.NewReader(c.in), "m", c.bin)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.target)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestWriteMahimahi(t *testing.T) {
	cases := []struct {
		name string
		tr   *Trace
		want string
	}{
		// 12 Mbit/s = one packet per ms: packets complete at 1, 2, 3 ms.
		{"one per ms", mustConstant(t, 12_000_000, 3*time.Millisecond), "1\n2\n3\n"},
		// 6 Mbit/s = 6000 bit/ms: 12000 bits at 2 ms and 4 ms.
		{"every other ms", mustConstant(t, 6_000_000, 4*time.Millisecond), "2\n4\n"},
		// 1 Mbit/s for 30 ms = 30000 bits: packets at 12 ms and 24 ms, 6000
		// bits left over; the last packet moves to the period end (30 ms).
		{"leftover", mustConstant(t, 1_000_000, 30*time.Millisecond), "12\n30\n"},
		// 24 Mbit/s: two packets per ms.
		{"two per ms", mustConstant(t, 24_000_000, 2*time.Millisecond), "1\n1\n2\n2\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteMahimahi(&buf, c.tr))
			assert.Equal(t, c.want, buf.String())
		})
	}
}

func TestWriteMahimahiSteps(t *testing.T) {
	// 3 ms at 6 Mbit/s (18000 bits), then 3 ms at 18 Mbit/s (54000 bits).
	// Cumulative bits: 6000, 12000, 18000 | 36000, 54000, 72000.
	// Packet k completes when the cumulative reaches 12000 k:
	// k=1 at 2 ms; k=2 (24000) at 3 + 6000/18000 ms -> ms 4; k=3 (36000) at 4;
	// k=4 (48000) at 4 + 2/3 ms -> 5; k=5 (60000) at 5 + 1/3 -> 6; k=6 (72000) at 6.
	tr, err := Steps("s", 3*time.Millisecond, 6_000_000, 18_000_000)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteMahimahi(&buf, tr))
	assert.Equal(t, "2\n4\n4\n5\n6\n6\n", buf.String())
}

func TestWriteMahimahiZeroCapacity(t *testing.T) {
	var buf bytes.Buffer
	// 100 kbit/s for 100 ms = 10000 bits: less than one packet.
	err := WriteMahimahi(&buf, mustConstant(t, 100_000, 100*time.Millisecond))
	require.ErrorIs(t, err, ErrZeroCapacity)
}

func TestMahimahiRealFile(t *testing.T) {
	p := sharedTraces(t, "mahimahi/Verizon-LTE-short.down")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	tr, err := ReadMahimahi(bytes.NewReader(data), "Verizon-LTE-short", DefaultMahimahiBin)
	require.NoError(t, err)
	// README: 140.0 s, 58 655 opportunities, 5.03 Mbit/s mean.
	assert.Equal(t, 140*time.Second, tr.Duration())
	assert.InDelta(t, 58655*12000, tr.Bits(), 1400) // rounding: < 0.5 bit/s per 100 ms bin
	assert.InDelta(t, 5_027_571, tr.MeanRate(), 10)

	// With 1 ms bins the rate function keeps every packet, so writing it
	// back gives the original timestamps, except that a timestamp 0 (the
	// same instant as the period end in the loop) comes back as the period.
	fine, err := ReadMahimahi(bytes.NewReader(data), "fine", time.Millisecond)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, WriteMahimahi(&out, fine))
	want := readInts(t, data)
	last := want[len(want)-1]
	for i, v := range want {
		if v == 0 {
			want[i] = last
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	assert.Equal(t, want, readInts(t, out.Bytes()))
}

func readInts(t *testing.T, data []byte) []int64 {
	t.Helper()
	var out []int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		v, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func mustConstant(t *testing.T, rate int64, d time.Duration) *Trace {
	t.Helper()
	tr, err := Constant("c", rate, d)
	require.NoError(t, err)
	return tr
}
