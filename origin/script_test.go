package origin

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakyRules is what testdata/faults/flaky-segments.{txt,json} say, written
// out by hand.
var flakyRules = []Rule{
	{Name: "flaky", Path: "/synth/dash/v*/seg-*.m4s", Requests: []Span{{2, 2}, {3, 3}},
		Fault: Fault{Status: 503, RetryAfter: time.Second}},
	{Path: "/synth/hls/**", Fault: Fault{Delay: 200 * time.Millisecond}},
	{Regexp: `/seg-5\.m4s$`, Requests: []Span{{1, 1}}, Fault: Fault{Stall: Stall{After: 65536, Forever: true}}},
	{Path: "/synth/dash/v6000k/*", Requests: []Span{{1, 5}}, Fault: Fault{Rate: 250000}},
	{Path: "/synth/dash-base/*.mp4", Requests: []Span{{10, 0}}, Fault: Fault{Cut: Cut{Mode: Truncate, After: 1000}}},
	{Path: "/synth/hls-byterange/*.mp4", Method: "GET", Requests: []Span{{4, 4}, {7, 8}},
		Fault: Fault{Cut: Cut{Mode: Reset, After: 4096}}},
	{Path: "/synth/hls-byterange/master.m3u8", Requests: []Span{{1, 1}}, Fault: Fault{Cut: Cut{Mode: Reset, After: BeforeHeaders}}},
}

func TestParseScriptFiles(t *testing.T) {
	for _, name := range []string{"flaky-segments.txt", "flaky-segments.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "faults", name))
			require.NoError(t, err)
			s, err := ParseScript(name, data)
			require.NoError(t, err)
			assert.Equal(t, flakyRules, s.Rules)
			require.NoError(t, s.Validate())
		})
	}
}

func TestParseScriptOptions(t *testing.T) {
	s, err := ParseScript("x", []byte("/a requests=* stall=2s stall-after=headers # trailing comment\n\n  /b requests=all reset=0\n"))
	require.NoError(t, err)
	assert.Equal(t, []Rule{
		{Path: "/a", Fault: Fault{Stall: Stall{After: BeforeHeaders, For: 2 * time.Second}}},
		{Path: "/b", Fault: Fault{Cut: Cut{Mode: Reset, After: 0}}},
	}, s.Rules)
	s, err = ParseScript("empty", []byte("# nothing\n\n"))
	require.NoError(t, err)
	assert.Empty(t, s.Rules)
}

func TestParseScriptErrors(t *testing.T) {
	for text, want := range map[string]string{
		"/a":                                            "x:1: origin: bad fault script: fault does nothing",
		"\n/a status=abc":                               `x:2: origin: bad fault script: status="abc"`,
		"/a status=99":                                  "x:1: origin: bad fault script: status 99 outside 200-599",
		"/a bogus=1":                                    `x:1: origin: bad fault script: unknown option "bogus"`,
		"/a delay":                                      `x:1: origin: bad fault script: option "delay" needs a value`,
		"/a delay=-1s":                                  "negative duration",
		"/a retry-after=1s":                             "retry-after without a status",
		"/a requests=0 status=500":                      "request count 0 outside",
		"/a requests=3-2 status=500":                    "ends before it starts",
		"/a requests=x status=500":                      `requests="x"`,
		"/a stall=forever stall-after=-5":               `stall-after="-5"`,
		"/a truncate=headers":                           `truncate="headers"`,
		"/a rate=-1":                                    "negative byte count",
		"re:( status=500":                               "missing closing )",
		"/a method=get status=500":                      "not an upper-case token",
		"/a stall-after=10":                             "fault does nothing",
		`{"rules": [{"path": "/a"}]}`:                   "x: rule 1: origin: bad fault script: fault does nothing",
		`{"rules": [{"status": 500}]}`:                  "x: rule 1: origin: bad fault script: no path pattern",
		`{"rules": [{"path": "/a", "path2": 1}]}`:       `unknown option "path2"`,
		`{"rules": [{"path": "/a", "status": [1]}]}`:    "want a string, a number or true",
		`{"rules": [{"path": "/a", "status": 500}]} {}`: "data after the script object",
		`{"rulez": []}`:                                 `unknown field "rulez"`,
		`{"rules": [{"path": "/a", "regexp": "b", "status": 500}]}`: "both path and regexp set",
	} {
		_, err := ParseScript("x", []byte(text))
		require.Error(t, err, text)
		assert.ErrorIs(t, err, ErrBadScript, text)
		assert.Contains(t, err.Error(), want, text)
	}
}

func TestGlobToRegexp(t *testing.T) {
	for glob, cases := range map[string]map[string]bool{
		"/synth/dash/*/seg-*.m4s": {
			"/synth/dash/v400k/seg-1.m4s": true, "/synth/dash/a/b/seg-1.m4s": false,
			"/synth/dash/v400k/seg-1.m4sx": false, "x/synth/dash/v/seg-1.m4s": false,
		},
		"/synth/**": {"/synth/": true, "/synth/a/b/c": true, "/synthx": false},
		"/a?c":      {"/abc": true, "/a/c": false, "/ac": false},
		"/a.b+(c)":  {"/a.b+(c)": true, "/aXb+(c)": false},
		"/é*":       {"/éa": true},
	} {
		fs, err := compileScript(Script{Rules: []Rule{{Path: glob, Fault: Fault{Status: 500}}}})
		require.NoError(t, err)
		for path, want := range cases {
			assert.Equal(t, want, fs.rules[0].re.MatchString(path), "%s ~ %s", glob, path)
		}
	}
}

func TestFaultValidate(t *testing.T) {
	ok := []Fault{
		{Status: 200}, {Delay: time.Second}, {Rate: 1}, {Stall: Stall{Forever: true}},
		{Stall: Stall{After: BeforeHeaders, For: 1}}, {Cut: Cut{Mode: Truncate}},
		{Cut: Cut{Mode: Reset, After: BeforeHeaders}}, {Status: 503, RetryAfter: time.Second},
	}
	for _, f := range ok {
		assert.NoError(t, f.Validate(), "%+v", f)
	}
	bad := []Fault{
		{}, {Delay: -1}, {Status: 600}, {Status: 199}, {Status: 500, RetryAfter: -1}, {RetryAfter: time.Second},
		{Rate: -5}, {Stall: Stall{For: -1}}, {Stall: Stall{For: 1, Forever: true}},
		{Stall: Stall{After: -2, For: 1}}, {Cut: Cut{Mode: 7}}, {Cut: Cut{Mode: Truncate, After: -1}},
		{Cut: Cut{Mode: Reset, After: -2}},
	}
	for _, f := range bad {
		assert.ErrorIs(t, f.Validate(), ErrBadScript, "%+v", f)
	}
	assert.ErrorIs(t, Script{Rules: []Rule{{Path: "/a", Requests: []Span{{0, 1}}, Fault: Fault{Status: 500}}}}.Validate(), ErrBadScript)
}

// FuzzParseScript checks that no input makes the parser panic or hang,
// and that whatever it accepts validates and compiles.
func FuzzParseScript(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "faults", "*"))
	require.NoError(f, err)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("/a requests=1-,3 reset=headers"))
	f.Add([]byte(`{"rules":[{"path":"/**","reset":true,"requests":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScript("fuzz", data)
		if err != nil {
			require.ErrorIs(t, err, ErrBadScript)
			return
		}
		require.NoError(t, s.Validate())
		_, err = compileScript(s)
		require.NoError(t, err)
	})
}
