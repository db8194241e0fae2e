//go:build !linux

package source

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// Kernel is the live source; it exists only on Linux.
type Kernel struct{}

// NewKernel fails: there is no conntrack here.
func NewKernel(KernelConfig) (*Kernel, error) {
	return nil, fmt.Errorf("%w: cttop reads the Linux conntrack table; on this system use --demo or --replay", ErrNoConntrack)
}

// ReadSysctls fails: there is no conntrack here.
func ReadSysctls(int, bool) (Sysctls, error) { return Sysctls{}, ErrNoConntrack }

func (*Kernel) Close() error                                   { return nil }
func (*Kernel) Sysctls() Sysctls                               { return Sysctls{} }
func (*Kernel) NetNSFd() int                                   { return 0 }
func (*Kernel) Info() model.SourceInfo                         { return model.SourceInfo{} }
func (*Kernel) Stats() (model.TableStats, error)               { return model.TableStats{}, ErrNoConntrack }
func (*Kernel) Load(*model.Table) error                        { return ErrNoConntrack }
func (*Kernel) Run(context.Context, chan<- *model.Batch) error { return ErrNoConntrack }

// Snapshot fails: there is no conntrack here.
func (*Kernel) Snapshot(context.Context) (*model.Table, model.TableStats, error) {
	return nil, model.TableStats{}, ErrNoConntrack
}

// TuningSettings fails: there is no conntrack here.
func (*Kernel) TuningSettings() (tuning.Settings, error) { return tuning.Settings{}, ErrNoConntrack }

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
