package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardOutputs runs the test sweep in n shards and returns each shard's
// CSV and JSON Lines output, and the unsharded ones.
func shardOutputs(t *testing.T, n int, cols ResultColumns) (csvs, jsons [][]byte, wholeCSV, wholeJSON []byte) {
	t.Helper()
	jobs, err := testSweep().Jobs()
	require.NoError(t, err)
	for i := range n {
		c, j, _ := runToBytes(t, jobs, SweepConfig{Workers: 2, Shard: Shard{Index: i, Count: n}}, cols)
		csvs, jsons = append(csvs, c), append(jsons, j)
	}
	wholeCSV, wholeJSON, _ = runToBytes(t, jobs, SweepConfig{Workers: 1}, cols)
	return csvs, jsons, wholeCSV, wholeJSON
}

func inputs(names []string, data [][]byte) []MergeInput {
	out := make([]MergeInput, len(data))
	for i := range data {
		out[i] = MergeInput{Name: names[i], Data: bytes.NewReader(data[i])}
	}
	return out
}

func TestMergeErrors(t *testing.T) {
	csvs, jsons, _, _ := shardOutputs(t, 3, testColumns)
	names := []string{"s0.csv", "s1.csv", "s2.csv"}

	t.Run("overlap", func(t *testing.T) {
		_, err := MergeCSV(inputs([]string{"s0.csv", "s1.csv", "s1-again.csv"}, [][]byte{csvs[0], csvs[1], csvs[1]}), &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		// Job 1 is shard 1's first.
		assert.Contains(t, err.Error(), "job 1 is in both s1.csv and s1-again.csv: the inputs overlap")
	})
	t.Run("gap", func(t *testing.T) {
		_, err := MergeCSV(inputs(names[:2], csvs[:2]), &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		// Shards 0 and 1 of 3 hold jobs 0, 1, 3, 4, …, 33, 34 (24 jobs): 2 is
		// the first missing, and 35 − 24 = 11 are missing up to job 34
		// (2, 5, …, 32).
		assert.Contains(t, err.Error(), "job 2 is missing (11 jobs missing up to job 34): a shard is missing or stopped early")
		var out bytes.Buffer
		tab, err := MergeCSV(inputs(names[:2], csvs[:2]), &out, MergeOptions{AllowGaps: true})
		require.NoError(t, err)
		assert.Len(t, tab.Rows, 24)
	})
	t.Run("header", func(t *testing.T) {
		other, _, _, _ := shardOutputs(t, 3, ResultColumns{Models: []string{"lin", "hd"}, Sabre: true})
		_, err := MergeCSV(inputs([]string{"s0.csv", "hd1.csv"}, [][]byte{csvs[0], other[1]}), &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		assert.Contains(t, err.Error(), `s0.csv and hd1.csv have different headers: column 8 is "qoe_log" in s0.csv and "qoe_hd" in hd1.csv`)
		noSabre, _, _, _ := shardOutputs(t, 3, ResultColumns{Models: []string{"lin", "log"}})
		_, err = MergeCSV(inputs([]string{"s0.csv", "nosabre.csv"}, [][]byte{csvs[0], noSabre[1]}), &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		assert.Contains(t, err.Error(), "different headers")
	})
	t.Run("json shape", func(t *testing.T) {
		_, other, _, _ := shardOutputs(t, 3, ResultColumns{Models: []string{"lin", "log"}})
		_, err := MergeJSON(inputs([]string{"s0.jsonl", "nosabre1.jsonl"}, [][]byte{jsons[0], other[1]}), &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		assert.Contains(t, err.Error(), "has QoE models [lin,log] and no Sabre metrics but job 0 in s0.jsonl has QoE models [lin,log] and Sabre metrics")
	})
	t.Run("json overlap", func(t *testing.T) {
		_, err := MergeJSON(inputs([]string{"a.jsonl", "b.jsonl"}, [][]byte{jsons[2], jsons[2]}), &bytes.Buffer{}, MergeOptions{AllowGaps: true})
		require.ErrorIs(t, err, ErrBadResults)
		assert.Contains(t, err.Error(), "job 2 is in both a.jsonl and b.jsonl")
	})
	t.Run("nothing", func(t *testing.T) {
		_, err := MergeCSV(nil, &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
		_, err = MergeJSON(nil, &bytes.Buffer{}, MergeOptions{})
		require.ErrorIs(t, err, ErrBadResults)
	})
}

// TestMergeCommand runs `abrkit sim merge` on shard files on disk: the
// merged CSV equals the unsharded one, -summary prints the table, and JSON
// shards merge into a JSON array.
func TestMergeCommand(t *testing.T) {
	csvs, jsons, wholeCSV, wholeJSON := shardOutputs(t, 3, testColumns)
	dir := t.TempDir()
	var csvFiles, jsonFiles []string
	for i := range csvs {
		c := filepath.Join(dir, "shard"+string(rune('0'+i))+".csv")
		j := filepath.Join(dir, "shard"+string(rune('0'+i))+".jsonl")
		require.NoError(t, os.WriteFile(c, csvs[i], 0o644))
		require.NoError(t, os.WriteFile(j, jsons[i], 0o644))
		csvFiles, jsonFiles = append(csvFiles, c), append(jsonFiles, j)
	}

	out := filepath.Join(dir, "merged.csv")
	var stdout, stderr bytes.Buffer
	// Flags after the files work too.
	code := MergeCommand(append(append([]string{}, csvFiles...), "-o", out, "-summary"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(wholeCSV), string(got))
	assert.Contains(t, stderr.String(), "merged 36 sessions from 3 files into "+out)
	assert.Contains(t, stdout.String(), "qoe_lin: QoE lin summed per session over chunks 2..48, startup as rebuffer")
	assert.True(t, strings.HasPrefix(stdout.String(), "abr "), stdout.String())

	// To stdout, JSON Lines stay JSON Lines.
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, MergeCommand(jsonFiles, &stdout, &stderr), stderr.String())
	assert.Equal(t, string(wholeJSON), stdout.String())

	// -o with .json makes an array.
	arr := filepath.Join(dir, "merged.json")
	require.Equal(t, 0, MergeCommand(append([]string{"-o", arr}, jsonFiles...), &stdout, &stderr), stderr.String())
	data, err := os.ReadFile(arr)
	require.NoError(t, err)
	res, err := ReadResultsJSON(bytes.NewReader(data), arr)
	require.NoError(t, err)
	assert.Len(t, res, 36)
	assert.True(t, bytes.HasPrefix(data, []byte("[\n")))
}

func TestMergeCommandErrors(t *testing.T) {
	csvs, jsons, _, _ := shardOutputs(t, 2, testColumns)
	dir := t.TempDir()
	c0 := filepath.Join(dir, "s0.csv")
	j1 := filepath.Join(dir, "s1.jsonl")
	require.NoError(t, os.WriteFile(c0, csvs[0], 0o644))
	require.NoError(t, os.WriteFile(j1, jsons[1], 0o644))
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no files", nil, 2, "no input files"},
		{"summary to stdout", []string{"-summary", c0}, 2, "-summary needs -o"},
		{"bad format", []string{"-format", "xml", c0}, 2, `unknown -format "xml"`},
		{"unknown flag", []string{"-x", c0}, 2, "flag provided but not defined: -x"},
		{"mixed formats", []string{c0, j1}, 1, "s0.csv is CSV but " + j1 + " is JSON: merge files of one format"},
		{"csv to json", []string{"-format", "json", c0}, 1, "the inputs are CSV; they cannot be merged into json"},
		{"gap", []string{c0}, 1, "job 1 is missing"},
		{"missing file", []string{filepath.Join(dir, "nope.csv")}, 1, "nope.csv: no such file"},
		{"output is input", []string{"-partial", "-o", c0, c0}, 1, "the output " + c0 + " is also an input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := MergeCommand(c.args, &stdout, &stderr)
			assert.Equal(t, c.code, code)
			assert.Contains(t, stderr.String(), c.msg)
			assert.Empty(t, stdout.String())
		})
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, MergeCommand([]string{"-h"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "usage: abrkit sim merge")
}
