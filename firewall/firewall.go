package firewall

import (
	"errors"
	"time"
)

// ErrPermission is wrapped by the errors of operations the kernel refused
// for lack of privilege.
var ErrPermission = errors.New("cttop needs CAP_NET_ADMIN (run as root)")

// ErrUnsupported is wrapped by the errors of operations on a system without
// nftables (not Linux, or a kernel without nf_tables or without a feature
// cttop's rules use).
var ErrUnsupported = errors.New("nftables or a feature cttop needs is not available")

// ErrNotFound is wrapped by the error of Remove when the target is not in
// cttop's table.
var ErrNotFound = errors.New("not blocked or untracked by cttop")

// ErrClosed is returned by the methods of a closed Firewall.
var ErrClosed = errors.New("firewall closed")

// Entry is one target in cttop's table, as List reports it.
type Entry struct {
	Target Target
	// Timeout is the timeout the entry was added with; 0 means none.
	Timeout time.Duration
	// Expires is the time left before the kernel removes the entry; 0 when
	// it has no timeout.
	Expires time.Duration
}
