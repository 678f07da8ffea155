package sim

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/abrkit/abrkit/qoe"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResultColumnsHeader(t *testing.T) {
	h := ResultColumns{Models: []string{"lin", "log", "hd"}, Sabre: true}.Header()
	want := []string{
		"trace", "abr", "profile", "params", "seed", "job",
		"qoe_lin", "qoe_log", "qoe_hd", "qoe_convention",
		"rebuffer_s", "bitrate_kbps", "startup_s", "switches",
		"switch_magnitude_kbps", "stall_count", "stall_s", "stall_ratio", "play_s",
		"mean_bitrate_kbps", "downloads", "abandoned", "replacements",
		"played_segments", "downloaded_bytes", "played_bytes",
		"qoe_lin_utility", "qoe_lin_rebuffer_penalty", "qoe_lin_smoothness_penalty",
		"qoe_log_utility", "qoe_log_rebuffer_penalty", "qoe_log_smoothness_penalty",
		"qoe_hd_utility", "qoe_hd_rebuffer_penalty", "qoe_hd_smoothness_penalty",
		// Sabre's printed names (sabre-model §7), lower-cased, '_' for spaces.
		"buffer_size", "total_played_utility", "time_average_played_utility",
		"total_played_bitrate", "time_average_played_bitrate", "total_play_time",
		"total_play_time_chunks", "total_rebuffer", "rebuffer_ratio",
		"time_average_rebuffer", "total_rebuffer_events", "time_average_rebuffer_events",
		"total_bitrate_change", "time_average_bitrate_change", "total_log_bitrate_change",
		"time_average_log_bitrate_change", "time_average_score", "over_estimate_count",
		"over_estimate", "leq_estimate_count", "leq_estimate", "estimate", "rampup_time",
		"total_reaction_time",
		"error",
	}
	assert.Equal(t, want, h)

	// Without models there is no convention column, and no Sabre columns
	// unless asked for.
	assert.Equal(t, []string{"trace", "abr", "profile", "params", "seed", "job", "rebuffer_s", "bitrate_kbps"},
		ResultColumns{}.Header()[:8])
	assert.Equal(t, "error", ResultColumns{}.Header()[len(ResultColumns{}.Header())-1])
}

// TestSabreColumnsMatchSabreText: the Sabre column names are exactly the
// names qoe.SabreMetrics prints, lower-cased with '_' for spaces, in the
// same order.
func TestSabreColumnsMatchSabreText(t *testing.T) {
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(qoe.SabreMetrics{}.String()), "\n") {
		name, _, ok := strings.Cut(line, ": ")
		require.True(t, ok, line)
		names = append(names, strings.ReplaceAll(name, " ", "_"))
	}
	var cols []string
	for _, c := range sabreColumns {
		cols = append(cols, c.name)
	}
	assert.Equal(t, names, cols)
}

func TestResultColumnsValidate(t *testing.T) {
	require.NoError(t, ResultColumns{Models: []string{"lin", "my_model2"}}.Validate())
	for _, bad := range [][]string{{""}, {"Lin"}, {"a-b"}, {"lin", "lin"}} {
		err := ResultColumns{Models: bad}.Validate()
		require.ErrorIs(t, err, ErrBadResults, "%q", bad)
	}
	// "lin_utility" would make a qoe_lin_utility column twice.
	err := ResultColumns{Models: []string{"lin", "lin_utility"}}.Validate()
	require.ErrorIs(t, err, ErrBadResults)
	assert.Contains(t, err.Error(), `column "qoe_lin_utility" would appear twice`)
	_, err = NewCSVWriter(&bytes.Buffer{}, ResultColumns{Models: []string{"X"}})
	require.ErrorIs(t, err, ErrBadResults)
}

// handResult is a result whose CSV cells are worked out by hand in
// TestCSVRowValues.
func handResult() SessionResult {
	conv := qoe.PensieveConvention()
	return SessionResult{
		Job: 7, Trace: "hsdpa/bus, line 1.log", ABR: "bba", Profile: "pensieve", Params: "default", Seed: 42,
		Summary: qoe.Summary{
			Downloads: 49, AbandonedDownloads: 1, Replacements: 0, PlayedSegments: 48,
			StartupDelay: 1500 * time.Millisecond, PlayTime: 192 * time.Second,
			StallCount: 2, StallTime: 1_000_000_001, RebufferRatio: 0.25,
			SwitchCount: 3, SwitchMagnitude: 5_350_000,
			TimeWeightedBitrate: 1_234_567, MeanBitrate: 1_200_000,
			DownloadedBytes: 123456789, PlayedBytes: 120000000,
		},
		Scores: map[string]qoe.Score{
			"lin": {Model: "lin", Convention: conv, Total: 12.5, Utility: 20, RebufferPenalty: 4.3, SmoothnessPenalty: 3.2, RebufferS: 1},
		},
	}
}

// TestCSVRowValues checks every cell of a row against hand-written text:
// durations as exact seconds (1 000 000 001 ns → "1.000000001"), bitrates
// as exact kbit/s (1 234 567 bit/s → "1234.567"), rebuffer_s from the lin
// score (1 s over chunks 2..48, not the 1.000000001 s of all stalls).
func TestCSVRowValues(t *testing.T) {
	var b bytes.Buffer
	cw, err := NewCSVWriter(&b, ResultColumns{Models: []string{"lin", "hd"}})
	require.NoError(t, err)
	r := handResult()
	require.NoError(t, cw.Write(&r))
	failed := SessionResult{Job: 8, Trace: "t", ABR: "bola", Profile: "pensieve", Params: "default", Seed: 1, Err: "video: rung 9 missing"}
	require.NoError(t, cw.Write(&failed))
	require.NoError(t, cw.Close())
	tab, err := ReadResultsCSV(&b, "hand.csv")
	require.NoError(t, err)
	require.Len(t, tab.Rows, 2)
	cell := func(row int, col string) string {
		c := tab.Column(col)
		require.GreaterOrEqual(t, c, 0, col)
		return tab.Rows[row][c]
	}
	want := map[string]string{
		"trace": "hsdpa/bus, line 1.log", "abr": "bba", "profile": "pensieve", "params": "default",
		"seed": "42", "job": "7", "qoe_lin": "12.5", "qoe_hd": "",
		"qoe_convention": "chunks 2..48, startup as rebuffer",
		"rebuffer_s":     "1", "bitrate_kbps": "1234.567", "startup_s": "1.5", "switches": "3",
		"switch_magnitude_kbps": "5350", "stall_count": "2", "stall_s": "1.000000001", "stall_ratio": "0.25",
		"play_s": "192", "mean_bitrate_kbps": "1200", "downloads": "49", "abandoned": "1", "replacements": "0",
		"played_segments": "48", "downloaded_bytes": "123456789", "played_bytes": "120000000",
		"qoe_lin_utility": "20", "qoe_lin_rebuffer_penalty": "4.3", "qoe_lin_smoothness_penalty": "3.2",
		"qoe_hd_utility": "", "error": "",
	}
	for col, v := range want {
		assert.Equal(t, v, cell(0, col), col)
	}
	assert.Equal(t, []int{7, 8}, tab.Jobs)
	// The failed row keeps its identifiers and error; metrics are empty.
	for _, col := range tab.Header {
		switch col {
		case "trace", "abr", "profile", "params", "seed", "job", "error":
			assert.NotEmpty(t, cell(1, col), col)
		default:
			assert.Empty(t, cell(1, col), col)
		}
	}
	assert.Equal(t, "video: rung 9 missing", cell(1, "error"))

	// Without models, rebuffer_s is the stall time.
	var b2 bytes.Buffer
	cw2, err := NewCSVWriter(&b2, ResultColumns{})
	require.NoError(t, err)
	require.NoError(t, cw2.Write(&r))
	require.NoError(t, cw2.Close())
	tab2, err := ReadResultsCSV(&b2, "nomodel.csv")
	require.NoError(t, err)
	assert.Equal(t, "1.000000001", tab2.Rows[0][tab2.Column("rebuffer_s")])
}

func TestCSVConventionsDiffer(t *testing.T) {
	r := handResult()
	r.Scores["log"] = qoe.Score{Model: "log", Convention: qoe.FullSessionConvention(), Total: 1}
	assert.Equal(t, "lin: chunks 2..48, startup as rebuffer; log: all chunks, startup as rebuffer",
		conventionLabel(&r, []string{"lin", "log"}))
	assert.Equal(t, "all chunks, startup as rebuffer", conventionLabel(&r, []string{"hd", "log"}))
}

func TestCSVEmptyHasHeader(t *testing.T) {
	var b bytes.Buffer
	cw, err := NewCSVWriter(&b, ResultColumns{})
	require.NoError(t, err)
	require.NoError(t, cw.Close())
	assert.Equal(t, strings.Join(ResultColumns{}.Header(), ",")+"\n", b.String())
}

func TestReadResultsCSVErrors(t *testing.T) {
	header := strings.Join(ResultColumns{}.Header(), ",")
	row := func(job string) string {
		cells := make([]string, len(ResultColumns{}.Header()))
		cells[5] = job
		return strings.Join(cells, ",")
	}
	cases := map[string]struct{ in, msg string }{
		"empty":       {"", "x.csv: empty file, no CSV header"},
		"not ours":    {"a,b,c\n1,2,3\n", `x.csv: line 1: no "trace" column; not a result file of abrkit sim`},
		"dup column":  {"trace,trace\n", `x.csv: line 1: column "trace" appears twice`},
		"bad job":     {header + "\n" + row("seven") + "\n", `x.csv: line 2: job "seven" is not a non-negative whole number`},
		"neg job":     {header + "\n" + row("-1") + "\n", `job "-1" is not a non-negative whole number`},
		"dup job":     {header + "\n" + row("3") + "\n" + row("3") + "\n", "x.csv: line 3: job 3 already on line 2"},
		"short row":   {header + "\n" + "a,b\n", "x.csv: record on line 2: wrong number of fields"},
		"bad quoting": {header + "\n" + `"a` + "\n", "x.csv"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadResultsCSV(strings.NewReader(c.in), "x.csv")
			require.ErrorIs(t, err, ErrBadResults)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

// TestJSONRoundTrip: every field survives writing and reading, in both
// layouts, including NaN and infinite Sabre metrics and a timeline.
func TestJSONRoundTrip(t *testing.T) {
	r := handResult()
	r.Scores["log"] = qoe.Score{Model: "log", Convention: qoe.FullSessionConvention(), FirstChunk: 1, LastChunk: 48,
		Chunks: 48, Total: -3.25, Mean: -3.25 / 48, Utility: 0.1, RebufferPenalty: math.Inf(1), SmoothnessPenalty: 1e-9, RebufferS: 2}
	r.Sabre = &qoe.SabreMetrics{BufferSize: 25000, RebufferRatio: math.NaN(), TimeAverageScore: math.Inf(-1),
		TotalRebufferEvents: 3, OverEstimateCount: 2, LeqEstimateCount: 9, RampupTime: 1.25}
	r.Timeline = []TimelinePoint{
		{Time: 1_234_567_891, Segment: 0, Estimate: 0, Throughput: 2_500_000, Buffer: 4 * time.Second, Bitrate: 300_000},
		{Time: 5 * time.Second, Segment: 1, Estimate: 2_400_000, Throughput: 1, Buffer: 3_999_999_999, Bitrate: 750_000},
	}
	failed := SessionResult{Job: 9, Trace: "t", ABR: "a", Profile: "p", Params: "q", Seed: 3, Err: "boom"}
	for _, layout := range []JSONLayout{JSONLines, JSONArray} {
		var b bytes.Buffer
		jw := NewJSONWriter(&b, layout)
		require.NoError(t, jw.Write(&r))
		require.NoError(t, jw.Write(&failed))
		require.NoError(t, jw.Close())
		if layout == JSONArray {
			assert.True(t, strings.HasPrefix(b.String(), "[\n{"), b.String())
			assert.True(t, strings.HasSuffix(b.String(), "}\n]\n"))
		} else {
			assert.Equal(t, 2, strings.Count(b.String(), "\n"))
		}
		assert.Contains(t, b.String(), `"rebuffer_ratio":"NaN"`)
		assert.Contains(t, b.String(), `"time_average_score":"-Inf"`)
		assert.Contains(t, b.String(), `"convention_text":"chunks 2..48, startup as rebuffer"`)
		assert.Contains(t, b.String(), `"t_s":1.234567891`)
		got, err := ReadResultsJSON(&b, "rt."+layout.String())
		require.NoError(t, err)
		require.Len(t, got, 2)
		// NaN != NaN, so compare the NaN field separately.
		require.NotNil(t, got[0].Sabre)
		assert.True(t, math.IsNaN(got[0].Sabre.RebufferRatio))
		got[0].Sabre.RebufferRatio = 0
		want := r
		sabre := *r.Sabre
		sabre.RebufferRatio = 0
		want.Sabre = &sabre
		assert.Equal(t, want, got[0])
		assert.Equal(t, failed, got[1])
	}
	var empty bytes.Buffer
	ew := NewJSONWriter(&empty, JSONArray)
	require.NoError(t, ew.Close())
	assert.Equal(t, "[]\n", empty.String())
	got, err := ReadResultsJSON(&empty, "empty.json")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadResultsJSONErrors(t *testing.T) {
	cases := map[string]struct{ in, msg string }{
		"no job":        {`{"trace":"t","error":"x"}`, `x.jsonl: record 1: no "job"`},
		"no summary":    {`{"job":1,"trace":"t"}`, `job 1: neither "error" nor "summary"`},
		"unknown field": {`{"job":1,"error":"x","colour":"red"}`, `unknown field "colour"`},
		"dup job":       {`{"job":1,"error":"x"}` + "\n" + `{"job":1,"error":"y"}`, "record 2: job 1 already in record 1"},
		"negative job":  {`{"job":-4,"error":"x"}`, "job -4 is negative"},
		"score key":     {`{"job":1,"summary":{},"scores":{"lin":{"model":"log"}}}`, `score "lin" is of model "log"`},
		"sabre missing": {`{"job":1,"summary":{},"sabre":{"buffer_size":1}}`, `sabre metrics: no "total_played_utility"`},
		"bad float":     {`{"job":1,"summary":{},"scores":{"lin":{"model":"lin","total":"lots"}}}`, `number expected, got string "lots"`},
		"truncated":     {`{"job":1,`, "x.jsonl: record 1"},
		"array open":    {`[{"job":1,"error":"x"}`, "at the end of the array"},
		"after array":   {`[{"job":1,"error":"x"}] {}`, "data after the array"},
		"not an object": {`42`, "record 1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadResultsJSON(strings.NewReader(c.in), "x.jsonl")
			require.ErrorIs(t, err, ErrBadResults)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestNumberFormats(t *testing.T) {
	sec := map[time.Duration]string{
		0: "0", time.Second: "1", 1500 * time.Millisecond: "1.5", 1: "0.000000001",
		-2 * time.Second: "-2", -1: "-0.000000001", math.MaxInt64: "9223372036.854775807",
		math.MinInt64: "-9223372036.854775808",
	}
	for d, want := range sec {
		assert.Equal(t, want, string(appendSeconds(nil, d)), "%d ns", int64(d))
		if d != math.MinInt64 {
			got, ok := parseExactSeconds(want)
			assert.True(t, ok, want)
			assert.Equal(t, d, got, want)
		}
	}
	kbps := map[int64]string{0: "0", 300_000: "300", 1_234_567: "1234.567", 1_000_001: "1000.001", 1_230: "1.23"}
	for bps, want := range kbps {
		assert.Equal(t, want, string(appendKbps(nil, bps)), "%d bit/s", bps)
	}
	floats := map[float64]string{
		0: "0", 12.5: "12.5", -0.1: "-0.1", 1e-7: "1e-07", 1e21: "1e+21", 123456789.25: "123456789.25",
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf",
	}
	for x, want := range floats {
		assert.Equal(t, want, string(appendFloat(nil, x)), "%v", x)
	}
	assert.Equal(t, "NaN", string(appendFloat(nil, math.NaN())))
	_, ok := parseExactSeconds("1.0000000001")
	assert.False(t, ok, "ten fraction digits are not exact nanoseconds")
	_, ok = parseExactSeconds("1e3")
	assert.False(t, ok)
}

// BenchmarkWriteResult measures writing one session's row (CSV, with two
// QoE models and Sabre's metrics) and object (JSON Lines).
func BenchmarkWriteResult(b *testing.B) {
	r := fakeResult(Job{ABR: "bba", Trace: TraceInput{Name: "t"}}, 12345, true)
	r.Sabre.RebufferRatio = 0.01
	b.Run("csv", func(b *testing.B) {
		cw, err := NewCSVWriter(io.Discard, testColumns)
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			if err := cw.Write(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonl", func(b *testing.B) {
		jw := NewJSONWriter(io.Discard, JSONLines)
		b.ReportAllocs()
		for b.Loop() {
			if err := jw.Write(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
