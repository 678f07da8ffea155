package origin

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: fault
// waits must end with their requests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
