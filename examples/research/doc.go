// Command research is a small ABR study to copy from: it compares two
// stock algorithms (BBA and robustMPC) with a custom one, buffer-share,
// registered under its own name with abr.Register, on a set of network
// traces (the embedded traces by default, or every trace file below
// --traces DIR) and the embedded Envivio video, in abrkit's native
// profile. It prints the per-algorithm summary table and writes the
// per-session CSV and the plots (QoE CDFs, QoE components, per-session
// timelines on the first trace; PNG and SVG) to --out.
//
//	go run ./examples/research --traces ../shared/traces/pensieve-hsdpa/test --out research-out
//
// It uses the public packages abr, sim, qoe and traces only, the way a
// user's program would; it must not depend on cmd or on any package's
// internals.
package main
