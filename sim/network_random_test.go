package sim

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/abrkit/abrkit/traces"
)

// netTransferLog is what the random driver knows about one transfer.
type netTransferLog struct {
	size      int64
	firstByte bool
	done      bool
	cancelled bool
	delivered int64
}

// TestNetworkRandomDriver drives every model with random starts, advances,
// progress queries and cancels, and checks the Network contract: events in
// time order and never in the past, one first byte then at most one done
// per transfer, nothing after a cancel, delivered bytes that never go down
// or past the size, and every transfer finished in the end.
func TestNetworkRandomDriver(t *testing.T) {
	for _, kind := range []string{"trace", "pensieve", "sabre"} {
		t.Run(kind, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) { netRandomDriver(rt, kind) })
		})
	}
}

func netRandomTrace(rt *rapid.T) *traces.Trace {
	n := rapid.IntRange(1, 5).Draw(rt, "samples")
	tr := &traces.Trace{Name: "random"}
	for i := range n {
		tr.Samples = append(tr.Samples, traces.Sample{
			Duration: time.Duration(rapid.Int64Range(1, 2000).Draw(rt, fmt.Sprint("ms", i))) * time.Millisecond,
			Rate:     rapid.Int64Range(0, 20_000_000).Draw(rt, fmt.Sprint("rate", i)),
			Latency:  time.Duration(rapid.Int64Range(0, 200).Draw(rt, fmt.Sprint("lat", i))) * time.Millisecond,
		})
	}
	tr.Samples[0].Rate = max(tr.Samples[0].Rate, 100_000) // enough capacity to finish in time
	return tr
}

func netRandomNetwork(rt *rapid.T, kind string, tr *traces.Trace) Network {
	var n Network
	var err error
	switch kind {
	case "trace":
		cfg := DefaultLinkConfig()
		cfg.Latency = time.Duration(rapid.Int64Range(0, 100).Draw(rt, "latency")) * time.Millisecond
		cfg.PayloadFactor = rapid.SampledFrom([]float64{1, 0.95}).Draw(rt, "payload")
		cfg.Offset = time.Duration(rapid.Int64Range(0, 5000).Draw(rt, "offset")) * time.Millisecond
		n, err = NewTraceLink(tr, cfg)
	case "pensieve":
		n, err = NewPensieveNetwork(tr, DefaultPensieveConfig())
	default:
		n, err = NewSabreNetwork(tr, DefaultSabreConfig())
	}
	if err != nil {
		rt.Fatal(err)
	}
	return n
}

func netRandomDriver(rt *rapid.T, kind string) {
	tr := netRandomTrace(rt)
	n := netRandomNetwork(rt, kind, tr)
	logs := map[TransferID]*netTransferLog{}
	var ids []TransferID
	var lastEvent time.Duration
	check := func(events []TransferEvent, from, to time.Duration) {
		for _, e := range events {
			if e.At < lastEvent || e.At < from || e.At > to {
				rt.Fatalf("event %+v out of order or outside [%v, %v] (last %v)", e, from, to, lastEvent)
			}
			lastEvent = e.At
			x := logs[e.ID]
			switch {
			case x == nil || x.cancelled || x.done:
				rt.Fatalf("event %+v for a transfer that is not running", e)
			case e.Kind == TransferFirstByte && x.firstByte:
				rt.Fatalf("second first byte %+v", e)
			case e.Kind == TransferDone && (!x.firstByte || e.Bytes != x.size):
				rt.Fatalf("done %+v before first byte or with the wrong size %d", e, x.size)
			}
			x.firstByte = x.firstByte || e.Kind == TransferFirstByte
			x.done = e.Kind == TransferDone
		}
	}
	advance := func(to time.Duration) {
		from := n.Now()
		events, err := n.Advance(to, nil)
		if err != nil {
			rt.Fatal(err)
		}
		check(events, from, to)
	}
	running := func() []TransferID {
		var out []TransferID
		for _, id := range ids {
			if x := logs[id]; !x.done && !x.cancelled {
				out = append(out, id)
			}
		}
		return out
	}
	steps := rapid.IntRange(1, 40).Draw(rt, "steps")
	for range steps {
		switch rapid.IntRange(0, 3).Draw(rt, "op") {
		case 0: // start, after collecting what happened before now
			if kind != "trace" && len(running()) > 0 {
				continue
			}
			size := rapid.Int64Range(0, 3_000_000).Draw(rt, "size")
			id, err := n.Start(n.Now(), TransferSpec{Size: size})
			if err != nil {
				rt.Fatal(err)
			}
			logs[id] = &netTransferLog{size: size}
			ids = append(ids, id)
		case 1: // advance by a random step or to the next event
			to := n.Now() + time.Duration(rapid.Int64Range(0, 3000).Draw(rt, "dt"))*time.Millisecond
			if at, ok := n.Next(); ok && rapid.Bool().Draw(rt, "toNext") {
				to = at
			}
			advance(to)
		case 2: // progress of everything running
			for _, id := range running() {
				d, err := n.Delivered(id)
				if err != nil {
					rt.Fatal(err)
				}
				x := logs[id]
				if d < x.delivered || d > x.size || (!x.firstByte && d != 0) {
					rt.Fatalf("delivered %d after %d (size %d, first byte %v)", d, x.delivered, x.size, x.firstByte)
				}
				x.delivered = d
			}
		case 3: // cancel one running transfer
			r := running()
			if len(r) == 0 {
				continue
			}
			id := rapid.SampledFrom(r).Draw(rt, "victim")
			d, err := n.Cancel(n.Now(), id)
			if err != nil {
				rt.Fatal(err)
			}
			x := logs[id]
			if d < x.delivered || d > x.size {
				rt.Fatalf("cancel returned %d after %d delivered (size %d)", d, x.delivered, x.size)
			}
			x.cancelled = true
			if _, err := n.Delivered(id); err == nil {
				rt.Fatalf("cancelled transfer still known")
			}
		}
	}
	from := n.Now()
	events := netRun(rt, n)
	check(events, from, lastEvent+time.Duration(1<<62))
	for _, id := range ids {
		if x := logs[id]; !x.done && !x.cancelled {
			rt.Fatalf("transfer %#x (size %d) never finished", uint64(id), x.size)
		}
	}
}
