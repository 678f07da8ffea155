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
// HLS is parsed by our own line parser, for multivariant and media
// playlists alike; github.com/grafov/m3u8 v0.12.1 serves only as an
// independent oracle in the tests (TestHLSAgainstGrafov, called behind a
// recover). grafov panics on valid media playlists whose EXT-X-KEY
// changes around EXT-X-MAP, sets implied EXT-X-BYTERANGE offsets to 0,
// keeps one key per segment, and reads none of the LL-HLS tags, GAP,
// EXT-X-DEFINE, SESSION-DATA, SESSION-KEY, CONTENT-STEERING or
// PATHWAY-ID; in multivariant playlists an I-frame stream takes the
// EXT-X-MEDIA renditions declared before it away from the variants.
// Wrapping it would have meant a second pass of our own for most tags
// anyway, so one parser reads everything: attribute lists (quoted strings
// may hold commas), variable substitution (NAME/VALUE, QUERYPARAM, IMPORT
// from the multivariant playlist; an undefined reference rejects the
// playlist), implied byte-range offsets per resource, keys per KEYFORMAT
// (an EXT-X-KEY before EXT-X-MAP also applies to the init section), and
// decimal durations converted exactly to nanoseconds. Rendition sets are
// one per TYPE+GROUP-ID+NAME: renditions of one group with different
// names are different content (languages), while equal names in
// different groups are alternatives a variant picks by group. Audio-only
// variants form a set apart from the video variants, as hls.js and
// ExoPlayer keep them apart. Redundant variants (same stream, other
// PATHWAY-ID or host) stay separate representations carrying their
// Pathway. Leniency follows what hls.js, Shaka and video.js accept —
// comments before #EXTM3U, EXTINF without comma or with an unreadable
// duration (the target duration stands in), blanks around lines, a URI
// attribute on EXT-X-STREAM-INF, media tags in a multivariant playlist —
// each reported once in Warnings; what cannot be played without guessing
// is rejected with the URL and line: no #EXTM3U, text glued to it,
// neither playlist kind, a tag that may appear once appearing twice,
// MEDIA-SEQUENCE or SKIP after a segment, a gap segment without EXTINF,
// unparsable numbers in tags that address media, undefined variables.
//
// This package performs no I/O of its own beyond what a caller hands it:
// parsers take bytes and the URL they came from. It must not depend on
// player, abr, sim or any other abrkit package.
package manifest
