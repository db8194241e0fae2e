package source

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// inNetNS runs fn on an OS thread that has entered the namespace netns (0:
// the current one). /proc/sys/net shows the values of the namespace of the
// thread that opens it, so this is how another namespace's sysctls are read.
func inNetNS(netns int, fn func() error) error {
	if netns <= 0 {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := unix.Setns(netns, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter network namespace: %w", err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine.
			errc <- fmt.Errorf("leave network namespace: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

const sysctlDir = "/proc/sys/net/netfilter/"

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// ReadSysctls reads the conntrack sysctls of the namespace netns (0: the
// current one). withTimeouts also reads every timeout setting.
func ReadSysctls(netns int, withTimeouts bool) (Sysctls, error) {
	var s Sysctls
	err := inNetNS(netns, func() error {
		if _, err := os.Stat(sysctlDir + "nf_conntrack_max"); err != nil {
			return ErrNoConntrack
		}
		s.Max = readInt(sysctlDir + "nf_conntrack_max")
		s.Buckets = readInt(sysctlDir + "nf_conntrack_buckets")
		s.Count = readInt(sysctlDir + "nf_conntrack_count")
		s.Events = readInt(sysctlDir + "nf_conntrack_events")
		s.Acct = readInt(sysctlDir + "nf_conntrack_acct")
		s.Timestamp = readInt(sysctlDir + "nf_conntrack_timestamp")
		s.ExpectMax = readInt(sysctlDir + "nf_conntrack_expect_max")
		if !withTimeouts {
			return nil
		}
		s.Timeouts = make(map[string]int64)
		ents, err := os.ReadDir(sysctlDir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if n := e.Name(); strings.Contains(n, "_timeout") {
				s.Timeouts[n] = readInt(sysctlDir + n)
			}
		}
		return nil
	})
	return s, err
}
