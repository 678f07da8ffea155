// Package qoe scores streaming sessions: quality-of-experience models over a
// session's per-segment log, used by the simulator (sim), the load tests
// (load) and the player's stats (player).
//
// It has three parts:
//
//   - Session, the input: a plain per-download log that a player core or a
//     simulator fills (one Segment per download, plus session-level facts),
//     and Summarize, the generic metrics over it (startup delay, stalls,
//     rebuffer ratio, switches, time-weighted bitrate, bytes) as a Summary
//     that marshals to JSON with units in the field names.
//   - The Pensieve/MPC family of linear QoE models, "lin", "log" and "hd"
//     (Mao et al., SIGCOMM 2017, eq. (1) and Table 1; Yin et al., SIGCOMM
//     2015), computed exactly as Pensieve's code computes them, with an
//     explicit Convention saying which chunks count (Pensieve's evaluation
//     sums chunks 2..48 and drops the first). Every Score carries its
//     convention. ParseModel and ModelNames form the registry used by CLIs.
//     AppendPensieveLogLine writes Pensieve's per-chunk test log line with
//     Pensieve's own number formatting, so logs can be diffed digit by digit.
//   - Sabre's metric set (Spiteri, Sitaraman, Sparacio, MMSys 2018;
//     UMass-LIDS/sabre): SabreAccumulator is fed by a simulator running
//     Sabre's model at the points where Sabre updates its own counters, and
//     SabreMetrics prints every "name: value" line Sabre prints, with Sabre's
//     number formatting.
//
// # Units
//
// The session log follows the project rules: time.Duration for times, int64
// bit/s for bitrates, int64 bytes for sizes. Two deliberate exceptions exist,
// both at the boundary with another simulator whose numbers we must match to
// the last printed digit:
//
//   - PensieveChunk and Model.Reward take rebuffering as float64 seconds,
//     because Pensieve computes it in float64 and a time.Duration (whole
//     nanoseconds) cannot hold its values exactly.
//   - The Sabre types use Sabre's own units (float64 milliseconds and kbit/s),
//     as sabre-model §12.1 requires for bit-exact reproduction.
//
// Scoring a Session converts its durations to seconds once per chunk; the
// result then matches Pensieve to within float rounding, not bit for bit.
//
// # Floating point
//
// Expressions that must match Python's results are written in Python's
// evaluation order, and products that are then added are wrapped in an
// explicit float64 conversion so the compiler cannot fuse them into FMA
// instructions (which would change the last bit on arm64 and on amd64 v3).
// Python's math.log and glibc's log can differ from Go's math.Log in the last
// bit for some inputs; this only affects the "log" model and Sabre's log
// bitrate change.
//
// # Dependencies
//
// qoe imports only the standard library. It must not import any other abrkit
// package (player, sim, abr, manifest, traces, load, origin, cmd): those
// depend on it, not the other way round. It does no I/O and never logs.
package qoe
