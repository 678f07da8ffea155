// Package origin is abrkit's HTTP origin for tests, examples, demos and
// load tests: it serves a directory and synthetic CMAF content as DASH and
// HLS, injects scripted faults, and logs every request.
//
// It depends on no other abrkit package; in particular it must not import
// player, sim or abr, so that their tests can run against it. It uses
// github.com/Eyevinn/mp4ff to build every box it serves.
//
// # Origin
//
// New(Config) returns an Origin, an http.Handler. Put it behind
// httptest.NewServer in tests or an http.Server in `abrkit serve`. Config
// selects a directory (served at "/" with http.ServeContent: single and
// multiple ranges, 206 and 416, Accept-Ranges, If-Range; types from
// ContentType), synthetic Content (served under /synth/), an initial
// fault Script, a slog.Logger, and CORS (on in DefaultConfig, so browser
// players such as dash.js and hls.js can use it). SetFaults swaps the
// script at run time; Log, Counts, Count, ClearLog and WaitRequests query
// the bounded in-memory request log; Close ends every fault wait in
// progress.
//
// # Synthetic content and URL layout
//
// NewSynth(Content) precomputes init segments, manifests and every
// segment's size; segment bytes are generated on the fly as they are read
// (a 6 Mbit/s segment is never held in memory, and the single-file forms
// are virtual files assembled per read). For a rung or track ID such as
// "v400k" or "a128k":
//
//	/synth/dash/manifest.mpd              DASH, SegmentTemplate $Number$ with @duration (isoff-live)
//	/synth/dash/<id>/init.mp4             init segment (ftyp+moov)
//	/synth/dash/<id>/seg-<n>.m4s          media segment n = 1.. (styp+moof+mdat)
//	/synth/dash-base/manifest.mpd         DASH, SegmentBase with indexRange and Initialization range (isoff-on-demand)
//	/synth/dash-base/<id>.mp4             single file: ftyp+moov, sidx, then moof+mdat per segment
//	/synth/hls/master.m3u8                HLS fMP4 multivariant playlist
//	/synth/hls/<id>/media.m3u8            media playlist: EXT-X-MAP, one URI per segment
//	/synth/hls/<id>/init.mp4, /synth/hls/<id>/seg-<n>.m4s   same bytes as the DASH URLs
//	/synth/hls-byterange/master.m3u8      HLS multivariant playlist over single files
//	/synth/hls-byterange/<id>.m3u8        media playlist: EXT-X-MAP and EXT-X-BYTERANGE into <id>.mp4
//	/synth/hls-byterange/<id>.mp4         the same single file as /synth/dash-base/<id>.mp4
//
// Video is avc1 (H.264 High profile, level chosen from Table A-1 for the
// rung's size, frame rate and bitrate) with a generated SPS/PPS, timescale
// VideoTimescale, one IDR frame starting each segment and P frames after
// it (no B-frames, so no composition offsets). Audio is mp4a AAC-LC
// stereo, timescale = sample rate, 1024-sample frames; audio segment
// boundaries fall on the AAC frame nearest to each nominal boundary, so
// audio segments differ from the nominal duration by less than one frame
// and never drift. Every media segment has mfhd sequence number n and a
// tfdt baseMediaDecodeTime equal to the sum of the preceding durations;
// the trun carries each sample's duration, size and flags. Sample payloads
// are deterministic filler without zero bytes; video samples are
// well-formed length-prefixed NAL units (IDR type 5 first, then type 1),
// so NAL parsers walk them.
//
// Segment sizes: the moof+mdat bytes of segment k follow
// Bitrate × duration / 8 times the VBR factor documented on VBR
// (log-normal, mean 1, shared scene term plus per-rung jitter, clamped,
// derived by hashing Seed with the rung ID and k, so any segment can be
// computed alone and the same seed always gives the same bytes on a given
// architecture). Audio is constant bitrate. Within a segment the IDR
// frame gets about eight times the bytes of a P frame. Manifests
// advertise: DASH @bandwidth = the nominal bitrate; HLS BANDWIDTH = the
// peak per-segment bitrate of the variant plus that of the audio, and
// AVERAGE-BANDWIDTH = their means, as RFC 8216 defines them.
//
// # Faults
//
// A Script is an ordered list of Rules; a Rule matches requests by
// method and path (glob or regexp), counts them, and applies its Fault to
// the selected counts. A Fault can delay the first byte, replace the
// response with a status (and Retry-After), throttle the body, stall it
// (for a time or until the client gives up), truncate it (full
// Content-Length announced, connection closed) or reset the connection
// (RST via SO_LINGER 0, before the header or mid-body). Every wait
// honours the request context and Origin.Close, so no goroutine outlives
// its request. See Fault for the order in which effects apply.
//
// ParseScript reads the text form, one rule per line:
//
//	# comment
//	<pattern> [option ...]
//
// where <pattern> is a glob over the URL path ("*" stays within a path
// segment, "**" crosses them, "?" is one character) or "re:" followed by
// an RE2 regexp, and the options are
//
//	name=NAME              label in the request log (default rule<N>)
//	method=GET             only this method
//	requests=2-3           which matching requests: "*"/"all" (default),
//	                       N, N-M, N- (open), comma-separated, 1-based
//	delay=500ms            added time to first byte
//	status=503             reply with this status instead of the content
//	retry-after=2s         Retry-After header with status (whole seconds)
//	rate=250000            body rate in bytes per second
//	stall=2s|forever       stall the body ...
//	stall-after=N|headers  ... after N body bytes (default 0)
//	truncate=N             close after N body bytes
//	reset | reset=N        connection reset before the header, or after
//	                       N body bytes
//
// For example:
//
//	/synth/dash/*/seg-*.m4s requests=2,3 status=503 retry-after=1s
//	/synth/hls/**           delay=200ms
//	re:\.m4s$ requests=5-   truncate=1000
//
// The JSON form is an object {"rules": [...]} whose rules use the same
// option names as keys, plus "path" or "regexp" for the pattern; values
// are strings or numbers, and true for the bare "reset" flag:
//
//	{"rules": [{"path": "/synth/dash/*/seg-*.m4s", "requests": "2-3", "status": 503}]}
//
// # Request log
//
// Every request produces a LogEntry (method, path, Range header, status,
// body bytes written, duration, rule and effects applied, outcome): kept
// in a ring of Config.LogCapacity entries and logged through the
// configured slog.Logger. Entries are added when the handler finishes,
// which can be just after the client has read the whole body; tests use
// WaitRequests before reading the log.
package origin
