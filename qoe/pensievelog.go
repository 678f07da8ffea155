package qoe

import "strconv"

// PensieveLogLine is one line of the per-chunk log that Pensieve's test
// scripts (test/rl_no_training.py, bb.py, mpc.py; Python 2) write to
// results/log_sim_<scheme>_<trace>. The fields keep Pensieve's units so a
// simulator reproducing Pensieve's environment can emit logs that diff
// clean against Pensieve's own.
type PensieveLogLine struct {
	// TimeStampMs is the running sum of download delays and sleeps, in ms;
	// the log shows it in seconds.
	TimeStampMs float64
	// Bitrate of the chunk in bit/s; the log shows whole kbit/s.
	Bitrate int64
	// BufferS is the buffer after the chunk, in seconds.
	BufferS float64
	// RebufferS is the rebuffering while the chunk downloaded, in seconds.
	RebufferS float64
	// SizeBytes is the chunk size in bytes.
	SizeBytes int64
	// DelayMs is the download delay in ms (RTT included).
	DelayMs float64
	// Reward is the chunk's reward (Model.Reward).
	Reward float64
}

// AppendPensieveLogLine appends l as Pensieve writes it: seven tab-separated
// fields and a newline — time stamp in seconds and delay in ms as Python 2's
// str(float) (12 significant digits), bitrate (kbit/s) and size as integers,
// and buffer, rebuffer and reward, which are numpy float64 values in
// Pensieve, as their shortest repr.
func AppendPensieveLogLine(dst []byte, l PensieveLogLine) []byte {
	dst = appendPy2Str(dst, l.TimeStampMs/1000)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, l.Bitrate/1000, 10)
	dst = append(dst, '\t')
	dst = AppendPyRepr(dst, l.BufferS)
	dst = append(dst, '\t')
	dst = AppendPyRepr(dst, l.RebufferS)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, l.SizeBytes, 10)
	dst = append(dst, '\t')
	dst = appendPy2Str(dst, l.DelayMs)
	dst = append(dst, '\t')
	dst = AppendPyRepr(dst, l.Reward)
	return append(dst, '\n')
}
