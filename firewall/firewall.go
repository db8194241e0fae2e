package firewall

import (
	"errors"
	"fmt"

	"github.com/cttop/cttop/action"
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

// ApplyError is the error of an Apply whose batch was sent and met an
// error (from the kernel, or while reading its answers): Apply then read
// the table back to see what the kernel did. The kernel applies a batch
// whole or not at all, so normally either In or NotIn is empty. The
// targets are the plan's, normalized and without duplicates; a target
// counts as in when the entry that holds it (merged into a wider network,
// perhaps) is in its set with the plan's timeout.
type ApplyError struct {
	In      []action.Target // in the kernel's table as planned
	NotIn   []action.Target // not in it, or not with the plan's timeout
	Unknown []action.Target // not known: reading the table back failed (ReadErr)
	Err     error           // the error of the batch
	ReadErr error           // the error of reading the table back, or nil
}

func (e *ApplyError) Error() string {
	if len(e.Unknown) > 0 {
		return fmt.Sprintf("%v; reading the table back failed too (%v): whether the %d targets are in it is unknown",
			e.Err, e.ReadErr, len(e.Unknown))
	}
	total := len(e.In) + len(e.NotIn)
	if len(e.In) == 0 {
		return fmt.Sprintf("%v; nothing was applied: none of the %d targets is in the kernel's table", e.Err, total)
	}
	return fmt.Sprintf("%v; only %d of the %d targets are in the kernel's table, %d are not", e.Err, len(e.In), total, len(e.NotIn))
}

// Unwrap returns the error of the batch.
func (e *ApplyError) Unwrap() error { return e.Err }

// Applied returns the targets the kernel's table holds as planned in
// spite of the error (In): the UI deletes their flows as after a success.
func (e *ApplyError) Applied() []action.Target { return e.In }
