// Command embed shows how firmware embeds the abrkit player: the real
// driver plays a stream, a custom sink hands each track's init and media
// segments to a decoder, the ABR algorithm is held to what the device can
// show (at most 720p by default), and the session's events are logged
// with log/slog.
//
// The decoder is, by default, an in-process goroutine per track that
// reads the track's byte stream from a pipe and parses its boxes with
// mp4ff, reporting each configuration (init segment) and the timing of
// the fragments, as a hardware decoder's driver would see them. With
// -decoder "COMMAND" each track's stream goes to the standard input of
// its own child process instead (run with sh -c, with ABRKIT_TRACK and
// ABRKIT_CONTENT in its environment), for example
//
//	go run ./examples/embed -decoder 'cat > /tmp/$ABRKIT_CONTENT.mp4'
//
// Without -url the example serves the built-in origin's synthetic stream
// on a loopback port and plays that.
//
// It depends on player, abr and origin (for the demo stream) and on
// mp4ff for the decoder; it must not depend on sim, load or cmd, so that
// it stays a program users can copy.
package main
