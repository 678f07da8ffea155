package abr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sabreDashjsNames are the registry names this part provides.
var sabreDashjsNames = []string{"sabre-throughput", "bola", "bolae", "dynamic", "dynamicdash", "throughput", "bola-dashjs", "dashjs"}

// sabreDriveResult is what one driven session produced.
type sabreDriveResult struct {
	decisions  []Decision
	abandons   int
	replaced   int
	stalls     time.Duration
	waitedFull time.Duration
}

// sabreDrive runs a session through the abr interfaces only (Snapshot,
// Starter, Observer, Abandoner, EstimatorProvider, Replacer): a link
// whose rate (kbit/s) changes per request, 50 ms TTFB, progress checks
// every 100 ms, full-buffer waits reported with OnWait. After an
// abandonment the segment is fetched at the returned rung.
func sabreDrive(t *testing.T, a Algorithm, repl Replacer, l *Ladder, rates []float64) sabreDriveResult {
	t.Helper()
	var res sabreDriveResult
	est := a.(EstimatorProvider).NewEstimator()
	obs, _ := a.(Observer)
	ab, _ := a.(Abandoner)
	st, _ := a.(Starter)
	const ttfb = 50 * time.Millisecond
	maxBuf := 25 * time.Second
	var now, buffer time.Duration
	var buffered []BufferedSegment
	var hist History
	last := -1
	drain := func(d time.Duration) {
		now += d
		if d > buffer {
			res.stalls += d - buffer
			d = buffer
		}
		buffer -= d
		for len(buffered) > 0 && time.Duration(len(buffered))*l.SegmentDuration > buffer+l.SegmentDuration-1 {
			buffered = buffered[1:]
		}
	}
	snap := func(seg int) *Snapshot {
		return &Snapshot{
			Now: now, Ladder: l, Segment: seg, Buffer: buffer, MaxBuffer: maxBuf,
			Buffered: buffered, HeadPlayed: time.Duration(len(buffered))*l.SegmentDuration - buffer, Playing: buffer > 0, LastRung: last, History: hist,
			Estimate: est.Estimate(), MaxRung: l.Top(),
		}
	}
	download := func(seg, q int, replacement bool, req int) (Download, bool, int) {
		rate := rates[req%len(rates)] * 1000 // bit/s
		size := l.SegmentSize(seg, q)
		transfer := time.Duration(float64(size*8) / rate * float64(time.Second))
		checker := ab
		if replacement {
			checker, _ = repl.(Abandoner)
		}
		if checker != nil {
			for e := ttfb + 100*time.Millisecond; e < ttfb+transfer; e += 100 * time.Millisecond {
				got := int64(rate * (e - ttfb).Seconds() / 8)
				s := snap(seg)
				s.Buffer = max(0, buffer-e)
				if ok, to, r := checker.ShouldAbandon(s, Progress{Segment: seg, Rung: q, Bytes: got, Total: size, Elapsed: e, TTFB: ttfb, Replacement: replacement}); ok {
					require.NotEmpty(t, r.Rule)
					return Download{Segment: seg, Rung: q, Bytes: got, Start: now, TTFB: ttfb, Transfer: e - ttfb, Abandoned: true, Replacement: replacement}, true, to
				}
			}
		}
		return Download{Segment: seg, Rung: q, Bytes: size, Start: now, TTFB: ttfb, Transfer: transfer, Replacement: replacement}, false, q
	}
	req := 0
	for seg := 0; seg < l.Segments; {
		if w := buffer + l.SegmentDuration - maxBuf; w > 0 {
			drain(w)
			res.waitedFull += w
			if obs != nil {
				obs.OnWait(snap(seg), w)
			}
		}
		var d Decision
		if seg == 0 && st != nil {
			d = st.Startup(snap(seg))
		} else {
			d = a.Decide(snap(seg))
		}
		require.NotEmpty(t, d.Reason.Rule, "%s segment %d", a.Name(), seg)
		require.True(t, d.Rung >= 0 && d.Rung <= l.Top(), "%s rung %d", a.Name(), d.Rung)
		require.GreaterOrEqual(t, d.Delay, time.Duration(0))
		res.decisions = append(res.decisions, d)
		target, replacement := seg, false
		if repl != nil && seg > 0 {
			if i, ok := repl.Replace(snap(seg), d.Rung); ok {
				target, replacement = buffered[i].Segment, true
			}
		}
		if d.Delay > 0 && !replacement {
			drain(d.Delay)
		}
		q := d.Rung
		for {
			dl, abandoned, to := download(target, q, replacement, req)
			req++
			drain(dl.Elapsed())
			if !abandoned {
				if replacement {
					for i := range buffered {
						if buffered[i].Segment == target {
							buffered[i].Rung = q
							res.replaced++
						}
					}
				} else {
					buffered = append(buffered, BufferedSegment{Segment: seg, Rung: q})
					buffer += l.SegmentDuration
					last = q
				}
			}
			dl.BufferAfter = buffer
			hist = append(hist, dl)
			if obs != nil {
				obs.OnDownload(snap(seg), dl)
			}
			if !abandoned {
				est.Add(Sample{Bytes: dl.Bytes, TTFB: dl.TTFB, Transfer: dl.Transfer, SegmentDuration: l.SegmentDuration})
				break
			}
			res.abandons++
			if replacement || to < 0 {
				break
			}
			q = to
		}
		if !replacement {
			seg++
		}
	}
	return res
}

func TestSabreDashjsSessionsDeterministic(t *testing.T) {
	rates := []float64{5000, 3000, 800, 400, 6000, 2500, 1200, 9000, 300, 4000, 20000, 15000, 700}
	ladders := map[string]*Ladder{
		"bbb":     sabreTestLadder(sabreBBBKbps, 3*time.Second, 60),
		"envivio": dashjsEnvivio(),
	}
	for _, name := range sabreDashjsNames {
		for lname, l := range ladders {
			a1, err := New(name)
			require.NoError(t, err)
			a2, err := New(name)
			require.NoError(t, err)
			r1 := sabreDrive(t, a1, nil, l, rates)
			r2 := sabreDrive(t, a2, nil, l, rates)
			assert.Equal(t, r1, r2, "%s on %s is deterministic", name, lname)
			assert.Len(t, r1.decisions, l.Segments, "%s: one decision per segment", name)
			// Not stuck on one rung: the link swings from 300 to 20000 kbit/s.
			seen := map[int]bool{}
			for _, d := range r1.decisions {
				seen[d.Rung] = true
			}
			assert.Greater(t, len(seen), 1, "%s on %s uses more than one rung", name, lname)
		}
	}
}

func TestSabreDashjsSessionsAbandon(t *testing.T) {
	// A link that collapses from 6000 to 300 kbit/s makes the throughput
	// rules abandon.
	rates := []float64{6000, 6000, 6000, 6000, 6000, 6000, 300, 300, 300, 6000}
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 40)
	for _, name := range []string{"sabre-throughput", "dynamic", "throughput", "dashjs"} {
		a, err := New(name)
		require.NoError(t, err)
		r := sabreDrive(t, a, nil, l, rates)
		assert.Positive(t, r.abandons, "%s abandons on a collapsing link", name)
	}
}

func TestSabreReplacementSession(t *testing.T) {
	// Low throughput first, high later: BOLA-E fills the buffer at low
	// rungs, then the left strategy replaces some of them.
	rates := []float64{800, 800, 800, 800, 800, 800, 800, 800, 30000, 30000, 30000, 30000, 30000, 30000, 30000, 30000}
	l := sabreTestLadder(sabreBBBKbps, 3*time.Second, 60)
	a, err := New("bolae")
	require.NoError(t, err)
	r := sabreDrive(t, a, NewSabreLeftReplacer(), l, rates)
	assert.Positive(t, r.replaced)
}

func TestSabreDashjsRegistry(t *testing.T) {
	names := Names()
	for _, n := range sabreDashjsNames {
		assert.Contains(t, names, n)
		info, ok := Default.Lookup(n)
		require.True(t, ok)
		assert.NotEmpty(t, info.Summary)
		assert.NotEmpty(t, ParamDefaults(info.Params()), n)
		a, err := New(n)
		require.NoError(t, err)
		assert.Equal(t, n, a.Name())
		_, err = New(n + ":nosuchkey=1")
		assert.ErrorIs(t, err, ErrBadParam, n)
	}
	for _, spec := range []string{"bola:basic,o,gp=3,b=10", "bolae:noibr,o,mmsys18pl", "dynamic:basic,threshold=12s", "dynamicdash:low=4s,high=12s", "sabre-throughput:noibr,ma=sliding", "throughput:safety=0.8", "bola-dashjs:buffer_time=30", "dashjs:ibr=false,switch_history=false"} {
		_, err := New(spec)
		assert.NoError(t, err, spec)
	}
	for _, spec := range []string{"bola:ma=median", "bola:gp=x", "dynamicdash:low=12s,high=4s", "throughput:safety=0", "bola-dashjs:decay=2", "dashjs:sh_samples=0"} {
		_, err := New(spec)
		assert.ErrorIs(t, err, ErrBadParam, spec)
	}
	// ma=sliding gives Sabre's sliding window.
	a, err := New("bolae:ma=sliding")
	require.NoError(t, err)
	_, ok := a.(EstimatorProvider).NewEstimator().(*SabreSliding)
	assert.True(t, ok)
}

func TestSabreDashjsDecideAllocatesNothing(t *testing.T) {
	l := sabreTestLadder([]int64{300, 750, 1200, 1850, 2850, 4300}, 4*time.Second, 100)
	for _, name := range sabreDashjsNames {
		a, err := New(name)
		require.NoError(t, err)
		s := dashjsSnap(l, 0, 12*time.Second, 2500)
		s.Segment = 10
		a.Decide(s)
		allocs := testing.AllocsPerRun(100, func() {
			s.Now += time.Second
			a.Decide(s)
		})
		assert.Zero(t, allocs, name)
	}
}
