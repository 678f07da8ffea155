package abr

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pensieveTwoRungLadder: 1 and 2 Mbit/s, 4 s chunks of constant size
// 0.5 MB and 1 MB, unknown length.
func pensieveTwoRungLadder() *Ladder {
	return &Ladder{
		Rungs:           []Rung{{Bitrate: 1_000_000}, {Bitrate: 2_000_000}},
		SegmentDuration: 4 * time.Second,
		Size:            func(seg, q int) int64 { return int64(q+1) * 500_000 },
	}
}

func TestMPCHandExample(t *testing.T) {
	newMPC := func(robust bool) *MPC {
		p := DefaultMPCParams()
		p.Horizon, p.ChunkOffset, p.Robust = 2, 0, robust
		m, err := NewMPC("mpc", p)
		require.NoError(t, err)
		return m
	}
	s := pensieveSnap(pensieveTwoRungLadder())
	s.Segment, s.LastRung = 2, 1
	// c0 = 500000 B / 1000 ms / 1000 = 0.5 MB/s, c1 = 500000 / 2000 / 1000 = 0.25 MB/s.
	s.History = History{
		{Segment: 0, Rung: 0, Bytes: 500_000, Transfer: time.Second},
		{Segment: 1, Rung: 1, Bytes: 500_000, Transfer: 2 * time.Second},
	}
	// Harmonic mean H = 2 / (1/0.5 + 1/0.25) = 1/3 MB/s: download times
	// 0.5 MB → 1.5 s, 1 MB → 3 s. From buffer 3 s after rung 1 (2 Mbit/s):
	//   (0,0): no rebuffer; R = 2, |ΔR| = 1       → 1
	//   (0,1): buffer 5.5 ≥ 3; R = 3, |ΔR| = 2    → 1
	//   (1,0): 3 ≥ 3 (not <), no rebuffer; R = 3, |ΔR| = 1 → 2
	//   (1,1): R = 4, |ΔR| = 0                    → 4   ← best
	s.Buffer = 3 * time.Second
	d := newMPC(false).Decide(s)
	assert.Equal(t, 1, d.Rung)
	assert.Equal(t, "mpc", d.Reason.Rule)
	assert.InDelta(t, 4.0, d.Reason.Value, 1e-12)
	assert.Equal(t, int64(2_666_667), d.Reason.Estimate, "1/3 MB/s = 2.667 Mbit/s")

	// robustMPC: e0 = 0 (first chunk), e1 = |H(c0) − c1| / c1 = |0.5 − 0.25| / 0.25 = 1;
	// planning throughput (1/3) / (1 + 1) = 1/6 MB/s: 0.5 MB → 3 s, 1 MB → 6 s.
	//   (0,0): 3 ≥ 3, buffer 4 ≥ 3: no rebuffer; 2 − 1           →   1   ← best
	//   (0,1): buffer 4 < 6: 2 s rebuffer; 3 − 4.3·2 − 2         →  −7.6
	//   (1,0): 3 < 6: 3 s; 3 − 4.3·3 − 1                         → −10.9
	//   (1,1): 3 s + 2 s; 4 − 4.3·5                              → −17.5
	d = newMPC(true).Decide(s)
	assert.Equal(t, 0, d.Rung)
	assert.InDelta(t, 1.0, d.Reason.Value, 1e-12)
	assert.Equal(t, int64(1_333_333), d.Reason.Estimate, "1/6 MB/s")

	// With buffer 2 s and the plain harmonic mean:
	//   (0,0): 2 ≥ 1.5; R = 2, |ΔR| = 1 → 1.0
	//   (0,1): 4.5 ≥ 3; R = 3, |ΔR| = 2 → 1.0  (tie: the later sequence wins)
	//   (1,0): 2 < 3, 1 s rebuffer → 3 − 4.3 − 1 = −2.3
	//   (1,1): 1 s rebuffer        → 4 − 4.3     = −0.3
	s.Buffer = 2 * time.Second
	d = newMPC(false).Decide(s)
	assert.Equal(t, 0, d.Rung)
	assert.InDelta(t, 1.0, d.Reason.Value, 1e-12)
}

func TestMPCStartupAndEnd(t *testing.T) {
	m, err := NewMPC("robustmpc", DefaultRobustMPCParams())
	require.NoError(t, err)
	s := pensieveSnap(pensieveEnvivioLadder(t))
	d := m.Startup(s)
	assert.Equal(t, Decision{Rung: 1, Reason: Reason{Rule: "startup"}}, d, "Pensieve's DEFAULT_QUALITY")
	assert.Equal(t, d, m.Decide(s), "no history: startup too")

	s.Segment, s.LastRung = 48, 2
	s.History = History{pensieveDL(47, 2, 600_000, time.Second)}
	d = m.Decide(s)
	assert.Equal(t, "end", d.Reason.Rule)
	assert.Equal(t, 0, d.Rung)

	s.MinRung, s.MaxRung, s.Segment = 2, 3, 10
	d = m.Decide(s)
	assert.GreaterOrEqual(t, d.Rung, 2)
	assert.LessOrEqual(t, d.Rung, 3)
}

// mpcPy replays Pensieve's test/mpc.py literally for one session: global
// lists of past throughputs, errors and estimates, and a plain loop over
// every combination of 6^5 rungs in itertools.product order with the
// `>=` update, in kbit/s as the script. It shares no code with MPC.
type mpcPy struct {
	sizes         [][]int64
	kbps          []int64
	robust        bool
	offset        int
	thr, errs, hs []float64
}

func (py *mpcPy) decide(bytes int64, delay time.Duration, buffer float64, last, lastIndex int) (int, float64) {
	delayMs := float64(delay) / 1e6
	c := float64(bytes) / delayMs / 1000
	curErr := 0.0
	if len(py.hs) > 0 {
		curErr = math.Abs(py.hs[len(py.hs)-1]-c) / c
	}
	py.errs = append(py.errs, curErr)
	py.thr = append(py.thr, c)
	past := py.thr[max(0, len(py.thr)-5):]
	sum := 0.0
	for _, x := range past {
		sum += 1 / x
	}
	harmonic := 1.0 / (sum / float64(len(past)))
	maxErr := 0.0
	for _, e := range py.errs[max(0, len(py.errs)-5):] {
		maxErr = math.Max(maxErr, e)
	}
	future := harmonic
	if py.robust {
		future = harmonic / (1 + maxErr)
	}
	py.hs = append(py.hs, harmonic)

	length := 5
	if 48-lastIndex < 5 {
		length = 48 - lastIndex
	}
	maxReward, send := -100000000.0, 0
	for code := range 7776 {
		var combo [5]int
		for pos, rest := 4, code; pos >= 0; pos-- {
			combo[pos] = rest % 6
			rest /= 6
		}
		reb, buf := 0.0, buffer
		bitrateSum, smooth := int64(0), int64(0)
		lastQ := last
		for pos := range length {
			q := combo[pos]
			idx := lastIndex + pos + py.offset
			size := int64(0)
			if idx >= 0 && idx <= 48 {
				size = py.sizes[q][idx]
			}
			dl := (float64(size) / 1000000.) / future
			if buf < dl {
				reb += dl - buf
				buf = 0
			} else {
				buf -= dl
			}
			buf += 4
			bitrateSum += py.kbps[q]
			d := py.kbps[q] - py.kbps[lastQ]
			if d < 0 {
				d = -d
			}
			smooth += d
			lastQ = q
		}
		reward := float64(bitrateSum)/1000. - float64(4.3*reb) - float64(smooth)/1000.
		if reward >= maxReward {
			maxReward, send = reward, combo[0]
		}
	}
	return send, maxReward
}

// TestMPCMatchesMpcPy runs whole 48-chunk sessions over random network
// traces and checks every decision and its reward against mpcPy.
func TestMPCMatchesMpcPy(t *testing.T) {
	sizes := pensieveEnvivioSizes(t)
	l := pensieveEnvivioLadder(t)
	kbps := make([]int64, len(pensieveEnvivioRates))
	for i, r := range pensieveEnvivioRates {
		kbps[i] = r / 1000
	}
	for _, v := range []struct {
		name   string
		params MPCParams
	}{
		{"mpc", DefaultMPCParams()},
		{"robustmpc", DefaultRobustMPCParams()},
		{"robustmpc-fixed", DefaultRobustMPCFixedParams()},
	} {
		t.Run(v.name, func(t *testing.T) {
			decisions, ties := 0, 0
			for seed := range uint64(12) {
				m, err := NewMPC(v.name, v.params)
				require.NoError(t, err)
				py := &mpcPy{sizes: sizes, kbps: kbps, robust: v.params.Robust, offset: v.params.ChunkOffset}
				rng := rand.New(rand.NewPCG(seed, 7))
				mbps := 0.3 + 6*rng.Float64()
				s := pensieveSnap(l)
				q, buf := 1, 0.0
				for k := range 48 {
					mbps = math.Min(math.Max(mbps*(0.6+0.8*rng.Float64()), 0.2), 8)
					size := sizes[q][k]
					delay := time.Duration((float64(size)*8/(mbps*1e6) + 0.08) * float64(time.Second))
					buf = math.Max(buf-delay.Seconds(), 0) + 4
					if buf > 60 {
						buf -= math.Ceil((buf-60)/0.5) * 0.5
					}
					s.History = append(s.History, pensieveDL(k, q, size, delay))
					s.Buffer = time.Duration(buf * float64(time.Second))
					s.Segment, s.LastRung = k+1, q
					if k == 47 {
						break
					}
					want, reward := py.decide(size, delay, s.Buffer.Seconds(), q, k+1)
					d := m.Decide(s)
					require.Equal(t, want, d.Rung, "seed %d chunk %d buffer %v", seed, k+1, s.Buffer)
					require.Equal(t, reward, d.Reason.Value, "seed %d chunk %d", seed, k+1)
					require.Equal(t, "mpc", d.Reason.Rule)
					decisions++
					if math.Abs(reward-math.Round(reward*1000)/1000) < 1e-12 {
						ties++ // no rebuffering: integer kbit/s sums, ties are likely
					}
					q = d.Rung
				}
			}
			t.Logf("%d decisions matched mpc.py (%d without planned rebuffering)", decisions, ties)
		})
	}
}

// TestMPCIndexingDiffers checks that mpc.py's off-by-one is really applied:
// planning on the sizes of the next chunk changes some decisions.
func TestMPCIndexingDiffers(t *testing.T) {
	l := pensieveEnvivioLadder(t)
	orig, err := NewMPC("robustmpc", DefaultRobustMPCParams())
	require.NoError(t, err)
	fixed, err := NewMPC("robustmpc-fixed", DefaultRobustMPCFixedParams())
	require.NoError(t, err)
	differ := 0
	s := pensieveSnap(l)
	s.LastRung = 2
	for k := range 47 {
		s.Segment = k + 1
		s.History = History{pensieveDL(k, 2, 600_000, 2*time.Second)} // 2.4 Mbit/s over the whole delay
		for b := 0; b <= 20; b++ {
			s.Buffer = time.Duration(b) * time.Second
			if orig.Decide(s).Rung != fixed.Decide(s).Rung {
				differ++
			}
		}
	}
	assert.Positive(t, differ)
}

// BenchmarkMPCScenarios times robustmpc on buffers and throughputs that
// make the search hard (many sequences close to the best).
func BenchmarkMPCScenarios(b *testing.B) {
	l := pensieveEnvivioLadder(b)
	for _, sc := range []struct {
		name   string
		mbps   float64
		buffer time.Duration
	}{
		{"starved-0.4Mbps", 0.4, time.Second},
		{"low-1Mbps", 1, 6 * time.Second},
		{"mid-2.5Mbps", 2.5, 10 * time.Second},
		{"edge-4.3Mbps", 4.3, 8 * time.Second},
		{"high-20Mbps", 20, 30 * time.Second},
	} {
		b.Run(sc.name, func(b *testing.B) {
			m, err := NewMPC("robustmpc", DefaultRobustMPCParams())
			require.NoError(b, err)
			s := pensieveSnap(l)
			s.Segment, s.LastRung, s.Buffer = 20, 3, sc.buffer
			for k := range 20 {
				bytes := int64(1_000_000 + 50_000*(k%5))
				s.History = append(s.History, pensieveDL(k, 3, bytes, time.Duration(float64(bytes)*8/(sc.mbps*1e6)*float64(time.Second))))
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Decide(s)
			}
		})
	}
}
