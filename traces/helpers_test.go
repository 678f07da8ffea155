package traces

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedRoot is ../shared relative to the module root, or $ABRKIT_SHARED.
func sharedRoot() string {
	if root := os.Getenv("ABRKIT_SHARED"); root != "" {
		return root
	}
	return filepath.Join("..", "..", "shared")
}

// sharedTraces returns the path of ../shared/traces/<rel> (relative to the
// module root, or $ABRKIT_SHARED/traces/<rel>), skipping the test when absent.
func sharedTraces(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(sharedRoot(), "traces", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared trace data not available: %v", err)
	}
	return p
}

// sharedFile reads ../shared/traces/<rel> or returns nil when absent (for
// fuzz seeds, which must not skip).
func sharedFile(rel string) []byte {
	data, err := os.ReadFile(filepath.Join(sharedRoot(), "traces", rel))
	if err != nil {
		return nil
	}
	return data
}

// readErrorCase is bad input for a reader: the error must wrap target and
// its message contain msg (the file name "bad" and, usually, the line).
type readErrorCase struct {
	name, in, msg string
	target        error
}

// checkReadErrors runs read on every case's input, named "bad".
func checkReadErrors(t *testing.T, read func(io.Reader, string) (*Trace, error), cases []readErrorCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := read(strings.NewReader(c.in), "bad")
			require.Error(t, err)
			assert.ErrorIs(t, err, c.target)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}
