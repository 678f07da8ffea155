package sim

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plotResults runs the test sweep (with timelines on its first trace).
func plotResults(t *testing.T) []SessionResult {
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	_, _, res := runToBytes(t, jobs, SweepConfig{Workers: 2}, testColumns)
	return res
}

func TestWritePlots(t *testing.T) {
	res := plotResults(t)
	dir := filepath.Join(t.TempDir(), "out")
	files, err := WritePlots(dir, res, []string{"lin"}, DefaultPlotConfig())
	require.NoError(t, err)

	var timelines int
	for i := range res {
		if len(res[i].Timeline) > 0 {
			timelines++
		}
	}
	// testSweep keeps timelines on its first trace: 12 jobs, minus those
	// the fake runner fails.
	require.Positive(t, timelines)
	want := []string{"qoe_cdf_lin.png", "qoe_cdf_lin.svg", "qoe_components_lin.png", "qoe_components_lin.svg"}
	for i := range res {
		if len(res[i].Timeline) > 0 {
			base := fmt.Sprintf("timeline_%06d_%s_hsdpa_bus.log", res[i].Job, strings.ReplaceAll(strings.ReplaceAll(res[i].ABR, ",", "_"), "=", "_"))
			want = append(want, base+".png", base+".svg")
		}
	}
	var got []string
	for _, f := range files {
		assert.Equal(t, dir, filepath.Dir(f))
		got = append(got, filepath.Base(f))
	}
	assert.Equal(t, want, got)

	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotEmpty(t, data, f)
		if strings.HasSuffix(f, ".png") {
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err, f)
			// 16 cm at 150 dpi = 16 / 2.54 × 150 = 944.9 pixels.
			assert.InDelta(t, 945, img.Bounds().Dx(), 1, f)
		} else {
			assert.Contains(t, string(data), "<svg", f)
			assert.Contains(t, string(data), "</svg>", f)
		}
	}
	cdf, err := os.ReadFile(filepath.Join(dir, "qoe_cdf_lin.svg"))
	require.NoError(t, err)
	for _, text := range []string{"QoE CDF per algorithm", "fraction of sessions", "chunks 2..48", "bba", "robustmpc"} {
		assert.Contains(t, string(cdf), text)
	}

	// Same results, same bytes.
	dir2 := filepath.Join(t.TempDir(), "again")
	files2, err := WritePlots(dir2, res, []string{"lin"}, DefaultPlotConfig())
	require.NoError(t, err)
	require.Len(t, files2, len(files))
	for i := range files {
		a, _ := os.ReadFile(files[i])
		b, _ := os.ReadFile(files2[i])
		assert.True(t, bytes.Equal(a, b), "%s differs between two runs", filepath.Base(files[i]))
	}
}

func TestPlotErrors(t *testing.T) {
	_, err := QoECDFPlot([]SessionResult{{ABR: "x", Err: "boom"}}, "lin")
	require.ErrorIs(t, err, ErrNoPlotData)
	assert.Contains(t, err.Error(), `no session scored with QoE model "lin"`)
	_, err = QoEComponentsPlot(NewSweepReport(nil, []string{"hd"}), "hd")
	require.ErrorIs(t, err, ErrNoPlotData)
	_, _, err = TimelinePlots(&SessionResult{Job: 4})
	require.ErrorIs(t, err, ErrNoPlotData)
	assert.Contains(t, err.Error(), "job 4 has no timeline")

	res := plotResults(t)
	p, err := QoECDFPlot(res, "lin")
	require.NoError(t, err)
	cfg := DefaultPlotConfig()
	cfg.Formats = []string{"pdf"}
	_, err = SavePlot(filepath.Join(t.TempDir(), "x"), cfg, p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `plot format "pdf": want png or svg`)

	// A model nobody was scored with is skipped, not an error.
	files, err := WritePlots(t.TempDir(), res[len(res)-1:], []string{"hd"}, DefaultPlotConfig())
	require.NoError(t, err)
	assert.Empty(t, files)
}

func TestFileSafe(t *testing.T) {
	assert.Equal(t, "hsdpa_bus_1_.log", fileSafe("hsdpa/bus 1?.log"))
	assert.Equal(t, "throughput_safety_0.9", fileSafe("throughput,safety=0.9"))
}
