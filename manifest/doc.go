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
// DASH is parsed by our own code on encoding/xml, not by
// github.com/Eyevinn/dash-mpd. The MPD is streamed with Decoder.RawToken
// into compact structures (SegmentTimeline S attributes are read without
// reflection or intermediate strings) and the model is built from those,
// so parsing a 2-hour live MPD costs less than a bare reflective
// encoding/xml decode of the same document (BenchmarkParseDASHLive2h vs
// BenchmarkXMLBareDecode). Owning the parser also buys the leniency real
// players show and dash-mpd lacks: xs:duration with years and months
// (valid; converted with the mean Gregorian year and flagged), non-numeric
// @id values, negative presentationTimeOffset, a missing MPD namespace, a
// ContentSteering element misplaced inside ServiceDescription, all kept
// as Presentation.Warnings instead of errors. Like dash-mpd we accept
// attributes glued together without white space (encoding/xml does; expat
// and libxml2 do not), with a warning. Namespaces are matched by local
// name (cenc:default_KID, dvb:priority), as dash.js does.
//
// Segment addressing follows ISO/IEC 23009-1: segment information is
// inherited Period → AdaptationSet → Representation attribute by
// attribute; a Period without @start starts where the previous one ends;
// BaseURLs of all levels are resolved into every alternative (best DVB
// priority first, one URL candidate per alternative on every segment);
// S@r=-1 repeats to the next S@t or the period end; live availability is
// computed per DASH-IF IOP from availabilityStartTime, the period start,
// availabilityTimeOffset (summed over BaseURL and segment levels) and
// timeShiftBufferDepth. Counts are arithmetic, so no input can make
// enumeration hang; indexes describing more than MaxSegments segments are
// rejected. SegmentBase indexes are completed by ApplySidx, which decodes
// sidx boxes with github.com/Eyevinn/mp4ff and reports the further byte
// ranges a hierarchical index needs.
//
// This package performs no I/O of its own beyond what a caller hands it:
// parsers take bytes and the URL they came from. It must not depend on
// player, abr, sim or any other abrkit package.
package manifest
