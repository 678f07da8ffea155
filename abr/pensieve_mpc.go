package abr

import (
	"fmt"
	"math"
	"slices"
)

// mpcMaxHorizon bounds MPCParams.Horizon: the search visits
// rungs^horizon sequences in the worst case.
const mpcMaxHorizon = 8

// MPCParams configures MPC.
type MPCParams struct {
	// Horizon is the number of future chunks planned (Pensieve: 5).
	Horizon int `abr:"horizon"`
	// Window is the number of past chunk throughputs in the harmonic
	// mean (Pensieve: 5).
	Window int `abr:"window"`
	// ErrorWindow is the number of past prediction errors whose maximum
	// discounts the robust estimate (Pensieve: 5).
	ErrorWindow int `abr:"errwindow"`
	// Robust divides the harmonic mean by 1 + the maximum relative
	// prediction error (robustMPC); false plans on the harmonic mean.
	Robust bool `abr:"robust"`
	// RebufferPenalty is the QoE_lin cost of one second of rebuffering,
	// in Mbit/s (Pensieve: 4.3, the top rung of its ladder).
	RebufferPenalty float64 `abr:"rebuf"`
	// SmoothPenalty weighs |ΔR| in Mbit/s (Pensieve: 1).
	SmoothPenalty float64 `abr:"smooth"`
	// ChunkOffset is added to the index of each planned chunk when
	// looking up its size. mpc.py plans chunk k with the size of chunk
	// k+1 (offset 1, hongzimao/pensieve issue #51); 0 uses the right
	// chunk.
	ChunkOffset int `abr:"offset"`
	// FirstRung is the rung of the first chunk (Pensieve: 1).
	FirstRung int `abr:"first"`
}

// DefaultMPCParams returns the parameters of `mpc`: Pensieve's
// test/mpc.py without the robust discount, original chunk indexing.
func DefaultMPCParams() MPCParams {
	return MPCParams{Horizon: 5, Window: 5, ErrorWindow: 5, RebufferPenalty: 4.3, SmoothPenalty: 1, ChunkOffset: 1, FirstRung: pensieveFirstRung}
}

// DefaultRobustMPCParams returns the parameters of `robustmpc`:
// Pensieve's test/mpc.py as published, including its off-by-one chunk
// indexing.
func DefaultRobustMPCParams() MPCParams {
	p := DefaultMPCParams()
	p.Robust = true
	return p
}

// DefaultRobustMPCFixedParams returns the parameters of
// `robustmpc-fixed`: test/mpc.py with the chunk indexing corrected.
func DefaultRobustMPCFixedParams() MPCParams {
	p := DefaultRobustMPCParams()
	p.ChunkOffset = 0
	return p
}

// MPC is model predictive control for bitrate adaptation (Yin, Jindal,
// Sekar, Sinopoli, SIGCOMM 2015) exactly as Pensieve's baseline
// test/mpc.py implements it (Mao et al., SIGCOMM 2017), registered as
// `mpc`, `robustmpc` and `robustmpc-fixed`.
//
// After each chunk, with throughputs c_k = bytes / delay (MB/s, delay
// including the TTFB) of the completed downloads in History:
//   - the prediction is the harmonic mean H_k of the last Window c's;
//   - robustMPC's error e_k = |H_{k−1} − c_k| / c_k (0 for the first
//     chunk) and the planning throughput is H_k / (1 + max of the last
//     ErrorWindow errors, e_k included), else H_k;
//   - every rung sequence over the next Horizon chunks (fewer near the
//     end) is scored with Pensieve's buffer arithmetic: download time
//     size(MB) / throughput, rebuffer when it exceeds the buffer, +1
//     segment duration per chunk, no buffer cap; QoE_lin = Σ R/10⁶ −
//     RebufferPenalty × rebuffer − SmoothPenalty × Σ|ΔR|/10⁶ with R in
//     bit/s, ΔR from the last fetched rung;
//   - the first rung of the best sequence is fetched, ties going to the
//     sequence that is last in lexicographic order (mpc.py's `>=`), and
//     no sequence below −10⁸ is accepted (the previous choice is kept).
//
// Sizes come from Ladder.SegmentSize at chunk index Segment + position +
// ChunkOffset, so exact reproduction needs Ladder.Size, and with
// mpc.py's offset the size of the chunk after the last one (Envivio's
// 49th entry). The search is exact and allocation-free: a depth-first
// enumeration that shares buffer and reward state across common prefixes,
// visits high rungs first and skips a subtree only when an upper bound
// of its reward (rates without rebuffering, least switching) is below the
// best reward found, so the result is the one of the full enumeration,
// bit for bit.
//
// Differences with mpc.py: the error history is per session (mpc.py
// keeps it across the traces of a run, which makes its results depend on
// the order of the trace files), and the rungs are limited to
// [MinRung, MaxRung].
//
// Reasons: "startup" before the first measured chunk, "end" past the last
// chunk, "mpc" (Estimate = planning throughput in bit/s, Value = best
// QoE_lin), "mpc-floor" when no sequence reached −10⁸.
type MPC struct {
	name string
	p    MPCParams

	// Per-decision scratch, grown with the ladder, never shrunk.
	samples []float64 // last Window+ErrorWindow throughputs, oldest first
	dt      []float64 // download time [position][rung]
	gain    []float64 // approximate reward of rung q after rung l [l][q]
	bound   []float64 // reward bound of k more chunks after rung q [k][q]
	rates   []int64   // bitrates the tables were built for

	// Search state.
	rungs          []Rung
	h, lo, hi, nr  int
	seg, mu, lam   float64
	tol            float64
	found          bool
	best, cut      float64
	path, bestPath [mpcMaxHorizon]int
	prev           int // last decision, mpc.py's fallback
}

// NewMPC returns an MPC registered under name with parameters p.
func NewMPC(name string, p MPCParams) (*MPC, error) {
	if p.Horizon < 1 || p.Horizon > mpcMaxHorizon || p.Window < 1 || p.ErrorWindow < 1 {
		return nil, fmt.Errorf("%w: %s horizon=%d (1..%d) window=%d errwindow=%d", ErrBadParam, name, p.Horizon, mpcMaxHorizon, p.Window, p.ErrorWindow)
	}
	if !(p.RebufferPenalty >= 0) || !(p.SmoothPenalty >= 0) || p.FirstRung < 0 {
		return nil, fmt.Errorf("%w: %s rebuf=%v smooth=%v first=%d", ErrBadParam, name, p.RebufferPenalty, p.SmoothPenalty, p.FirstRung)
	}
	return &MPC{name: name, p: p, samples: make([]float64, p.Window+p.ErrorWindow), prev: -1}, nil
}

// Name returns the registry name.
func (m *MPC) Name() string { return m.name }

// Startup returns FirstRung.
func (m *MPC) Startup(s *Snapshot) Decision { return pensieveStartup(s, m.p.FirstRung) }

// NewEstimator returns the harmonic mean of the last 5 throughputs, the
// session estimate consistent with the planner's (which it computes from
// History itself).
func (m *MPC) NewEstimator() Estimator {
	e, _ := NewHarmonicEstimator(DefaultHarmonicParams())
	return e
}

// predict returns the planning throughput in MB/s, or ok false before
// the first usable download.
func (m *MPC) predict(h History) (float64, bool) {
	k := len(m.samples)
	n := 0
	for i := len(h) - 1; i >= 0 && n < k; i-- {
		if h[i].Abandoned {
			continue
		}
		if c, ok := pensieveMBps(h[i]); ok {
			n++
			m.samples[k-n] = c
		}
	}
	if n == 0 {
		return 0, false
	}
	xs := m.samples[k-n:]
	w := m.p.Window
	est := harmonicMean(xs[max(0, n-w):])
	if !m.p.Robust {
		return est, true
	}
	var maxErr float64
	for j := max(0, n-m.p.ErrorWindow); j < n; j++ {
		if j == 0 {
			continue // the first chunk of the session has no prediction: error 0
		}
		prevEst := harmonicMean(xs[max(0, j-w):j])
		maxErr = math.Max(maxErr, math.Abs(prevEst-xs[j])/xs[j])
	}
	return est / (1 + maxErr), true
}

// Decide plans the next Horizon chunks and returns the first rung.
func (m *MPC) Decide(s *Snapshot) Decision {
	c, ok := m.predict(s.History)
	if !ok || s.LastRung < 0 || !(c > 0) || math.IsInf(c, 0) {
		d := pensieveStartup(s, m.p.FirstRung)
		m.prev = d.Rung
		return d
	}
	lo, hi := rungBounds(s)
	h := m.p.Horizon
	if l := s.Ladder; l.Segments > 0 && l.Segments-s.Segment < h {
		h = l.Segments - s.Segment
	}
	reason := Reason{Rule: "mpc", Estimate: int64(math.Round(c * 8e6)), Buffer: s.Buffer}
	if h <= 0 {
		reason.Rule = "end"
		return Decision{Rung: lo, Reason: reason}
	}
	m.prepare(s, c, h, lo, hi)
	last := min(s.LastRung, s.Ladder.Top())
	m.dfs(0, s.Buffer.Seconds(), 0, 0, 0, last, 0)
	if !m.found {
		reason.Rule = "mpc-floor"
		q := m.prev
		if q < lo || q > hi {
			q = lo
		}
		return Decision{Rung: q, Reason: reason}
	}
	reason.Value = m.best
	m.prev = m.bestPath[0]
	return Decision{Rung: m.bestPath[0], Reason: reason}
}

// prepare fills the download-time table for this decision and, when the
// ladder changed, the reward tables.
func (m *MPC) prepare(s *Snapshot, c float64, h, lo, hi int) {
	l := s.Ladder
	nr := len(l.Rungs)
	m.rungs, m.h, m.lo, m.hi, m.nr = l.Rungs, h, lo, hi, nr
	m.seg = l.SegmentDuration.Seconds()
	m.mu, m.lam = m.p.RebufferPenalty, m.p.SmoothPenalty
	if len(m.dt) < mpcMaxHorizon*nr {
		m.dt = make([]float64, mpcMaxHorizon*nr)
	}
	for pos := range h {
		idx := s.Segment + pos + m.p.ChunkOffset
		for q := lo; q <= hi; q++ {
			m.dt[pos*nr+q] = (float64(l.SegmentSize(idx, q)) / 1e6) / c
		}
	}
	if m.tablesStale(l.Rungs) {
		m.buildTables(l.Rungs)
	}
	maxRate := float64(l.Rungs[nr-1].Bitrate) / 1e6
	m.found, m.best = false, math.Inf(-1)
	// The approximate rewards of the search differ from the exact ones by
	// far less than tol; candidates within tol of the best are scored
	// exactly.
	m.tol = 1e-9 * (1 + float64(mpcMaxHorizon)*(maxRate+m.mu))
	m.cut = -1e8 - m.tol*(1+1e8) // the floor, with the slack consider gives any reward
}

// tablesStale reports whether the reward tables were built for other
// bitrates than rungs'.
func (m *MPC) tablesStale(rungs []Rung) bool {
	if len(m.rates) != len(rungs) {
		return true
	}
	for i, r := range rungs {
		if m.rates[i] != r.Bitrate {
			return true
		}
	}
	return false
}

// buildTables computes, in Mbit/s, gain[l][q] = R_q − λ|R_q − R_l| (the
// reward of fetching q after l, without rebuffering) and bound[k][q], an
// upper bound of the reward of any k further chunks after rung q:
// max over p of k·R_p − λ|R_p − R_q|. The bound holds because such a
// sequence earns at most k × its highest rate M and its switches add up
// to at least |M − R_q|; rebuffering only lowers the reward.
func (m *MPC) buildTables(rungs []Rung) {
	nr := len(rungs)
	m.rates = m.rates[:0]
	for _, r := range rungs {
		m.rates = append(m.rates, r.Bitrate)
	}
	m.gain = slices.Grow(m.gain[:0], nr*nr)[:nr*nr]
	m.bound = slices.Grow(m.bound[:0], mpcMaxHorizon*nr)[:mpcMaxHorizon*nr]
	mb := func(q int) float64 { return float64(rungs[q].Bitrate) / 1e6 }
	for l := range nr {
		for q := range nr {
			m.gain[l*nr+q] = mb(q) - m.p.SmoothPenalty*math.Abs(mb(q)-mb(l))
		}
	}
	for k := range mpcMaxHorizon {
		for q := range nr {
			b := math.Inf(-1)
			for p := range nr {
				b = math.Max(b, float64(k)*mb(p)-m.p.SmoothPenalty*math.Abs(mb(p)-mb(q)))
			}
			if k == 0 {
				b = 0
			}
			m.bound[k*nr+q] = b
		}
	}
}

// dfs extends the planned sequence at position pos, from buffer buf (s),
// accumulated rebuffering reb (s), bitrate and switch sums in bit/s, the
// previous rung last and the approximate reward v so far. The buffer and
// rebuffer arithmetic is mpc.py's, operation for operation, so the exact
// reward of a leaf equals the one mpc.py computes for that sequence.
func (m *MPC) dfs(pos int, buf, reb float64, bsum, ssum int64, last int, v float64) {
	nr := m.nr
	dt := m.dt[pos*nr : pos*nr+nr]
	gain := m.gain[last*nr : last*nr+nr]
	rem := m.h - 1 - pos
	bound := m.bound[rem*nr : rem*nr+nr]
	lastRate := m.rungs[last].Bitrate
	for q := m.hi; q >= m.lo; q-- {
		nbuf, nreb, inc := buf, reb, 0.0
		if nbuf < dt[q] {
			inc = dt[q] - nbuf
			nreb = reb + inc
			nbuf = 0
		} else {
			nbuf -= dt[q]
		}
		nv := v + gain[q] - m.mu*inc
		if nv+bound[q] < m.cut {
			continue
		}
		rate := m.rungs[q].Bitrate
		sw := rate - lastRate
		if sw < 0 {
			sw = -sw
		}
		m.path[pos] = q
		if rem == 0 {
			m.consider(bsum+rate, ssum+sw, nreb)
			continue
		}
		m.dfs(pos+1, nbuf+m.seg, nreb, bsum+rate, ssum+sw, q, nv)
	}
}

// consider scores the sequence in m.path exactly as mpc.py does and keeps
// it if it is better, or equally good and later in lexicographic order.
func (m *MPC) consider(bsum, ssum int64, reb float64) {
	r := float64(bsum)/1e6 - float64(m.mu*reb) - float64(m.lam*(float64(ssum)/1e6))
	if m.found {
		if r < m.best || (r == m.best && !m.laterThanBest()) {
			return
		}
	} else if r < -1e8 {
		return
	}
	m.found, m.best = true, r
	copy(m.bestPath[:m.h], m.path[:m.h])
	m.cut = r - m.tol*(1+math.Abs(r))
}

// laterThanBest reports whether m.path comes after m.bestPath in
// lexicographic order.
func (m *MPC) laterThanBest() bool {
	for i := range m.h {
		if m.path[i] != m.bestPath[i] {
			return m.path[i] > m.bestPath[i]
		}
	}
	return false
}

func init() {
	for _, v := range []struct {
		name, summary string
		params        func() MPCParams
	}{
		{"mpc", "MPC: exhaustive 5-chunk QoE_lin plan on the harmonic mean of 5 throughputs (Yin et al. SIGCOMM 2015, as Pensieve test/mpc.py without the robust discount)", DefaultMPCParams},
		{"robustmpc", "robustMPC: MPC on harmonic mean / (1 + max error of the last 5), as Pensieve test/mpc.py incl. its off-by-one chunk indexing", DefaultRobustMPCParams},
		{"robustmpc-fixed", "robustMPC as Pensieve test/mpc.py with the chunk indexing corrected (issue #51)", DefaultRobustMPCFixedParams},
	} {
		registerStock(v.name, v.summary, v.params, func(p MPCParams) (*MPC, error) { return NewMPC(v.name, p) })
	}
}
