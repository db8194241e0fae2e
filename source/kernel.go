package source

import (
	"errors"
	"log/slog"
	"time"
)

// ErrPermission is returned when the kernel refuses cttop for lack of
// privilege.
var ErrPermission = errors.New("cttop needs CAP_NET_ADMIN (run as root, or try --demo)")

// ErrNoConntrack is returned when the kernel has no connection tracking or
// no ctnetlink.
var ErrNoConntrack = errors.New("this kernel has no connection tracking over netlink (nf_conntrack, nf_conntrack_netlink)")

// KernelConfig configures the kernel source.
type KernelConfig struct {
	// NetNS is a namespace name (/run/netns/NAME) or path such as
	// /proc/PID/ns/net; "" watches cttop's own namespace.
	NetNS string
	// Label names the namespace in SourceInfo.Name (default NetNS): what
	// discovery calls a namespace given by inode or pid:N.
	Label string
	// Interval is the batch period (default DefaultInterval).
	Interval time.Duration
	// ReadBuffer is the event socket's receive buffer in bytes (default
	// 64 MiB: 100k NEW+DESTROY events/s arrive without loss).
	ReadBuffer int
	// Reconcile is the period of reconciliation dumps; 0 adapts it to the
	// cost of a dump, a negative value turns them off.
	Reconcile time.Duration
	// Log receives diagnostics (nil: discarded).
	Log *slog.Logger
}

// Sysctls are the conntrack settings of a namespace; a value that could not
// be read is -1.
type Sysctls struct {
	Max, Buckets, Count     int64
	ExpectMax               int64
	Events, Acct, Timestamp int64
	Timeouts                map[string]int64 // nf_conntrack_*_timeout_* by name
}
