// Package traces reads, writes and generates network capacity traces for
// abrkit's simulator and load tests.
//
// A Trace is a looping, piecewise-constant capacity function: a list of
// Samples, each a Duration (time.Duration), a Rate (int64 bit/s) and an
// optional per-request Latency. That is the canonical form every model and
// tool works from.
//
// # Formats
//
//   - Pensieve "cooked" (FormatPensieve): "<time s> <Mbit/s>" per line. The
//     rate on line i applies over the interval ending at line i's time, the
//     way Pensieve's simulator reads it; line 0's rate is never used.
//   - Mahimahi (FormatMahimahi): one millisecond timestamp per 1500-byte
//     delivery opportunity. Read into rates with a documented bin width
//     (Options.MahimahiBin, default DefaultMahimahiBin = 100 ms); written by
//     quantising capacity back into packets.
//   - Sabre network JSON (FormatSabre): an array of
//     {duration_ms, bandwidth_kbps, latency_ms} periods.
//   - Plain CSV (FormatCSV): header "duration_s,rate_bps[,latency_s]", the
//     canonical samples exactly (see ReadCSV).
//
// Pensieve's and Sabre's simulators compute in float64 on the raw file
// values. To let a model reproduce their digits, ReadPensieve keeps the
// exact columns in Trace.Cooked and ReadSabre keeps the exact periods in
// Trace.Sabre; Trace.PensieveColumns and Trace.SabrePeriods return them (or
// derive them from Samples for traces from other sources). Writers use the
// exact values when present, so reading and writing the same format is
// lossless.
//
// Load and LoadDir detect the format from the content (Detect), using the
// file extension only as a hint. LoadDir is not recursive, skips hidden and
// documentation files, and returns traces in byte order of file name, so a
// sweep over a directory is the same on every machine. Errors name the file
// and, where there is one, the line, and wrap the sentinel errors
// (ErrSyntax, ErrInvalid, ErrUnknownFormat, ErrZeroCapacity, ErrNoTraces).
//
// # Synthetic traces
//
// Constant and Steps build fixed shapes. RandomWalk (a geometric random walk
// reflected between two rates) and Markov (a two-state, Gilbert-Elliott-like
// good/bad link with exponential holding times) take a seed: the same
// configuration and seed give the same trace.
//
// # Embedded traces
//
// Embedded returns five small real traces compiled into the package for the
// no-argument demo: Sabre's toy trace and one FCC SD and one FCC HD trace of
// Sabre's MMSys'18 set (BSD-2-Clause), and two of the Pensieve authors' cooked
// FCC traces (MIT; public FCC data). Their origin and licence texts are in
// the embedded folder next to them and returned by EmbeddedNotice. The HSDPA
// and 4G logs (research-use terms) and the Mahimahi traces (GPL-3.0) are
// deliberately not embedded.
//
// # Dependencies
//
// This package depends on the standard library only. It must not import
// any other abrkit package: sim, load and cmd read traces, never the
// reverse. It never writes to stdout and keeps no global mutable state.
package traces
