package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/abrkit/abrkit/qoe"
)

// ErrBadResults is wrapped by every error about result files: a malformed
// CSV or JSON result file, or result files that cannot be merged.
var ErrBadResults = errors.New("sim: bad results")

// SessionResult is the outcome of one simulated session of a sweep.
//
// A session that failed keeps its identifiers and carries the reason in
// Err; its metrics are zero and absent from the outputs. Other sessions of
// the sweep are not affected.
type SessionResult struct {
	// Job is the job's index in the full sweep (Job.Index).
	Job int
	// Trace is the trace name (TraceInput.Name).
	Trace string
	// ABR is the algorithm specification.
	ABR string
	// Profile is the simulation profile.
	Profile string
	// Params is the parameter set's label.
	Params string
	// Seed is the session's seed.
	Seed uint64
	// Summary holds the generic session metrics.
	Summary qoe.Summary
	// Scores maps QoE model names to their scores. Each Score carries the
	// Convention (which chunks count) it was computed under; outputs print
	// it next to the values.
	Scores map[string]qoe.Score
	// Sabre holds Sabre's metric set when the session ran Sabre's model,
	// nil otherwise.
	Sabre *qoe.SabreMetrics
	// Err describes why the session failed; empty when it succeeded.
	Err string
	// Timeline is the per-download timeline, kept only when the job asked
	// for it (Job.Timeline).
	Timeline []TimelinePoint
}

// Failed reports whether the session failed.
func (r *SessionResult) Failed() bool { return r.Err != "" }

// setJob copies a job's identifiers into the result.
func (r *SessionResult) setJob(j *Job) {
	r.Job = j.Index
	r.Trace = j.Trace.Name
	r.ABR = j.ABR
	r.Profile = j.Profile
	r.Params = j.Params.Label
	r.Seed = j.Seed
}

// TimelinePoint is the state of a session right after one download
// completed (or was abandoned).
type TimelinePoint struct {
	// Time is the session time at the end of the download.
	Time time.Duration
	// Segment is the media segment index downloaded.
	Segment int
	// Estimate is the throughput estimate the algorithm chose this
	// download's rung with, in bit/s (0 when the algorithm had none).
	Estimate int64
	// Throughput is the throughput measured over this download, in bit/s:
	// bytes × 8 over the transfer time after the first byte.
	Throughput int64
	// Buffer is the buffer level after the download was handled.
	Buffer time.Duration
	// Bitrate is the nominal bitrate of the downloaded rung, in bit/s.
	Bitrate int64
}

// ResultColumns says which optional columns a result file has: one group
// per QoE model and, for Sabre-profile sweeps, Sabre's metric set.
type ResultColumns struct {
	// Models are the QoE model names, in column order ("lin", "log",
	// "hd" as requested). Names are lower-case letters, digits and '_'.
	Models []string
	// Sabre adds Sabre's metrics, named as Sabre prints them, lower-cased
	// with '_' for spaces ("time_average_played_bitrate").
	Sabre bool
}

// Column names of result files that do not depend on ResultColumns.
const (
	colTrace   = "trace"
	colABR     = "abr"
	colProfile = "profile"
	colParams  = "params"
	colSeed    = "seed"
	colJob     = "job"
	colConv    = "qoe_convention"
	colRebuf   = "rebuffer_s"
	colBitrate = "bitrate_kbps"
	colSwitch  = "switches"
	colError   = "error"
)

// Validate checks the model names: non-empty, of lower-case letters,
// digits and '_', distinct, and not making two columns with one name.
func (c ResultColumns) Validate() error {
	for _, m := range c.Models {
		if m == "" || strings.ContainsFunc(m, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
		}) {
			return fmt.Errorf("%w: QoE model name %q: want lower-case letters, digits and '_'", ErrBadResults, m)
		}
	}
	seen := map[string]bool{}
	for _, h := range c.Header() {
		if seen[h] {
			return fmt.Errorf("%w: column %q would appear twice (QoE models %q)", ErrBadResults, h, c.Models)
		}
		seen[h] = true
	}
	return nil
}

// Header returns the CSV header, in this stable order:
//
//	trace, abr, profile, params, seed, job,
//	qoe_<model> for each model, qoe_convention (when there are models),
//	rebuffer_s, bitrate_kbps, startup_s, switches,
//	switch_magnitude_kbps, stall_count, stall_s, stall_ratio, play_s,
//	mean_bitrate_kbps, downloads, abandoned, replacements,
//	played_segments, downloaded_bytes, played_bytes,
//	qoe_<model>_utility, qoe_<model>_rebuffer_penalty,
//	qoe_<model>_smoothness_penalty for each model,
//	Sabre's metrics in Sabre's printed order (when Sabre is set),
//	error.
//
// Meanings: qoe_<model> is the score's Total under qoe_convention (the
// conventions of all models, "lin: …; log: …" when they differ).
// rebuffer_s is the rebuffering summed over the chunks the convention
// counts (Score.RebufferS of the first model; Pensieve's convention counts
// chunks 2..48), or the stall time after startup when there is no model.
// bitrate_kbps is the time-weighted played bitrate. stall_* and the other
// summary columns are the whole session's (qoe.Summary). job is the job
// index that merge orders by.
func (c ResultColumns) Header() []string {
	h := []string{colTrace, colABR, colProfile, colParams, colSeed, colJob}
	for _, m := range c.Models {
		h = append(h, "qoe_"+m)
	}
	if len(c.Models) > 0 {
		h = append(h, colConv)
	}
	h = append(h, colRebuf, colBitrate)
	for _, s := range summaryColumns {
		h = append(h, s.name)
	}
	for _, m := range c.Models {
		for _, comp := range scoreComponents {
			h = append(h, "qoe_"+m+"_"+comp.suffix)
		}
	}
	if c.Sabre {
		for _, s := range sabreColumns {
			h = append(h, s.name)
		}
	}
	return append(h, colError)
}

// summaryColumn is a column filled from qoe.Summary.
type summaryColumn struct {
	name   string
	format func(b []byte, s *qoe.Summary) []byte
}

// summaryColumns follow rebuffer_s and bitrate_kbps, in header order.
// Durations print as exact decimal seconds and bitrates as exact decimal
// kbit/s, so values read back bit for bit.
var summaryColumns = []summaryColumn{
	{"startup_s", func(b []byte, s *qoe.Summary) []byte { return appendSeconds(b, s.StartupDelay) }},
	{colSwitch, func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.SwitchCount)) }},
	{"switch_magnitude_kbps", func(b []byte, s *qoe.Summary) []byte { return appendKbps(b, s.SwitchMagnitude) }},
	{"stall_count", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.StallCount)) }},
	{"stall_s", func(b []byte, s *qoe.Summary) []byte { return appendSeconds(b, s.StallTime) }},
	{"stall_ratio", func(b []byte, s *qoe.Summary) []byte { return appendFloat(b, s.RebufferRatio) }},
	{"play_s", func(b []byte, s *qoe.Summary) []byte { return appendSeconds(b, s.PlayTime) }},
	{"mean_bitrate_kbps", func(b []byte, s *qoe.Summary) []byte { return appendKbps(b, s.MeanBitrate) }},
	{"downloads", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.Downloads)) }},
	{"abandoned", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.AbandonedDownloads)) }},
	{"replacements", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.Replacements)) }},
	{"played_segments", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, int64(s.PlayedSegments)) }},
	{"downloaded_bytes", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, s.DownloadedBytes) }},
	{"played_bytes", func(b []byte, s *qoe.Summary) []byte { return appendInt(b, s.PlayedBytes) }},
}

// scoreComponent is one of the three terms of a Pensieve/MPC score.
type scoreComponent struct {
	suffix string
	get    func(*qoe.Score) float64
}

// scoreComponents are the per-model component columns, in header order.
var scoreComponents = []scoreComponent{
	{"utility", func(s *qoe.Score) float64 { return s.Utility }},
	{"rebuffer_penalty", func(s *qoe.Score) float64 { return s.RebufferPenalty }},
	{"smoothness_penalty", func(s *qoe.Score) float64 { return s.SmoothnessPenalty }},
}

// sabreColumn is one of Sabre's printed metrics.
type sabreColumn struct {
	// name is Sabre's printed name, lower-cased with '_' for spaces (also
	// the JSON name in qoe.SabreMetrics).
	name string
	// count marks integer metrics.
	count bool
	get   func(*qoe.SabreMetrics) float64
	set   func(*qoe.SabreMetrics, float64)
}

// sabreColumns lists Sabre's metrics in the order Sabre prints them
// (qoe.SabreMetrics.AppendText).
var sabreColumns = []sabreColumn{
	{"buffer_size", false, func(m *qoe.SabreMetrics) float64 { return m.BufferSize }, func(m *qoe.SabreMetrics, v float64) { m.BufferSize = v }},
	{"total_played_utility", false, func(m *qoe.SabreMetrics) float64 { return m.TotalPlayedUtility }, func(m *qoe.SabreMetrics, v float64) { m.TotalPlayedUtility = v }},
	{"time_average_played_utility", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAveragePlayedUtility }, func(m *qoe.SabreMetrics, v float64) { m.TimeAveragePlayedUtility = v }},
	{"total_played_bitrate", false, func(m *qoe.SabreMetrics) float64 { return m.TotalPlayedBitrate }, func(m *qoe.SabreMetrics, v float64) { m.TotalPlayedBitrate = v }},
	{"time_average_played_bitrate", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAveragePlayedBitrate }, func(m *qoe.SabreMetrics, v float64) { m.TimeAveragePlayedBitrate = v }},
	{"total_play_time", false, func(m *qoe.SabreMetrics) float64 { return m.TotalPlayTime }, func(m *qoe.SabreMetrics, v float64) { m.TotalPlayTime = v }},
	{"total_play_time_chunks", false, func(m *qoe.SabreMetrics) float64 { return m.TotalPlayTimeChunks }, func(m *qoe.SabreMetrics, v float64) { m.TotalPlayTimeChunks = v }},
	{"total_rebuffer", false, func(m *qoe.SabreMetrics) float64 { return m.TotalRebuffer }, func(m *qoe.SabreMetrics, v float64) { m.TotalRebuffer = v }},
	{"rebuffer_ratio", false, func(m *qoe.SabreMetrics) float64 { return m.RebufferRatio }, func(m *qoe.SabreMetrics, v float64) { m.RebufferRatio = v }},
	{"time_average_rebuffer", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAverageRebuffer }, func(m *qoe.SabreMetrics, v float64) { m.TimeAverageRebuffer = v }},
	{"total_rebuffer_events", true, func(m *qoe.SabreMetrics) float64 { return float64(m.TotalRebufferEvents) }, func(m *qoe.SabreMetrics, v float64) { m.TotalRebufferEvents = int(v) }},
	{"time_average_rebuffer_events", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAverageRebufferEvents }, func(m *qoe.SabreMetrics, v float64) { m.TimeAverageRebufferEvents = v }},
	{"total_bitrate_change", false, func(m *qoe.SabreMetrics) float64 { return m.TotalBitrateChange }, func(m *qoe.SabreMetrics, v float64) { m.TotalBitrateChange = v }},
	{"time_average_bitrate_change", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAverageBitrateChange }, func(m *qoe.SabreMetrics, v float64) { m.TimeAverageBitrateChange = v }},
	{"total_log_bitrate_change", false, func(m *qoe.SabreMetrics) float64 { return m.TotalLogBitrateChange }, func(m *qoe.SabreMetrics, v float64) { m.TotalLogBitrateChange = v }},
	{"time_average_log_bitrate_change", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAverageLogBitrateChange }, func(m *qoe.SabreMetrics, v float64) { m.TimeAverageLogBitrateChange = v }},
	{"time_average_score", false, func(m *qoe.SabreMetrics) float64 { return m.TimeAverageScore }, func(m *qoe.SabreMetrics, v float64) { m.TimeAverageScore = v }},
	{"over_estimate_count", true, func(m *qoe.SabreMetrics) float64 { return float64(m.OverEstimateCount) }, func(m *qoe.SabreMetrics, v float64) { m.OverEstimateCount = int(v) }},
	{"over_estimate", false, func(m *qoe.SabreMetrics) float64 { return m.OverEstimate }, func(m *qoe.SabreMetrics, v float64) { m.OverEstimate = v }},
	{"leq_estimate_count", true, func(m *qoe.SabreMetrics) float64 { return float64(m.LeqEstimateCount) }, func(m *qoe.SabreMetrics, v float64) { m.LeqEstimateCount = int(v) }},
	{"leq_estimate", false, func(m *qoe.SabreMetrics) float64 { return m.LeqEstimate }, func(m *qoe.SabreMetrics, v float64) { m.LeqEstimate = v }},
	{"estimate", false, func(m *qoe.SabreMetrics) float64 { return m.Estimate }, func(m *qoe.SabreMetrics, v float64) { m.Estimate = v }},
	{"rampup_time", false, func(m *qoe.SabreMetrics) float64 { return m.RampupTime }, func(m *qoe.SabreMetrics, v float64) { m.RampupTime = v }},
	{"total_reaction_time", false, func(m *qoe.SabreMetrics) float64 { return m.TotalReactionTime }, func(m *qoe.SabreMetrics, v float64) { m.TotalReactionTime = v }},
}

// conventionLabel returns the conventions of r's scores for models, as
// the qoe_convention column shows them: one convention when all agree,
// else "model: convention" pairs joined by "; ". Models without a score
// are skipped.
func conventionLabel(r *SessionResult, models []string) string {
	var first string
	same, n := true, 0
	for _, m := range models {
		s, ok := r.Scores[m]
		if !ok {
			continue
		}
		c := s.Convention.String()
		if n == 0 {
			first = c
		} else if c != first {
			same = false
		}
		n++
	}
	if same {
		return first
	}
	parts := make([]string, 0, n)
	for _, m := range models {
		if s, ok := r.Scores[m]; ok {
			parts = append(parts, m+": "+s.Convention.String())
		}
	}
	return strings.Join(parts, "; ")
}

// rebufferSeconds returns the rebuffer_s value of r (see
// ResultColumns.Header) and whether it comes from a score.
func rebufferSeconds(r *SessionResult, models []string) (float64, bool) {
	for _, m := range models {
		if s, ok := r.Scores[m]; ok {
			return s.RebufferS, true
		}
	}
	return r.Summary.StallTime.Seconds(), false
}
