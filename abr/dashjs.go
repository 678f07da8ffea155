package abr

import (
	"math"
	"time"
)

// This file holds what the dash.js ports share. They follow dash.js v5
// (Dash-Industry-Forum/dash.js v5.1: ThroughputRule, BolaRule,
// InsufficientBufferRule, SwitchHistoryRule, AbandonRequestsRule,
// AbrController, ThroughputController). dash.js works in kbit/s and
// seconds; the Snapshot's bit/s and durations are converted at entry
// (kbit/s = bit/s ÷ 1000, seconds = Duration.Seconds()).

// dashjsKbit is a rung's bitrateInKbit (bandwidth ÷ 1000).
func dashjsKbit(l *Ladder, q int) float64 { return float64(l.Rungs[q].Bitrate) / 1000 }

// dashjsOptimal is AbrController.getOptimalRepresentationForBitrate: the
// highest rung in lo..hi whose bitrateInKbit <= kbit, the lowest when
// none fits or kbit <= 0 (NaN also gives the lowest).
func dashjsOptimal(l *Ladder, kbit float64, lo, hi int) int {
	if kbit <= 0 {
		return lo
	}
	q := lo
	for i := lo; i <= hi; i++ {
		if dashjsKbit(l, i) <= kbit {
			q = i
		}
	}
	return q
}

// dashjsAverageKbps is ThroughputController.getAverageThroughput from the
// session estimate: whole kbit/s, NaN when there is no estimate.
func dashjsAverageKbps(s *Snapshot) float64 {
	if !s.Estimate.Valid {
		return math.NaN()
	}
	return math.Round(float64(s.Estimate.Throughput) / 1000)
}

// dashjsBufferTimeDefault is MediaPlayerModel.getBufferTimeDefault: the
// setting, capped for live streams at the live delay (here the
// snapshot's LiveLatency).
func dashjsBufferTimeDefault(setting time.Duration, s *Snapshot) time.Duration {
	if s.Live && s.LiveLatency > 0 && s.LiveLatency < setting {
		return s.LiveLatency
	}
	return setting
}

// dashjsInitialRung is the first choice of dash.js: the initial bitrate
// (the measured average throughput when there is one, else the
// configured initial bitrate, 1000 kbit/s for video) mapped with
// getOptimalRepresentationForBitrate, no safety factor.
func dashjsInitialRung(s *Snapshot, initial int64) int {
	q, _ := dashjsInitial(s, initial)
	return q
}

// dashjsInitial returns the initial rung and the bitrate in kbit/s it
// was chosen for.
func dashjsInitial(s *Snapshot, initial int64) (int, float64) {
	lo, hi := rungBounds(s)
	kbit := dashjsAverageKbps(s)
	if math.IsNaN(kbit) || kbit <= 0 {
		kbit = float64(initial) / 1000
	}
	return dashjsOptimal(s.Ladder, kbit, lo, hi), kbit
}

// dashjsCurrent returns the rung dash.js considers current: cur once a
// port has chosen one, else the last downloaded rung, else the initial
// choice for the initial bitrate.
func dashjsCurrent(cur int, s *Snapshot, initial int64) int {
	switch {
	case cur >= 0:
		return cur
	case s.LastRung >= 0:
		return s.LastRung
	}
	return dashjsInitialRung(s, initial)
}

// dashjsReason builds a Reason with the average estimate in bit/s.
func dashjsReason(rule string, s *Snapshot, value float64) Reason {
	r := Reason{Rule: rule, Buffer: s.Buffer, Value: value}
	if s.Estimate.Valid {
		r.Estimate = s.Estimate.Throughput
	}
	return r
}

// Rule names of the dash.js ports, as they appear in Reason.Rule.
const (
	dashjsRuleInitial        = "dashjs-initial"
	dashjsRuleThroughput     = "dashjs-throughput"
	dashjsRuleNoEstimate     = "dashjs-no-estimate"
	dashjsRuleBufferEmpty    = "dashjs-buffer-empty"
	dashjsRuleAbandonHold    = "dashjs-abandon-hold"
	dashjsRuleNoChange       = "dashjs-no-change"
	dashjsRuleAbandon        = "dashjs-abandon"
	dashjsRuleIBR            = "insufficient-buffer"
	dashjsRuleIBREmpty       = "insufficient-buffer-empty"
	dashjsRuleSwitchHistory  = "switch-history"
	dashjsRuleBolaOne        = "bola-dashjs-one-bitrate"
	dashjsRuleBolaWait       = "bola-dashjs-wait-estimate"
	dashjsRuleBolaStartup    = "bola-dashjs-startup"
	dashjsRuleBolaBuffer     = "bola-dashjs-buffer"
	dashjsRuleBolaCap        = "bola-dashjs-cap"
	dashjsDefaultInitialBits = 1_000_000 // DEFAULT_VIDEO_BITRATE, 1000 kbit/s
)

func init() {
	registerStock("throughput",
		"dash.js v5 ThroughputRule: highest rung <= 0.9 × EWMA throughput, with AbandonRequestsRule (Dash-Industry-Forum/dash.js v5.1)",
		DefaultDashjsThroughputParams, NewDashjsThroughput)
	registerStock("bola-dashjs",
		"dash.js v5 BolaRule: BOLA-O with placeholder buffer, 10 s + 2 s per rung, 18 s target (Spiteri et al., MMSys 2018; dash.js v5.1)",
		DefaultDashjsBolaParams, NewDashjsBola)
	registerStock("dashjs",
		"dash.js v5 DYNAMIC: BOLA at >= 18 s of buffer, throughput below 9 s, with InsufficientBufferRule, SwitchHistoryRule and AbandonRequestsRule (dash.js v5.1)",
		DefaultDashjsDynamicParams, NewDashjsDynamic)
}
