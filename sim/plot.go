package sim

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// ErrNoPlotData is returned (wrapped) by the plot builders when the
// results hold nothing to draw, such as no successful session scored by
// the model asked for.
var ErrNoPlotData = errors.New("sim: nothing to plot")

// PlotConfig configures the plot files. Start from DefaultPlotConfig.
type PlotConfig struct {
	// Width and Height are the size of one plot panel; a timeline stacks
	// two panels and is 1.6 × Height tall.
	Width, Height vg.Length
	// DPI is the resolution of PNG files.
	DPI int
	// Formats are the file formats written, by extension: "png", "svg".
	Formats []string
}

// DefaultPlotConfig returns 16 cm × 10 cm panels, PNG at 150 dpi, and both
// PNG and SVG.
func DefaultPlotConfig() PlotConfig {
	return PlotConfig{Width: 16 * vg.Centimeter, Height: 10 * vg.Centimeter, DPI: 150, Formats: []string{"png", "svg"}}
}

// plotColors is the Okabe–Ito palette, distinguishable with the common
// colour-vision deficiencies.
var plotColors = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
	{0x00, 0x00, 0x00, 0xFF}, // black
}

// plotDashes distinguish lines beyond colour (and in grey-scale prints).
var plotDashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)},
}

// newPlot returns a plot with a title, axis labels and grid lines.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xDD}
	grid.Horizontal.Color = color.Gray{Y: 0xDD}
	p.Add(grid)
	return p
}

// algorithmsOf returns the algorithms of results in order of first
// appearance.
func algorithmsOf(results []SessionResult) []string {
	var out []string
	for i := range results {
		if !slices.Contains(out, results[i].ABR) {
			out = append(out, results[i].ABR)
		}
	}
	return out
}

// QoECDFPlot draws the empirical CDF of per-session QoE under model, one
// line per algorithm (failed sessions and sessions without that score are
// left out). The x label names the model's convention.
func QoECDFPlot(results []SessionResult, model string) (*plot.Plot, error) {
	rep := NewSweepReport(results, []string{model})
	p := newPlot("QoE CDF per algorithm (QoE "+model+")",
		"QoE "+model+" per session, summed over "+rep.Conventions[model],
		"fraction of sessions with QoE ≤ x")
	p.Y.Min, p.Y.Max = 0, 1
	// A CDF is near 1 at the right, so the bottom right corner is free.
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	n := 0
	for k, abr := range algorithmsOf(results) {
		var xs []float64
		for i := range results {
			r := &results[i]
			if s, ok := r.Scores[model]; ok && r.ABR == abr && !r.Failed() && !math.IsNaN(s.Total) {
				xs = append(xs, s.Total)
			}
		}
		if len(xs) == 0 {
			continue
		}
		slices.Sort(xs)
		// A staircase: at each value the fraction rises by 1/len.
		pts := make(plotter.XYs, 0, 2*len(xs))
		for i, x := range xs {
			pts = append(pts,
				plotter.XY{X: x, Y: float64(i) / float64(len(xs))},
				plotter.XY{X: x, Y: float64(i+1) / float64(len(xs))})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("sim: QoE CDF of %s: %w", abr, err)
		}
		l.Color = plotColors[k%len(plotColors)]
		l.Width = vg.Points(1.8)
		l.Dashes = plotDashes[(k/len(plotColors))%len(plotDashes)]
		p.Add(l)
		p.Legend.Add(abr+" ("+strconv.Itoa(len(xs))+")", l)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no session scored with QoE model %q", ErrNoPlotData, model)
	}
	return p, nil
}

// QoEComponentsPlot draws, for each algorithm of rep, the mean per-session
// utility, rebuffer penalty and smoothness penalty of model as grouped
// bars (QoE = utility − rebuffer penalty − smoothness penalty).
func QoEComponentsPlot(rep *SweepReport, model string) (*plot.Plot, error) {
	var algs []AlgorithmReport
	for _, a := range rep.Algorithms {
		if c, ok := a.Components[model]; ok && !math.IsNaN(c.Utility) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("%w: no session scored with QoE model %q", ErrNoPlotData, model)
	}
	conv := rep.Conventions[model]
	p := newPlot("Mean QoE components per algorithm (QoE "+model+")",
		"algorithm (QoE = utility − rebuffer penalty − smoothness penalty)",
		"mean per session, QoE "+model+" units")
	if conv != "" {
		p.Title.Text += "\nsummed over " + conv
	}
	p.Legend.Top = true
	names := make([]string, len(algs))
	for i, a := range algs {
		names[i] = a.ABR
	}
	series := []struct {
		name string
		get  func(ComponentMeans) float64
	}{
		{"utility", func(c ComponentMeans) float64 { return c.Utility }},
		{"rebuffer penalty", func(c ComponentMeans) float64 { return c.RebufferPenalty }},
		{"smoothness penalty", func(c ComponentMeans) float64 { return c.SmoothnessPenalty }},
	}
	// Each algorithm gets about 0.85 × panel width / n; its three bars take
	// three quarters of that, and stay between 3 and 36 points wide.
	w := DefaultPlotConfig().Width * 0.85 / vg.Length(len(algs)) / 4
	w = min(max(w, vg.Points(3)), vg.Points(36))
	for k, s := range series {
		vals := make(plotter.Values, len(algs))
		for i, a := range algs {
			vals[i] = s.get(a.Components[model])
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, fmt.Errorf("sim: QoE components: %w", err)
		}
		bars.Color = plotColors[k]
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(k-1) * w
		p.Add(bars)
		p.Legend.Add(s.name, bars)
	}
	p.NominalX(names...)
	if len(algs) > 5 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	// Half a group of room left and right, and room above the tallest bar
	// for the legend.
	p.X.Min, p.X.Max = -0.5, float64(len(algs))-0.5
	p.Y.Max += 0.3 * (p.Y.Max - math.Min(p.Y.Min, 0))
	return p, nil
}

// TimelinePlots draws a session's timeline as two panels sharing the time
// axis: the top one with the measured throughput of each download, the
// throughput estimate the algorithm used and the bitrate downloaded
// (Mbit/s), the bottom one with the buffer level (s).
func TimelinePlots(r *SessionResult) (top, bottom *plot.Plot, err error) {
	if len(r.Timeline) == 0 {
		return nil, nil, fmt.Errorf("%w: job %d has no timeline", ErrNoPlotData, r.Job)
	}
	// Two lines, so that long trace paths fit the plot's width.
	title := "Session timeline: " + r.ABR
	if r.Params != "" && r.Params != DefaultParamsLabel {
		title += ", params " + r.Params
	}
	title += " (seed " + strconv.FormatUint(r.Seed, 10) + ", job " + strconv.Itoa(r.Job) + ")\ntrace " + r.Trace
	top = newPlot(title, "", "rate (Mbit/s)")
	bottom = newPlot("", "session time (s)", "buffer (s)")
	top.Legend.Top = true
	top.Y.Min, bottom.Y.Min = 0, 0

	n := len(r.Timeline)
	thr, est, br, buf := make(plotter.XYs, n), make(plotter.XYs, n), make(plotter.XYs, n+1), make(plotter.XYs, n+1)
	for i, pt := range r.Timeline {
		t := pt.Time.Seconds()
		thr[i] = plotter.XY{X: t, Y: float64(pt.Throughput) / 1e6}
		est[i] = plotter.XY{X: t, Y: float64(pt.Estimate) / 1e6}
		br[i+1] = plotter.XY{X: t, Y: float64(pt.Bitrate) / 1e6}
		buf[i+1] = plotter.XY{X: t, Y: pt.Buffer.Seconds()}
	}
	// The bitrate is drawn as the rung being downloaded up to each
	// completion, from the session start; the buffer starts empty.
	br[0] = plotter.XY{X: 0, Y: br[1].Y}
	buf[0] = plotter.XY{X: 0, Y: 0}

	bitLine, err := plotter.NewLine(br)
	if err != nil {
		return nil, nil, err
	}
	bitLine.StepStyle = plotter.PreStep
	bitLine.Color = plotColors[0]
	bitLine.Width = vg.Points(2)

	thrLine, thrPoints, err := plotter.NewLinePoints(thr)
	if err != nil {
		return nil, nil, err
	}
	thrLine.Color = plotColors[1]
	thrLine.Width = vg.Points(1)
	thrPoints.Color = plotColors[1]
	thrPoints.Radius = vg.Points(1.6)

	estLine, err := plotter.NewLine(est)
	if err != nil {
		return nil, nil, err
	}
	estLine.Color = plotColors[2]
	estLine.Width = vg.Points(1.5)
	estLine.Dashes = plotDashes[1]

	top.Add(bitLine, thrLine, thrPoints, estLine)
	top.Legend.Add("bitrate downloaded", bitLine)
	top.Legend.Add("measured throughput", thrLine, thrPoints)
	top.Legend.Add("throughput estimate", estLine)
	// Leave room above the data for the legend.
	top.Y.Max *= 1.35

	bufLine, err := plotter.NewLine(buf)
	if err != nil {
		return nil, nil, err
	}
	bufLine.Color = plotColors[4]
	bufLine.Width = vg.Points(1.8)
	bottom.Add(bufLine)
	bottom.Legend.Top = true
	bottom.Legend.Add("buffer level", bufLine)
	bottom.Y.Max *= 1.25
	bottom.X.Min, bottom.X.Max = math.Min(top.X.Min, bottom.X.Min), math.Max(top.X.Max, bottom.X.Max)
	top.X.Min, top.X.Max = bottom.X.Min, bottom.X.Max
	return top, bottom, nil
}

// SavePlot writes panels stacked top to bottom (sharing the width) to
// base + "." + format for each of cfg.Formats, and returns the paths. One
// panel is cfg.Width × cfg.Height; several share a height of 0.8 ×
// cfg.Height each.
func SavePlot(base string, cfg PlotConfig, panels ...*plot.Plot) ([]string, error) {
	h := cfg.Height
	if len(panels) > 1 {
		h = cfg.Height * 0.8 * vg.Length(len(panels))
	}
	var paths []string
	for _, f := range cfg.Formats {
		var c interface {
			vg.CanvasSizer
			WriteTo(w io.Writer) (int64, error)
		}
		switch strings.ToLower(f) {
		case "png":
			img := vgimg.NewWith(vgimg.UseWH(cfg.Width, h), vgimg.UseDPI(max(cfg.DPI, 1)))
			c = vgimg.PngCanvas{Canvas: img}
		case "svg":
			c = vgsvg.New(cfg.Width, h)
		default:
			return paths, fmt.Errorf("sim: plot format %q: want png or svg", f)
		}
		dc := draw.New(c)
		if len(panels) == 1 {
			panels[0].Draw(dc)
		} else {
			grid := make([][]*plot.Plot, len(panels))
			for i, p := range panels {
				grid[i] = []*plot.Plot{p}
			}
			tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(2),
				PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}
			canvases := plot.Align(grid, tiles, dc)
			for i, p := range panels {
				p.Draw(canvases[i][0])
			}
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return paths, fmt.Errorf("sim: rendering %s.%s: %w", base, f, err)
		}
		path := base + "." + strings.ToLower(f)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("sim: writing plot: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// WritePlots writes the standard plots of a sweep into dir (created if
// needed) and returns the files written, in this order with these names:
//
//	qoe_cdf_<model>.<ext>         QoECDFPlot, for each model
//	qoe_components_<model>.<ext>  QoEComponentsPlot, for each model
//	timeline_<job>_<abr>_<trace>.<ext>  TimelinePlots, for each result
//	                              with a timeline (job as 6 digits)
//
// with characters other than letters, digits, '.', '-' and '_' in names
// replaced by '_'. models nil takes every model in the results. A model no
// successful session was scored with is skipped.
func WritePlots(dir string, results []SessionResult, models []string, cfg PlotConfig) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: plot directory: %w", err)
	}
	rep := NewSweepReport(results, models)
	var files []string
	save := func(name string, panels ...*plot.Plot) error {
		paths, err := SavePlot(filepath.Join(dir, fileSafe(name)), cfg, panels...)
		files = append(files, paths...)
		return err
	}
	for _, m := range rep.Models {
		p, err := QoECDFPlot(results, m)
		if errors.Is(err, ErrNoPlotData) {
			continue
		}
		if err != nil {
			return files, err
		}
		if err := save("qoe_cdf_"+m, p); err != nil {
			return files, err
		}
	}
	for _, m := range rep.Models {
		p, err := QoEComponentsPlot(rep, m)
		if errors.Is(err, ErrNoPlotData) {
			continue
		}
		if err != nil {
			return files, err
		}
		if err := save("qoe_components_"+m, p); err != nil {
			return files, err
		}
	}
	for i := range results {
		r := &results[i]
		if len(r.Timeline) == 0 || r.Failed() {
			continue
		}
		top, bottom, err := TimelinePlots(r)
		if err != nil {
			return files, err
		}
		name := fmt.Sprintf("timeline_%06d_%s_%s", r.Job, r.ABR, r.Trace)
		if err := save(name, top, bottom); err != nil {
			return files, err
		}
	}
	return files, nil
}

// fileSafe replaces characters other than ASCII letters, digits, '.', '-'
// and '_' by '_', so a trace path or an algorithm spec makes one file name.
func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}
