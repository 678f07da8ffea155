package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abrkit/abrkit/traces"
)

// Test helpers shared by the network model tests.

// netToyJSON is Sabre's example/network.json (values from the shared README).
const netToyJSON = `[
    {"duration_ms": 30000, "bandwidth_kbps": 5000, "latency_ms":  75},
    {"duration_ms": 30000, "bandwidth_kbps": 3000, "latency_ms": 150},
    {"duration_ms": 30000, "bandwidth_kbps": 1500, "latency_ms": 200},
    {"duration_ms": 30000, "bandwidth_kbps": 3000, "latency_ms": 150}
]`

// netCooked reads a Pensieve cooked trace from text.
func netCooked(t testing.TB, text string) *traces.Trace {
	t.Helper()
	tr, err := traces.ReadPensieve(strings.NewReader(text), "test")
	require.NoError(t, err)
	return tr
}

// netSabreTrace reads a Sabre network trace from JSON text.
func netSabreTrace(t testing.TB, js string) *traces.Trace {
	t.Helper()
	tr, err := traces.ReadSabre(strings.NewReader(js), "test")
	require.NoError(t, err)
	return tr
}

// netSharedTraces returns ../shared/traces/<rel> (or under
// $ABRKIT_SHARED/traces), skipping the test when absent.
func netSharedTraces(t testing.TB, rel string) string {
	t.Helper()
	root := os.Getenv("ABRKIT_SHARED")
	if root == "" {
		root = filepath.Join("..", "..", "shared")
	}
	p := filepath.Join(root, "traces", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared trace data not available: %v", err)
	}
	return p
}

// netT is what the helpers need from *testing.T and *rapid.T.
type netT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// netRun advances n until nothing is pending and returns every event.
func netRun(t netT, n Network) []TransferEvent {
	t.Helper()
	var all []TransferEvent
	for {
		at, ok := n.Next()
		if !ok {
			return all
		}
		var err error
		if all, err = n.Advance(at, all); err != nil {
			t.Fatalf("advance to %v: %v", at, err)
		}
	}
}

// netStart starts a transfer and fails the test on error.
func netStart(t testing.TB, n Network, at time.Duration, size int64, tag uint64) TransferID {
	t.Helper()
	id, err := n.Start(at, TransferSpec{Size: size, Tag: tag})
	require.NoError(t, err)
	return id
}
