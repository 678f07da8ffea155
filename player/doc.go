// Package player is abrkit's playback session core: a sans-I/O state
// machine that plays a VOD DASH or HLS presentation through a pluggable
// ABR algorithm, plus the sink interface through which media leaves the
// player and a headless sink.
//
// # One core, several drivers
//
// A Session owns the presentation (package manifest), the buffer and
// playhead model, the request scheduler, the ABR algorithm and its
// estimator (package abr), and the retry and failover policy. It reads no
// clock, never sleeps, starts no goroutine, does no I/O and draws
// randomness only from a generator seeded by Config.Seed. A driver runs
// it: the real HTTP driver on the wall clock, the simulator (package sim)
// on a virtual clock. The same inputs give the same outputs, byte for
// byte, so tests feed scripted inputs and assert outputs, and a field
// log can be replayed.
//
// A driver does this, always passing the session time now (time since
// the session started, never decreasing):
//
//  1. Build a session with NewSession (parsed presentation),
//     NewSessionFromManifest (manifest bytes and URL) or NewSessionFromURL
//     (the session fetches the manifest itself), and call Start.
//  2. Drain the actions with Poll (or AppendActions): ActRequest starts a
//     request, ActCancel aborts one, ActDeliver, ActFlush and ActPlayback
//     go to the sink (ApplyToSink).
//  3. Report each request's progress, keyed by the request ID the session
//     issued: OnResponse when the headers arrive, OnProgress as body bytes
//     arrive (the total so far), then OnComplete or OnFailure.
//  4. Call Tick at NextWake (timers: buffer waits, ABR delays, retry
//     backoff, request timeouts, the moment the buffer runs dry).
//  5. Optionally feed the sink's playhead, buffered ranges and
//     backpressure back with OnSinkStatus; without it the session's
//     headless playhead advances with the time it is given.
//  6. Drain events with PollEvent, AppendEvents or DrainEvents and hand
//     them to observers; the session never calls an observer itself.
//  7. Stop when Done; read Summary, Stats and QoE.
//
// After every input, drain the actions before the next input.
//
// # Player model
//
// Video and audio are separate tracks when the manifest has separate
// adaptation sets (HLS: alternate audio renditions); the ABR algorithm
// drives the main track (video), audio takes a share of the estimate.
// The session owns the estimator (Config.Estimator, else the algorithm's
// own, else Shaka's dual EWMA) and feeds it one sample per completed
// main-track media download, replacements included, abandoned downloads
// not.
// Each track fetches one segment at a time, keeps at most
// Config.BufferGoal ahead (and all tracks together at most
// Config.MaxBufferBytes), fetches each representation's init segment once
// and delivers it again on every switch. SegmentBase representations
// have their sidx fetched and applied first; HLS media playlists are
// fetched when a variant is first chosen. Playback starts once
// Config.StartupThreshold is buffered and resumes after a stall once
// Config.RebufferThreshold is.
//
// The knobs that make the idealised players of the research simulators
// are in Config: Wait (Sabre: Headroom, Report; Pensieve: no Headroom,
// 500 ms Step), StartupThreshold and RebufferThreshold 0, Abandon
// (Sabre's quirk Q1 is AbandonRedecide), ReportFirstDownload and
// AbandonFirst false for Sabre's segment 0, MediaOnly for presentations
// built by hand, Sizes for known segment sizes. Set the Timeouts of
// Config.Retry to zero when simulated downloads may be arbitrarily long.
//
// Indexes of hand-built presentations should be prepared
// (manifest.SegmentIndex.Prepare) before sessions share them: the session
// only reads them, and an unprepared index recomputes its tables on every
// call.
//
// This version plays VOD only (live presentations are rejected with
// ErrLive). Multi-period presentations play period after period; every
// period must offer the same tracks.
//
// # Dependencies
//
// player depends on abr, manifest and qoe. It must not depend on sim,
// origin, load, traces or cmd, and the core must stay free of I/O: the
// real driver (player/driver*.go) and the file sink (player/filesink*.go)
// are the only files of the package that touch the network or the file
// system.
package player
