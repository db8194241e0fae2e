//go:build !linux

package source

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// ErrPermission is returned when the kernel refuses cttop for lack of privilege.
var ErrPermission = errors.New("cttop needs CAP_NET_ADMIN (run as root, or try --demo)")

// ErrNoConntrack is returned where there is no Linux connection tracking.
var ErrNoConntrack = errors.New("cttop reads the Linux conntrack table: on this system use --demo or --replay")

// KernelConfig configures the kernel source.
type KernelConfig struct {
	NetNS      string
	Interval   time.Duration
	ReadBuffer int
	Reconcile  time.Duration
	Log        *slog.Logger
}

// Kernel is the live source; it exists only on Linux.
type Kernel struct{}

// Sysctls are the conntrack settings of a namespace.
type Sysctls struct {
	Max, Buckets, Count     int64
	Events, Acct, Timestamp int64
	Timeouts                map[string]int64
}

// NewKernel fails: there is no conntrack here.
func NewKernel(KernelConfig) (*Kernel, error) { return nil, ErrNoConntrack }

// ReadSysctls fails: there is no conntrack here.
func ReadSysctls(int, bool) (Sysctls, error) { return Sysctls{}, ErrNoConntrack }

func (*Kernel) Close() error                                   { return nil }
func (*Kernel) Sysctls() Sysctls                               { return Sysctls{} }
func (*Kernel) NetNSFd() int                                   { return 0 }
func (*Kernel) Info() model.SourceInfo                         { return model.SourceInfo{} }
func (*Kernel) Stats() (model.TableStats, error)               { return model.TableStats{}, ErrNoConntrack }
func (*Kernel) Load(*model.Table) error                        { return ErrNoConntrack }
func (*Kernel) Run(context.Context, chan<- *model.Batch) error { return ErrNoConntrack }

// Delete fails: there is no conntrack here.
func (*Kernel) Delete(context.Context, []model.Flow, func(int)) (action.DeleteResult, error) {
	return action.DeleteResult{}, ErrNoConntrack
}

// Flush fails: there is no conntrack here.
func (*Kernel) Flush(action.KernelSelector) error { return ErrNoConntrack }

// LocalAddrs fails: there is no conntrack here.
func (*Kernel) LocalAddrs() ([]netip.Addr, error) { return nil, ErrNoConntrack }

// Reconcile does nothing here.
func (*Kernel) Reconcile() {}
