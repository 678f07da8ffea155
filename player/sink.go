package player

import "time"

// TimeRange is a range of media time, [Start, End).
type TimeRange struct {
	Start, End time.Duration
}

// SinkStatus is what a sink reports back to the session (OnSinkStatus).
type SinkStatus struct {
	// HasPlayhead says Playhead is set: the media time being rendered.
	// The session then takes it over from its headless model.
	HasPlayhead bool
	Playhead    time.Duration
	// Buffered lists the media ranges the sink holds for every track (the
	// intersection over tracks, like HTMLMediaElement.buffered); nil when
	// not reported. The session reads it during the call only.
	Buffered []TimeRange
	// Backpressure asks the session not to start new media downloads
	// until a later status clears it.
	Backpressure bool
}

// Sink is how media leaves the player: firmware hands segments to a
// decoder, the file sink writes them, the headless sink only keeps time.
// The driver calls it for the session's ActDeliver, ActFlush and
// ActPlayback actions (ApplyToSink does that) and feeds Status back with
// Session.OnSinkStatus. Times are session times, as the driver gives
// them to the session; a sink does no I/O of its own beyond handing the
// media on, and never reads a clock.
type Sink interface {
	// Deliver receives an init segment (d.Init) or a media segment of
	// track d.Track with its representation and media time. For a track,
	// an init segment precedes the media segments it applies to. d.Data
	// may be nil when the driver carries no payload (simulation). An
	// error ends the session (Session.OnSinkError).
	Deliver(now time.Duration, d *Delivery) error
	// Flush drops all buffered media; playback continues at position.
	Flush(now, position time.Duration)
	// SetPlaying starts or stops rendering.
	SetPlaying(now time.Duration, playing bool)
	// Status reports the playhead, buffered ranges and backpressure.
	Status(now time.Duration) SinkStatus
}

// ApplyToSink performs a sink action (ActDeliver, ActFlush, ActPlayback)
// on sink and reports whether a was one; other actions are left to the
// driver. The error is the sink's Deliver error.
func ApplyToSink(now time.Duration, sink Sink, a *Action) (handled bool, err error) {
	switch a.Kind {
	case ActDeliver:
		return true, sink.Deliver(now, &a.Delivery)
	case ActFlush:
		sink.Flush(now, a.Position)
		return true, nil
	case ActPlayback:
		sink.SetPlaying(now, a.Playing)
		return true, nil
	}
	return false, nil
}
