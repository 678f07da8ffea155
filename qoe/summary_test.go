package qoe

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSummarize on envivioSession (see pensieve_test.go): six 4 s segments
// at 750, 1200, 1200, 300, 4300, 4300 kbit/s, sizes kbps × 500 bytes.
//
//	switches: 750→1200, 1200→300, 300→4300 = 3;
//	magnitude 450k + 900k + 4000k = 5 350 000 bit/s;
//	mean = (750+1200+1200+300+4300+4300)k / 6 = 12 050k / 6 = 2 008 333.33 → 2 008 333;
//	equal durations, so time-weighted = mean;
//	bytes = 500 × 12 050 = 6 025 000;
//	rebuffer ratio = 0.75 / (24 + 0.75) = 0.0303030…
func TestSummarize(t *testing.T) {
	s := envivioSession()
	sum := Summarize(s)
	assert.Equal(t, Summary{
		Downloads:           6,
		PlayedSegments:      6,
		StartupDelay:        time.Second,
		PlayTime:            24 * time.Second,
		StallCount:          2,
		StallTime:           750 * time.Millisecond,
		RebufferRatio:       0.75 / 24.75,
		SwitchCount:         3,
		SwitchMagnitude:     5_350_000,
		TimeWeightedBitrate: 2_008_333,
		MeanBitrate:         2_008_333,
		DownloadedBytes:     6_025_000,
		PlayedBytes:         6_025_000,
	}, sum)
}

// TestSummarizeWeighted: unequal durations and records that did not play.
//
//	played: 1 Mbit/s for 2 s, 3 Mbit/s for 6 s (a replacement of index 1,
//	logged after index 2), 2 Mbit/s for 4 s.
//	play order by index: 1M (idx 0), 3M (idx 1), 2M (idx 2).
//	time-weighted = (1×2 + 3×6 + 2×4) / 12 = 28/12 = 2.3333 Mbit/s → 2 333 333;
//	mean = 6/3 = 2 Mbit/s; switches 1→3, 3→2: 2, magnitude 3 Mbit/s;
//	bytes: all 5 records 100+50+300+200+700 = 1350, played 100+200+700 = 1000.
func TestSummarizeWeighted(t *testing.T) {
	s := &Session{Segments: []Segment{
		{Index: 0, Bitrate: 1_000_000, Duration: 2 * time.Second, Size: 100},
		{Index: 1, Bitrate: 3_000_000, Duration: 6 * time.Second, Size: 50, Abandoned: true},
		{Index: 1, Bitrate: 500_000, Duration: 6 * time.Second, Size: 300, Replaced: true},
		{Index: 2, Bitrate: 2_000_000, Duration: 4 * time.Second, Size: 200},
		{Index: 1, Bitrate: 3_000_000, Duration: 6 * time.Second, Size: 700, Replacement: true},
	}}
	require.NoError(t, s.Validate())
	sum := Summarize(s)
	assert.Equal(t, 5, sum.Downloads)
	assert.Equal(t, 1, sum.AbandonedDownloads)
	assert.Equal(t, 1, sum.Replacements)
	assert.Equal(t, 3, sum.PlayedSegments)
	assert.Equal(t, int64(2_333_333), sum.TimeWeightedBitrate)
	assert.Equal(t, int64(2_000_000), sum.MeanBitrate)
	assert.Equal(t, 2, sum.SwitchCount)
	assert.Equal(t, int64(3_000_000), sum.SwitchMagnitude)
	assert.Equal(t, int64(1350), sum.DownloadedBytes)
	assert.Equal(t, int64(1000), sum.PlayedBytes)
	assert.Equal(t, 0.0, sum.RebufferRatio)
}

func TestSummarizeEmpty(t *testing.T) {
	assert.Equal(t, Summary{}, Summarize(&Session{}))
	// Zero durations fall back to the plain mean: (1 + 2) / 2 = 1.5 Mbit/s.
	sum := Summarize(&Session{Segments: []Segment{{Index: 0, Bitrate: 1_000_000}, {Index: 1, Bitrate: 2_000_000}}})
	assert.Equal(t, int64(1_500_000), sum.TimeWeightedBitrate)
}

func TestSummaryJSON(t *testing.T) {
	sum := Summarize(envivioSession())
	b, err := json.Marshal(sum)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"downloads": 6, "abandoned_downloads": 0, "replacements": 0, "played_segments": 6,
		"startup_delay_s": 1, "play_time_s": 24, "stall_count": 2, "stall_time_s": 0.75,
		"rebuffer_ratio": 0.030303030303030304, "switch_count": 3,
		"switch_magnitude_bps": 5350000, "time_weighted_bitrate_bps": 2008333,
		"mean_bitrate_bps": 2008333, "downloaded_bytes": 6025000, "played_bytes": 6025000
	}`, string(b))

	var back Summary
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, sum, back)

	require.Error(t, json.Unmarshal([]byte(`{"stall_count": "x"}`), &back))
}

// FuzzSummaryJSON: reading arbitrary JSON never panics, and whatever reads
// without error marshals again.
func FuzzSummaryJSON(f *testing.F) {
	b, err := json.Marshal(Summarize(envivioSession()))
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte(`{"startup_delay_s": 1e300}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Summary
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		_, err := json.Marshal(s)
		require.NoError(t, err)
	})
}

func TestValidate(t *testing.T) {
	require.NoError(t, envivioSession().Validate())
	cases := []struct {
		name   string
		mutate func(s *Session)
		want   string
	}{
		{"ladder order", func(s *Session) { s.Ladder[2] = 700_000 }, "ladder rung 2"},
		{"ladder zero", func(s *Session) { s.Ladder[0] = 0 }, "ladder rung 0"},
		{"negative stall", func(s *Session) { s.StallTime = -1 }, "negative session fact"},
		{"bitrate", func(s *Session) { s.Segments[3].Bitrate = 0 }, "segment record 3 (index 3): bitrate 0"},
		{"rung", func(s *Session) { s.Segments[1].Rung = 6 }, "rung 6 is outside the ladder of 6 rungs"},
		{"index", func(s *Session) { s.Segments[0].Index = -1 }, "index -1 is negative"},
		{"size", func(s *Session) { s.Segments[0].Size = -1 }, "size -1 bytes"},
		{"rebuffer", func(s *Session) { s.Segments[2].Rebuffer = -time.Second }, "negative duration"},
		{"times", func(s *Session) { s.Segments[2].DownloadStart = time.Second }, "before it starts"},
		{"flags", func(s *Session) { s.Segments[2].Abandoned, s.Segments[2].Replaced = true, true }, "abandoned download cannot"},
	}
	for _, c := range cases {
		s := envivioSession()
		c.mutate(s)
		err := s.Validate()
		require.ErrorIs(t, err, ErrInvalidSession, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
}
