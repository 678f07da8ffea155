package manifest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testMPDURL = "https://example.com/live/manifest.mpd"

func mustParseDASH(t *testing.T, mpd string) *Presentation {
	t.Helper()
	p, err := ParseDASH([]byte(mpd), testMPDURL)
	require.NoError(t, err)
	return p
}

// rep returns the representation with the given id of the given period.
func rep(t *testing.T, p *Presentation, period int, id string) *Representation {
	t.Helper()
	require.Greater(t, len(p.Periods), period)
	for _, as := range p.Periods[period].AdaptationSets {
		for _, r := range as.Representations {
			if r.ID == id {
				return r
			}
		}
	}
	t.Fatalf("no representation %q in period %d", id, period)
	return nil
}

func segAt(t *testing.T, x *SegmentIndex, i int) Segment {
	t.Helper()
	s, err := x.Segment(i)
	require.NoError(t, err, "segment %d", i)
	return s
}

// assertSegmentAt checks x.SegmentAt(at): the position and whether at
// falls inside that segment.
func assertSegmentAt(t *testing.T, x *SegmentIndex, at time.Duration, wantIndex int, wantInside bool, msgAndArgs ...any) {
	t.Helper()
	i, ok := x.SegmentAt(at)
	assert.Equal(t, wantIndex, i, msgAndArgs...)
	assert.Equal(t, wantInside, ok, msgAndArgs...)
}

func staticMPD(periodAttrs, body string) string {
	return `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT1H" minBufferTime="PT2S">
 <Period ` + periodAttrs + `>
  <AdaptationSet mimeType="video/mp4">
` + body + `
  </AdaptationSet>
 </Period>
</MPD>`
}

func TestTemplateNumberAndTime(t *testing.T) {
	// Period 30 s..39 s; 2 s segments (duration 2000 at timescale 1000),
	// startNumber 5, presentationTimeOffset 10 s (10000 ticks).
	p := mustParseDASH(t, staticMPD(`start="PT30S" duration="PT9S"`, `
   <Representation id="v" bandwidth="1000">
    <SegmentTemplate timescale="1000" duration="2000" startNumber="5" presentationTimeOffset="10000"
     media="$RepresentationID$/$Number%03d$-$Time$.m4s" initialization="$RepresentationID$/init-$Bandwidth$.mp4"/>
   </Representation>`))
	x := rep(t, p, 0, "v").Index
	assert.Equal(t, AddrTemplate, x.Addressing)
	n, bounded := x.Len()
	assert.True(t, bounded)
	assert.Equal(t, 5, n, "ceil(9000 / 2000) = ceil(4.5) = 5")

	s := segAt(t, x, 2)
	assert.Equal(t, uint64(7), s.Number, "startNumber 5 + 2")
	assert.Equal(t, uint64(14000), s.Time, "$Time$ = PTO 10000 + 2*2000")
	assert.Equal(t, 34*time.Second, s.Start, "period start 30 s + 2*2 s")
	assert.Equal(t, 2*time.Second, s.Duration)
	assert.Equal(t, []string{"https://example.com/live/v/007-14000.m4s"}, s.URLs)
	require.NotNil(t, s.Init)
	assert.Equal(t, []string{"https://example.com/live/v/init-1000.mp4"}, s.Init.URLs)
	assert.Same(t, x.InitSegment(), s.Init)

	_, err := x.Segment(5)
	assert.ErrorIs(t, err, ErrSegmentOutOfRange)
	_, err = x.Segment(-1)
	assert.ErrorIs(t, err, ErrSegmentOutOfRange)

	// 35.9 s is 5.9 s into the period: 5900 / 2000 = position 2.
	assertSegmentAt(t, x, 35900*time.Millisecond, 2, true)
	// 39.5 s -> 9500 / 2000 = 4, the last (short) segment.
	assertSegmentAt(t, x, 39500*time.Millisecond, 4, true)
	// 40 s -> 5: past the end.
	assertSegmentAt(t, x, 40*time.Second, 5, false)
	assertSegmentAt(t, x, 29*time.Second, 0, false)
}

func TestTemplateEndNumber(t *testing.T) {
	// endNumber 12 with startNumber 10: segments 10, 11, 12 although the
	// period (1 h) would hold 1800.
	p := mustParseDASH(t, staticMPD(``, `
   <Representation id="v" bandwidth="1"><SegmentTemplate duration="2" startNumber="10" endNumber="12" media="$Number$.m4s"/></Representation>`))
	x := rep(t, p, 0, "v").Index
	n, bounded := x.Len()
	assert.Equal(t, 3, n)
	assert.True(t, bounded)
	assert.Equal(t, uint64(12), segAt(t, x, 2).Number)
}

func TestTimelineRepeatGapAndOpenEnd(t *testing.T) {
	// timescale 90000, presentationTimeOffset 900000 (10 s), period 20 s
	// starting at 100 s: the period ends at media time 900000 + 20*90000 =
	// 2,700,000.
	//   S t=900000 d=180000 r=2  -> 900000, 1080000, 1260000 (3 x 2 s)
	//   S d=90000                -> 1440000 (1 s), ends 1530000
	//   S t=1620000 d=180000 r=-1 -> gap of 1 s, then ceil((2700000-1620000)/180000) = 6 segments
	p := mustParseDASH(t, staticMPD(`start="PT100S" duration="PT20S"`, `
   <Representation id="v" bandwidth="1">
    <SegmentTemplate timescale="90000" presentationTimeOffset="900000" startNumber="1" media="$Time$-$Number$.m4s">
     <SegmentTimeline>
      <S t="900000" d="180000" r="2"/>
      <S d="90000"/>
      <S t="1620000" d="180000" r="-1"/>
     </SegmentTimeline>
    </SegmentTemplate>
   </Representation>`))
	x := rep(t, p, 0, "v").Index
	assert.Equal(t, AddrTimeline, x.Addressing)
	n, bounded := x.Len()
	assert.True(t, bounded)
	assert.Equal(t, 10, n, "3 + 1 + 6")

	want := []struct {
		time  uint64
		num   uint64
		start time.Duration
		dur   time.Duration
	}{
		{900000, 1, 100 * time.Second, 2 * time.Second},
		{1080000, 2, 102 * time.Second, 2 * time.Second},
		{1260000, 3, 104 * time.Second, 2 * time.Second},
		{1440000, 4, 106 * time.Second, time.Second},
		{1620000, 5, 108 * time.Second, 2 * time.Second}, // after the 1 s gap 107..108
		{2520000, 10, 118 * time.Second, 2 * time.Second},
	}
	for _, w := range want {
		i := int(w.num - 1)
		s := segAt(t, x, i)
		assert.Equal(t, w.time, s.Time, "time of %d", i)
		assert.Equal(t, w.num, s.Number, "number of %d", i)
		assert.Equal(t, w.start, s.Start, "start of %d", i)
		assert.Equal(t, w.dur, s.Duration, "duration of %d", i)
		assert.Equal(t, fmt.Sprintf("https://example.com/live/%d-%d.m4s", w.time, w.num), s.URLs[0])
	}

	assertSegmentAt(t, x, 106500*time.Millisecond, 3, true)
	assertSegmentAt(t, x, 107500*time.Millisecond, 4, false, "the next segment") // inside the gap
	assertSegmentAt(t, x, 119*time.Second, 9, true)
	assertSegmentAt(t, x, 121*time.Second, 10, false)
}

// The ExoPlayer and Shaka parser tests for S@r="-1" exist only inline in
// their test code (corpus README, "Known gaps"); these are the same cases
// with our own arithmetic.
func TestTimelineNegativeRepeat(t *testing.T) {
	cases := []struct {
		name   string
		period string
		s      string
		times  []uint64
	}{
		{
			// One S, r=-1, to the period end: 50 s / 10 s = 5 segments.
			name: "single undefined repeat to the period end", period: `duration="PT50S"`,
			s:     `<S t="0" d="10" r="-1"/>`,
			times: []uint64{0, 10, 20, 30, 40},
		},
		{
			// r=-1 before an S with @t: ceil((10-0)/2) = 5, then the S at 10.
			name: "repeat to the next S@t", period: `duration="PT13S"`,
			s:     `<S t="0" d="2" r="-1"/><S t="10" d="3"/>`,
			times: []uint64{0, 2, 4, 6, 8, 10},
		},
		{
			// Not a multiple: ceil(10/3) = 4 (0, 3, 6, 9), the last overlaps
			// the next S, as ExoPlayer and Shaka count.
			name: "repeat to the next S@t, rounded up", period: `duration="PT20S"`,
			s:     `<S t="0" d="3" r="-1"/><S t="10" d="5" r="1"/>`,
			times: []uint64{0, 3, 6, 9, 10, 15},
		},
		{
			// Timeline starting at 5 with r=-1 at the end of a 22 s period:
			// ceil((22-5)/4) = ceil(4.25) = 5.
			name: "time offset and undefined repeat at the end", period: `duration="PT22S"`,
			s:     `<S t="5" d="4" r="-1"/>`,
			times: []uint64{5, 9, 13, 17, 21},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParseDASH(t, staticMPD(c.period, `
   <Representation id="v" bandwidth="1"><SegmentTemplate media="$Time$"><SegmentTimeline>`+c.s+`</SegmentTimeline></SegmentTemplate></Representation>`))
			x := rep(t, p, 0, "v").Index
			n, bounded := x.Len()
			require.True(t, bounded)
			require.Equal(t, len(c.times), n)
			for i, want := range c.times {
				assert.Equal(t, want, segAt(t, x, i).Time, "segment %d", i)
			}
		})
	}
}

func TestTimelineOpenEndedLive(t *testing.T) {
	// Dynamic, last S with r=-1 and no period end: open-ended.
	p := mustParseDASH(t, `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2024-01-01T00:00:00Z">
 <Period start="PT0S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentTemplate media="$Number$"><SegmentTimeline>
   <S t="0" d="3" r="1"/><S d="4" r="-1"/>
  </SegmentTimeline></SegmentTemplate></Representation>
 </AdaptationSet></Period></MPD>`)
	x := rep(t, p, 0, "v").Index
	n, bounded := x.Len()
	assert.False(t, bounded)
	assert.Equal(t, 2, n, "two segments precede the open-ended S")
	// Position 1000 is in the open run: t = 6 + 998*4 = 3998, number 1001.
	s := segAt(t, x, 1000)
	assert.Equal(t, uint64(3998), s.Time)
	assert.Equal(t, uint64(1001), s.Number)
	assertSegmentAt(t, x, 3999*time.Second, 1000, true)
}

func TestTimelineSubNumberAndRenumbering(t *testing.T) {
	// S@k=4 splits each 8 s sequence into four 2 s segments that share
	// $Number$ and $Time$ and count $SubNumber$ 1..4; S@n restarts the
	// numbering.
	p := mustParseDASH(t, staticMPD(`duration="PT20S"`, `
   <Representation id="v" bandwidth="1"><SegmentTemplate startNumber="1" media="$Number$_$Time$_$SubNumber$.m4s"><SegmentTimeline>
    <S t="0" d="8" r="1" k="4"/><S n="10" d="4"/>
   </SegmentTimeline></SegmentTemplate></Representation>`))
	x := rep(t, p, 0, "v").Index
	n, _ := x.Len()
	assert.Equal(t, 9, n, "2 sequences x 4 + 1")
	s := segAt(t, x, 3)
	assert.Equal(t, uint64(1), s.Number)
	assert.Equal(t, uint64(4), s.SubNumber)
	assert.Equal(t, 6*time.Second, s.Start, "fourth quarter of 0..8")
	assert.Equal(t, 2*time.Second, s.Duration)
	assert.Equal(t, "https://example.com/live/1_0_4.m4s", s.URLs[0])
	s = segAt(t, x, 5)
	assert.Equal(t, "https://example.com/live/2_8_2.m4s", s.URLs[0])
	assert.Equal(t, 10*time.Second, s.Start)
	s = segAt(t, x, 8)
	assert.Equal(t, uint64(10), s.Number, "S@n")
	assert.Equal(t, uint64(0), s.SubNumber, "not split")
	assert.Equal(t, "https://example.com/live/10_16_1.m4s", s.URLs[0], "$SubNumber$ of an unsplit S is 1")
	assertSegmentAt(t, x, 11*time.Second, 5, true, "second quarter of the second sequence")
}

func TestTimelinePattern(t *testing.T) {
	// 6th-edition Pattern: durations cycle 4, 2, 2 starting at entry pE=1:
	// 2, 2, 4, 2, 2 for r=4 (five segments), from t=100.
	p := mustParseDASH(t, staticMPD(``, `
   <Representation id="v" bandwidth="1"><SegmentTemplate media="$Time$"><SegmentTimeline>
    <Pattern id="1"><P d="4"/><P d="2" r="1"/></Pattern>
    <S t="100" d="0" r="4" p="1" pE="1"/>
   </SegmentTimeline></SegmentTemplate></Representation>`))
	x := rep(t, p, 0, "v").Index
	var times []uint64
	n, _ := x.Len()
	for i := 0; i < n; i++ {
		times = append(times, segAt(t, x, i).Time)
	}
	assert.Equal(t, []uint64{100, 102, 104, 108, 110}, times)
}

func TestAppendSegmentsMatchesSegment(t *testing.T) {
	p := mustParseDASH(t, `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT60S">
 <BaseURL>https://a.example.com/</BaseURL><BaseURL>https://b.example.com/</BaseURL>
 <Period><AdaptationSet>
  <Representation id="tl" bandwidth="1"><SegmentTemplate timescale="10" media="$RepresentationID$/$Time$.m4s"><SegmentTimeline>
   <S t="0" d="20" r="3"/><S d="15" r="-1"/>
  </SegmentTimeline></SegmentTemplate></Representation>
  <Representation id="tp" bandwidth="1"><SegmentTemplate duration="3" media="$RepresentationID$/$Number%04d$.m4s"/></Representation>
 </AdaptationSet></Period></MPD>`)
	for _, id := range []string{"tl", "tp"} {
		x := rep(t, p, 0, id).Index
		n, bounded := x.Len()
		require.True(t, bounded)
		all, err := x.AppendSegments(nil, 0, n+5)
		require.NoError(t, err)
		require.Len(t, all, n, "capped at the end")
		for i := range all {
			assert.Equal(t, segAt(t, x, i), all[i], "%s position %d", id, i)
			assert.Len(t, all[i].URLs, 2, "one URL per BaseURL")
		}
		part, err := x.AppendSegments(all[:1], 3, 2)
		require.NoError(t, err)
		assert.Equal(t, []Segment{all[0], all[3], all[4]}, part)
	}
	// tl: 4 x 2 s, then 1.5 s to the 60 s end: ceil((600-80)/15) = 35.
	n, _ := rep(t, p, 0, "tl").Index.Len()
	assert.Equal(t, 39, n)
	// tp: 60 / 3 = 20.
	n, _ = rep(t, p, 0, "tp").Index.Len()
	assert.Equal(t, 20, n)
	s := segAt(t, rep(t, p, 0, "tp").Index, 19)
	assert.Equal(t, []string{"https://a.example.com/tp/0020.m4s", "https://b.example.com/tp/0020.m4s"}, s.URLs)
}

func TestAbsurdCountsAreRejected(t *testing.T) {
	// r = 9e18 with d = 1: counted arithmetically, rejected, never expanded.
	_, err := ParseDASH([]byte(staticMPD(``, `<Representation id="v" bandwidth="1"><SegmentTemplate media="$Time$"><SegmentTimeline>
    <S t="0" d="1" r="9000000000000000000"/></SegmentTimeline></SegmentTemplate></Representation>`)), testMPDURL)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrTooManySegments)
	assert.ErrorIs(t, err, ErrInvalidMPD)

	// r=-1 with a tiny d over a long period.
	_, err = ParseDASH([]byte(`<MPD type="static" mediaPresentationDuration="P3650D"><Period><AdaptationSet><Representation id="v">
    <SegmentTemplate timescale="1000000" media="$Time$"><SegmentTimeline><S t="0" d="1" r="-1"/></SegmentTimeline></SegmentTemplate>
    </Representation></AdaptationSet></Period></MPD>`), testMPDURL)
	assert.ErrorIs(t, err, ErrTooManySegments)

	// A template with a 1-tick duration over ten years.
	_, err = ParseDASH([]byte(`<MPD type="static" mediaPresentationDuration="P3650D"><Period><AdaptationSet><Representation id="v">
    <SegmentTemplate timescale="1000" duration="1" media="$Number$"/></Representation></AdaptationSet></Period></MPD>`), testMPDURL)
	assert.ErrorIs(t, err, ErrTooManySegments)

	// Times that would overflow uint64.
	_, err = ParseDASH([]byte(staticMPD(``, `<Representation id="v"><SegmentTemplate media="$Time$"><SegmentTimeline>
    <S t="18446744073709551000" d="1000" r="5"/></SegmentTimeline></SegmentTemplate></Representation>`)), testMPDURL)
	assert.ErrorIs(t, err, ErrBadIndex)
}

func TestHandBuiltIndex(t *testing.T) {
	// An index built by hand (as the simulator does) works without
	// Prepare, and gives the same answers after it.
	x := &SegmentIndex{
		Addressing:  AddrTemplate,
		BaseURLs:    []BaseURL{{URL: "https://h/v/"}},
		Timescale:   1,
		StartNumber: 1,
		Duration:    4,
		Media:       "$Number$.m4s",
		PeriodStart: 10 * time.Second, PeriodDuration: 10 * time.Second,
	}
	n, bounded := x.Len()
	assert.Equal(t, 3, n, "ceil(10/4)")
	assert.True(t, bounded)
	before := segAt(t, x, 2)
	assert.Equal(t, "https://h/v/3.m4s", before.URLs[0])
	assert.Equal(t, 18*time.Second, before.Start)
	require.NoError(t, x.Prepare())
	assert.Equal(t, before, segAt(t, x, 2))

	bad := &SegmentIndex{Addressing: AddrTimeline, Timeline: []TimelineEntry{{D: 0}}, Timescale: 1}
	assert.ErrorIs(t, bad.Prepare(), ErrBadIndex)
	_, err := bad.Segment(0)
	assert.True(t, errors.Is(err, ErrBadIndex))
	assert.ErrorIs(t, (&SegmentIndex{Addressing: "nope"}).Prepare(), ErrBadIndex)
}

func TestPlaylistIndex(t *testing.T) {
	// AddrPlaylist (built by the HLS parser): explicit segments.
	segs := []Segment{
		{Number: 7, Start: 0, Duration: 4 * time.Second, URLs: []string{"a.ts"}},
		{Number: 8, Start: 4 * time.Second, Duration: 4 * time.Second, URLs: []string{"b.ts"}, Range: ByteRange{Offset: 100, Length: 50}},
		{Number: 9, Start: 8 * time.Second, Duration: 2 * time.Second, URLs: []string{"c.ts"}},
	}
	x := &SegmentIndex{Addressing: AddrPlaylist, Segments: segs, Playlist: &MediaPlaylist{Loaded: true}}
	n, bounded := x.Len()
	assert.Equal(t, 3, n)
	assert.True(t, bounded)
	assert.Equal(t, segs[1], segAt(t, x, 1))
	got, err := x.AppendSegments(nil, 1, 10)
	require.NoError(t, err)
	assert.Equal(t, segs[1:], got)
	assertSegmentAt(t, x, 9*time.Second, 2, true)
	assertSegmentAt(t, x, 10*time.Second, 3, false)
	live := &Presentation{Format: FormatHLS, Live: true}
	first, last, err := x.Available(time.Now(), live)
	require.NoError(t, err)
	assert.Equal(t, [2]int{0, 2}, [2]int{first, last}, "the playlist is the window")

	x.Playlist.Loaded = false
	_, _, err = x.Available(time.Now(), live)
	assert.ErrorIs(t, err, ErrNoSegmentAvailable)
}
