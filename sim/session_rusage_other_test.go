//go:build !unix

package sim

import "time"

// drvCPUTime is not available here; benchmarks then report wall time only.
func drvCPUTime() time.Duration { return 0 }
