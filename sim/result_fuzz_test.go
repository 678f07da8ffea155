package sim

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzSeeds returns real result files: the CSV and JSON Lines outputs of
// the test sweep with Sabre metrics (NaN and -Inf among them), failures
// and timelines, and the JSON array layout.
func fuzzSeeds(f *testing.F) (csvs, jsons [][]byte) {
	jobs, err := testSweep().Jobs()
	require.NoError(f, err)
	// Jobs 0..3 have timelines; job 13 is on a trace without one. Small
	// files keep the fuzzer's minimisation of new inputs quick.
	sel := []Job{jobs[0], jobs[3], jobs[13]}
	c, j, res := runToBytes(f, sel, SweepConfig{Workers: 1}, testColumns)
	var arr bytes.Buffer
	aw := NewJSONWriter(&arr, JSONArray)
	for i := range res[:3] {
		require.NoError(f, aw.Write(&res[i]))
	}
	require.NoError(f, aw.Close())
	c2, _, _ := runToBytes(f, jobs[12:14], SweepConfig{Workers: 1}, ResultColumns{})
	return [][]byte{c, c2, []byte("trace,abr,profile,params,seed,job,error\n")},
		[][]byte{j, arr.Bytes(), []byte("[]"), []byte(`{"job":0,"error":"x"}`)}
}

// FuzzReadResultsCSV: any input gives a table or an error, never a
// panic; a table has rows as wide as its header and distinct job indices.
func FuzzReadResultsCSV(f *testing.F) {
	csvs, _ := fuzzSeeds(f)
	for _, s := range csvs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadResultsCSV(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			assert.ErrorIs(t, err, ErrBadResults)
			return
		}
		seen := map[int]bool{}
		for i, row := range tab.Rows {
			assert.Len(t, row, len(tab.Header))
			assert.False(t, seen[tab.Jobs[i]], "job %d twice", tab.Jobs[i])
			seen[tab.Jobs[i]] = true
		}
		// Reports of accepted tables either work or fail cleanly.
		if _, err := tab.Report(); err != nil {
			assert.ErrorIs(t, err, ErrBadResults)
		}
	})
}

// FuzzReadResultsJSON: any input gives results or an error, never a
// panic; accepted results written again read back the same.
func FuzzReadResultsJSON(f *testing.F) {
	_, jsons := fuzzSeeds(f)
	for _, s := range jsons {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadResultsJSON(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			assert.ErrorIs(t, err, ErrBadResults)
			return
		}
		var b bytes.Buffer
		jw := NewJSONWriter(&b, JSONLines)
		for i := range res {
			require.NoError(t, jw.Write(&res[i]))
		}
		again, err := ReadResultsJSON(bytes.NewReader(b.Bytes()), "again.jsonl")
		require.NoError(t, err, b.String())
		require.Len(t, again, len(res))
		var b2 bytes.Buffer
		jw2 := NewJSONWriter(&b2, JSONLines)
		for i := range again {
			require.NoError(t, jw2.Write(&again[i]))
		}
		// NaN-safe comparison: the re-encoded bytes are identical.
		assert.Equal(t, b.String(), b2.String())
		for i := range res {
			assert.Equal(t, res[i].Job, again[i].Job)
			if res[i].Sabre != nil {
				assert.Equal(t, math.IsNaN(res[i].Sabre.Estimate), math.IsNaN(again[i].Sabre.Estimate))
			}
		}
	})
}
