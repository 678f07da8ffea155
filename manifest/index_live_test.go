package manifest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testAST = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func liveMPD(mpdAttrs, periods string) string {
	return `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2024-01-01T00:00:00Z"
 publishTime="2024-01-01T00:01:00Z" minimumUpdatePeriod="PT2S" ` + mpdAttrs + `>` + periods + `</MPD>`
}

func window(t *testing.T, x *SegmentIndex, p *Presentation, elapsed time.Duration) (int, int) {
	t.Helper()
	first, last, err := x.Available(testAST.Add(elapsed), p)
	require.NoError(t, err, "at AST+%s", elapsed)
	return first, last
}

func TestLiveWindowTemplate(t *testing.T) {
	// 2 s segments ($Number$ from 1), period at AST, 30 s time-shift buffer.
	p := mustParseDASH(t, liveMPD(`timeShiftBufferDepth="PT30S"`, `<Period id="p0" start="PT0S"><AdaptationSet>
  <Representation id="plain" bandwidth="1"><SegmentTemplate duration="2" media="$Number$.m4s"/></Representation>
  <Representation id="ato" bandwidth="1"><SegmentTemplate duration="2" availabilityTimeOffset="1.5" media="$Number$.m4s"/></Representation>
  <Representation id="inf" bandwidth="1"><SegmentTemplate duration="2" availabilityTimeOffset="INF" media="$Number$.m4s"/></Representation>
 </AdaptationSet></Period>`))
	require.True(t, p.Live)
	assert.Equal(t, testAST, p.Timing.AvailabilityStart)
	assert.Equal(t, 30*time.Second, p.Timing.TimeShiftBufferDepth)

	// At AST + 100.5 s. Segment i spans [2i, 2i+2).
	// Available from end - ATO: 2i + 2 <= 100.5 -> i <= 49.
	// Available until start + 2d + TSB: 2i + 4 + 30 > 100.5 -> i >= 34
	// (i = 33 gives 100, not > 100.5).
	x := rep(t, p, 0, "plain").Index
	first, last := window(t, x, p, 100500*time.Millisecond)
	assert.Equal(t, 34, first)
	assert.Equal(t, 49, last)
	assert.Equal(t, uint64(50), segAt(t, x, last).Number, "number = startNumber + position")

	// availabilityTimeOffset 1.5 s: 2i + 2 - 1.5 <= 100.5 -> i <= 50.
	_, last = window(t, rep(t, p, 0, "ato").Index, p, 100500*time.Millisecond)
	assert.Equal(t, 50, last)
	// INF on an open-ended index: available from its start, 2i <= 100.5.
	_, last = window(t, rep(t, p, 0, "inf").Index, p, 100500*time.Millisecond)
	assert.Equal(t, 50, last)

	// Exactly at the end of segment 0 (AST + 2 s) it becomes available.
	first, last = window(t, x, p, 2*time.Second)
	assert.Equal(t, [2]int{0, 0}, [2]int{first, last})
	// Before that nothing is.
	_, _, err := x.Available(testAST.Add(1999*time.Millisecond), p)
	assert.ErrorIs(t, err, ErrNoSegmentAvailable)
	assert.ErrorContains(t, err, "2024-01-01T00:00:02Z")

	// Far in the future the positions stay arithmetic: one day later,
	// 2i + 2 <= 86400 -> i <= 43199.
	first, last = window(t, x, p, 24*time.Hour)
	assert.Equal(t, 43199, last)
	assert.Equal(t, 43184, first, "2i + 4 + 30 > 86400 -> i > 43183")
}

func TestLiveWindowTimelineAndPeriods(t *testing.T) {
	// No timeShiftBufferDepth: segments never leave. Period 2 starts 60 s
	// after AST; its timeline is open-ended (r=-1, live).
	p := mustParseDASH(t, liveMPD(``, `
 <Period id="a" start="PT0S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentTemplate timescale="1000" media="$Time$.m4s"><SegmentTimeline>
   <S t="0" d="4000" r="14"/></SegmentTimeline></SegmentTemplate></Representation>
 </AdaptationSet></Period>
 <Period id="b" start="PT60S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentTemplate timescale="1000" presentationTimeOffset="5000" media="$Time$.m4s"><SegmentTimeline>
   <S t="5000" d="2000" r="-1"/></SegmentTimeline></SegmentTemplate></Representation>
 </AdaptationSet></Period>`))
	require.Len(t, p.Periods, 2)
	assert.Equal(t, 60*time.Second, p.Periods[0].Duration, "until the next period")
	assert.Equal(t, time.Duration(0), p.Periods[1].Duration, "last live period: unknown")

	a, b := rep(t, p, 0, "v").Index, rep(t, p, 1, "v").Index
	// Period a at AST+21 s: segment i ends at 4(i+1) <= 21 -> i <= 4.
	first, last := window(t, a, p, 21*time.Second)
	assert.Equal(t, [2]int{0, 4}, [2]int{first, last})
	// Later than its 15 segments all are available, none more.
	first, last = window(t, a, p, time.Hour)
	assert.Equal(t, [2]int{0, 14}, [2]int{first, last})
	// Period b at AST+100.5 s: starts 60 s; segment i ends at
	// 60 + 2(i+1) <= 100.5 -> i <= 19.
	first, last = window(t, b, p, 100500*time.Millisecond)
	assert.Equal(t, [2]int{0, 19}, [2]int{first, last})
	s := segAt(t, b, 19)
	assert.Equal(t, uint64(5000+19*2000), s.Time)
	assert.Equal(t, 98*time.Second, s.Start, "60 s + (43000-5000)/1000")
	// Before period b starts producing: nothing.
	_, _, err := b.Available(testAST.Add(61*time.Second), p)
	assert.ErrorIs(t, err, ErrNoSegmentAvailable)
}

func TestLiveWindowSegmentList(t *testing.T) {
	// Live SegmentList with @duration: explicit segments, same rule.
	p := mustParseDASH(t, liveMPD(`timeShiftBufferDepth="PT6S"`, `<Period start="PT10S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentList duration="2">
   <SegmentURL media="a.m4s"/><SegmentURL media="b.m4s"/><SegmentURL media="c.m4s"/><SegmentURL media="d.m4s"/><SegmentURL media="e.m4s"/>
  </SegmentList></Representation></AdaptationSet></Period>`))
	x := rep(t, p, 0, "v").Index
	// At AST+19 s: ends 10 + 2(i+1) <= 19 -> i <= 3; still there while
	// 10 + 2i + 4 + 6 > 19 -> i >= 0 (i = 0 gives 20 > 19).
	first, last := window(t, x, p, 19*time.Second)
	assert.Equal(t, [2]int{0, 3}, [2]int{first, last})
	// At AST+21 s: i=0 gives 20, gone; i = 1 gives 22.
	first, last = window(t, x, p, 21*time.Second)
	assert.Equal(t, [2]int{1, 4}, [2]int{first, last})
	_, _, err := x.Available(testAST.Add(time.Hour), p)
	assert.ErrorIs(t, err, ErrNoSegmentAvailable, "all left the buffer")
}

func TestLiveWindowBaseURLOffsetAndStatic(t *testing.T) {
	p := mustParseDASH(t, liveMPD(``, `<BaseURL availabilityTimeOffset="1">https://cdn/</BaseURL><Period start="PT0S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentTemplate duration="2" availabilityTimeOffset="0.5" media="$Number$"/></Representation>
 </AdaptationSet></Period>`))
	x := rep(t, p, 0, "v").Index
	// Offsets add: 1 s (BaseURL) + 0.5 s (template). 2(i+1) - 1.5 <= 10 -> i <= 4.
	_, last := window(t, x, p, 10*time.Second)
	assert.Equal(t, 4, last)

	// A static presentation: everything, whatever the time.
	st := mustParseDASH(t, staticMPD(`duration="PT10S"`, `<Representation id="v" bandwidth="1"><SegmentTemplate duration="2" media="$Number$"/></Representation>`))
	first, last, err := rep(t, st, 0, "v").Index.Available(time.Time{}, st)
	require.NoError(t, err)
	assert.Equal(t, [2]int{0, 4}, [2]int{first, last})

	// Dynamic without availabilityStartTime cannot be placed.
	noAST := mustParseDASH(t, `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic"><Period start="PT0S"><AdaptationSet>
  <Representation id="v" bandwidth="1"><SegmentTemplate duration="2" media="$Number$"/></Representation></AdaptationSet></Period></MPD>`)
	_, _, err = rep(t, noAST, 0, "v").Index.Available(time.Now(), noAST)
	assert.Error(t, err)
	assert.NotEmpty(t, noAST.Warnings)
}
