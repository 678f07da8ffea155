// Package manifest holds abrkit's single presentation model for DASH and
// HLS and the parsers that build it.
//
// The model (Presentation → Period → AdaptationSet → Representation →
// SegmentIndex) is independent of the parsers: the simulator builds it by
// hand from chunk-size files. A SegmentIndex stores addressing compactly
// (templates and timelines are expanded on demand) and answers, for any
// representation, its segments in order with their numbers, media times,
// URL candidates (one per BaseURL or pathway), byte ranges and init
// segment, and for live presentations the segments available at a given
// wall-clock time.
//
// This package performs no I/O of its own beyond what a caller hands it:
// parsers take bytes and the URL they came from. It must not depend on
// player, abr, sim or any other abrkit package.
package manifest
