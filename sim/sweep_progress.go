package sim

import (
	"io"
	"os"
	"strconv"
	"time"
)

// IsTerminal reports whether f is a character device, which is how a
// terminal shows up to os.Stat. Pass SweepConfig.Progress os.Stderr only
// when this is true, so logs and CI output get no progress bar. (/dev/null
// is a character device too; drawing into it is harmless.)
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressInterval is the least time between two redraws.
const progressInterval = 100 * time.Millisecond

// progressWidth is the number of cells of the bar.
const progressWidth = 30

// progress draws a one-line progress bar, redrawn in place:
//
//	sim 1234/5000 [#######.......................]  24.7%  812.3 sessions/s  ETA 4s
//
// It is a few lines of our own rather than a progress-bar module: the sweep
// needs one fixed line, throttled, with a rate and an ETA, and nothing a
// dependency would add (themes, spinners, byte counts) pays for itself.
// A nil *progress draws nothing.
type progress struct {
	w            io.Writer
	total        int
	done         int
	now          func() time.Time
	start, drawn time.Time
	buf          []byte
}

// newProgress returns a bar for total jobs on w, or nil when w is nil.
func newProgress(w io.Writer, total int) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, total: total, now: time.Now}
	p.start = p.now()
	return p
}

// add counts n finished jobs and redraws when the last redraw is old
// enough.
func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.done += n
	if t := p.now(); t.Sub(p.drawn) >= progressInterval {
		p.draw(t)
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.draw(p.now())
	_, _ = io.WriteString(p.w, "\n")
}

// draw writes the bar as of t. Write errors are ignored: a broken
// terminal must not stop a sweep.
func (p *progress) draw(t time.Time) {
	p.drawn = t
	b := append(p.buf[:0], "\rsim "...)
	b = strconv.AppendInt(b, int64(p.done), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(p.total), 10)
	b = append(b, " ["...)
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	filled := int(frac * progressWidth)
	for i := range progressWidth {
		if i < filled {
			b = append(b, '#')
		} else {
			b = append(b, '.')
		}
	}
	b = append(b, "] "...)
	b = strconv.AppendFloat(b, 100*frac, 'f', 1, 64)
	b = append(b, '%')
	if el := t.Sub(p.start); el > 0 && p.done > 0 {
		rate := float64(p.done) / el.Seconds()
		b = append(b, "  "...)
		b = strconv.AppendFloat(b, rate, 'f', 1, 64)
		b = append(b, " sessions/s"...)
		if left := p.total - p.done; left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second)
			b = append(b, "  ETA "...)
			b = append(b, eta.String()...)
		}
	}
	// Erase what a longer previous line left to the right.
	b = append(b, "\x1b[K"...)
	p.buf = b
	_, _ = p.w.Write(b)
}
