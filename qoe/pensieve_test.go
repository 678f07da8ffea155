package qoe

import (
	"bufio"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiteratureThreeChunkLog reproduces the first three chunks of Pensieve's
// test environment on norway_bus_1 (abr-literature §1.7: chunk 0 at rung 1,
// chunk 1 at rung 4, chunk 2 at rung 3, with the delays, rebuffering and
// buffer given there) as Pensieve's test scripts log them.
//
// Rewards (QoE_lin, r = R/1000 − 4.3 T − |R − R_prev|/1000, R in kbit/s,
// R_prev of chunk 0 = the default rung, 750):
//
//	chunk 0: 750/1000 − 4.3 × 0.8872836624630916 − 0/1000
//	       = 0.75 − 3.8153197485912940 = −3.065319748591294
//	chunk 1: 2850/1000 − 4.3 × 0 − |2850 − 750|/1000 = 2.85 − 2.1 = 0.75
//	chunk 2: 1850/1000 − 0 − |1850 − 2850|/1000 = 1.85 − 1.0
//	       = 0.8500000000000001 (1.85 is 1.850000000000000088… in binary)
//
// Time stamps are the running sums of the delays (no sleep: the buffer stays
// below 60 s), printed in seconds with 12 significant digits by Python 2:
// 887.2836624630917 ms → 0.887283662463; + 2928.2371844001777 →
// 3.81552084686; + 2017.673021335005 → 5.8331938682. Delays print the same
// way (887.283662463, 2928.2371844, 2017.67302134 — the digits in Comyco's
// copy of this log). Chunk sizes are lines 1, 2 and 3 of the Envivio
// video_size_1, _4 and _3 files.
func TestLiteratureThreeChunkLog(t *testing.T) {
	delays := []float64{887.2836624630917, 2928.2371844001777, 2017.673021335005}
	rebuf := []float64{0.8872836624630916, 0, 0}
	buffer := []float64{4.0, 5.071762815599823, 7.054089794264818}
	bitrates := []int64{750_000, 2_850_000, 1_850_000}
	sizes := []int64{450283, 1431809, 877771}
	want := []string{
		"0.887283662463\t750\t4.0\t0.8872836624630916\t450283\t887.283662463\t-3.065319748591294\n",
		"3.81552084686\t2850\t5.071762815599823\t0.0\t1431809\t2928.2371844\t0.75\n",
		"5.8331938682\t1850\t7.054089794264818\t0.0\t877771\t2017.67302134\t0.8500000000000001\n",
	}
	lin := Lin()
	prev := int64(750_000) // DEFAULT_QUALITY = 1
	ts := 0.0
	var got []byte
	for i := range delays {
		r, err := lin.Reward(bitrates[i], prev, rebuf[i])
		require.NoError(t, err)
		prev = bitrates[i]
		ts += delays[i]
		line := AppendPensieveLogLine(nil, PensieveLogLine{
			TimeStampMs: ts, Bitrate: bitrates[i], BufferS: buffer[i], RebufferS: rebuf[i],
			SizeBytes: sizes[i], DelayMs: delays[i], Reward: r,
		})
		assert.Equal(t, want[i], string(line), "chunk %d", i)
		got = append(got, line...)
	}
	assert.Equal(t, strings.Join(want, ""), string(got))

	// The same chunks through ScoreChunks: Pensieve's convention keeps
	// chunks 2 and 3: 0.75 + 0.8500000000000001 = 1.6 (exactly 1.6000000000000001
	// in binary: 0.75 is exact, the sum rounds to the double nearest 1.6).
	chunks := []PensieveChunk{{750_000, rebuf[0]}, {2_850_000, 0}, {1_850_000, 0}}
	sc, err := lin.ScoreChunks(chunks, PensieveConvention())
	require.NoError(t, err)
	assert.Equal(t, 2, sc.Chunks)
	assert.Equal(t, 2, sc.FirstChunk)
	assert.Equal(t, 3, sc.LastChunk)
	assert.Equal(t, 0.75+0.8500000000000001, sc.Total)
	assert.Equal(t, "1.6", string(AppendPyRepr(nil, sc.Total)))
}

// pensieveLogLine is one parsed line of a Pensieve test log.
type pensieveLogLine struct {
	raw    string
	fields []string
	line   PensieveLogLine
}

func readPensieveLog(t *testing.T, path string) []pensieveLogLine {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []pensieveLogLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() == "" {
			break
		}
		fs := strings.Split(sc.Text(), "\t")
		require.Len(t, fs, 7, "line %d", len(out)+1)
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(fs[i], 64)
			require.NoError(t, err, "line %d field %d", len(out)+1, i)
			return v
		}
		kbps, err := strconv.ParseInt(fs[1], 10, 64)
		require.NoError(t, err)
		size, err := strconv.ParseInt(fs[4], 10, 64)
		require.NoError(t, err)
		out = append(out, pensieveLogLine{raw: sc.Text() + "\n", fields: fs, line: PensieveLogLine{
			TimeStampMs: num(0) * 1000, Bitrate: kbps * 1000, BufferS: num(2), RebufferS: num(3),
			SizeBytes: size, DelayMs: num(5), Reward: num(6),
		}})
	}
	require.NoError(t, sc.Err())
	return out
}

// TestPensieveBBLog checks the model and the log formatting against a log
// Pensieve itself wrote (testdata/pensieve, README there): every one of the
// 48 printed rewards is recomputed from the printed bitrate, the previous
// bitrate (750 kbit/s, the default rung, before the first chunk) and the
// printed rebuffering, and every line is rewritten byte for byte.
func TestPensieveBBLog(t *testing.T) {
	lines := readPensieveLog(t, filepath.Join("testdata", "pensieve",
		"log_sim_bb_bus.ljansbakken-oslo-report.2010-09-28_1407CEST.log"))
	require.Len(t, lines, 48)
	lin := Lin()
	prev := int64(750_000)
	chunks := make([]PensieveChunk, len(lines))
	exact := new(big.Float).SetPrec(2000)
	for i, l := range lines {
		r, err := lin.Reward(l.line.Bitrate, prev, l.line.RebufferS)
		require.NoError(t, err)
		assert.Equal(t, l.fields[6], string(AppendPyRepr(nil, r)), "reward of line %d", i+1)
		assert.Equal(t, l.raw, string(AppendPensieveLogLine(nil, l.line)), "line %d", i+1)
		prev = l.line.Bitrate
		chunks[i] = PensieveChunk{Bitrate: l.line.Bitrate, RebufferS: l.line.RebufferS}
		if i >= 1 {
			exact.Add(exact, new(big.Float).SetFloat64(l.line.Reward))
		}
	}
	// Spot checks by hand: line 2 is 300 kbit/s after 750: 0.3 − 0.45 =
	// −0.15000000000000002; line 1 is 0.75 − 4.3 × 1.9174375092063 =
	// 0.75 − 8.24498128958709 = −7.4949812895870895.
	assert.Equal(t, "-0.15000000000000002", lines[1].fields[6])
	assert.Equal(t, "-7.4949812895870895", lines[0].fields[6])

	// Pensieve's per-trace total: np.sum of the rewards of chunks 2..48.
	// The exact sum of the 47 printed rewards is 30.97474335778445…; numpy's
	// pairwise order lands within a few ulps of it.
	sc, err := lin.ScoreChunks(chunks, PensieveConvention())
	require.NoError(t, err)
	want, _ := exact.Float64()
	assert.InDelta(t, want, sc.Total, 1e-12)
	assert.InDelta(t, 30.97474335778445, sc.Total, 1e-12)
	assert.Equal(t, 47, sc.Chunks)
	assert.Equal(t, 2, sc.FirstChunk)
	assert.Equal(t, 48, sc.LastChunk)
	assert.InDelta(t, sc.Total/47, sc.Mean, 1e-15)
	assert.InDelta(t, sc.Total, sc.Utility-sc.RebufferPenalty-sc.SmoothnessPenalty, 1e-9)
}

// tableModel returns a model whose rewards are exactly the given utilities
// (no penalties), to test the order of summation.
func tableModel(entries ...TableEntry) Model {
	return Model{Name: "table", Kind: UtilityTable, Table: entries}
}

// TestPairwiseOrderSmall: 9 rewards [2^53, 1 ×7, −2^53]. numpy's order for
// n = 9 is ((a0+a1)+(a2+a3)) + ((a4+a5)+(a6+a7)), then + a8:
// a0+a1 = 2^53+1 → 2^53 (tie, to even); a2+a3 = 2; 2^53+2 exact;
// (a4+a5)+(a6+a7) = 4; 2^53+6; −2^53 → 6. A left-to-right sum gives 0 (every
// +1 is lost against 2^53), the exact sum is 7.
func TestPairwiseOrderSmall(t *testing.T) {
	big53 := math.Ldexp(1, 53)
	m := tableModel(TableEntry{1, big53}, TableEntry{2, 1}, TableEntry{3, -big53})
	chunks := []PensieveChunk{{1, 0}, {2, 0}, {2, 0}, {2, 0}, {2, 0}, {2, 0}, {2, 0}, {2, 0}, {3, 0}}
	sc, err := m.ScoreChunks(chunks, Convention{})
	require.NoError(t, err)
	assert.Equal(t, 6.0, sc.Total)
	assert.Equal(t, 9, sc.Chunks)
}

// TestPairwiseOrderSplit: 136 rewards, a[0] = 2^53, a[64] = −2^53, all
// others 1 (exact sum 134). numpy splits n = 136 at n2 = 68 − 68%8 = 64:
//
//	left (64 values): r0 = a0 + a8 + … + a56 = 2^53 (each +1 is a tie to
//	even), r1..r7 = 8 each; ((2^53+8)+16)+32 = 2^53+56.
//	right (72 values): r0 = −2^53 + 8 ones = −2^53+8 (exact going up),
//	r1..r7 = 9 each; ((−2^53+8+9)+18)+36 = −2^53+71.
//	total = 127.
//
// Left to right would give 71 (the 63 ones after 2^53 are lost).
func TestPairwiseOrderSplit(t *testing.T) {
	big53 := math.Ldexp(1, 53)
	m := tableModel(TableEntry{1, big53}, TableEntry{2, 1}, TableEntry{3, -big53})
	chunks := make([]PensieveChunk, 136)
	for i := range chunks {
		chunks[i] = PensieveChunk{Bitrate: 2}
	}
	chunks[0].Bitrate = 1
	chunks[64].Bitrate = 3
	sc, err := m.ScoreChunks(chunks, Convention{})
	require.NoError(t, err)
	assert.Equal(t, 127.0, sc.Total)
}

// envivioSession is a 6-chunk session on the Envivio ladder with exact
// binary durations:
//
//	chunk (1-based)  1     2     3     4     5     6
//	kbit/s          750  1200  1200  300   4300  4300
//	rebuffer s       0     0    0.5    0    0.25   0     (+ startup 1 s on chunk 1)
func envivioSession() *Session {
	seg := func(i int, rung int, kbps int64, rebuf time.Duration) Segment {
		return Segment{Index: i, Rung: rung, Bitrate: kbps * 1000, Size: kbps * 500, Duration: 4 * time.Second, Rebuffer: rebuf}
	}
	return &Session{
		Ladder: []int64{300_000, 750_000, 1_200_000, 1_850_000, 2_850_000, 4_300_000},
		Segments: []Segment{
			seg(0, 1, 750, 0),
			seg(1, 2, 1200, 0),
			seg(2, 2, 1200, 500*time.Millisecond),
			seg(3, 0, 300, 0),
			seg(4, 5, 4300, 250*time.Millisecond),
			seg(5, 5, 4300, 0),
		},
		StartupDelay: time.Second,
		PlayTime:     24 * time.Second,
		StallCount:   2,
		StallTime:    750 * time.Millisecond,
	}
}

// TestScoreLinConventions scores envivioSession with QoE_lin.
//
// Per chunk (Mbit/s − 4.3 T − |ΔR| Mbit/s), startup charged to chunk 1:
//
//	1: 0.75 − 4.3×1    − 0     = −3.55
//	2: 1.2  − 0        − 0.45  =  0.75
//	3: 1.2  − 4.3×0.5  − 0     = −0.95
//	4: 0.3  − 0        − 0.9   = −0.6
//	5: 4.3  − 4.3×0.25 − 4.0   = −0.775
//	6: 4.3  − 0        − 0     =  4.3
//
// Pensieve convention (chunks 2..48 → 2..6): 0.75 − 0.95 − 0.6 − 0.775 + 4.3
// = 2.725; utility 1.2+1.2+0.3+4.3+4.3 = 11.3; rebuffer penalty 4.3×0.75 =
// 3.225; smoothness 0.45+0.9+4.0 = 5.35. Full session adds chunk 1: −0.825.
func TestScoreLinConventions(t *testing.T) {
	s := envivioSession()
	sc, err := Lin().Score(s, PensieveConvention())
	require.NoError(t, err)
	assert.Equal(t, "lin", sc.Model)
	assert.Equal(t, PensieveConvention(), sc.Convention)
	assert.Equal(t, 5, sc.Chunks)
	assert.Equal(t, 2, sc.FirstChunk)
	assert.Equal(t, 6, sc.LastChunk)
	assert.InDelta(t, 2.725, sc.Total, 1e-12)
	assert.InDelta(t, 2.725/5, sc.Mean, 1e-12)
	assert.InDelta(t, 11.3, sc.Utility, 1e-12)
	assert.InDelta(t, 3.225, sc.RebufferPenalty, 1e-12)
	assert.InDelta(t, 5.35, sc.SmoothnessPenalty, 1e-12)
	assert.InDelta(t, 0.75, sc.RebufferS, 1e-12)

	full, err := Lin().Score(s, FullSessionConvention())
	require.NoError(t, err)
	assert.Equal(t, 6, full.Chunks)
	assert.Equal(t, 1, full.FirstChunk)
	assert.InDelta(t, -0.825, full.Total, 1e-12)
	assert.InDelta(t, 1.75, full.RebufferS, 1e-12)

	// Without the startup charge, chunk 1 is 0.75: total 3.475.
	noStartup, err := Lin().Score(s, Convention{})
	require.NoError(t, err)
	assert.InDelta(t, 3.475, noStartup.Total, 1e-12)

	// An initial bitrate of 300 kbit/s charges |750 − 300| = 0.45 on chunk 1.
	initial, err := Lin().Score(s, Convention{InitialBitrate: 300_000})
	require.NoError(t, err)
	assert.InDelta(t, 3.025, initial.Total, 1e-12)

	// MaxChunks 3 with SkipFirst 1: chunks 2..3 = 0.75 − 0.95 = −0.2.
	capped, err := Lin().Score(s, Convention{SkipFirst: 1, MaxChunks: 3})
	require.NoError(t, err)
	assert.Equal(t, 2, capped.Chunks)
	assert.Equal(t, 3, capped.LastChunk)
	assert.InDelta(t, -0.2, capped.Total, 1e-12)

	// Skipping more chunks than played leaves nothing.
	none, err := Lin().Score(s, Convention{SkipFirst: 10})
	require.NoError(t, err)
	assert.Equal(t, 0, none.Chunks)
	assert.Equal(t, 0, none.FirstChunk)
	assert.Equal(t, 0.0, none.Total)
	assert.Equal(t, 0.0, none.Mean)
}

// TestScoreLog: QoE_log on envivioSession, Pensieve convention.
// q = ln(R/300): chunk 2..6 = ln 4, ln 4, 0, ln(43/3), ln(43/3).
// utility = 2 ln 4 + 2 ln(43/3); smoothness |ln4−ln2.5| + |0−ln4| + |ln(43/3)−0|
// = ln 4 − ln 2.5 + ln 4 + ln(43/3); rebuffer 2.66 × 0.75 = 1.995.
func TestScoreLog(t *testing.T) {
	s := envivioSession()
	ln := math.Log
	wantU := 2*ln(4) + 2*ln(43.0/3)
	wantS := ln(4) - ln(2.5) + ln(4) + ln(43.0/3)
	sc, err := Log().Score(s, PensieveConvention())
	require.NoError(t, err)
	assert.InDelta(t, wantU, sc.Utility, 1e-12)
	assert.InDelta(t, wantS, sc.SmoothnessPenalty, 1e-12)
	assert.InDelta(t, 1.995, sc.RebufferPenalty, 1e-12)
	assert.InDelta(t, wantU-1.995-wantS, sc.Total, 1e-12)

	// Base 0 takes the ladder's lowest rung (300 kbit/s): same result.
	m := Log()
	m.BaseBitrate = 0
	sc0, err := m.Score(s, PensieveConvention())
	require.NoError(t, err)
	assert.Equal(t, sc.Total, sc0.Total)

	// Base 0 without a ladder is an error, and so is Reward with base 0.
	s.Ladder = nil
	_, err = m.Score(s, PensieveConvention())
	require.ErrorIs(t, err, ErrNoBaseBitrate)
	_, err = m.Reward(750_000, 750_000, 0)
	require.ErrorIs(t, err, ErrNoBaseBitrate)
	_, err = m.ScoreChunks(nil, Convention{})
	require.ErrorIs(t, err, ErrNoBaseBitrate)

	// Pensieve's own log-reward arithmetic: ln(750/300) − 2.66×0 − |ln 2.5 − ln 1|.
	r, err := Log().Reward(750_000, 300_000, 0)
	require.NoError(t, err)
	assert.Equal(t, 0.0, r)
}

// TestScoreHD: QoE_hd on envivioSession, full session with startup.
// q: 2, 3, 3, 1, 20, 20; rebuffer 8 × (1 + 0.5 + 0.25) = 14;
// smoothness |3−2| + 0 + |1−3| + |20−1| + 0 = 22 (chunk 1 against itself: 0);
// total = 49 − 14 − 22 = 13.
func TestScoreHD(t *testing.T) {
	sc, err := HD().Score(envivioSession(), FullSessionConvention())
	require.NoError(t, err)
	assert.Equal(t, 49.0, sc.Utility)
	assert.Equal(t, 14.0, sc.RebufferPenalty)
	assert.Equal(t, 22.0, sc.SmoothnessPenalty)
	assert.Equal(t, 13.0, sc.Total)

	// 1000 kbit/s is not an Envivio rung.
	s := envivioSession()
	s.Segments[3].Bitrate = 1_000_000
	_, err = HD().Score(s, FullSessionConvention())
	require.ErrorIs(t, err, ErrBitrateNotInTable)
	assert.Contains(t, err.Error(), "chunk 4")
}

// TestScorePlayOrder: abandoned and replaced records do not count, their
// stall time moves to the next played record, and a replacement that was
// downloaded late is scored in its index's place.
//
// Log (download order):       index  kbit/s  rebuffer  flags
//
//	0  750                     played
//	1  1200   0.5 s    abandoned
//	1  300    0.25 s   played
//	2  300             replaced (later)
//	3  750             played
//	2  1200            replacement, played
//
// Play order: 750 (idx 0), 300 (idx 1, rebuffer 0.75), 1200 (idx 2), 750.
// QoE_lin, all chunks, no startup: 0.75 + (0.3 − 4.3×0.75 − 0.45) +
// (1.2 − 0.9) + (0.75 − 0.45) = 0.75 − 3.375 + 0.3 + 0.3 = −2.025.
func TestScorePlayOrder(t *testing.T) {
	s := &Session{Segments: []Segment{
		{Index: 0, Bitrate: 750_000},
		{Index: 1, Bitrate: 1_200_000, Rebuffer: 500 * time.Millisecond, Abandoned: true},
		{Index: 1, Bitrate: 300_000, Rebuffer: 250 * time.Millisecond},
		{Index: 2, Bitrate: 300_000, Replaced: true},
		{Index: 3, Bitrate: 750_000},
		{Index: 2, Bitrate: 1_200_000, Replacement: true},
	}}
	require.NoError(t, s.Validate())
	sc, err := Lin().Score(s, Convention{})
	require.NoError(t, err)
	assert.Equal(t, 4, sc.Chunks)
	assert.InDelta(t, -2.025, sc.Total, 1e-12)
	assert.InDelta(t, 0.75, sc.RebufferS, 1e-12)
}

func TestConventionString(t *testing.T) {
	assert.Equal(t, "chunks 2..48, startup as rebuffer", PensieveConvention().String())
	assert.Equal(t, "all chunks, startup as rebuffer", FullSessionConvention().String())
	assert.Equal(t, "chunks 3..end, initial bitrate 750000 bit/s", Convention{SkipFirst: 2, InitialBitrate: 750_000}.String())
	assert.Equal(t, "all chunks", Convention{}.String())
}

func TestModelErrors(t *testing.T) {
	s := envivioSession()
	_, err := Model{Name: "x"}.Score(s, Convention{})
	require.ErrorIs(t, err, ErrBadModel)
	_, err = Lin().Score(s, Convention{SkipFirst: -1})
	require.ErrorIs(t, err, ErrBadModel)
	_, err = Log().Reward(0, 300_000, 0)
	require.ErrorIs(t, err, ErrBadModel)
	assert.Equal(t, "linear", UtilityLinear.String())
	assert.Equal(t, "log", UtilityLog.String())
	assert.Equal(t, "table", UtilityTable.String())
	assert.Equal(t, "UtilityKind(9)", UtilityKind(9).String())
}
