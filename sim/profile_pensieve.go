package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/abrkit/abrkit/player"
	"github.com/abrkit/abrkit/qoe"
	"github.com/abrkit/abrkit/traces"
)

// PensieveProfile is the deterministic test environment of Pensieve
// (Mao, Netravali, Alizadeh, SIGCOMM 2017; hongzimao/pensieve
// test/fixed_env.py, see abr-literature §1.1) as a profile: the player
// core configured as Pensieve's idealised player, on Pensieve's network
// model (PensieveLink).
//
// The player: no startup or rebuffer threshold (the first chunk's whole
// download counts as rebuffering in Pensieve's reward; the core reports
// it as startup and qoe.PensieveConvention charges it to chunk 1), a
// buffer cap of 60 s with the excess drained in 500 ms steps before the
// next request (player.WaitRule with Step, no headroom), every download
// reported to the algorithm, no abandonment and no timeouts, and the
// video's known sizes. The network: 80 ms RTT per chunk that does not
// consume trace time, 95% of the trace throughput as payload, the trace
// pointer semantics and wrap-around of fixed_env.py, each trace from its
// first sample, no noise. A fresh algorithm per session resets every
// history (Pensieve's robustMPC keeps its error history across the
// traces of a run; sessions here are independent).
//
// Exactness: the session runs in the core on integer nanoseconds while
// Pensieve computes in float64 milliseconds. The profile keeps Pensieve's
// own float arithmetic for the numbers it logs (delay, buffer, rebuffer,
// sleep, reward) next to the core, fed by the same requests, and checks
// at every chunk that the core's request times and buffer level agree
// with it within ShadowTolerance (else the session fails with
// ErrDiverged). Scores come from those exact per-chunk values
// (qoe.Model.ScoreChunks), so they match Pensieve's digits; the
// algorithms decide from the core's snapshot, whose buffer and download
// times are Pensieve's rounded to the nanosecond.
type PensieveProfile struct {
	// Network holds the RTT and payload portion. Default
	// DefaultPensieveConfig(): 80 ms, 0.95.
	Network PensieveConfig
	// BufferCap is BUFFER_THRESH. Default 60 s.
	BufferCap time.Duration
	// DrainStep is DRAIN_BUFFER_SLEEP_TIME. Default 500 ms.
	DrainStep time.Duration
	// DefaultRung is DEFAULT_QUALITY, the rung the per-chunk log measures
	// the first chunk's smoothness against. Default 1.
	DefaultRung int
}

// DefaultPensieveProfile returns Pensieve's constants.
func DefaultPensieveProfile() PensieveProfile {
	return PensieveProfile{
		Network:     DefaultPensieveConfig(),
		BufferCap:   60 * time.Second,
		DrainStep:   500 * time.Millisecond,
		DefaultRung: 1,
	}
}

// Name returns "pensieve".
func (PensieveProfile) Name() string { return "pensieve" }

func (p PensieveProfile) prepare(run *sessionRun) error {
	if p.BufferCap <= 0 || p.DrainStep <= 0 {
		return fmt.Errorf("%w: pensieve profile needs a positive buffer cap and drain step", ErrBadSession)
	}
	cfg := run.cfg
	if p.DefaultRung < 0 || p.DefaultRung >= cfg.Video.Rungs() {
		return fmt.Errorf("%w: pensieve default rung %d outside a ladder of %d rungs", ErrBadSession, p.DefaultRung, cfg.Video.Rungs())
	}
	alg, err := run.buildAlgorithm(nil)
	if err != nil {
		return err
	}
	run.coreAlg = alg
	pc := coreConfig(cfg.Video, p.BufferCap)
	pc.Wait = player.WaitRule{Step: p.DrainStep}
	pc.Replace = false
	pc.Seed = cfg.Seed
	pc.Events = player.MaskOf(player.EvDecision) // to see the delays algorithms ask for
	run.pcfg = pc

	t := &run.r.pen
	if err := t.reset(cfg.Trace, cfg.Video, p); err != nil {
		return err
	}
	run.tp = t
	run.models = run.modelsOr([]qoe.Model{qoe.Lin()})
	run.conv = run.convOr(qoe.PensieveConvention())
	run.finish = func(*SessionResult) error {
		if len(t.chunks) != cfg.Video.Play {
			return fmt.Errorf("%w: %d of %d chunks downloaded", ErrStuck, len(t.chunks), cfg.Video.Play)
		}
		run.chunks = t.chunks
		return nil
	}
	return nil
}

// PensieveLog returns the per-chunk log of the last session run with the
// pensieve profile, with Pensieve's own values (write it with
// qoe.AppendPensieveLogLine to diff against Pensieve's
// results/log_sim_* files). The slice is reused by the next session.
func (r *Runner) PensieveLog() []qoe.PensieveLogLine { return r.pen.log }

// pensieveTransport serves chunks from Pensieve's network model and keeps
// Pensieve's float accounting of the session.
type pensieveTransport struct {
	link      *PensieveLink
	linkTrace *traces.Trace
	linkCfg   PensieveConfig

	video                       *Video
	segMs, capMs, stepMs, rttMs float64
	lin                         qoe.Model

	t           float64 // session time the next request is due, ms
	bufMs       float64 // Pensieve's buffer_size, ms
	stamp       float64 // the log's time_stamp, ms
	prevBitrate int64
	chunks      []qoe.PensieveChunk
	log         []qoe.PensieveLogLine

	inFlight         // the chunk in flight
	afterMs  float64 // buffer after the chunk, before any sleep
}

func (t *pensieveTransport) reset(tr *traces.Trace, v *Video, p PensieveProfile) error {
	if t.link == nil || t.linkTrace != tr || t.linkCfg != p.Network {
		l, err := NewPensieveLink(tr, p.Network)
		if err != nil {
			return err
		}
		t.link, t.linkTrace, t.linkCfg = l, tr, p.Network
	} else {
		t.link.Reset()
	}
	t.video = v
	t.segMs = durationMs(v.SegmentDuration)
	t.capMs = durationMs(p.BufferCap)
	t.stepMs = durationMs(p.DrainStep)
	t.rttMs = durationMs(p.Network.LinkRTT)
	t.lin = qoe.Lin()
	t.t, t.bufMs, t.stamp = 0, 0, 0
	t.prevBitrate = v.Bitrates[p.DefaultRung]
	t.chunks = t.chunks[:0]
	t.log = t.log[:0]
	t.active, t.fbSent = false, false
	return nil
}

func (t *pensieveTransport) start(d *driver, now time.Duration, r *player.Request) error {
	if t.active {
		return fmt.Errorf("%w: a second request while chunk %d downloads", ErrDiverged, len(t.chunks)-1)
	}
	// The delay the algorithm asked for with this decision, if any.
	var asked time.Duration
	for {
		e, ok := d.s.PollEvent()
		if !ok {
			break
		}
		if e.Kind == player.EvDecision {
			asked = e.Duration
		}
	}
	stall := 0.0
	if want := msToDuration(t.t); !near(now, want) {
		if asked <= 0 || !near(now, want+asked) {
			return fmt.Errorf("%w: chunk %d requested at %v, Pensieve requests it at %v", ErrDiverged, len(t.chunks), now, want)
		}
		// Pensieve's environment has no decision delays: the wait is idle
		// time that moves the trace and drains the buffer like its sleep;
		// playing the buffer dry meanwhile stalls, charged to this chunk.
		idle := durationMs(asked)
		t.link.Sleep(idle)
		stall = math.Max(idle-t.bufMs, 0)
		t.bufMs = math.Max(t.bufMs-idle, 0)
		t.stamp += idle
		t.t += idle
	}
	// fixed_env.py get_video_chunk, in its order of operations.
	delay := t.link.Download(r.Size)
	rebuf := math.Max(delay-t.bufMs, 0) + stall
	t.bufMs = math.Max(t.bufMs-delay, 0)
	t.bufMs += t.segMs
	t.afterMs = t.bufMs
	sleep, reported := 0.0, 0.0
	if t.bufMs > t.capMs {
		sleep = math.Ceil((t.bufMs-t.capMs)/t.stepMs) * t.stepMs
		t.bufMs -= sleep
		reported = t.link.Sleep(sleep)
	}
	t.stamp += delay
	t.stamp += reported
	bitrate := t.video.Bitrates[r.Rung]
	rebufS := rebuf / 1000
	reward, err := t.lin.Reward(bitrate, t.prevBitrate, rebufS)
	if err != nil {
		return err
	}
	t.prevBitrate = bitrate
	t.chunks = append(t.chunks, qoe.PensieveChunk{Bitrate: bitrate, RebufferS: rebufS})
	t.log = append(t.log, qoe.PensieveLogLine{
		TimeStampMs: t.stamp,
		Bitrate:     bitrate,
		BufferS:     t.bufMs / 1000,
		RebufferS:   rebufS,
		SizeBytes:   r.Size,
		DelayMs:     delay,
		Reward:      reward,
	})
	t.active, t.fbSent = true, false
	t.id, t.size = r.ID, r.Size
	t.fbAt = max(now, msToDuration(t.t+t.rttMs))
	t.endAt = max(t.fbAt, msToDuration(t.t+delay))
	t.t += delay + sleep
	return nil
}

func (t *pensieveTransport) cancel(_ *driver, _ time.Duration, id player.RequestID) error {
	if t.active && t.id == id {
		t.active = false
	}
	return nil
}

func (t *pensieveTransport) fire(d *driver, at time.Duration) error {
	if err := t.firstByteDue(d, at); err != nil {
		return err
	}
	if t.active && t.fbSent && t.endAt <= at {
		t.active = false
		d.s.OnComplete(t.endAt, t.id, t.size, nil)
		if segs := d.s.QoE().Segments; len(segs) > 0 {
			if got, want := segs[len(segs)-1].BufferAfter, msToDuration(t.afterMs); !near(got, want) {
				return fmt.Errorf("%w: buffer after chunk %d is %v in the core, %v in Pensieve's model", ErrDiverged, len(t.chunks)-1, got, want)
			}
		}
		return d.drain()
	}
	return nil
}
