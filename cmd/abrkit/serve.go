package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/abrkit/abrkit/origin"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve synthetic DASH/HLS content and a directory over HTTP, with scripted faults",
		run:     runServe,
	})
}

// runServe serves until SIGINT or SIGTERM.
func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr, nil)
}

// shutdownGrace bounds how long serve waits for requests in flight once
// asked to stop.
const shutdownGrace = 5 * time.Second

// serve runs the origin until ctx ends. ready, when non-nil, is called
// with the listening address once the server accepts connections.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	def := origin.DefaultContent()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	dir := fs.String("dir", "", "serve this directory at / (Range requests supported)")
	synth := fs.Bool("synth", true, "serve synthetic content under /synth/")
	ladder := fs.String("ladder", ladderString(def.Video), "video ladder: comma-separated KBITS:WIDTHxHEIGHT rungs")
	audio := fs.Int64("audio", def.Audio.Bitrate/1000, "AAC audio bitrate in kbit/s (0: no audio)")
	segment := fs.Duration("segment", def.SegmentDuration, "segment duration (whole frames)")
	duration := fs.Duration("duration", def.Duration, "presentation duration (whole frames)")
	fps := fs.Int("fps", def.FrameRate, "video frame rate")
	vbr := fs.Float64("vbr", def.VBR.SceneSigma, "VBR log-normal sigma of segment sizes (0: constant bitrate)")
	seed := fs.Int64("seed", def.Seed, "seed of the VBR segment sizes")
	faults := fs.String("faults", "", "fault script `FILE` (text or JSON, see the origin package)")
	quiet := fs.Bool("quiet", false, "do not log each request to stderr")
	cors := fs.Bool("cors", true, "allow browser players on other origins (CORS headers, preflight)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: abrkit serve [flags]")
		fmt.Fprintln(stderr, "serves synthetic DASH and HLS content (and a directory) for players and tests")
		fs.PrintDefaults()
	}
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "abrkit serve: "+format+"\n", a...)
		return 2
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	if !*synth && *dir == "" {
		return usageErr("nothing to serve: give --dir or keep --synth")
	}

	var logger *slog.Logger
	if *quiet {
		logger = slog.New(slog.DiscardHandler)
	} else {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	cfg := origin.Config{Dir: *dir, Logger: logger, LogCapacity: origin.DefaultLogCapacity, CORS: *cors}
	if *synth {
		rungs, err := parseLadder(*ladder)
		if err != nil {
			return usageErr("--ladder: %v", err)
		}
		c := def
		c.Video = rungs
		c.SegmentDuration, c.Duration, c.FrameRate, c.Seed = *segment, *duration, *fps, *seed
		c.VBR.SceneSigma = *vbr
		if *vbr == 0 {
			c.VBR.RungSigma = 0
		}
		switch {
		case *audio < 0:
			return usageErr("--audio %d: negative bitrate", *audio)
		case *audio == 0:
			c.Audio = nil
		default:
			a := *def.Audio
			a.ID, a.Bitrate = "", *audio*1000
			c.Audio = &a
		}
		cfg.Content = &c
	}
	if *faults != "" {
		data, err := os.ReadFile(*faults)
		if err != nil {
			fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
			return 1
		}
		if cfg.Faults, err = origin.ParseScript(*faults, data); err != nil {
			fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
			return 1
		}
	}
	o, err := origin.New(cfg)
	if errors.Is(err, origin.ErrBadContent) {
		return usageErr("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = o.Close()
		fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "abrkit serve: listening on %s\n", base)
	if *synth {
		for _, u := range []struct{ name, path string }{
			{"DASH SegmentTemplate", origin.PathDASH},
			{"DASH SegmentBase", origin.PathDASHBase},
			{"HLS fMP4", origin.PathHLS},
			{"HLS byte-range", origin.PathHLSByteRange},
		} {
			fmt.Fprintf(stdout, "  %-21s %s%s\n", u.name+":", base, u.path)
		}
	}
	if *dir != "" {
		fmt.Fprintf(stdout, "  %-21s %s/ (%s)\n", "directory:", base, *dir)
	}
	if *faults != "" {
		fmt.Fprintf(stdout, "  %-21s %d rules from %s\n", "faults:", len(cfg.Faults.Rules), *faults)
	}

	srv := &http.Server{
		Handler:           o,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	code = 0
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
		code = 1
	case <-ctx.Done():
	}
	// Release stalled requests first, so shutdown need not wait for them.
	closeErr := o.Close()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "abrkit serve: shutdown: %v\n", err)
		code = 1
	}
	if err := <-errc; code == 0 && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "abrkit serve: %v\n", err)
		code = 1
	}
	if closeErr != nil {
		fmt.Fprintf(stderr, "abrkit serve: %v\n", closeErr)
		code = 1
	}
	return code
}

// ladderString formats rungs the way --ladder takes them.
func ladderString(rungs []origin.VideoRung) string {
	parts := make([]string, len(rungs))
	for i, r := range rungs {
		parts[i] = fmt.Sprintf("%d:%dx%d", r.Bitrate/1000, r.Width, r.Height)
	}
	return strings.Join(parts, ",")
}

// parseLadder parses "KBITS:WIDTHxHEIGHT,..." into rungs (bitrates in
// bit/s; IDs left for the origin to derive).
func parseLadder(s string) ([]origin.VideoRung, error) {
	var rungs []origin.VideoRung
	for part := range strings.SplitSeq(s, ",") {
		kbits, size, ok := strings.Cut(strings.TrimSpace(part), ":")
		w, h, ok2 := strings.Cut(size, "x")
		if !ok || !ok2 {
			return nil, fmt.Errorf("rung %q: want KBITS:WIDTHxHEIGHT", part)
		}
		k, err1 := strconv.ParseInt(kbits, 10, 64)
		width, err2 := strconv.Atoi(w)
		height, err3 := strconv.Atoi(h)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("rung %q: %w", part, err)
		}
		if k <= 0 || k > 100_000_000 {
			return nil, fmt.Errorf("rung %q: bitrate %d kbit/s out of range", part, k)
		}
		rungs = append(rungs, origin.VideoRung{Bitrate: k * 1000, Width: width, Height: height})
	}
	return rungs, nil
}
