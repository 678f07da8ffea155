//go:build unix

package sim

import (
	"syscall"
	"time"
)

// drvCPUTime returns the CPU time the process used (user + system), so
// that benchmarks can report a cost per CPU second that does not depend
// on how busy the shared machine is.
func drvCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
