package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/origin"
	"github.com/abrkit/abrkit/player"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run parses the flags, plays the stream into the decoders and prints
// what each decoder saw.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "manifest URL (default: the built-in origin's synthetic DASH stream)")
	decoder := fs.String("decoder", "", "run `COMMAND` (sh -c) per track with the track's stream on its stdin")
	maxHeight := fs.Int("max-height", 720, "largest picture height the device shows (0: no limit)")
	speed := fs.Float64("speed", 10, "playback speed relative to real time")
	spec := fs.String("abr", "hlsjs", "ABR algorithm NAME[:k=v,...]")
	duration := fs.Duration("duration", 30*time.Second, "length of the built-in stream")
	verbose := fs.Bool("v", false, "log every request and fragment")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the usage is printed
		}
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *url == "" {
		u, stop, err := serveDemo(*duration)
		if err != nil {
			return err
		}
		defer stop()
		*url = u
	}
	alg, err := abr.New(*spec)
	if err != nil {
		return err
	}
	cfg := player.DefaultConfig()
	cfg.PlaybackRate = *speed
	// The device's limit: the algorithm chooses among the rungs that fit.
	cfg.Constraints = player.Constraints{MaxHeight: *maxHeight}
	s, err := player.NewSessionFromURL(cfg, *url, alg)
	if err != nil {
		return err
	}
	sink := newDecoderSink(*speed, log, *decoder)
	dcfg := player.DefaultDriverConfig()
	dcfg.Observer = eventLogger(log)
	d, err := player.NewDriver(s, sink, dcfg)
	if err != nil {
		return err
	}
	log.Info("playing", "url", *url, "abr", *spec, "max_height", *maxHeight, "speed", *speed)
	runErr := d.Run(ctx)
	reports, closeErr := sink.Close()
	for _, r := range reports {
		fmt.Fprintln(stdout, r)
	}
	sum := s.Summary()
	fmt.Fprintf(stdout, "session: %s, startup %.3f s, %d rebuffers, %d switches, average %d kbit/s, %d segments\n",
		sum.State, sum.StartupS, sum.RebufferCount, sum.Switches, sum.AvgBitrateBps/1000, sum.Segments)
	return errors.Join(runErr, closeErr)
}

// eventLogger logs the session's events: ABR decisions with their
// reasons, quality switches, stalls, errors with the recovery taken, and
// the end; request events at debug level.
func eventLogger(log *slog.Logger) player.Observer {
	return player.ObserverFunc(func(e *player.Event) {
		switch e.Kind {
		case player.EvDecision:
			log.Info("abr decision", "track", e.Track, "segment", e.Segment, "from", e.From, "to", e.To,
				"rule", e.Reason.Rule, "estimate_bps", e.Reason.Estimate, "buffer", e.Reason.Buffer)
		case player.EvQualitySwitch:
			log.Info("quality switch", "from", e.From, "to", e.To, "position", e.Position)
		case player.EvPlaybackStarted:
			log.Info("playback started", "startup", e.Duration)
		case player.EvStallStart:
			log.Warn("stall", "position", e.Position)
		case player.EvStallEnd:
			log.Info("stall end", "stalled", e.Duration)
		case player.EvError:
			log.Warn("error", "recovery", e.Recovery.String(), "err", e.Err, "delay", e.Duration)
		case player.EvEnded:
			log.Info("ended", "position", e.Position, "reason", e.Err)
		case player.EvRequestStarted, player.EvRequestCompleted:
			log.Debug(e.Kind.String(), "request", e.Request, "kind", e.ReqKind.String(), "url", e.URL, "bytes", e.Bytes)
		}
	})
}

// serveDemo serves the built-in origin's synthetic content on a free
// loopback port and returns its DASH manifest URL.
func serveDemo(d time.Duration) (string, func(), error) {
	c := origin.DefaultContent()
	c.Duration = d
	o, err := origin.New(origin.Config{Content: &c, LogCapacity: 1})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = o.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: o, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop := func() {
		_ = o.Close()
		_ = srv.Close()
		<-done
	}
	return "http://" + ln.Addr().String() + origin.PathDASH, stop, nil
}

// decoderSink hands each track's segments, in order, to that track's
// decoder through a pipe: init segments when the representation changes,
// then media segments, like appends to an MSE SourceBuffer. A write
// blocks while the decoder is busy, which holds the player back. Playback
// time is kept by the embedded headless model; a real device would
// report its decoder's clock instead.
type decoderSink struct {
	*player.Headless
	log     *slog.Logger
	command string
	tracks  map[int]*decoderPipe
}

// decoderPipe is one track's pipe and the decoder at its other end.
type decoderPipe struct {
	w    io.WriteCloser
	wait func() (string, error) // waits for the decoder, returns its report
}

func newDecoderSink(speed float64, log *slog.Logger, command string) *decoderSink {
	return &decoderSink{Headless: player.NewHeadless(speed), log: log, command: command, tracks: map[int]*decoderPipe{}}
}

// Deliver writes the segment to its track's decoder.
func (k *decoderSink) Deliver(now time.Duration, d *player.Delivery) error {
	p, err := k.pipe(d)
	if err != nil {
		return err
	}
	if _, err := p.w.Write(d.Data); err != nil {
		return fmt.Errorf("decoder of track %d: %w", d.Track, err)
	}
	return k.Headless.Deliver(now, d)
}

// BorrowsMedia reports true: Deliver is done with the bytes when the
// pipe write returns, so the driver may reuse its buffers.
func (k *decoderSink) BorrowsMedia() bool { return true }

// pipe returns the decoder of d's track, starting it.
func (k *decoderSink) pipe(d *player.Delivery) (*decoderPipe, error) {
	if p := k.tracks[d.Track]; p != nil {
		return p, nil
	}
	name := fmt.Sprintf("track %d (%s)", d.Track, d.Content)
	var p *decoderPipe
	if k.command != "" {
		cmd := exec.Command("sh", "-c", k.command)
		cmd.Env = append(os.Environ(), "ABRKIT_TRACK="+strconv.Itoa(d.Track), "ABRKIT_CONTENT="+string(d.Content))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		w, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("decoder of %s: %w", name, err)
		}
		p = &decoderPipe{w: w, wait: func() (string, error) {
			err := cmd.Wait()
			return fmt.Sprintf("decoder %s: %q exited: %v", name, k.command, err), err
		}}
	} else {
		r, w := io.Pipe()
		dec := &boxDecoder{name: name, log: k.log}
		done := make(chan error, 1)
		go func() {
			err := dec.decode(r)
			r.CloseWithError(err) // unblocks the sink if the decoder gave up
			done <- err
		}()
		p = &decoderPipe{w: w, wait: func() (string, error) {
			err := <-done
			return dec.report(), err
		}}
	}
	k.tracks[d.Track] = p
	return p, nil
}

// Close ends every track's stream, waits for the decoders and returns
// their reports, in track order.
func (k *decoderSink) Close() ([]string, error) {
	var reports []string
	var errs []error
	for _, i := range slices.Sorted(maps.Keys(k.tracks)) {
		p := k.tracks[i]
		errs = append(errs, p.w.Close())
		r, err := p.wait()
		reports = append(reports, r)
		errs = append(errs, err)
	}
	return reports, errors.Join(errs...)
}

// boxDecoder stands in for a hardware decoder: it parses the fMP4 byte
// stream box by box, configures itself on each init segment and tracks
// the timing of the fragments.
type boxDecoder struct {
	name string
	log  *slog.Logger

	mu        sync.Mutex
	timescale uint32
	trex      *mp4.TrexBox
	configs   int
	fragments int
	samples   int
	start     uint64 // first decode time
	end       uint64 // end of the last fragment
	maxW      int
	maxH      int
	tsPackets int
}

// decode reads the stream until EOF.
func (b *boxDecoder) decode(r io.Reader) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder %s: box parser failed: %v", b.name, p)
		}
	}()
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		return nil // empty stream
	}
	r = io.MultiReader(bytes.NewReader(first[:]), r)
	if first[0] == 0x47 { // MPEG-2 TS: count packets, no box parsing
		n, err := io.Copy(io.Discard, r)
		b.mu.Lock()
		b.tsPackets = int(n / 188)
		b.mu.Unlock()
		return err
	}
	var pos uint64
	for {
		box, err := mp4.DecodeBox(pos, r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decoder %s: box at byte %d: %w", b.name, pos, err)
		}
		pos += box.Size()
		b.handle(box)
	}
}

// handle takes one top-level box.
func (b *boxDecoder) handle(box mp4.Box) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch x := box.(type) {
	case *mp4.MoovBox:
		trak := x.Trak
		b.timescale = trak.Mdia.Mdhd.Timescale
		b.trex = x.Mvex.Trex
		b.configs++
		attrs := []any{"decoder", b.name, "timescale", b.timescale}
		if vse := trak.Mdia.Minf.Stbl.Stsd.AvcX; vse != nil {
			b.maxW, b.maxH = max(b.maxW, int(vse.Width)), max(b.maxH, int(vse.Height))
			attrs = append(attrs, "codec", vse.Type(), "width", vse.Width, "height", vse.Height)
		} else if ase := trak.Mdia.Minf.Stbl.Stsd.Mp4a; ase != nil {
			attrs = append(attrs, "codec", ase.Type(), "sample_rate", ase.SampleRate, "channels", ase.ChannelCount)
		}
		b.log.Info("decoder configured", attrs...)
	case *mp4.MoofBox:
		traf := x.Traf
		var start uint64
		if traf.Tfdt != nil {
			start = traf.Tfdt.BaseMediaDecodeTime()
		}
		var dur uint64
		n := 0
		for _, trun := range traf.Truns {
			dur += trun.AddSampleDefaultValues(traf.Tfhd, b.trex)
			n += int(trun.SampleCount())
		}
		if b.fragments == 0 {
			b.start = start
		}
		b.fragments++
		b.samples += n
		b.end = start + dur
		if b.timescale > 0 {
			b.log.Debug("fragment", "decoder", b.name, "start", ticks(start, b.timescale), "duration", ticks(dur, b.timescale), "samples", n)
		}
	}
}

// report summarises what the decoder saw.
func (b *boxDecoder) report() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tsPackets > 0 {
		return fmt.Sprintf("decoder %s: MPEG-2 TS, %d packets", b.name, b.tsPackets)
	}
	var span time.Duration
	if b.timescale > 0 {
		span = ticks(b.end-b.start, b.timescale)
	}
	s := fmt.Sprintf("decoder %s: %d configurations, %d fragments, %d samples, %.3f s", b.name, b.configs, b.fragments, b.samples, span.Seconds())
	if b.maxH > 0 {
		s += fmt.Sprintf(", largest picture %dx%d", b.maxW, b.maxH)
	}
	return s
}

// ticks converts a media time to a Duration.
func ticks(t uint64, timescale uint32) time.Duration {
	return time.Duration(float64(t) / float64(timescale) * float64(time.Second))
}
