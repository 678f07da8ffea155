package sim

import (
	"bytes"
	"context"
	"hash/fnv"
	"math"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/abrkit/abrkit/qoe"
	"github.com/stretchr/testify/require"
)

// testSweep is a sweep of 3 traces × 2 parameter sets × 3 algorithms × 2
// seeds = 36 jobs.
func testSweep() *Sweep {
	return &Sweep{
		Profile: "native",
		ABRs:    []string{"bba", "robustmpc", "throughput,safety=0.9"},
		Traces: []TraceInput{
			{Name: "hsdpa/bus.log", Path: "unused"},
			{Name: "hsdpa/car.log", Path: "unused"},
			{Name: "norway \"tram\".log", Path: "unused"},
		},
		Params:    []ParamSet{{Label: "buf30"}, {Label: "buf60"}},
		Seeds:     []uint64{1, 42},
		Timelines: TimelineFirstTrace,
	}
}

// jobHash is a deterministic hash of a job's identity (not its index, so a
// result depends only on what the job is).
func jobHash(j Job) uint64 {
	h := fnv.New64a()
	for _, s := range []string{j.Profile, j.ABR, j.Trace.Name, j.Params.Label, strconv.FormatUint(j.Seed, 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// fakeRunner is a deterministic SessionRunner that takes a variable
// amount of time (it yields the processor a job-dependent number of
// times, so with several workers jobs finish out of order). Every 11th
// hash fails; every result has lin and log scores under Pensieve's
// convention, and Sabre metrics when sabre is set.
func fakeRunner(sabre bool) SessionRunner {
	return func(ctx context.Context, j Job) SessionResult {
		h := jobHash(j)
		for range h % 200 {
			runtime.Gosched()
		}
		if h%11 == 0 {
			return SessionResult{Err: "fake failure for " + j.ABR + ", \"quoted\"\nsecond line"}
		}
		return fakeResult(j, h, sabre)
	}
}

// fakeResult builds a plausible result from a hash.
func fakeResult(j Job, h uint64, sabre bool) SessionResult {
	f := func(shift uint, scale float64) float64 { return float64((h>>shift)%1000) / 1000 * scale }
	conv := qoe.PensieveConvention()
	lin := qoe.Score{Model: "lin", Convention: conv, FirstChunk: 2, LastChunk: 48, Chunks: 47,
		Utility: 40 + f(0, 100), RebufferPenalty: f(10, 20), SmoothnessPenalty: f(20, 10), RebufferS: f(10, 20) / 4.3}
	lin.Total = lin.Utility - lin.RebufferPenalty - lin.SmoothnessPenalty
	lin.Mean = lin.Total / 47
	logS := qoe.Score{Model: "log", Convention: conv, FirstChunk: 2, LastChunk: 48, Chunks: 47,
		Utility: f(30, 50), RebufferPenalty: f(10, 20) / 4.3 * 2.66, SmoothnessPenalty: f(40, 3), RebufferS: lin.RebufferS}
	logS.Total = logS.Utility - logS.RebufferPenalty - logS.SmoothnessPenalty
	logS.Mean = logS.Total / 47
	r := SessionResult{
		Summary: qoe.Summary{
			Downloads: 48, PlayedSegments: 48,
			StartupDelay:        time.Duration(h%3_000_000_000) + 1,
			PlayTime:            192 * time.Second,
			StallCount:          int(h % 4),
			StallTime:           time.Duration(h % 5_000_000_000),
			RebufferRatio:       f(50, 0.2),
			SwitchCount:         int(h % 9),
			SwitchMagnitude:     int64(h % 5_000_000),
			TimeWeightedBitrate: 300_000 + int64(h%4_000_000),
			MeanBitrate:         300_000 + int64(h%4_000_001),
			DownloadedBytes:     int64(h % 100_000_000),
			PlayedBytes:         int64(h % 90_000_000),
		},
		Scores: map[string]qoe.Score{"lin": lin, "log": logS},
	}
	if sabre {
		m := qoe.SabreMetrics{BufferSize: 25000, TotalPlayedUtility: f(0, 100), TimeAveragePlayedBitrate: f(5, 4000),
			TotalRebufferEvents: int(h % 5), OverEstimateCount: int(h % 7), Estimate: f(7, 3000), RampupTime: f(9, 30),
			RebufferRatio: math.NaN()}
		if h%3 == 0 {
			m.TimeAverageScore = math.Inf(-1)
		}
		r.Sabre = &m
	}
	if j.Timeline {
		for i := range 10 {
			r.Timeline = append(r.Timeline, TimelinePoint{
				Time: time.Duration(i+1) * 3 * time.Second, Segment: i,
				Estimate: 1_000_000 + int64(i)*100_000, Throughput: 900_000 + int64((h>>uint(i))%1_000_000),
				Buffer: time.Duration(i) * 4 * time.Second, Bitrate: []int64{300_000, 750_000, 1_200_000}[i%3],
			})
		}
	}
	return r
}

// runToBytes runs jobs with the fake runner and returns the CSV and JSON
// Lines outputs and the results.
func runToBytes(t testing.TB, jobs []Job, cfg SweepConfig, cols ResultColumns) (csvOut, jsonOut []byte, results []SessionResult) {
	t.Helper()
	var cb, jb bytes.Buffer
	cw, err := NewCSVWriter(&cb, cols)
	require.NoError(t, err)
	jw := NewJSONWriter(&jb, JSONLines)
	_, err = RunSweep(context.Background(), jobs, ShareRunner(fakeRunner(cols.Sabre)), cfg, func(r *SessionResult) error {
		results = append(results, *r)
		if err := cw.Write(r); err != nil {
			return err
		}
		return jw.Write(r)
	})
	require.NoError(t, err)
	require.NoError(t, cw.Close())
	require.NoError(t, jw.Close())
	return cb.Bytes(), jb.Bytes(), results
}
