package sim

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/abrkit/abrkit/qoe"
)

// Distribution summarises a set of per-session values.
type Distribution struct {
	// N is the number of values (NaNs are left out).
	N int
	// Mean is the arithmetic mean; NaN when N is 0.
	Mean float64
	// P10, P50 and P90 are percentiles by Percentile; NaN when N is 0.
	P10, P50, P90 float64
}

// NewDistribution summarises values, leaving out NaNs. values is not
// modified.
func NewDistribution(values []float64) Distribution {
	xs := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	d := Distribution{N: len(xs), Mean: math.NaN(), P10: math.NaN(), P50: math.NaN(), P90: math.NaN()}
	if len(xs) == 0 {
		return d
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	d.Mean = sum / float64(len(xs))
	d.P10, d.P50, d.P90 = Percentile(xs, 10), Percentile(xs, 50), Percentile(xs, 90)
	return d
}

// Percentile returns the p-th percentile (0 <= p <= 100) of sorted, an
// ascending slice, by linear interpolation between the closest ranks: with
// h = (n−1)·p/100, the value x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). This is
// numpy's default (method "linear", Hyndman and Fan's type 7), so numbers
// match what researchers compute from the CSV with numpy or pandas. An
// empty slice gives NaN; p outside [0, 100] is clamped.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	p = min(max(p, 0), 100)
	h := float64(n-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// ComponentMeans are the per-session means of the three terms of a
// Pensieve/MPC score: QoE = utility − rebuffer penalty − smoothness
// penalty.
type ComponentMeans struct {
	Utility, RebufferPenalty, SmoothnessPenalty float64
}

// AlgorithmReport summarises the sessions of one algorithm.
type AlgorithmReport struct {
	// ABR is the algorithm specification.
	ABR string
	// Sessions counts the sessions that succeeded; the distributions are
	// over them.
	Sessions int
	// Failed counts the sessions that failed.
	Failed int
	// QoE maps model names to the distribution of per-session totals.
	QoE map[string]Distribution
	// Components maps model names to the mean components.
	Components map[string]ComponentMeans
	// Rebuffer is the distribution of rebuffer_s (seconds; see
	// ResultColumns.Header).
	Rebuffer Distribution
	// Bitrate is the distribution of the time-weighted bitrate in kbit/s.
	Bitrate Distribution
	// Switches is the distribution of the switch count.
	Switches Distribution
}

// SweepReport is the per-algorithm summary of a sweep, printed as the
// table on stdout.
type SweepReport struct {
	// Models are the QoE models reported, in column order.
	Models []string
	// Conventions maps each model to its convention as text ("chunks
	// 2..48, startup as rebuffer"); differing conventions among the
	// sessions are joined with " | ".
	Conventions map[string]string
	// Algorithms are in order of first appearance in the results (the
	// sweep's algorithm order).
	Algorithms []AlgorithmReport
}

// reportSession is what a report needs of one session.
type reportSession struct {
	abr      string
	failed   bool
	qoe      []float64 // per model; NaN when absent
	comps    [][3]float64
	rebuffer float64
	bitrate  float64
	switches float64
}

// NewSweepReport summarises results per algorithm. models selects the QoE
// models and their order; nil takes every model found in the results,
// registered models (qoe.ModelNames) first.
func NewSweepReport(results []SessionResult, models []string) *SweepReport {
	if models == nil {
		models = modelsIn(results)
	}
	convs := make([][]string, len(models))
	sessions := make([]reportSession, len(results))
	for i := range results {
		r := &results[i]
		s := reportSession{abr: r.ABR, failed: r.Failed()}
		if !s.failed {
			s.qoe = make([]float64, len(models))
			s.comps = make([][3]float64, len(models))
			for k, m := range models {
				sc, ok := r.Scores[m]
				if !ok {
					s.qoe[k] = math.NaN()
					s.comps[k] = [3]float64{math.NaN(), math.NaN(), math.NaN()}
					continue
				}
				s.qoe[k] = sc.Total
				s.comps[k] = [3]float64{sc.Utility, sc.RebufferPenalty, sc.SmoothnessPenalty}
				if c := sc.Convention.String(); !slices.Contains(convs[k], c) {
					convs[k] = append(convs[k], c)
				}
			}
			s.rebuffer, _ = rebufferSeconds(r, models)
			s.bitrate = float64(r.Summary.TimeWeightedBitrate) / 1000
			s.switches = float64(r.Summary.SwitchCount)
		}
		sessions[i] = s
	}
	conventions := make(map[string]string, len(models))
	for k, m := range models {
		conventions[m] = strings.Join(convs[k], " | ")
	}
	return buildReport(sessions, models, conventions)
}

// modelsIn returns the model names scored in results: registered names in
// registry order, then the others sorted.
func modelsIn(results []SessionResult) []string {
	found := map[string]bool{}
	for i := range results {
		for m := range results[i].Scores {
			found[m] = true
		}
	}
	var out []string
	for _, m := range qoe.ModelNames() {
		if found[m] {
			out = append(out, m)
			delete(found, m)
		}
	}
	rest := make([]string, 0, len(found))
	for m := range found {
		rest = append(rest, m)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// buildReport groups sessions by algorithm.
func buildReport(sessions []reportSession, models []string, conventions map[string]string) *SweepReport {
	rep := &SweepReport{Models: models, Conventions: conventions}
	var order []string
	groups := map[string][]*reportSession{}
	for i := range sessions {
		s := &sessions[i]
		if _, ok := groups[s.abr]; !ok {
			order = append(order, s.abr)
		}
		groups[s.abr] = append(groups[s.abr], s)
	}
	for _, abr := range order {
		ar := AlgorithmReport{ABR: abr, QoE: map[string]Distribution{}, Components: map[string]ComponentMeans{}}
		var ok []*reportSession
		for _, s := range groups[abr] {
			if s.failed {
				ar.Failed++
			} else {
				ok = append(ok, s)
			}
		}
		ar.Sessions = len(ok)
		col := func(get func(*reportSession) float64) []float64 {
			v := make([]float64, len(ok))
			for i, s := range ok {
				v[i] = get(s)
			}
			return v
		}
		for k, m := range models {
			ar.QoE[m] = NewDistribution(col(func(s *reportSession) float64 { return s.qoe[k] }))
			ar.Components[m] = ComponentMeans{
				Utility:           NewDistribution(col(func(s *reportSession) float64 { return s.comps[k][0] })).Mean,
				RebufferPenalty:   NewDistribution(col(func(s *reportSession) float64 { return s.comps[k][1] })).Mean,
				SmoothnessPenalty: NewDistribution(col(func(s *reportSession) float64 { return s.comps[k][2] })).Mean,
			}
		}
		ar.Rebuffer = NewDistribution(col(func(s *reportSession) float64 { return s.rebuffer }))
		ar.Bitrate = NewDistribution(col(func(s *reportSession) float64 { return s.bitrate }))
		ar.Switches = NewDistribution(col(func(s *reportSession) float64 { return s.switches }))
		rep.Algorithms = append(rep.Algorithms, ar)
	}
	return rep
}

// Report summarises a result CSV as NewSweepReport does. The models are
// the column groups qoe_<m> with their three component columns; the
// convention text is the qoe_convention column of the first successful
// row, rows whose value differs adding to it with " | ".
func (t *ResultTable) Report() (*SweepReport, error) {
	var models []string
	for _, h := range t.Header {
		m, ok := strings.CutPrefix(h, "qoe_")
		if !ok || h == colConv {
			continue
		}
		if t.Column(h+"_utility") >= 0 && t.Column(h+"_rebuffer_penalty") >= 0 && t.Column(h+"_smoothness_penalty") >= 0 {
			models = append(models, m)
		}
	}
	for _, c := range []string{colRebuf, colBitrate, colSwitch} {
		if t.Column(c) < 0 {
			return nil, fmt.Errorf("%w: %s: no %q column", ErrBadResults, t.Name, c)
		}
	}
	abrCol, errCol, convCol := t.Column(colABR), t.Column(colError), t.Column(colConv)
	var convs []string
	sessions := make([]reportSession, len(t.Rows))
	for i, row := range t.Rows {
		num := func(col string) (float64, error) {
			cell := row[t.Column(col)]
			if cell == "" {
				return math.NaN(), nil
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: %s: row %d (job %d): %s %q is not a number", ErrBadResults, t.Name, i+1, t.Jobs[i], col, cell)
			}
			return v, nil
		}
		s := reportSession{abr: row[abrCol], failed: row[errCol] != ""}
		if !s.failed {
			var err error
			s.qoe = make([]float64, len(models))
			s.comps = make([][3]float64, len(models))
			for k, m := range models {
				if s.qoe[k], err = num("qoe_" + m); err != nil {
					return nil, err
				}
				for j, comp := range scoreComponents {
					if s.comps[k][j], err = num("qoe_" + m + "_" + comp.suffix); err != nil {
						return nil, err
					}
				}
			}
			if s.rebuffer, err = num(colRebuf); err != nil {
				return nil, err
			}
			if s.bitrate, err = num(colBitrate); err != nil {
				return nil, err
			}
			if s.switches, err = num(colSwitch); err != nil {
				return nil, err
			}
			if convCol >= 0 && row[convCol] != "" && !slices.Contains(convs, row[convCol]) {
				convs = append(convs, row[convCol])
			}
		}
		sessions[i] = s
	}
	conventions := make(map[string]string, len(models))
	for _, m := range models {
		conventions[m] = strings.Join(convs, " | ")
	}
	return buildReport(sessions, models, conventions), nil
}

// WriteTable writes the report as an aligned text table: per algorithm,
// its session and failure counts and one row per metric (each QoE model,
// rebuffer_s, bitrate_kbps, switches) with mean, p10, p50 and p90,
// followed by a legend giving each QoE model's convention and the units.
func (r *SweepReport) WriteTable(w io.Writer) error {
	rows := [][]string{{"abr", "sessions", "failed", "metric", "mean", "p10", "p50", "p90"}}
	for _, a := range r.Algorithms {
		type metric struct {
			name string
			d    Distribution
		}
		var ms []metric
		for _, m := range r.Models {
			ms = append(ms, metric{"qoe_" + m, a.QoE[m]})
		}
		ms = append(ms, metric{colRebuf, a.Rebuffer}, metric{colBitrate, a.Bitrate}, metric{colSwitch, a.Switches})
		for i, m := range ms {
			row := make([]string, 0, 8)
			if i == 0 {
				row = append(row, a.ABR, strconv.Itoa(a.Sessions), strconv.Itoa(a.Failed))
			} else {
				row = append(row, "", "", "")
			}
			row = append(row, m.name)
			for _, v := range []float64{m.d.Mean, m.d.P10, m.d.P50, m.d.P90} {
				row = append(row, tableNumber(v))
			}
			rows = append(rows, row)
		}
	}
	var b strings.Builder
	writeAligned(&b, rows, []bool{false, true, true, false, true, true, true, true})
	b.WriteString("\n")
	for _, m := range r.Models {
		if conv := r.Conventions[m]; conv != "" {
			fmt.Fprintf(&b, "qoe_%s: QoE %s summed per session over %s\n", m, m, conv)
		} else {
			fmt.Fprintf(&b, "qoe_%s: QoE %s summed per session (no session was scored)\n", m, m)
		}
	}
	if len(r.Models) > 0 {
		fmt.Fprintf(&b, "%s: seconds of rebuffering over the chunks qoe_%s counts\n", colRebuf, r.Models[0])
	} else {
		fmt.Fprintf(&b, "%s: seconds stalled after startup\n", colRebuf)
	}
	fmt.Fprintf(&b, "%s: time-weighted played bitrate; %s: bitrate switches per session\n", colBitrate, colSwitch)
	b.WriteString("p10/p50/p90: percentiles over sessions (linear interpolation, as numpy)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// tableNumber formats a table cell: three decimals, "-" for NaN.
func tableNumber(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// writeAligned writes rows as columns two spaces apart, right-aligning the
// columns flagged in right, with no trailing spaces.
func writeAligned(b *strings.Builder, rows [][]string, right []bool) {
	widths := make([]int, len(right))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}
