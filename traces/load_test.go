package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name, head string
		want       Format
	}{
		{"a", "  \n[{\"duration_ms\": 1}]", FormatSabre},
		{"a", "\xef\xbb\xbf[", FormatSabre},
		{"a", "duration_s,rate_bps\n", FormatCSV},
		{"a", "# comment\n", FormatCSV},
		{"a", "1,2\n", FormatCSV},
		{"a", "0\n0\n1\n", FormatMahimahi},
		{"a", "\n\n17\n", FormatMahimahi},
		{"a", "0.0\t4.03\n", FormatPensieve},
		{"a", "0 1\r\n", FormatPensieve},
		// Content that does not decide: the extension does.
		{"x.json", "", FormatSabre},
		{"x.CSV", "", FormatCSV},
		{"x.down", "", FormatMahimahi},
		{"x.up", "1 2 3", FormatMahimahi},
		// Content wins over a misleading extension.
		{"x.json", "0 1\n", FormatPensieve},
	}
	for _, c := range cases {
		got, err := Detect(c.name, []byte(c.head))
		require.NoError(t, err, "%s %q", c.name, c.head)
		assert.Equal(t, c.want, got, "%s %q", c.name, c.head)
	}
	_, err := Detect("x.txt", []byte("a b c\n"))
	assert.ErrorIs(t, err, ErrUnknownFormat)
	_, err = Detect("x", nil)
	assert.ErrorIs(t, err, ErrUnknownFormat)
}

func TestFormatNames(t *testing.T) {
	for f := FormatPensieve; f <= FormatSynthetic; f++ {
		got, err := ParseFormat(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := ParseFormat("mp4")
	assert.ErrorIs(t, err, ErrUnknownFormat)
	assert.Equal(t, "unknown", FormatUnknown.String())
}

func TestTraceName(t *testing.T) {
	assert.Equal(t, "trace0000", TraceName("a/b/trace0000.json"))
	assert.Equal(t, "Verizon-LTE-short", TraceName("Verizon-LTE-short.down"))
	assert.Equal(t, "norway_bus_1", TraceName("/x/norway_bus_1"))
	assert.Equal(t, "bus.x-report.2010-09-28_1407CEST.log", TraceName("bus.x-report.2010-09-28_1407CEST.log"))
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func TestLoadAndLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b_cooked":    "0 1\n2 4\n",
		"a.json":      `[{"duration_ms": 1000, "bandwidth_kbps": 8000, "latency_ms": 20}]`,
		"c.csv":       "duration_s,rate_bps\n1,5\n",
		"d.down":      "1\n",
		"README.md":   "not a trace",
		"LICENSE":     "not a trace",
		".hidden":     "not a trace",
		"SHA256SUMS":  "not a trace",
		"Z_last_file": "0 1\n1 1\n",
	})
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))

	tr, err := Load(filepath.Join(dir, "a.json"))
	require.NoError(t, err)
	assert.Equal(t, "a", tr.Name)
	assert.Equal(t, FormatSabre, tr.Format)

	all, err := LoadDir(dir)
	require.NoError(t, err)
	var names []string
	var formats []Format
	for _, tr := range all {
		names = append(names, tr.Name)
		formats = append(formats, tr.Format)
	}
	// Byte order: upper case before lower case.
	assert.Equal(t, []string{"Z_last_file", "a", "b_cooked", "c", "d"}, names)
	assert.Equal(t, []Format{FormatPensieve, FormatSabre, FormatPensieve, FormatCSV, FormatMahimahi}, formats)

	// Options reach the Mahimahi reader.
	tr, err = LoadWith(filepath.Join(dir, "d.down"), Options{MahimahiBin: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, []Sample{{Duration: time.Millisecond, Rate: 12_000_000}}, tr.Samples)
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"good": "0 1\n1 1\n", "bad": "0 1\n1 x\n"})
	_, err := LoadDir(dir)
	require.ErrorIs(t, err, ErrSyntax)
	assert.Contains(t, err.Error(), filepath.Join(dir, "bad")+":2:")

	_, err = LoadDir(writeFiles(t, map[string]string{"README": "x"}))
	assert.ErrorIs(t, err, ErrNoTraces)

	_, err = Load(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, err = Load(filepath.Join(writeFiles(t, map[string]string{"x.txt": "a b c\n"}), "x.txt"))
	assert.ErrorIs(t, err, ErrUnknownFormat)
}

func TestWriteDispatch(t *testing.T) {
	tr := mustConstant(t, 12_000_000, 2*time.Millisecond)
	for _, f := range []Format{FormatPensieve, FormatMahimahi, FormatSabre, FormatCSV} {
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, tr, f))
		back, err := Read(&buf, "x", f, Options{MahimahiBin: time.Millisecond})
		require.NoError(t, err, f.String())
		assert.Equal(t, tr.Samples, back.Samples, f.String())
	}
	assert.ErrorIs(t, Write(&bytes.Buffer{}, tr, FormatSynthetic), ErrUnknownFormat)
	_, err := Read(&bytes.Buffer{}, "x", FormatUnknown, DefaultOptions())
	assert.ErrorIs(t, err, ErrUnknownFormat)
}

// TestLoadSharedDirs loads every shared trace folder and checks the counts
// and shapes their READMEs state.
func TestLoadSharedDirs(t *testing.T) {
	cases := []struct {
		dir    string
		count  int
		format Format
	}{
		{"pensieve-hsdpa/test", 142, FormatPensieve},
		{"pensieve-hsdpa/train", 68, FormatPensieve},
		{"pensieve-fcc/train", 59, FormatPensieve},
		{"mahimahi", 7, FormatMahimahi},
		{"sabre/mmsys18/3Glogs", 86, FormatSabre},
		{"sabre/mmsys18/4Glogs", 40, FormatSabre},
		{"sabre/mmsys18/sd_fs", 1000, FormatSabre},
		{"sabre/mmsys18/hd_fs", 1000, FormatSabre},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			dir := sharedTraces(t, c.dir)
			all, err := LoadDir(dir)
			require.NoError(t, err)
			require.Len(t, all, c.count)
			// Same order as the sorted file names.
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var want []string
			for _, e := range entries {
				if !e.IsDir() && IsTraceFileName(e.Name()) {
					want = append(want, TraceName(e.Name()))
				}
			}
			require.Len(t, want, c.count)
			for i, tr := range all {
				assert.Equal(t, c.format, tr.Format)
				require.NoError(t, tr.Validate())
				assert.Equal(t, want[i], tr.Name)
			}
		})
	}
	// FCC cooked traces are exactly 5 s apart.
	fcc, err := LoadDir(sharedTraces(t, "pensieve-fcc/train"))
	require.NoError(t, err)
	for _, tr := range fcc {
		for _, s := range tr.Samples {
			require.Equal(t, 5*time.Second, s.Duration, tr.Name)
		}
	}
	// sd_fs: 36 periods x 5 s = 180 s, latency 20 ms.
	sd, err := Load(filepath.Join(sharedTraces(t, "sabre/mmsys18/sd_fs"), "trace0000.json"))
	require.NoError(t, err)
	assert.Len(t, sd.Samples, 36)
	assert.Equal(t, 180*time.Second, sd.Duration())
	assert.Equal(t, 20*time.Millisecond, sd.Samples[0].Latency)
}
