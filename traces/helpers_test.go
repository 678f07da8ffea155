package traces

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedTraces returns the path of ../shared/traces/<rel> (relative to the
// module root, or $ABRKIT_SHARED/traces/<rel>), skipping the test when absent.
func sharedTraces(tb testing.TB, rel string) string {
	tb.Helper()
	root := os.Getenv("ABRKIT_SHARED")
	if root == "" {
		root = filepath.Join("..", "..", "shared")
	}
	p := filepath.Join(root, "traces", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared trace data not available: %v", err)
	}
	return p
}

// sharedFile reads ../shared/traces/<rel> or returns nil when absent (for
// fuzz seeds, which must not skip).
func sharedFile(rel string) []byte {
	root := os.Getenv("ABRKIT_SHARED")
	if root == "" {
		root = filepath.Join("..", "..", "shared")
	}
	data, err := os.ReadFile(filepath.Join(root, "traces", rel))
	if err != nil {
		return nil
	}
	return data
}
