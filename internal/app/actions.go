package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/firewall"
	"github.com/cttop/cttop/guard"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/ui"
)

// actionSource is a source the UI may act on: a live table that deletes
// and flushes flows, reconciles afterwards, and is bound to a namespace
// where rules can be applied (the kernel source is one).
type actionSource interface {
	source.Source
	source.Deleter
	source.Flusher
	source.Reconciler
	source.Namespaced
}

// The UI learns from an Apply error which targets the kernel holds all the
// same through this method (ui.partialApply), and deletes their flows.
var _ interface{ Applied() []action.Target } = (*firewall.ApplyError)(nil)

// kernelActions carries out the UI's intents on the watched namespace:
// deletions through ctnetlink, rules through nftables.
type kernelActions struct {
	k     actionSource
	guard *guard.Guard

	mu sync.Mutex
	fw *firewall.Firewall // opened on first use: no nftables until asked
}

func newKernelActions(k actionSource) *kernelActions {
	return &kernelActions{k: k, guard: newGuard(k)}
}

// newGuard builds the self-lock-out guard for the namespace k acts on.
func newGuard(k actionSource) *guard.Guard {
	g := &guard.Guard{Operator: guard.FindOperator(guard.Probe{})}
	g.Local, _ = k.LocalAddrs() // without them the guard still checks SSH and loopback
	if ino, err := guard.NetNSInode(k.NetNSFd()); err == nil {
		g.NetNS = ino
		g.SSHPorts = guard.ListeningSSH("/proc", ino)
	}
	return g
}

func (a *kernelActions) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fw != nil {
		a.fw.Close()
	}
}

func (a *kernelActions) firewall() (*firewall.Firewall, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fw == nil {
		fw, err := firewall.Open(a.k.NetNSFd())
		if err != nil {
			return nil, err
		}
		a.fw = fw
	}
	return a.fw, nil
}

// Delete deletes the flows, then asks for a reconciliation: flows older
// than cttop's subscription end without a DESTROY event in auto mode.
func (a *kernelActions) Delete(ctx context.Context, flows []model.Flow, progress func(int)) (action.DeleteResult, error) {
	res, err := a.k.Delete(ctx, flows, progress)
	a.k.Reconcile()
	return res, err
}

func (a *kernelActions) Flush(_ context.Context, sel action.KernelSelector) error {
	err := a.k.Flush(sel)
	a.k.Reconcile()
	return err
}

func (a *kernelActions) Preview(targets []action.Target, d time.Duration) (ui.RulePreview, error) {
	p := firewall.Plan{Targets: targets, Duration: d}
	if err := p.Validate(); err != nil {
		return ui.RulePreview{}, err
	}
	return ui.RulePreview{NFT: p.NFT(), IPTables: p.IPTables(), Explain: p.Explain()}, nil
}

func (a *kernelActions) Apply(_ context.Context, targets []action.Target, d time.Duration) error {
	fw, err := a.firewall()
	if err != nil {
		return err
	}
	return fw.Apply(firewall.Plan{Targets: targets, Duration: d})
}

func (a *kernelActions) Rules(context.Context) ([]action.Entry, error) {
	fw, err := a.firewall()
	if err != nil {
		return nil, err
	}
	return fw.List()
}

func (a *kernelActions) Remove(_ context.Context, t action.Target) error {
	fw, err := a.firewall()
	if err != nil {
		return err
	}
	return fw.Remove(t)
}

func (a *kernelActions) Danger(r action.Target) string {
	ws := a.guard.Check(r.Addr)
	if r.IsService() {
		ws = a.guard.CheckService(r.Proto, r.Port)
	}
	texts := make([]string, len(ws))
	for i, w := range ws {
		texts[i] = w.String()
	}
	return strings.Join(texts, "; ")
}
