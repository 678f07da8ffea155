package manifest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func expand(t *testing.T, tmpl, base, repID string, bw int64, number, tm, sub uint64) (string, []string) {
	t.Helper()
	var warns []string
	parts := parseTemplate(tmpl, repID, bw, func(f string, a ...any) { warns = append(warns, f) })
	ct, err := compileTemplate(parts, []BaseURL{{URL: base}})
	require.NoError(t, err)
	return ct.urls(number, tm, sub)[0], warns
}

func TestTemplateExpansion(t *testing.T) {
	const base = "https://cdn.example.com/live/manifest.mpd"
	cases := []struct {
		tmpl            string
		number, tm, sub uint64
		want            string
	}{
		// Width formats pad with zeros; a wider number is not cut.
		{"$RepresentationID$/seg-$Number%05d$.m4s", 42, 0, 0, "https://cdn.example.com/live/v1/seg-00042.m4s"},
		{"$Number%02d$.m4s", 12345, 0, 0, "https://cdn.example.com/live/12345.m4s"},
		{"$Time$.m4s", 0, 180000, 0, "https://cdn.example.com/live/180000.m4s"},
		{"$Time%012d$.m4s", 0, 180000, 0, "https://cdn.example.com/live/000000180000.m4s"},
		// 255 = 0xff, 8 = 0o10.
		{"$Number%04x$-$Number%04X$-$Number%o$", 255, 0, 0, "https://cdn.example.com/live/00ff-00FF-377"},
		{"$Bandwidth$/$Bandwidth%09d$", 0, 0, 0, "https://cdn.example.com/live/500000/000500000"},
		// $$ is a literal dollar; a query string is kept as written.
		{"a$$b/$Number$.m4s?token=x$$y&n=$Number$", 7, 0, 0, "https://cdn.example.com/live/a$b/7.m4s?token=x$y&n=7"},
		{"$Number$_$SubNumber$.m4s", 3, 0, 2, "https://cdn.example.com/live/3_2.m4s"},
		// References resolve like any URL reference (RFC 3986).
		{"../$Number$.m4s", 1, 0, 0, "https://cdn.example.com/1.m4s"},
		{"/abs/$Number$.m4s", 1, 0, 0, "https://cdn.example.com/abs/1.m4s"},
		{"http://other.example.org/x/$Number$.ts", 9, 0, 0, "http://other.example.org/x/9.ts"},
		{"//cdn2.example.com/$Number$", 9, 0, 0, "https://cdn2.example.com/9"},
		// Characters that need escaping are escaped as net/url does.
		{"my seg $Number$.m4s", 1, 0, 0, "https://cdn.example.com/live/my%20seg%201.m4s"},
	}
	for _, c := range cases {
		got, warns := expand(t, c.tmpl, base, "v1", 500000, c.number, c.tm, c.sub)
		assert.Equal(t, c.want, got, c.tmpl)
		assert.Empty(t, warns, c.tmpl)
	}
}

func TestTemplateLenient(t *testing.T) {
	const base = "https://h/p/m.mpd"
	got, warns := expand(t, "$Foo$/$Number$", base, "r", 1, 5, 0, 0)
	assert.Equal(t, "https://h/p/$Foo$/5", got, "unknown identifiers are kept")
	assert.Len(t, warns, 1)

	got, warns = expand(t, "$RepresentationID%05d$/$Number$", base, "r", 1, 5, 0, 0)
	assert.Equal(t, "https://h/p/r/5", got, "format tag on $RepresentationID$ is ignored")
	assert.Len(t, warns, 1)

	got, warns = expand(t, "seg$Number", base, "r", 1, 5, 0, 0)
	assert.Equal(t, "https://h/p/seg$Number", got, "unterminated identifier stays literal")
	assert.Len(t, warns, 1)

	got, warns = expand(t, "$Number%q$", base, "r", 1, 5, 0, 0)
	assert.Equal(t, "https://h/p/5", got, "bad format tag is ignored")
	assert.Len(t, warns, 1)

	got, _ = expand(t, "a%zz$Number$", base, "r", 1, 5, 0, 0)
	assert.Equal(t, "https://h/p/a%25zz5", got, "a stray percent sign is escaped")
}

// TestTemplateMatchesNaiveResolution checks that compiling a template
// (resolving it once with markers) gives the same URLs as substituting
// first and resolving each URL with net/url, for random templates and
// bases.
func TestTemplateMatchesNaiveResolution(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		lit := rapid.StringMatching(`[a-zA-Z0-9./_~?=&:-]{0,6}`)
		var tmpl, naiveTmpl strings.Builder
		n := rapid.IntRange(1, 5).Draw(rt, "n")
		number := rapid.Uint64Range(0, 1<<40).Draw(rt, "number")
		tm := rapid.Uint64().Draw(rt, "time")
		for i := 0; i < n; i++ {
			l := lit.Draw(rt, "lit")
			tmpl.WriteString(l)
			naiveTmpl.WriteString(l)
			switch rapid.IntRange(0, 3).Draw(rt, "id") {
			case 0:
				tmpl.WriteString("$Number$")
				naiveTmpl.WriteString(strconv.FormatUint(number, 10))
			case 1:
				tmpl.WriteString("$Time%08d$")
				s := strconv.FormatUint(tm, 10)
				naiveTmpl.WriteString(strings.Repeat("0", max(0, 8-len(s))) + s)
			case 2:
				tmpl.WriteString("$RepresentationID$")
				naiveTmpl.WriteString("rep-1")
			case 3:
				tmpl.WriteString("$$")
				naiveTmpl.WriteString("$")
			}
		}
		base := rapid.SampledFrom([]string{
			"https://cdn.example.com/a/b/manifest.mpd",
			"https://cdn.example.com/a/b/",
			"https://cdn.example.com",
			"https://cdn.example.com/a/manifest.mpd?token=1",
			"/local/dir/manifest.mpd",
			"relative/dir/manifest.mpd",
		}).Draw(rt, "base")
		parts := parseTemplate(tmpl.String(), "rep-1", 1, func(string, ...any) {})
		ct, err := compileTemplate(parts, []BaseURL{{URL: base}})
		if err != nil {
			rt.Skip("reserved sequence")
		}
		want, err := resolveReference(base, naiveTmpl.String())
		if err != nil {
			rt.Skip("not a URL reference")
		}
		got := ct.urls(number, tm, 1)[0]
		if got != want {
			rt.Fatalf("template %q base %q: compiled %q, naive %q", tmpl.String(), base, got, want)
		}
	})
}

func TestResolveReferenceFilePaths(t *testing.T) {
	cases := []struct{ base, ref, want string }{
		{"/corpus/media/x/manifest.mpd", "v.mp4", "/corpus/media/x/v.mp4"},
		{"/corpus/media/x/manifest.mpd", "../y/v.mp4", "/corpus/media/y/v.mp4"},
		{"testdata/dash/a.mpd", "v.mp4", "testdata/dash/v.mp4"},
		{"testdata/dash/a.mpd", "../v.mp4", "testdata/v.mp4"},
		{"a.mpd", "sub/v.mp4", "sub/v.mp4"},
		{"", "v.mp4", "v.mp4"},
		{"https://h/a/b.mpd", "https://other/x", "https://other/x"},
	}
	for _, c := range cases {
		got, err := resolveReference(c.base, c.ref)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%s + %s", c.base, c.ref)
	}
}

func TestResolveBaseURLsCrossProduct(t *testing.T) {
	var warns []string
	warn := func(f string, a ...any) { warns = append(warns, f) }
	root := []BaseURL{{URL: "https://origin.example.com/path/manifest.mpd"}}
	// MPD level: two absolute alternatives; b has the better DVB priority.
	mpd := resolveBaseURLs(root, []dashRawBaseURL{
		{url: "http://a.com/", serviceLocation: "a", priority: 2, hasPriority: true},
		{url: "http://b.com/", serviceLocation: "b", priority: 1, hasPriority: true, weight: 3, hasWeight: true},
	}, warn)
	require.Equal(t, []string{"http://b.com/", "http://a.com/"}, baseURLStrings(mpd), "sorted by priority")
	// Period: one relative BaseURL, resolved against both, inheriting
	// serviceLocation/priority/weight; availabilityTimeOffset 1.5 s.
	per := resolveBaseURLs(mpd, []dashRawBaseURL{{url: "p/", ato: 1500e6, hasATO: true}}, warn)
	require.Equal(t, []string{"http://b.com/p/", "http://a.com/p/"}, baseURLStrings(per))
	assert.Equal(t, BaseURL{URL: "http://b.com/p/", ServiceLocation: "b", Priority: 1, Weight: 3, AvailabilityTimeOffset: 1500e6}, per[0])
	// AdaptationSet: a relative one (two results) and an absolute one of
	// priority 1, which sorts before a's priority 2 but after b's (stable).
	as := resolveBaseURLs(per, []dashRawBaseURL{
		{url: "as/", ato: 500e6, hasATO: true},
		{url: "http://c.com/x/", serviceLocation: "c", priority: 1, hasPriority: true},
	}, warn)
	require.Equal(t, []string{"http://b.com/p/as/", "http://c.com/x/", "http://a.com/p/as/"}, baseURLStrings(as))
	assert.Equal(t, 2*time.Second, as[0].AvailabilityTimeOffset, "1.5 s + 0.5 s")
	// Representation: relative again, three alternatives.
	rep := resolveBaseURLs(as, []dashRawBaseURL{{url: "r/"}}, warn)
	assert.Equal(t, []string{"http://b.com/p/as/r/", "http://c.com/x/r/", "http://a.com/p/as/r/"}, baseURLStrings(rep))
	assert.Equal(t, "c", rep[1].ServiceLocation)
	// No BaseURL at a level: the parent alternatives stand.
	assert.Equal(t, rep, resolveBaseURLs(rep, nil, warn))
	// INF wins over any sum.
	inf := resolveBaseURLs(rep, []dashRawBaseURL{{url: "z/", ato: -1, hasATO: true}}, warn)
	assert.Less(t, inf[0].AvailabilityTimeOffset, time.Duration(0), "negative means INF")
	assert.Empty(t, warns)
}

func TestResolveBaseURLsCapAndDedup(t *testing.T) {
	var warns []string
	warn := func(f string, a ...any) { warns = append(warns, f) }
	var level []dashRawBaseURL
	for i := 0; i < 20; i++ {
		level = append(level, dashRawBaseURL{url: "d" + strconv.Itoa(i) + "/"})
	}
	b := resolveBaseURLs([]BaseURL{{URL: "https://h/"}}, level, warn)
	b = resolveBaseURLs(b, level, warn)
	assert.Len(t, b, maxBaseURLAlternatives, "20 x 20 alternatives are capped")
	assert.NotEmpty(t, warns)

	dup := resolveBaseURLs([]BaseURL{{URL: "https://h/a/"}, {URL: "https://h/b/"}},
		[]dashRawBaseURL{{url: "https://cdn/x/"}}, warn)
	assert.Equal(t, []string{"https://cdn/x/"}, baseURLStrings(dup), "an absolute BaseURL is not repeated per parent")
}

func baseURLStrings(bs []BaseURL) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.URL
	}
	return out
}

func BenchmarkTemplateURL(b *testing.B) {
	parts := parseTemplate("$RepresentationID$/seg-$Number%06d$-$Time$.m4s", "video_1080p", 5000000, func(string, ...any) {})
	ct, err := compileTemplate(parts, []BaseURL{{URL: "https://cdn-a.example.com/live/channel/manifest.mpd"}, {URL: "https://cdn-b.example.com/live/channel/manifest.mpd"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n uint64
	for b.Loop() {
		n++
		urls := ct.urls(n, n*180000, 1)
		if len(urls) != 2 {
			b.Fatal(urls)
		}
	}
}
