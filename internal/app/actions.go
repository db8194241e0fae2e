package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/audit"
	"github.com/cttop/cttop/firewall"
	"github.com/cttop/cttop/format"
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
// deletions through ctnetlink, rules through nftables. Every change is
// recorded in the system log (audit). An action runs until it is done or
// the run's context ends (a signal, the UI quitting): a deletion cut short
// says how far it got (interrupted).
type kernelActions struct {
	k     actionSource
	guard *guard.Guard
	audit *audit.Log
	log   *slog.Logger
	ctx   context.Context // the run's: ends every action
	busy  sync.WaitGroup  // actions under way

	mu  sync.Mutex
	fw  *firewall.Firewall // opened on first use: no nftables until asked
	cut string             // what an action cut short by ctx had done
}

func newKernelActions(ctx context.Context, k actionSource, log *slog.Logger) *kernelActions {
	a := &kernelActions{k: k, guard: newGuard(k), log: log, ctx: ctx}
	a.audit = &audit.Log{NetNS: sourceName(k), NetNSInode: a.guard.NetNS,
		User: a.guard.Operator.User, UserFrom: a.guard.Operator.UserFrom}
	return a
}

// sourceName is the name of the namespace a source reads as the user gave
// it ("" for cttop's own).
func sourceName(src source.Source) string {
	if i, ok := src.(interface{ Info() model.SourceInfo }); ok {
		return i.Info().Name
	}
	return ""
}

// begin starts an action: its context ends with the caller's or the run's,
// and wait waits for it.
func (a *kernelActions) begin(ctx context.Context) (context.Context, func()) {
	a.busy.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.ctx, cancel)
	return ctx, func() {
		stop()
		cancel()
		a.busy.Done()
	}
}

// wait waits for the actions under way (the run's context has ended, so
// they are stopping) and returns what one cut short had done, "" if none.
func (a *kernelActions) wait() string {
	a.busy.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cut
}

// record writes r to the system log; a failure is logged, not returned:
// the change has been made either way.
func (a *kernelActions) record(r audit.Record) {
	if err := a.audit.Record(r); err != nil {
		a.log.Warn("audit", "err", err, "record", a.audit.Format(r))
	}
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
	ctx, done := a.begin(ctx)
	defer done()
	start := time.Now()
	res, err := a.k.Delete(ctx, flows, progress)
	a.k.Reconcile()
	rec := audit.Record{Action: audit.Delete, Count: len(flows), Done: res.Deleted, Gone: res.Gone, Took: time.Since(start), Err: err}
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		rec.Err, rec.Interrupted = nil, true
		a.mu.Lock()
		a.cut = fmt.Sprintf("deleting flows was interrupted: %s of %s deleted, %s already gone, %s left",
			format.Commas(uint64(res.Deleted)), format.Plural(len(flows), "flow"), format.Commas(uint64(res.Gone)),
			format.Commas(uint64(max(0, len(flows)-res.Deleted-res.Gone))))
		a.mu.Unlock()
	}
	a.record(rec)
	return res, err
}

func (a *kernelActions) Flush(ctx context.Context, sel action.KernelSelector) error {
	_, done := a.begin(ctx)
	defer done()
	start := time.Now()
	err := a.k.Flush(sel)
	a.k.Reconcile()
	a.record(audit.Record{Action: audit.Flush, Count: -1, Done: -1, Selector: selectorText(sel), Took: time.Since(start), Err: err})
	return err
}

// selectorText describes a kernel flush's selector for the audit record.
func selectorText(sel action.KernelSelector) string {
	var parts []string
	switch sel.Family {
	case model.IPv4:
		parts = append(parts, "ip")
	case model.IPv6:
		parts = append(parts, "ip6")
	}
	if sel.HasMark {
		parts = append(parts, fmt.Sprintf("mark 0x%x/0x%x", sel.Mark, sel.MarkMask))
	}
	if sel.HasZone {
		parts = append(parts, fmt.Sprintf("zone %d", sel.Zone))
	}
	if len(parts) == 0 {
		return "every flow"
	}
	return strings.Join(parts, " and ")
}

// plan makes the plan of targets lasting d; with a SYNPROXY target it
// reads the settings of the watched namespace that SYNPROXY's options come
// from, and returns what SYNPROXY needs of them.
func (a *kernelActions) plan(targets []action.Target, d time.Duration) (firewall.Plan, []firewall.SynProxyCheck, error) {
	p := firewall.Plan{Targets: targets, Duration: d}
	if !slices.ContainsFunc(targets, func(t action.Target) bool { return t.Action == action.SynProxy }) {
		return p, nil, nil
	}
	facts, err := firewall.ReadSynProxyFacts(a.k.NetNSFd())
	if err != nil {
		return p, nil, err
	}
	checks := facts.Checks()
	if p.SynProxy, err = facts.Params(); err != nil {
		return p, checks, fmt.Errorf("SYNPROXY: %w", err)
	}
	return p, checks, nil
}

func (a *kernelActions) Preview(targets []action.Target, d time.Duration) (ui.RulePreview, error) {
	p, checks, err := a.plan(targets, d)
	var rp ui.RulePreview
	for _, c := range checks {
		rp.Checks = append(rp.Checks, ui.SettingCheck{Setting: c.Setting, Value: c.Value, OK: c.OK})
	}
	if err != nil {
		return rp, err
	}
	if err := p.Validate(); err != nil {
		return rp, err
	}
	rp.NFT, rp.IPTables, rp.Explain, rp.Entries = p.NFT(), p.IPTables(), p.Explain(), p.Entries()
	if len(checks) > 0 {
		lines := []string{"", "The settings SYNPROXY depends on, in this namespace:"}
		for _, c := range checks {
			lines = append(lines, "  "+c.String())
		}
		rp.Explain += strings.Join(lines, "\n")
	}
	return rp, nil
}

func (a *kernelActions) Apply(ctx context.Context, targets []action.Target, d time.Duration) error {
	_, done := a.begin(ctx)
	defer done()
	start := time.Now()
	fw, err := a.firewall()
	var p firewall.Plan
	if err == nil {
		p, _, err = a.plan(targets, d)
	}
	if err == nil {
		err = fw.Apply(p)
	}
	for _, r := range applyRecords(targets, d, err) {
		r.Took = time.Since(start)
		a.record(r)
	}
	return err
}

// applyRecords are the audit records of one apply: one per kind of rule
// (block, untrack, synproxy), each with its targets.
func applyRecords(targets []action.Target, d time.Duration, err error) []audit.Record {
	var out []audit.Record
	for _, kind := range []action.Kind{action.Drop, action.NoTrack, action.SynProxy} {
		r := audit.Record{Action: auditAction(kind), Timeout: d, Err: err}
		for _, t := range targets {
			if t.Action == kind {
				r.Targets = append(r.Targets, t.String())
			}
		}
		if r.Count = len(r.Targets); r.Count > 0 {
			out = append(out, r)
		}
	}
	return out
}

func auditAction(k action.Kind) audit.Action {
	switch k {
	case action.NoTrack:
		return audit.Untrack
	case action.SynProxy:
		return audit.SYNProxy
	}
	return audit.Block
}

func (a *kernelActions) Rules(context.Context) ([]action.Entry, error) {
	fw, err := a.firewall()
	if err != nil {
		return nil, err
	}
	return fw.List()
}

func (a *kernelActions) Remove(ctx context.Context, t action.Target) error {
	_, done := a.begin(ctx)
	defer done()
	start := time.Now()
	fw, err := a.firewall()
	if err == nil {
		err = fw.Remove(t)
	}
	a.record(audit.Record{Action: audit.Unblock, Count: 1, Targets: []string{t.String()}, Took: time.Since(start), Err: err})
	return err
}

// Guard checks the rules with the guard of the namespace acted on: a
// warning for each strong finding, named after its rule, and the number
// of address rules with an ESTABLISHED flow to a local sshd in flows.
func (a *kernelActions) Guard(rules []action.Target, flows func(yield func(*model.Flow) bool)) ui.GuardReport {
	var rep ui.GuardReport
	var addrs []netip.Prefix
	for _, r := range rules {
		ws := a.guard.CheckTarget(r)
		if !r.IsService() {
			addrs = append(addrs, r.Addr)
		}
		for _, w := range ws {
			rep.Warnings = append(rep.Warnings, r.String()+": "+w.String())
		}
	}
	if len(addrs) > 0 {
		rep.SSH, _ = guard.CountSSH(addrs, a.guard.SSHClients(flows))
		rep.SSHPorts = a.guard.Ports()
	}
	return rep
}
