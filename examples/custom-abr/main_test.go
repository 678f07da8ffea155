package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/abrkit/abrkit/abr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, "safe-rate:share=0.6"))
	// The estimate is the harmonic mean of the last 5 scripted throughputs
	// (Mbit/s) and the rung the highest with bitrate ≤ 0.6 × estimate:
	//   seg 0: no estimate            → budget 0      → rung 0
	//   seg 1: 4                      → 2.4M          → rung 3 (1850k)
	//   seg 2: 4, 4 → 4               → 2.4M          → rung 3
	//   seg 3: 4, 4, 2 → 3            → 1.8M          → rung 2 (1200k)
	//   seg 4: 4, 4, 2, 0.8 → 1.778   → 1.067M        → rung 1 (750k)
	//   seg 5: … 1.5 → 5/2.917 = 1.714 → 1.029M       → rung 1
	//   seg 6: 4, 2, 0.8, 1.5, 8 → 1.791 → 1.075M     → rung 1
	//   seg 7: 2, 0.8, 1.5, 8, 8 → 1.875 → 1.125M     → rung 1
	//   seg 8: 0.8, 1.5, 8, 8, 8 → 2.182 → 1.309M     → rung 2
	//   seg 9: 1.5, 8, 8, 8, 8 → 4.286 → 2.571M       → rung 3
	want := []int{0, 3, 3, 2, 1, 1, 1, 1, 2, 3}
	re := regexp.MustCompile(`segment (\d+): .* -> rung (\d) \(\s*\d+ kbit/s\) \[safe-rate\]`)
	matches := re.FindAllStringSubmatch(out.String(), -1)
	require.Len(t, matches, len(want), out.String())
	for i, m := range matches {
		assert.Equal(t, strconv.Itoa(i), m[1])
		assert.Equal(t, strconv.Itoa(want[i]), m[2], "segment %d", i)
	}
	assert.Contains(t, out.String(), "safe-rate:share=0.6 on 6 rungs")
}

func TestRunBadSpec(t *testing.T) {
	err := run(&bytes.Buffer{}, "safe-rate:share=lots")
	require.True(t, errors.Is(err, abr.ErrBadParam), "%v", err)
	err = run(&bytes.Buffer{}, "no-such-algorithm")
	require.True(t, errors.Is(err, abr.ErrUnknownAlgorithm), "%v", err)
}

// The algorithm plays a real stream: 20 s of the built-in origin's
// DASH stream at 20x. Every decision of the video track follows the
// rule: the rung's bitrate is within the budget (0.6 × estimate, the
// decision's value), or it is the lowest rung.
func TestPlay(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, play(context.Background(), &out, "safe-rate:share=0.6", 20*time.Second, 20))
	re := regexp.MustCompile(`segment (\d+): estimate +([0-9.]+) Mbit/s, buffer +[0-9.]+s -> rung (\d) \(\s*(\d+) kbit/s\) \[safe-rate\]`)
	matches := re.FindAllStringSubmatch(out.String(), -1)
	require.Len(t, matches, 10, "one decision per 2 s video segment: %s", out.String())
	for i, m := range matches {
		assert.Equal(t, strconv.Itoa(i), m[1])
		est, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		kbps, err := strconv.ParseFloat(m[4], 64)
		require.NoError(t, err)
		if m[3] != "0" {
			// 0.6 × estimate, with the estimate printed to the kbit/s.
			assert.LessOrEqual(t, kbps/1000, 0.6*est+0.001, "segment %d", i)
		}
	}
	assert.Contains(t, out.String(), "ended: 20 segments")
}
