package qoe

import (
	"encoding/json"
	"math"
	"time"
)

// Summary holds the generic metrics of one session. Summarize computes it;
// it marshals to JSON with snake_case names carrying their units (_s for
// seconds, _bps for bit/s, _bytes for bytes).
type Summary struct {
	// Downloads is the number of records in the log.
	Downloads int
	// AbandonedDownloads is the number of records with Abandoned set.
	AbandonedDownloads int
	// Replacements is the number of records with Replacement set.
	Replacements int
	// PlayedSegments is the number of records that played.
	PlayedSegments int
	// StartupDelay is Session.StartupDelay.
	StartupDelay time.Duration
	// PlayTime is Session.PlayTime.
	PlayTime time.Duration
	// StallCount is Session.StallCount.
	StallCount int
	// StallTime is Session.StallTime.
	StallTime time.Duration
	// RebufferRatio is StallTime / (PlayTime + StallTime): the share of the
	// time after startup spent stalled. 0 when both are 0. (Sabre's
	// "rebuffer ratio" also counts the startup in the denominator; see
	// SabreMetrics.)
	RebufferRatio float64
	// SwitchCount is the number of consecutive played segments (in play
	// order) whose bitrates differ.
	SwitchCount int
	// SwitchMagnitude is Σ |R_n − R_{n−1}| over those pairs, in bit/s.
	SwitchMagnitude int64
	// TimeWeightedBitrate is Σ R_n d_n / Σ d_n over played segments, with
	// d_n their media durations, in bit/s rounded to the nearest integer.
	// It falls back to MeanBitrate when every duration is 0.
	TimeWeightedBitrate int64
	// MeanBitrate is the plain mean of R_n over played segments, in bit/s
	// rounded to the nearest integer.
	MeanBitrate int64
	// DownloadedBytes is Σ Size over all records, abandoned ones included.
	DownloadedBytes int64
	// PlayedBytes is Σ Size over played records.
	PlayedBytes int64
}

// Summarize computes the generic metrics of s. It does not allocate unless
// the log needs sorting into play order (see Session).
func Summarize(s *Session) Summary {
	sum := Summary{
		Downloads:    len(s.Segments),
		StartupDelay: s.StartupDelay,
		PlayTime:     s.PlayTime,
		StallCount:   s.StallCount,
		StallTime:    s.StallTime,
	}
	for i := range s.Segments {
		seg := &s.Segments[i]
		sum.DownloadedBytes += seg.Size
		if seg.Abandoned {
			sum.AbandonedDownloads++
		}
		if seg.Replacement {
			sum.Replacements++
		}
	}
	if d := s.PlayTime + s.StallTime; d > 0 {
		sum.RebufferRatio = float64(s.StallTime) / float64(d)
	}

	var (
		bitrateSum  float64 // Σ R_n, bit/s
		weighted    float64 // Σ R_n d_n, bit/s × ns
		durationSum float64 // Σ d_n, ns
		prev        int64
	)
	it := newPlayIter(s.Segments)
	for {
		seg, _, ok := it.next()
		if !ok {
			break
		}
		if sum.PlayedSegments > 0 && seg.Bitrate != prev {
			sum.SwitchCount++
			d := seg.Bitrate - prev
			if d < 0 {
				d = -d
			}
			sum.SwitchMagnitude += d
		}
		prev = seg.Bitrate
		sum.PlayedSegments++
		sum.PlayedBytes += seg.Size
		bitrateSum += float64(seg.Bitrate)
		weighted += float64(float64(seg.Bitrate) * float64(seg.Duration))
		durationSum += float64(seg.Duration)
	}
	if sum.PlayedSegments > 0 {
		sum.MeanBitrate = int64(math.Round(bitrateSum / float64(sum.PlayedSegments)))
		sum.TimeWeightedBitrate = sum.MeanBitrate
		if durationSum > 0 {
			sum.TimeWeightedBitrate = int64(math.Round(weighted / durationSum))
		}
	}
	return sum
}

// summaryJSON is the wire form of Summary.
type summaryJSON struct {
	Downloads           int     `json:"downloads"`
	AbandonedDownloads  int     `json:"abandoned_downloads"`
	Replacements        int     `json:"replacements"`
	PlayedSegments      int     `json:"played_segments"`
	StartupDelayS       float64 `json:"startup_delay_s"`
	PlayTimeS           float64 `json:"play_time_s"`
	StallCount          int     `json:"stall_count"`
	StallTimeS          float64 `json:"stall_time_s"`
	RebufferRatio       float64 `json:"rebuffer_ratio"`
	SwitchCount         int     `json:"switch_count"`
	SwitchMagnitudeBps  int64   `json:"switch_magnitude_bps"`
	TimeWeightedBitrate int64   `json:"time_weighted_bitrate_bps"`
	MeanBitrateBps      int64   `json:"mean_bitrate_bps"`
	DownloadedBytes     int64   `json:"downloaded_bytes"`
	PlayedBytes         int64   `json:"played_bytes"`
}

// MarshalJSON writes the summary with durations in seconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{
		Downloads:           s.Downloads,
		AbandonedDownloads:  s.AbandonedDownloads,
		Replacements:        s.Replacements,
		PlayedSegments:      s.PlayedSegments,
		StartupDelayS:       s.StartupDelay.Seconds(),
		PlayTimeS:           s.PlayTime.Seconds(),
		StallCount:          s.StallCount,
		StallTimeS:          s.StallTime.Seconds(),
		RebufferRatio:       s.RebufferRatio,
		SwitchCount:         s.SwitchCount,
		SwitchMagnitudeBps:  s.SwitchMagnitude,
		TimeWeightedBitrate: s.TimeWeightedBitrate,
		MeanBitrateBps:      s.MeanBitrate,
		DownloadedBytes:     s.DownloadedBytes,
		PlayedBytes:         s.PlayedBytes,
	})
}

// UnmarshalJSON reads what MarshalJSON writes; seconds are rounded to the
// nearest nanosecond.
func (s *Summary) UnmarshalJSON(data []byte) error {
	var w summaryJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Summary{
		Downloads:           w.Downloads,
		AbandonedDownloads:  w.AbandonedDownloads,
		Replacements:        w.Replacements,
		PlayedSegments:      w.PlayedSegments,
		StartupDelay:        seconds(w.StartupDelayS),
		PlayTime:            seconds(w.PlayTimeS),
		StallCount:          w.StallCount,
		StallTime:           seconds(w.StallTimeS),
		RebufferRatio:       w.RebufferRatio,
		SwitchCount:         w.SwitchCount,
		SwitchMagnitude:     w.SwitchMagnitudeBps,
		TimeWeightedBitrate: w.TimeWeightedBitrate,
		MeanBitrate:         w.MeanBitrateBps,
		DownloadedBytes:     w.DownloadedBytes,
		PlayedBytes:         w.PlayedBytes,
	}
	return nil
}

// seconds converts seconds to a Duration, rounding to the nanosecond.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}
