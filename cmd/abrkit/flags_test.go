package main

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgsInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		json    bool
		segment int
	}{
		{[]string{"a.mpd", "--json"}, []string{"a.mpd"}, true, 3},
		{[]string{"--json", "a.mpd"}, []string{"a.mpd"}, true, 3},
		// A valued flag after a positional argument takes its value.
		{[]string{"a.mpd", "--segments", "7", "b.mpd"}, []string{"a.mpd", "b.mpd"}, false, 7},
		{[]string{"--segments=2", "a.mpd", "--json=false"}, []string{"a.mpd"}, false, 2},
		// After "--" everything is positional, flag-like or not.
		{[]string{"a.mpd", "--", "--json", "-x"}, []string{"a.mpd", "--json", "-x"}, false, 3},
		// A lone "-" is positional (stdin by convention).
		{[]string{"-", "--json"}, []string{"-"}, true, 3},
		{nil, nil, false, 3},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "")
		nseg := fs.Int("segments", 3, "")
		pos, code, ok := parseArgs(fs, tc.args)
		require.True(t, ok, "%q", tc.args)
		assert.Equal(t, 0, code, "%q", tc.args)
		assert.Equal(t, tc.pos, pos, "%q", tc.args)
		assert.Equal(t, tc.json, *asJSON, "%q", tc.args)
		assert.Equal(t, tc.segment, *nseg, "%q", tc.args)
	}
}

func TestParseArgsHelpAndErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{"a.mpd", "-h"}, 0},
		{[]string{"--nope"}, 2},
		{[]string{"a.mpd", "--segments"}, 2},
		{[]string{"a.mpd", "--segments", "x"}, 2},
	} {
		var out bytes.Buffer
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(&out)
		fs.Int("segments", 3, "")
		pos, code, ok := parseArgs(fs, tc.args)
		assert.False(t, ok, "%q", tc.args)
		assert.Nil(t, pos, "%q", tc.args)
		assert.Equal(t, tc.code, code, "%q", tc.args)
		assert.NotEmpty(t, out.String(), "usage or error printed for %q", tc.args)
	}
}
