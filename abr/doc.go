// Package abr holds the pluggable adaptive-bitrate interface of abrkit,
// the bandwidth estimators and the stock algorithms of research and
// industry, with a registry by name.
//
// An Algorithm sees a read-only Snapshot (ladder, buffer, playhead,
// download history, the estimator's estimate) and returns a Decision that
// always carries a Reason. Optional capabilities are small separate
// interfaces: Observer (outcome of downloads and waits), Abandoner
// (progress checks of an in-flight download), Starter (first choice),
// Replacer (re-fetching buffered low-quality segments) and
// EstimatorProvider (an algorithm's own estimator). A wait before the next
// request is expressed through Decision.Delay, which is zero unless the
// algorithm asks for one.
//
// Algorithms and estimators do no I/O, read no clock and start no
// goroutine: time comes in through the Snapshot. They run unchanged in the
// embedded player, the simulator and the load tests.
//
// This package must not depend on any other abrkit package (in particular
// not on player, manifest or sim); it depends on the standard library
// only.
package abr
