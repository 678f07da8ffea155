//go:build unix

package player

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time used by the process (user + system), to
// report benchmark costs that do not depend on how busy the machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
