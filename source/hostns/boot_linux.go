package hostns

import (
	"time"

	"golang.org/x/sys/unix"
)

// bootTime is when the machine booted by the wall clock, as the start
// times of processes count (CLOCK_BOOTTIME), read once (zero when it
// cannot be read, or in a fixture tree, whose processes are not this
// machine's).
func (d *Discoverer) bootTime() time.Time {
	if d.root() != "" {
		return time.Time{}
	}
	if d.boot.IsZero() {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err == nil {
			d.boot = time.Now().Add(-time.Duration(ts.Nano()))
		}
	}
	return d.boot
}
