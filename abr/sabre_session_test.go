package abr

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This test drives the Sabre algorithms through their float API with a
// minimal re-statement of Sabre's session loop (sabre-model §3-§4: the
// looping link with per-request latency, 12000-bit / 50 ms progress
// steps, buffer drain and metrics), on Sabre's toy example, and compares
// with the numbers Sabre printed (sabre-model §9). It checks that the
// algorithms reproduce Sabre exactly when driven in Sabre's order; the
// real Sabre profile lives in sim/.

type sabreTestPeriod struct{ time, bandwidth, latency float64 }

type sabreTestNet struct {
	trace      []sabreTestPeriod
	idx        int
	timeToNext float64
}

func (n *sabreTestNet) next() {
	n.idx++
	if n.idx == len(n.trace) {
		n.idx = 0
	}
	n.timeToNext = n.trace[n.idx].time
}

func (n *sabreTestNet) latencyDelay(units float64) float64 {
	total := 0.0
	for units > 0 {
		lat := n.trace[n.idx].latency
		t := units * lat
		if t <= n.timeToNext {
			total += t
			n.timeToNext -= t
			units = 0
		} else {
			total += n.timeToNext
			units -= n.timeToNext / lat
			n.next()
		}
	}
	return total
}

func (n *sabreTestNet) download(size float64) float64 {
	total := 0.0
	for size > 0 {
		bw := n.trace[n.idx].bandwidth
		if size <= n.timeToNext*bw {
			t := size / bw
			total += t
			n.timeToNext -= t
			size = 0
		} else {
			total += n.timeToNext
			size -= float64(n.timeToNext * bw)
			n.next()
		}
	}
	return total
}

func (n *sabreTestNet) minimalDownload(size, minSize, minTime float64) (float64, float64) {
	totalSize, totalTime := 0.0, 0.0
	for size > 0 && (minSize > 0 || minTime > 0) {
		bw := n.trace[n.idx].bandwidth
		var bits, t float64
		if bw > 0 {
			minBits := math.Max(minSize, minTime*bw)
			bitsToNext := n.timeToNext * bw
			switch {
			case size <= minBits && size <= bitsToNext:
				bits = size
				t = bits / bw
				n.timeToNext -= t
			case minBits <= bitsToNext:
				bits = minBits
				t = bits / bw
				minSize, minTime = 0, 0
				n.timeToNext -= t
			default:
				bits = bitsToNext
				t = n.timeToNext
				n.next()
			}
		} else if minSize > 0 || minTime > n.timeToNext {
			t = n.timeToNext
			n.next()
		} else {
			t = minTime
			n.timeToNext -= t
		}
		totalSize += bits
		totalTime += t
		size -= bits
		minSize -= bits
		minTime -= t
	}
	return totalSize, totalTime
}

func (n *sabreTestNet) delay(t float64) {
	for t > n.timeToNext {
		t -= n.timeToNext
		n.next()
	}
	n.timeToNext -= t
}

// checker is check_abandon: the rung (or -1) and whether to abandon.
type sabreTestChecker func(p SabreProgress, bufferMs float64) (int, bool)

// fetch is NetworkModel.download with progress steps.
func (n *sabreTestNet) fetch(size float64, q int, bufferMs float64, check sabreTestChecker) (downloaded, elapsed, ttfb float64, abandoned bool, to int) {
	if check == nil {
		ttfb = n.latencyDelay(1)
		return size, ttfb + n.download(size), ttfb, false, 0
	}
	ttfb = n.latencyDelay(1)
	elapsed = ttfb
	minTime, minSize := 50-elapsed, 12000.0
	for downloaded < size && !abandoned {
		bits, t := n.minimalDownload(size-downloaded, minSize, minTime)
		elapsed += t
		downloaded += bits
		if downloaded < size {
			to, abandoned = check(SabreProgress{Rung: q, SizeBits: size, DownloadedBits: downloaded, TimeMs: elapsed, TTFBMs: ttfb}, math.Max(0, bufferMs-elapsed))
			minTime, minSize = 50, 12000
		}
	}
	return downloaded, elapsed, ttfb, abandoned, to
}

type sabreTestMetrics struct {
	playedBitrate, bitrateChange, playTime, rebuffer float64
	over, leq                                        int
}

type sabreTestSession struct {
	p        float64
	kbps     []float64
	buffer   []int
	fcc      float64
	last     int
	m        sabreTestMetrics
	hasLast  bool
	segments [][]float64
}

func (s *sabreTestSession) level() float64 { return s.p*float64(len(s.buffer)) - s.fcc }

func (s *sabreTestSession) deplete(t float64) {
	if len(s.buffer) == 0 {
		s.m.rebuffer += t
		s.m.playTime += t
		return
	}
	if s.fcc > 0 {
		if t+s.fcc < s.p {
			s.fcc += t
			s.m.playTime += t
			return
		}
		t -= s.p - s.fcc
		s.m.playTime += s.p - s.fcc
		s.buffer = s.buffer[1:]
		s.fcc = 0
	}
	for t > 0 && len(s.buffer) > 0 {
		q := s.buffer[0]
		s.m.playedBitrate += s.kbps[q]
		if s.hasLast && q != s.last {
			s.m.bitrateChange += math.Abs(s.kbps[q] - s.kbps[s.last])
		}
		s.last, s.hasLast = q, true
		if t >= s.p {
			s.buffer = s.buffer[1:]
			s.m.playTime += s.p
			t -= s.p
		} else {
			s.fcc = t
			s.m.playTime += t
			t = 0
		}
	}
	if t > 0 {
		s.m.rebuffer += t
		s.m.playTime += t
	}
}

// sabreTestRun runs one session like sabre.py's main loop.
func sabreTestRun(t *testing.T, a SabreAlgorithm, repl *SabreReplacer, movie *sabreTestMovie, trace []sabreTestPeriod) sabreTestMetrics {
	const bufferSize = 25000.0
	l := &Ladder{SegmentDuration: time.Duration(movie.SegmentMs * float64(time.Millisecond)), Segments: len(movie.Sizes)}
	for _, k := range movie.Kbps {
		l.Rungs = append(l.Rungs, Rung{Bitrate: int64(k) * 1000})
	}
	net := &sabreTestNet{trace: trace, idx: -1}
	net.next()
	s := &sabreTestSession{p: movie.SegmentMs, kbps: movie.Kbps, segments: movie.Sizes}
	est := NewSabreEWMAMs([]float64{3000, 8000}, movie.SegmentMs)
	view := func(seg int) SabreView {
		k, lat, ok := est.Values()
		return SabreView{Ladder: l, Segment: seg, BufferMs: s.level(), MaxBufferMs: bufferSize, ThroughputKbps: k, LatencyMs: lat, HasEstimate: ok}
	}

	size := movie.Sizes[0][0]
	_, elapsed, ttfb, _, _ := net.fetch(size, 0, 0, nil)
	s.buffer = append(s.buffer, 0)
	est.Push(elapsed-ttfb, size/(elapsed-ttfb), ttfb)
	s.m.playTime += elapsed

	for next := 1; next < len(movie.Sizes); {
		if full := s.level() + s.p - bufferSize; full > 0 {
			s.deplete(full)
			net.delay(full)
			a.SabreReportDelay(full)
		}
		q, delay, r := a.SabreDecide(view(next))
		require.NotEmpty(t, r.Rule)
		replace, replacing := 0, false
		if repl != nil {
			bs := make([]BufferedSegment, len(s.buffer))
			for i, b := range s.buffer {
				bs[i] = BufferedSegment{Rung: b}
			}
			if _, ok := repl.SabreCheckReplace(bs, s.fcc, s.p, q); ok {
				replace, _ = repl.Slot()
				replacing = true
			}
		}
		current := next
		check := func(p SabreProgress, buf float64) (int, bool) {
			v := view(current)
			v.BufferMs = buf
			to, ok, _ := a.SabreCheckAbandon(v, p)
			return to, ok
		}
		if replacing {
			delay = 0
			current = next + replace
			check = func(_ SabreProgress, buf float64) (int, bool) { return -1, repl.SabreCheckAbandon(buf, s.p) }
		}
		size := movie.Sizes[current][q]
		if delay > 0 {
			s.deplete(delay)
			net.delay(delay)
		}
		got, elapsed, ttfb, abandoned, to := net.fetch(size, q, s.level(), check)
		s.deplete(elapsed)
		if !replacing {
			if !abandoned {
				s.buffer = append(s.buffer, q)
				next++
			}
		} else if !abandoned && SabreReplaceStillValid(s.level(), s.p, replace) {
			s.buffer[len(s.buffer)+replace] = q
		}
		a.SabreReportDownload(view(next), SabreOutcome{Rung: q, TimeMs: elapsed, Abandoned: abandoned, AbandonTo: to, Replacement: replacing})
		dl := elapsed - ttfb
		tput := got / dl
		if k, _, _ := est.Values(); k > tput {
			s.m.over++
		} else {
			s.m.leq++
		}
		if !abandoned {
			est.Push(dl, tput, ttfb)
		}
	}
	s.deplete(s.level())
	return s.m
}

type sabreTestMovie struct {
	SegmentMs float64     `json:"segment_duration_ms"`
	Kbps      []float64   `json:"bitrates_kbps"`
	Sizes     [][]float64 `json:"segment_sizes_bits"`
}

func sabreTestInputs(t *testing.T) (*sabreTestMovie, []sabreTestPeriod) {
	dir := filepath.Join("..", "..", "shared", "traces", "sabre")
	if env := os.Getenv("ABRKIT_SHARED"); env != "" {
		dir = filepath.Join(env, "traces", "sabre")
	}
	mb, err := os.ReadFile(filepath.Join(dir, "movie.json"))
	if err != nil {
		t.Skipf("Sabre example inputs not available: %v", err)
	}
	nb, err := os.ReadFile(filepath.Join(dir, "network.json"))
	require.NoError(t, err)
	var movie sabreTestMovie
	require.NoError(t, json.Unmarshal(mb, &movie))
	var periods []struct {
		D float64 `json:"duration_ms"`
		B float64 `json:"bandwidth_kbps"`
		L float64 `json:"latency_ms"`
	}
	require.NoError(t, json.Unmarshal(nb, &periods))
	trace := make([]sabreTestPeriod, len(periods))
	for i, p := range periods {
		trace[i] = sabreTestPeriod{time: p.D, bandwidth: p.B, latency: p.L}
	}
	return &movie, trace
}

func TestSabreToyExampleMatchesSabre(t *testing.T) {
	movie, trace := sabreTestInputs(t)
	mk := func(spec string) SabreAlgorithm {
		a, err := New(spec)
		require.NoError(t, err)
		return a.(SabreAlgorithm)
	}
	// sabre-model §9: Sabre HEAD on example/network.json + movie.json,
	// -b 25, abandonment on. Columns: total played bitrate, time average
	// played bitrate, total bitrate change, over and leq estimate counts.
	cases := []struct {
		name      string
		algo      SabreAlgorithm
		repl      *SabreReplacer
		played    float64
		avg       string
		change    float64
		over, leq int
	}{
		{"bola", mk("bola"), nil, 572684, "2876.593494", 85004, 99, 109},
		{"bola_basic_o", mk("bola:basic,o"), nil, 444385, "2232.147222", 24735, 90, 108},
		{"bolae", mk("bolae"), nil, 579714, "2911.905206", 80654, 88, 110},
		{"bola_pl", mk("bolae:noibr"), nil, 574274, "2884.580069", 129792, 97, 104},
		{"throughput", mk("sabre-throughput"), nil, 390964, "1963.813375", 20907, 103, 95},
		{"dynamic", mk("dynamic"), nil, 578423, "2905.420509", 64788, 103, 104},
		{"dynamicdash", mk("dynamicdash"), nil, 579314, "2909.896005", 71006, 91, 107},
		{"bolae_fs_left", mk("bolae"), NewSabreLeftReplacer(), 513617, "2579.899771", 109758, 104, 129},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := sabreTestRun(t, c.algo, c.repl, movie, trace)
			assert.Equal(t, c.played, m.playedBitrate, "total played bitrate")
			avg := m.playedBitrate * (1 / (m.playTime / movie.SegmentMs))
			assert.Equal(t, c.avg, strconv.FormatFloat(avg, 'f', 6, 64), "time average played bitrate")
			assert.Equal(t, "597.252272", strconv.FormatFloat(m.playTime/1000, 'f', 6, 64), "total play time")
			assert.Zero(t, m.rebuffer)
			assert.Equal(t, c.change, m.bitrateChange, "total bitrate change")
			assert.Equal(t, c.over, m.over, "over estimate count")
			assert.Equal(t, c.leq, m.leq, "leq estimate count")
		})
	}
}
