package hostns

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// A kernel log line names a namespace only by its inode ("table full in
// netns N"), and the kernel gives the number of a namespace gone to the
// next one made: a line older than a namespace is another's. Nothing
// says when a namespace was made; Namespace.Since is the earliest time it
// is known to have existed, from what can be read.

// userHZ is the unit of the start times in /proc/PID/stat: clock ticks,
// USER_HZ, 100 a second on every architecture Linux runs on (the ABI of
// times(2)).
const userHZ = 100

// existedBy lowers ns.Since to t, a time the namespace is known to have
// existed at.
func (ns *Namespace) existedBy(t time.Time) {
	if !t.IsZero() && (ns.Since.IsZero() || t.Before(ns.Since)) {
		ns.Since = t
	}
}

// inodeTime is the time of a file on nsfs (a namespace's inode): the
// kernel stamps it when something (a bind mount, an open file) first
// holds the namespace's file, and the namespace existed then. A namespace
// nothing holds gets a new one each time it is looked at.
func inodeTime(fi os.FileInfo) time.Time {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}
	}
	// nsfs sets the three times alike; the latest is the safe bound.
	t := time.Unix(st.Mtim.Unix())
	if c := time.Unix(st.Ctim.Unix()); c.After(t) {
		t = c
	}
	return t
}

// procStart is when process pid started by the wall clock (zero when
// unknown): field 22 of /proc/PID/stat in clock ticks since boot, rounded
// up to the next tick. A process starts in its parent's namespace, so it
// started in the namespace it is in, unless it made that namespace
// (unshare) or moved into it (setns without exec), which container
// runtimes and ip netns exec do at once after it starts.
func (d *Discoverer) procStart(pid int) time.Time {
	boot := d.bootTime()
	if boot.IsZero() {
		return time.Time{}
	}
	b, err := d.readFile(d.root() + "/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}
	}
	// The command, in parentheses, may hold spaces and parentheses: the
	// fields count from the last ')' (field 2's end); field 3 is first.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return time.Time{}
	}
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 20 {
		return time.Time{}
	}
	ticks, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return boot.Add(time.Duration(ticks+1) * (time.Second / userHZ))
}
