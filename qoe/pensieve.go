package qoe

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Sentinel errors of the Pensieve/MPC models.
var (
	// ErrBitrateNotInTable is returned by a table model (such as "hd") for a
	// bitrate its table does not list.
	ErrBitrateNotInTable = errors.New("qoe: bitrate not in the model's utility table")
	// ErrNoBaseBitrate is returned by a log model with BaseBitrate 0 when
	// the session has no ladder to take the base from.
	ErrNoBaseBitrate = errors.New("qoe: log model needs a base bitrate")
	// ErrBadModel is returned for a Model or Convention whose fields make no
	// sense (unknown utility kind, negative counts, non-positive bitrate
	// under a log utility).
	ErrBadModel = errors.New("qoe: bad model")
)

// UtilityKind selects the per-chunk quality function q(R) of a Model.
type UtilityKind int

// The utility functions of Pensieve's Table 1.
const (
	// UtilityLinear is q(R) = R in Mbit/s (QoE_lin).
	UtilityLinear UtilityKind = iota + 1
	// UtilityLog is q(R) = ln(R / R_base) (QoE_log).
	UtilityLog
	// UtilityTable looks q(R) up in Model.Table (QoE_hd).
	UtilityTable
)

// String returns "linear", "log" or "table".
func (k UtilityKind) String() string {
	switch k {
	case UtilityLinear:
		return "linear"
	case UtilityLog:
		return "log"
	case UtilityTable:
		return "table"
	}
	return "UtilityKind(" + strconv.Itoa(int(k)) + ")"
}

// TableEntry maps one bitrate to its utility in a table model.
type TableEntry struct {
	// Bitrate in bit/s.
	Bitrate int64
	// Utility is q(Bitrate).
	Utility float64
}

// Model is a QoE model of the form used by MPC (Yin et al., SIGCOMM 2015)
// and Pensieve (Mao et al., SIGCOMM 2017, eq. (1)):
//
//	QoE = Σ q(R_n) − μ Σ T_n − λ Σ |q(R_n) − q(R_{n−1})|
//
// with R_n the bitrate of chunk n and T_n the rebuffering (seconds) incurred
// while chunk n was awaited. Each chunk's reward is
// r_n = q(R_n) − μ T_n − λ |q(R_n) − q(R_{n−1})|, evaluated in that order
// (as Pensieve's Python does). For the linear utility the smoothness term is
// λ |R_n − R_{n−1}| / 10^6 computed from the integer difference, as Pensieve
// computes it, which is not always the same float as |q(R_n) − q(R_{n−1})|.
//
// Lin, Log and HD return the published models; the zero Model is not usable.
type Model struct {
	// Name is the registry name ("lin", "log", "hd"), echoed in Score.
	Name string
	// Kind is the utility function q.
	Kind UtilityKind
	// BaseBitrate is R_base in bit/s for UtilityLog. 0 means the session's
	// lowest rung (Session.Ladder[0]).
	BaseBitrate int64
	// Table lists q(R) for UtilityTable.
	Table []TableEntry
	// RebufferPenalty is μ, per second of rebuffering.
	RebufferPenalty float64
	// SmoothnessPenalty is λ. Pensieve and MPC use 1; results are bit-exact
	// with Pensieve's for λ = 1.
	SmoothnessPenalty float64
}

// Lin returns QoE_lin: q(R) = R in Mbit/s, μ = 4.3 (one second of
// rebuffering costs as much as a chunk at the top Envivio rate, 4.3 Mbit/s),
// λ = 1. These are REBUF_PENALTY and SMOOTH_PENALTY in Pensieve's
// sim/multi_agent.py and test/*.py, and Table 1 of the paper.
func Lin() Model {
	return Model{Name: "lin", Kind: UtilityLinear, RebufferPenalty: 4.3, SmoothnessPenalty: 1}
}

// Log returns QoE_log: q(R) = ln(R / R_min) with R_min = 300 kbit/s (the
// lowest Envivio rung, as in the commented log reward of Pensieve's
// test/mpc.py), μ = 2.66 (= ln(4300/300) rounded, Pensieve Table 1), λ = 1.
//
// Pensieve's code has two commented-out variants that differ: sim/
// multi_agent.py uses ln(R / R_max) (a constant offset per chunk) and both
// keep μ = 4.3. Set BaseBitrate and RebufferPenalty to reproduce those. For
// another ladder set BaseBitrate to its lowest rung, or to 0 to take
// Session.Ladder[0].
func Log() Model {
	return Model{Name: "log", Kind: UtilityLog, BaseBitrate: 300_000, RebufferPenalty: 2.66, SmoothnessPenalty: 1}
}

// HD returns QoE_hd: the Envivio rungs 300, 750, 1200, 1850, 2850 and 4300
// kbit/s score 1, 2, 3, 12, 15 and 20 (HD_REWARD / BITRATE_REWARD in
// Pensieve's code), μ = 8 (Table 1, and the commented HD reward of
// test/mpc.py), λ = 1. A bitrate outside the table is an error
// (ErrBitrateNotInTable); build a Model with your own Table for other
// ladders.
func HD() Model {
	return Model{
		Name: "hd",
		Kind: UtilityTable,
		Table: []TableEntry{
			{300_000, 1}, {750_000, 2}, {1_200_000, 3},
			{1_850_000, 12}, {2_850_000, 15}, {4_300_000, 20},
		},
		RebufferPenalty:   8,
		SmoothnessPenalty: 1,
	}
}

// utility returns q(bitrate).
func (m *Model) utility(bitrate, base int64) (float64, error) {
	switch m.Kind {
	case UtilityLinear:
		return float64(bitrate) / 1e6, nil
	case UtilityLog:
		if bitrate <= 0 || base <= 0 {
			return 0, fmt.Errorf("%w: log utility of %d bit/s over base %d bit/s", ErrBadModel, bitrate, base)
		}
		return math.Log(float64(bitrate) / float64(base)), nil
	case UtilityTable:
		for _, e := range m.Table {
			if e.Bitrate == bitrate {
				return e.Utility, nil
			}
		}
		return 0, fmt.Errorf("%w: model %q has no entry for %d bit/s", ErrBitrateNotInTable, m.Name, bitrate)
	}
	return 0, fmt.Errorf("%w: model %q has utility kind %v", ErrBadModel, m.Name, m.Kind)
}

// terms returns q(bitrate) and the smoothness penalty against prev.
func (m *Model) terms(bitrate, prev, base int64) (q, smooth float64, err error) {
	q, err = m.utility(bitrate, base)
	if err != nil {
		return 0, 0, err
	}
	if m.Kind == UtilityLinear {
		d := bitrate - prev
		if d < 0 {
			d = -d
		}
		// Pensieve: SMOOTH_PENALTY * |ΔR_kbps| / 1000; |ΔR_bps| / 1e6 is the
		// same rational number, so the same correctly rounded double.
		return q, m.SmoothnessPenalty * float64(d) / 1e6, nil
	}
	qPrev, err := m.utility(prev, base)
	if err != nil {
		return 0, 0, err
	}
	return q, float64(m.SmoothnessPenalty * math.Abs(q-qPrev)), nil
}

// Reward returns the reward of one chunk at bitrate (bit/s) that followed a
// chunk at prev (bit/s; pass the chunk's own bitrate for the first chunk of
// a session, or the player's default rung, which Pensieve uses), after
// rebufferS seconds of rebuffering. It is the value Pensieve logs per chunk,
// to the last bit for the published models. A log model with BaseBitrate 0
// has no ladder to fall back on here and returns ErrNoBaseBitrate.
func (m Model) Reward(bitrate, prev int64, rebufferS float64) (float64, error) {
	if m.Kind == UtilityLog && m.BaseBitrate == 0 {
		return 0, fmt.Errorf("%w: model %q", ErrNoBaseBitrate, m.Name)
	}
	q, smooth, err := m.terms(bitrate, prev, m.BaseBitrate)
	if err != nil {
		return 0, err
	}
	return q - float64(m.RebufferPenalty*rebufferS) - smooth, nil
}

// Convention says which chunks a score sums. The chunks of a session are
// its played segments in play order, numbered from 1 in prose and in
// Score.FirstChunk/LastChunk.
type Convention struct {
	// SkipFirst is how many leading chunks are left out of the sum. Their
	// bitrates still serve as the previous bitrate of the chunk after them.
	// Pensieve: 1 (the first chunk carries the startup delay).
	SkipFirst int `json:"skip_first"`
	// MaxChunks caps how many chunks from the start of the session are
	// considered (skipped ones included); 0 means all. Pensieve: 48, the
	// number of chunks its simulator plays. The sum covers chunks
	// SkipFirst+1 .. min(MaxChunks, played).
	MaxChunks int `json:"max_chunks"`
	// StartupAsRebuffer charges Session.StartupDelay as rebuffering of the
	// first chunk, as Pensieve's simulator does (its first chunk is fetched
	// with an empty buffer and its whole download counts as rebuffering).
	// It has no effect on ScoreChunks, whose chunks carry Pensieve's own
	// rebuffering values.
	StartupAsRebuffer bool `json:"startup_as_rebuffer"`
	// InitialBitrate is the bitrate, in bit/s, the first chunk's smoothness
	// term is measured against. 0 means the first chunk's own bitrate (no
	// term). Pensieve fetches its first chunk at its default rung, so the
	// term is 0 there as well.
	InitialBitrate int64 `json:"initial_bitrate_bps"`
}

// PensieveConvention is the convention of Pensieve's evaluation
// (test/plot_results.py): per session, the sum of the rewards of chunks
// 2..48, the first chunk with the startup delay dropped.
func PensieveConvention() Convention {
	return Convention{SkipFirst: 1, MaxChunks: 48, StartupAsRebuffer: true}
}

// FullSessionConvention counts every chunk, with the startup delay charged
// as rebuffering of the first one.
func FullSessionConvention() Convention {
	return Convention{StartupAsRebuffer: true}
}

// String describes the convention for table headers and reports, e.g.
// "chunks 2..48, startup as rebuffer" or "all chunks".
func (c Convention) String() string {
	var b []byte
	switch {
	case c.SkipFirst == 0 && c.MaxChunks == 0:
		b = append(b, "all chunks"...)
	case c.MaxChunks == 0:
		b = append(b, "chunks "...)
		b = strconv.AppendInt(b, int64(c.SkipFirst)+1, 10)
		b = append(b, "..end"...)
	default:
		b = append(b, "chunks "...)
		b = strconv.AppendInt(b, int64(c.SkipFirst)+1, 10)
		b = append(b, ".."...)
		b = strconv.AppendInt(b, int64(c.MaxChunks), 10)
	}
	if c.StartupAsRebuffer {
		b = append(b, ", startup as rebuffer"...)
	}
	if c.InitialBitrate > 0 {
		b = append(b, ", initial bitrate "...)
		b = strconv.AppendInt(b, c.InitialBitrate, 10)
		b = append(b, " bit/s"...)
	}
	return string(b)
}

func (c Convention) validate() error {
	if c.SkipFirst < 0 || c.MaxChunks < 0 || c.InitialBitrate < 0 {
		return fmt.Errorf("%w: convention with negative field (skip %d, max %d, initial %d bit/s)",
			ErrBadModel, c.SkipFirst, c.MaxChunks, c.InitialBitrate)
	}
	return nil
}

// bounds returns the 0-based half-open range [start, end) of chunks summed
// out of n played.
func (c Convention) bounds(n int) (start, end int) {
	end = n
	if c.MaxChunks > 0 && c.MaxChunks < end {
		end = c.MaxChunks
	}
	start = min(c.SkipFirst, end)
	return start, end
}

// Score is the result of scoring one session with one Model.
type Score struct {
	// Model is the model's Name.
	Model string `json:"model"`
	// Convention is the convention the sum used.
	Convention Convention `json:"convention"`
	// FirstChunk and LastChunk are the 1-based positions, among the played
	// chunks, of the first and last chunk summed; both 0 when none was.
	FirstChunk int `json:"first_chunk"`
	LastChunk  int `json:"last_chunk"`
	// Chunks is the number of chunks summed.
	Chunks int `json:"chunks"`
	// Total is the sum of the per-chunk rewards, added in the order numpy's
	// np.sum uses (pairwise, 8 accumulators), as Pensieve's evaluation does.
	// This is the number Pensieve's repository reports per trace.
	Total float64 `json:"total"`
	// Mean is Total / Chunks (0 when Chunks is 0): the per-chunk scale of
	// the Pensieve paper's bar charts.
	Mean float64 `json:"mean"`
	// Utility is Σ q(R_n) over the summed chunks.
	Utility float64 `json:"utility"`
	// RebufferPenalty is Σ μ T_n.
	RebufferPenalty float64 `json:"rebuffer_penalty"`
	// SmoothnessPenalty is Σ λ |q(R_n) − q(R_{n−1})| (see Model for the
	// linear case).
	SmoothnessPenalty float64 `json:"smoothness_penalty"`
	// RebufferS is Σ T_n in seconds.
	RebufferS float64 `json:"rebuffer_s"`
}

// PensieveChunk is one chunk in Pensieve's own units: what a simulator
// reproducing Pensieve's environment produces per chunk. Use it with
// ScoreChunks to get Pensieve's totals to the last bit.
type PensieveChunk struct {
	// Bitrate in bit/s.
	Bitrate int64
	// RebufferS is the rebuffering while the chunk downloaded, in seconds
	// as Pensieve computes it (for the first chunk: its whole download).
	RebufferS float64
}

// Score scores a session under convention c. Chunks are the played
// segments in play order (see Session); stall time on records that did not
// play is charged to the next played one. Rebuffering is converted from
// time.Duration to seconds per chunk.
func (m Model) Score(s *Session, c Convention) (Score, error) {
	base := m.BaseBitrate
	if m.Kind == UtilityLog && base == 0 {
		if len(s.Ladder) == 0 {
			return Score{}, fmt.Errorf("%w: model %q and the session has no ladder", ErrNoBaseBitrate, m.Name)
		}
		base = s.Ladder[0]
	}
	st := chunkStream{m: m, base: base, it: newPlayIter(s.Segments), initial: c.InitialBitrate}
	if c.StartupAsRebuffer {
		st.startup = s.StartupDelay
	}
	return st.score(s.PlayedCount(), c)
}

// ScoreChunks scores chunks given in Pensieve's units under convention c
// (c.StartupAsRebuffer is ignored: chunk 1's RebufferS already holds
// whatever rebuffering it had). A log model needs a non-zero BaseBitrate.
func (m Model) ScoreChunks(chunks []PensieveChunk, c Convention) (Score, error) {
	if m.Kind == UtilityLog && m.BaseBitrate == 0 {
		return Score{}, fmt.Errorf("%w: model %q", ErrNoBaseBitrate, m.Name)
	}
	st := chunkStream{m: m, base: m.BaseBitrate, chunks: chunks, fromChunks: true, initial: c.InitialBitrate}
	return st.score(len(chunks), c)
}

// chunkStream yields per-chunk rewards one at a time, in play order, so
// that a score needs no per-chunk storage.
type chunkStream struct {
	m       Model
	base    int64
	initial int64

	it      playIter
	startup time.Duration

	chunks     []PensieveChunk
	fromChunks bool

	k        int // chunks read so far
	prev     int64
	utility  float64
	rebufPen float64
	smooth   float64
	rebufS   float64
	err      error
}

// read returns the next chunk's bitrate and rebuffering in seconds.
func (st *chunkStream) read() (bitrate int64, rebufferS float64) {
	k := st.k
	st.k++
	if st.fromChunks {
		ch := st.chunks[k]
		return ch.Bitrate, ch.RebufferS
	}
	seg, rb, _ := st.it.next()
	if k == 0 {
		rb += st.startup
	}
	return seg.Bitrate, rb.Seconds()
}

// skip consumes one chunk that is not summed, keeping its bitrate as the
// previous one.
func (st *chunkStream) skip() {
	st.prev, _ = st.read()
}

// next consumes one chunk and returns its reward. After an error it
// returns 0 and keeps the first error.
func (st *chunkStream) next() float64 {
	first := st.k == 0
	b, rb := st.read()
	prev := st.prev
	if first {
		prev = b
		if st.initial > 0 {
			prev = st.initial
		}
	}
	st.prev = b
	if st.err != nil {
		return 0
	}
	q, smooth, err := st.m.terms(b, prev, st.base)
	if err != nil {
		st.err = fmt.Errorf("chunk %d: %w", st.k, err)
		return 0
	}
	pen := float64(st.m.RebufferPenalty * rb)
	st.utility += q
	st.rebufPen += pen
	st.smooth += smooth
	st.rebufS += rb
	return q - pen - smooth
}

// score sums chunks [start, end) of n under c.
func (st *chunkStream) score(n int, c Convention) (Score, error) {
	if err := c.validate(); err != nil {
		return Score{}, err
	}
	if st.m.Kind < UtilityLinear || st.m.Kind > UtilityTable {
		return Score{}, fmt.Errorf("%w: model %q has utility kind %v", ErrBadModel, st.m.Name, st.m.Kind)
	}
	start, end := c.bounds(n)
	for range start {
		st.skip()
	}
	count := end - start
	total := 0.0 + st.pairwise(count)
	if st.err != nil {
		return Score{}, fmt.Errorf("qoe: model %q: %w", st.m.Name, st.err)
	}
	sc := Score{
		Model:             st.m.Name,
		Convention:        c,
		Chunks:            count,
		Total:             total,
		Utility:           st.utility,
		RebufferPenalty:   st.rebufPen,
		SmoothnessPenalty: st.smooth,
		RebufferS:         st.rebufS,
	}
	if count > 0 {
		sc.FirstChunk = start + 1
		sc.LastChunk = end
		sc.Mean = total / float64(count)
	}
	return sc, nil
}

// pairwise adds the next n rewards in the order of numpy's pairwise
// summation (numpy/core/src/umath/loops: blocks of at most 128 summed with 8
// interleaved accumulators, larger runs split in two at a multiple of 8).
// np.sum(list) adds that result to the identity 0.0.
func (st *chunkStream) pairwise(n int) float64 {
	switch {
	case n < 8:
		res := 0.0
		for range n {
			res += st.next()
		}
		return res
	case n <= 128:
		var r [8]float64
		for j := range r {
			r[j] = st.next()
		}
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += st.next()
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += st.next()
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	left := st.pairwise(n2)
	right := st.pairwise(n - n2)
	return left + right
}
