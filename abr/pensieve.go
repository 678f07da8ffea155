package abr

// Helpers shared by the baselines of Pensieve (Mao, Netravali, Alizadeh,
// "Neural Adaptive Video Streaming with Pensieve", SIGCOMM 2017; repository
// hongzimao/pensieve): rb, bb, mpc, robustmpc, robustmpc-fixed, and the
// FESTIVE and BBA ports that follow its conventions.

// pensieveFirstRung is Pensieve's DEFAULT_QUALITY: the first chunk is
// fetched at rung 1 (750 kbit/s on the Envivio ladder) before any
// algorithm runs.
const pensieveFirstRung = 1

// pensieveStartup is the decision for the first chunk of a session:
// rung first clamped to the allowed range.
func pensieveStartup(s *Snapshot, first int) Decision {
	return Decision{Rung: clampRung(s, first), Reason: Reason{Rule: "startup", Buffer: s.Buffer}}
}

// pensieveMBps returns the throughput of a download the way Pensieve's
// test environment reports it to the algorithms: bytes / delay_ms / 1000,
// in MB/s, with the delay including the time to first byte. ok is false
// for an unusable record (no bytes or no time).
func pensieveMBps(d Download) (mbps float64, ok bool) {
	e := d.Elapsed()
	if e <= 0 || d.Bytes <= 0 {
		return 0, false
	}
	delayMs := float64(e) / 1e6
	return float64(d.Bytes) / delayMs / 1000, true
}
