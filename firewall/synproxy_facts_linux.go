package firewall

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ReadSynProxyFacts reads the settings SYNPROXY depends on in the network
// namespace netnsFd refers to (an open /run/netns/NAME), or in the calling
// thread's namespace if netnsFd is 0: the sysctls under /proc/sys/net and
// the interfaces' MTUs, as seen from inside the namespace. It changes
// nothing. A sysctl that does not exist there (nf_conntrack_tcp_loose
// before conntrack is loaded) is -1; any other failure is an error.
func ReadSynProxyFacts(netnsFd int) (SynProxyFacts, error) {
	type result struct {
		f   SynProxyFacts
		err error
	}
	done := make(chan result, 1)
	go func() {
		// /proc/sys/net and the interface list belong to the namespace of
		// the thread that reads them: read on a thread of our own that
		// joins the namespace, and let it die with this goroutine (never
		// unlocked), so no other goroutine runs in the namespace.
		runtime.LockOSThread()
		if netnsFd != 0 {
			if err := unix.Setns(netnsFd, unix.CLONE_NEWNET); err != nil {
				done <- result{err: fmt.Errorf("read SYNPROXY settings: enter namespace: %w", err)}
				return
			}
		}
		f, err := readSynProxyFacts()
		done <- result{f, err}
	}()
	r := <-done
	return r.f, r.err
}

// readSynProxyFacts reads the facts in the calling thread's namespace.
func readSynProxyFacts() (SynProxyFacts, error) {
	var f SynProxyFacts
	var err error
	for _, s := range []struct {
		path string
		dst  *int
		opt  bool // may be missing
	}{
		{"ipv4/tcp_syncookies", &f.SynCookies, false},
		{"ipv4/tcp_timestamps", &f.Timestamps, false},
		{"ipv4/tcp_sack", &f.SACK, false},
		{"ipv4/tcp_window_scaling", &f.WindowScaling, false},
		{"netfilter/nf_conntrack_tcp_loose", &f.TCPLoose, true},
		{"ipv4/tcp_rmem", &f.TCPRmemMax, false},
		{"core/rmem_max", &f.CoreRmemMax, true},
	} {
		if *s.dst, err = readSysctl("/proc/sys/net/"+s.path, s.opt); err != nil {
			return f, fmt.Errorf("read SYNPROXY settings: %w", err)
		}
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return f, fmt.Errorf("read SYNPROXY settings: list interfaces: %w", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 || i.MTU <= 0 {
			continue
		}
		if f.MTU == 0 || i.MTU < f.MTU {
			f.MTU, f.MTUDevice = i.MTU, i.Name
		}
	}
	return f, nil
}

// readSysctl reads the integer in path, or the last of the integers
// (tcp_rmem's maximum); -1 if optional and missing.
func readSysctl(path string, optional bool) (int, error) {
	b, err := os.ReadFile(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return -1, fmt.Errorf("%s: empty", path)
	}
	n, err := strconv.Atoi(fields[len(fields)-1])
	if err != nil {
		return -1, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}
