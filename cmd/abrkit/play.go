package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/abrkit/abrkit/origin"
	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/sim"
)

func init() {
	register(command{
		name:    "play",
		summary: "play a DASH or HLS stream headless and print a summary (no URL: a built-in synthetic stream)",
		run:     runPlay,
	})
}

// Defaults of the built-in demo (no URL): a short stream played fast, so
// that `abrkit play` finishes in a few seconds on a fresh machine.
const (
	playDemoDuration = time.Minute
	playDemoSpeed    = 10
	playDefaultABR   = "hlsjs"
)

// runPlay plays until the stream ends, a fatal error, or SIGINT/SIGTERM.
func runPlay(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return play(ctx, args, stdout, stderr)
}

// playOptions are the parsed command line.
type playOptions struct {
	url      string
	abr      string
	speed    float64
	out      string
	summary  string
	duration time.Duration
	layout   string
	status   time.Duration
	quiet    bool
}

// playLayouts maps --layout to the built-in origin's manifest paths.
var playLayouts = map[string]string{
	"dash":          origin.PathDASH,
	"dash-base":     origin.PathDASHBase,
	"hls":           origin.PathHLS,
	"hls-byterange": origin.PathHLSByteRange,
}

// parsePlay parses the arguments; flags may come before or after the
// URL. It returns false after printing a usage error (or help).
func parsePlay(args []string, stderr io.Writer) (playOptions, int, bool) {
	var o playOptions
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.abr, "abr", playDefaultABR, "ABR algorithm `NAME[:k=v,...]`; one of "+strings.Join(abr.Names(), ", "))
	fs.Float64Var(&o.speed, "speed", 1, fmt.Sprintf("playback speed relative to real time (the built-in stream defaults to %d)", playDemoSpeed))
	fs.StringVar(&o.out, "out", "", "record each track into `DIR` (one fMP4 or TS file per track)")
	fs.StringVar(&o.summary, "summary", "", "write the session summary as JSON to `FILE`")
	fs.DurationVar(&o.duration, "duration", playDemoDuration, "length of the built-in stream (no URL)")
	fs.StringVar(&o.layout, "layout", "dash", "layout of the built-in stream: dash, dash-base, hls or hls-byterange")
	fs.DurationVar(&o.status, "status", 0, "status line interval (default: 250ms on a terminal, 5s otherwise)")
	fs.BoolVar(&o.quiet, "quiet", false, "no live status line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: abrkit play [URL] [flags]")
		fmt.Fprintln(stderr, "plays a DASH or HLS VOD stream headless, shows its progress on stderr and a summary on stdout;")
		fmt.Fprintln(stderr, "without URL it serves and plays a synthetic stream from the built-in origin")
		fs.PrintDefaults()
	}
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return o, code, false
	}
	usageErr := func(format string, a ...any) (playOptions, int, bool) {
		fmt.Fprintf(stderr, "abrkit play: "+format+"\n", a...)
		return o, 2, false
	}
	speedSet := false
	fs.Visit(func(f *flag.Flag) { speedSet = speedSet || f.Name == "speed" })
	switch {
	case len(pos) > 1:
		return usageErr("one URL expected, got %d arguments", len(pos))
	case !(o.speed > 0) || o.speed > 10000:
		return usageErr("--speed %v: want a positive factor up to 10000", o.speed)
	case playLayouts[o.layout] == "":
		return usageErr("--layout %q: want dash, dash-base, hls or hls-byterange", o.layout)
	case o.status < 0:
		return usageErr("--status %v is negative", o.status)
	}
	if len(pos) == 1 {
		o.url = pos[0]
		if !isURL(o.url) {
			return usageErr("%q is not an http or https URL", o.url)
		}
	} else if !speedSet {
		o.speed = playDemoSpeed
	}
	if _, err := abr.New(o.abr); err != nil {
		return usageErr("--abr: %v", err)
	}
	return o, 0, true
}

// play runs the play subcommand.
func play(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parsePlay(args, stderr)
	if !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "abrkit play: %v\n", err)
		return 1
	}
	if o.url == "" {
		url, stop, err := startPlayDemo(o)
		if err != nil {
			return fail(err)
		}
		defer stop()
		o.url = url
	}
	alg, err := abr.New(o.abr)
	if err != nil {
		return fail(err)
	}
	cfg := player.DefaultConfig()
	cfg.PlaybackRate = o.speed
	s, err := player.NewSessionFromURL(cfg, o.url, alg)
	if err != nil {
		return fail(err)
	}
	var sink player.Sink = player.NewHeadless(o.speed)
	var files *player.FileSink
	if o.out != "" {
		if files, err = player.NewFileSink(o.out, o.speed); err != nil {
			return fail(err)
		}
		sink = files
	}
	st := newPlayStatus(stderr, o.quiet)
	dcfg := player.DefaultDriverConfig()
	dcfg.Observer = player.ObserverFunc(st.event)
	d, err := player.NewDriver(s, sink, dcfg)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "abrkit play: %s with %s at %gx\n", o.url, o.abr, o.speed)
	start := time.Now()
	stopStatus := st.run(d, o.status)
	runErr := d.Run(ctx)
	stopStatus()
	wall := time.Since(start)

	sum := s.Summary()
	var recorded []string
	var closeErr error
	if files != nil {
		closeErr = files.Close()
		recorded = files.Files()
	}
	printPlaySummary(stdout, o, s, sum, wall, recorded)
	if o.summary != "" {
		if err := writePlaySummary(o, s, sum, recorded); err != nil {
			return fail(err)
		}
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		return fail(errors.New("interrupted"))
	case runErr != nil:
		return fail(runErr)
	case closeErr != nil:
		return fail(closeErr)
	case !sum.Ended:
		return fail(fmt.Errorf("playback stopped in state %s before the end", sum.State))
	}
	return 0
}

// startPlayDemo serves the built-in origin's synthetic content on a free
// loopback port and returns the manifest URL of the chosen layout.
func startPlayDemo(o playOptions) (url string, stop func(), err error) {
	c := origin.DefaultContent()
	c.Duration = o.duration
	org, err := origin.New(origin.Config{Content: &c, LogCapacity: 1})
	if err != nil {
		return "", nil, fmt.Errorf("built-in stream: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = org.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ends with ErrServerClosed on Close
	}()
	stop = func() {
		_ = org.Close()
		_ = srv.Close()
		<-done
	}
	return "http://" + ln.Addr().String() + playLayouts[o.layout], stop, nil
}

// playJSONSummary is the --summary file: the session summary with what was
// played.
type playJSONSummary struct {
	URL   string  `json:"url"`
	ABR   string  `json:"abr"`
	Speed float64 `json:"speed"`
	// PositionS is the media time reached; PlayedS the (wall) time spent
	// playing, PositionS / Speed for an uninterrupted play.
	PositionS float64 `json:"position_s"`
	player.Summary
	Files []string `json:"files,omitempty"`
}

func writePlaySummary(o playOptions, s *player.Session, sum player.Summary, files []string) error {
	data, err := json.MarshalIndent(playJSONSummary{URL: o.url, ABR: o.abr, Speed: o.speed,
		PositionS: s.Stats().Position.Seconds(), Summary: sum, Files: files}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.summary, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("--summary: %w", err)
	}
	return nil
}

// printPlaySummary writes the human summary.
func printPlaySummary(w io.Writer, o playOptions, s *player.Session, sum player.Summary, wall time.Duration, files []string) {
	st := s.Stats()
	what := "stream"
	if p := s.Presentation(); p != nil {
		what = fmt.Sprintf("%s, %d tracks", p.Format, len(s.Tracks()))
	}
	fmt.Fprintf(w, "%s (%s) with %s at %gx\n", o.url, what, o.abr, o.speed)
	fmt.Fprintf(w, "  %-9s %s: %.1f s of media in %.1f s\n", "result", sum.State, st.Position.Seconds(), wall.Seconds())
	fmt.Fprintf(w, "  %-9s %.3f s to start, %d rebuffers (%.3f s), %d quality switches\n", "playback",
		sum.StartupS, sum.RebufferCount, sum.RebufferS, sum.Switches)
	fmt.Fprintf(w, "  %-9s average %s, %d segments, %s\n", "download", playBitrate(sum.AvgBitrateBps), sum.Segments, playByteSize(sum.Bytes))
	if sum.ErrorCount == 0 {
		fmt.Fprintf(w, "  %-9s none\n", "errors")
	} else {
		fmt.Fprintf(w, "  %-9s %d (%d retries, %d failovers)\n", "errors", sum.ErrorCount, sum.Retries, sum.Failovers)
		for _, e := range sum.Errors {
			fmt.Fprintf(w, "    %s\n", e)
		}
	}
	if sum.Fatal != "" {
		fmt.Fprintf(w, "  %-9s %s\n", "fatal", sum.Fatal)
	}
	for _, f := range files {
		fmt.Fprintf(w, "  %-9s %s\n", "recorded", filepath.Clean(f))
	}
}

// bitrate formats bits per second.
func playBitrate(bps int64) string {
	if bps >= 1_000_000 {
		return fmt.Sprintf("%.2f Mbit/s", float64(bps)/1e6)
	}
	return fmt.Sprintf("%d kbit/s", bps/1000)
}

// byteSize formats a byte count.
func playByteSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// playStatus prints the live status: \r-updated on a terminal, a line
// every few seconds otherwise, and the errors the session recovered from
// as they happen.
type playStatus struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	quiet    bool
	width    int // of the \r line on screen
}

func newPlayStatus(w io.Writer, quiet bool) *playStatus {
	f, ok := w.(*os.File)
	return &playStatus{w: w, quiet: quiet, terminal: ok && sim.IsTerminal(f)}
}

// event is the driver's observer: it reports errors with their recovery.
func (st *playStatus) event(e *player.Event) {
	if e.Kind != player.EvError || st.quiet {
		return
	}
	st.print(fmt.Sprintf("%s: %s", e.Recovery, e.Err), true)
}

// print writes a line; a status line stays on screen on a terminal.
func (st *playStatus) print(line string, keep bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.terminal {
		fmt.Fprintln(st.w, line)
		return
	}
	pad := max(st.width-len(line), 0)
	fmt.Fprintf(st.w, "\r%s%s", line, strings.Repeat(" ", pad))
	st.width = len(line)
	if keep {
		fmt.Fprintln(st.w)
		st.width = 0
	}
}

// run prints the status every interval until the returned stop is
// called; stop ends the terminal line.
func (st *playStatus) run(d *player.Driver, interval time.Duration) (stop func()) {
	if st.quiet {
		return func() {}
	}
	if interval == 0 {
		interval = 5 * time.Second
		if st.terminal {
			interval = 250 * time.Millisecond
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var line string
			if !d.Do(func(s *player.Session, _ time.Duration) { line = playStatusText(s) }) {
				return
			}
			st.print(line, false)
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.terminal && st.width > 0 {
			fmt.Fprintln(st.w)
		}
	}
}

// playStatusText renders the session's state on one line: position,
// buffer, the bitrate and picture playing, and the estimate.
func playStatusText(s *player.Session) string {
	st := s.Stats()
	total := ""
	if p := s.Presentation(); p != nil && p.Duration > 0 {
		total = fmt.Sprintf(" / %.1fs", p.Duration.Seconds())
	}
	playing := "-"
	if st.Rung >= 0 {
		playing = playBitrate(st.Bitrate)
		if st.Height > 0 {
			playing += fmt.Sprintf(" %dx%d", st.Width, st.Height)
		}
	}
	est := "-"
	if st.Estimate.Valid {
		est = playBitrate(st.Estimate.Throughput)
	}
	return fmt.Sprintf("%-9s %6.1fs%s  buffer %5.1fs  rate %s  estimate %s",
		st.State, st.Position.Seconds(), total, st.Buffer.Seconds(), playing, est)
}
