package player

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: the
// real driver must leave no request goroutine or connection behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
