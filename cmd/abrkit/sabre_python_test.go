package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// argparseScript declares Sabre's options (names, nargs, types, choices
// in Sabre's order) with Python's argparse and answers, for each JSON
// array of arguments on stdin, one JSON line: {"Ok": {dest: value}} with
// the options given (defaults are None, so they drop out), {"Error":
// message} or {"Help": true}.
const argparseScript = `
import argparse, json, math, sys

class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(message)
    def print_help(self, file=None):
        raise KeyError('help')

def parser():
    p = Parser(prog='x')
    p.add_argument('-n', '--network')
    p.add_argument('-nm', '--network-multiplier', type=float)
    p.add_argument('-m', '--movie')
    p.add_argument('-ml', '--movie-length', type=float)
    p.add_argument('-a', '--abr')
    p.add_argument('-ab', '--abr-basic', action='store_true', default=None)
    p.add_argument('-ao', '--abr-osc', action='store_true', default=None)
    p.add_argument('-gp', '--gamma-p', type=float)
    p.add_argument('-noibr', '--no-insufficient-buffer-rule', action='store_true', default=None)
    p.add_argument('-ma', '--moving-average', choices=['sliding', 'ewma'])
    p.add_argument('-ws', '--window-size', nargs='+', type=int)
    p.add_argument('-hl', '--half-life', nargs='+', type=float)
    p.add_argument('-s', '--seek', nargs=2, type=float)
    p.add_argument('-r', '--replace')
    p.add_argument('-b', '--max-buffer', type=float)
    p.add_argument('-noa', '--no-abandon', action='store_true', default=None)
    p.add_argument('-rmp', '--rampup-threshold', type=int)
    p.add_argument('-v', '--verbose', action='store_true', default=None)
    return p

def plain(v):
    if isinstance(v, float):
        if math.isnan(v): return 'NaN'
        if math.isinf(v): return '+Inf' if v > 0 else '-Inf'
        return repr(v)
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool): return str(v)
    return v

for line in sys.stdin:
    try:
        ns = parser().parse_args(json.loads(line))
        print(json.dumps({'Ok': {k: plain(v) for k, v in vars(ns).items() if v is not None}}))
    except ValueError as e:
        print(json.dumps({'Error': str(e)}))
    except KeyError:
        print(json.dumps({'Help': True}))
`

// python311 returns a Python 3.11 interpreter ($ABRKIT_PYTHON or
// python3), skipping the test without one: argparse's messages and
// abbreviation rules changed in 3.12, and Sabre's reference runs used
// 3.11.7.
func python311(t *testing.T) string {
	py := os.Getenv("ABRKIT_PYTHON")
	if py == "" {
		py = "python3"
	}
	out, err := exec.Command(py, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		t.Skipf("no Python interpreter: %v", err)
	}
	if v := strings.TrimSpace(string(out)); v != "3.11" {
		t.Skipf("Python %s is not 3.11, whose argparse Sabre ran with", v)
	}
	return py
}

// TestSabreArgparseMatchesPython parses random command lines built from
// Sabre's options, their abbreviations and awkward values with both the
// Go parser and Python's argparse, and requires the same outcome: the
// same values, the same error message, or help.
func TestSabreArgparseMatchesPython(t *testing.T) {
	py := python311(t)
	tokens := []string{
		"-n", "-nm", "-m", "-ml", "-a", "-ab", "-ao", "-gp", "-noibr", "-ma", "-ws", "-hl", "-s", "-r", "-b", "-noa", "-rmp", "-v", "-h",
		"--network", "--net", "--max", "--max-buffer=3", "--half", "--seek", "--seek=1", "--verbose", "--abr=bola", "--no", "--no-a", "--he", "--moving=sliding", "--=x", "---x",
		"--", "-", "", " ", "-no", "-noi", "-noib", "-g", "-w", "-rm", "-b10", "-b=4", "-b=", "-v=", "-vab", "-vabola", "-vaob", "-vvv", "-vh", "-v1", "-x",
		"-nmx", "-hl=2", "-s=1", "-ws=1_2", "-ab=", "-ab=1", "-abx", "-aob", "-rmp=07", "-ma=ewma", "-é", "-aé", "-nmé",
		"3", "4", "-1", "-2.5", "-.5", "-1e3", "-.5e3", "-1_0", "1_0", "1__0", "_1", "1_", " 5 ", "1e3", "1e", "1.e5", ".e5", "e5", ".5", "5.",
		"inf", "+inf", "-inf", "Infinity", "nan", "-nan", "1e400", "0x10", "٣", "abc", "a b", "ewma", "sliding", "bola", "left", "x.json",
	}
	rng := rand.New(rand.NewPCG(5, 9))
	cases := make([][]string, 4000)
	var in bytes.Buffer
	for i := range cases {
		c := []string{}
		for range rng.IntN(7) {
			c = append(c, tokens[rng.IntN(len(tokens))])
		}
		cases[i] = c
		line, err := json.Marshal(c)
		require.NoError(t, err)
		in.Write(append(line, '\n'))
	}
	cmd := exec.Command(py, "-c", argparseScript)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Equal(t, len(cases), len(lines), "python answered %d lines for %d cases", len(lines), len(cases))
	mismatches := 0
	for i, c := range cases {
		var want struct {
			Ok    map[string]any
			Error *string
			Help  bool
		}
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &want))
		wantText := "ok " + fmt.Sprint(want.Ok)
		switch {
		case want.Help:
			wantText = "help"
		case want.Error != nil:
			wantText = "error: " + *want.Error
		}
		vals, err := newSabreParser("x").parse(c)
		gotText := "ok " + fmt.Sprint(pythonView(vals))
		switch {
		case err == errPyHelp:
			gotText = "help"
		case err != nil:
			gotText = "error: " + err.Error()
		}
		if !assert.Equal(t, wantText, gotText, "%q", c) {
			if mismatches++; mismatches > 20 {
				t.FailNow()
			}
		}
	}
}

// pythonView renders parsed values as the script prints them: floats in
// Python's repr, ints as decimal strings, one value unwrapped unless the
// option takes a list.
func pythonView(v pyValues) map[string]any {
	lists := map[string]bool{"window_size": true, "half_life": true, "seek": true}
	out := map[string]any{}
	for dest, xs := range v {
		conv := make([]any, len(xs))
		for i, x := range xs {
			switch y := x.(type) {
			case float64:
				conv[i] = pyFloatRepr(y)
				switch pyFloatRepr(y) {
				case "nan":
					conv[i] = "NaN"
				case "inf":
					conv[i] = "+Inf"
				case "-inf":
					conv[i] = "-Inf"
				}
			case int:
				conv[i] = fmt.Sprint(y)
			default:
				conv[i] = y
			}
		}
		if lists[dest] {
			out[dest] = conv
		} else {
			out[dest] = conv[0]
		}
	}
	return out
}
