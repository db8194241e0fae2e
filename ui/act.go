package ui

import (
	"errors"
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// confirmState is a yes/no question; yes runs on y.
type confirmState struct {
	text string
	yes  func() tea.Cmd
}

// busyState is a deletion under way.
type busyState struct {
	what        string
	done, total int
	ch          chan tea.Msg
	before      string // what was done before, for the final report
}

// actionKey handles the keys that act on the kernel. It reports whether
// the key was one of them.
func (m *Model) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := &m.keys
	if !key.Matches(msg, k.Delete, k.DeleteAll, k.Block, k.NoTrack, k.Protect, k.Blocked) {
		return nil, false
	}
	if m.cfg.Actions == nil {
		m.status = "actions are unavailable: " + m.readOnlyReason()
		return nil, true
	}
	if m.busy != nil {
		m.status = "wait: " + m.busy.what + " is still running"
		return nil, true
	}
	switch {
	case key.Matches(msg, k.Delete):
		return m.askDelete(m.selectedFlows()), true
	case key.Matches(msg, k.DeleteAll):
		return m.askDeleteMatching(), true
	case key.Matches(msg, k.Block):
		return m.openRules(action.Drop), true
	case key.Matches(msg, k.NoTrack):
		return m.openRules(action.NoTrack), true
	case key.Matches(msg, k.Protect):
		return m.openRules(action.SynProxy), true
	case key.Matches(msg, k.Blocked):
		m.blocked = &listState{loading: true}
		m.enter(modeBlocked)
		return listRules(m.cfg.Actions), true
	}
	return nil, true
}

func (m *Model) readOnlyReason() string {
	if m.cfg.ReadOnly != "" {
		return m.cfg.ReadOnly
	}
	return "read-only"
}

// selectedFlows is what d acts on: the tagged flows (or the flows of the
// tagged top rows), else the selected flow (or top row).
func (m *Model) selectedFlows() []model.Flow {
	var out []model.Flow
	if m.view == viewTop {
		keys := m.topTargets()
		if len(keys) == 0 {
			return nil
		}
		return m.flowsWhere(filter.AnyOfKeys(keys).Match)
	}
	if len(m.tags) > 0 {
		for k := range m.tags {
			if s := m.table.Find(k); s >= 0 {
				out = append(out, *m.table.At(s))
			}
		}
		return out
	}
	if m.list.Len() > 0 {
		if s := m.table.Find(m.sel); s >= 0 {
			out = append(out, *m.table.At(s))
		}
	}
	return out
}

// topTargets are the tagged top rows, else the selected one.
func (m *Model) topTargets() []model.GroupKey {
	if len(m.groupTags) > 0 {
		keys := make([]model.GroupKey, 0, len(m.groupTags))
		for k := range m.groupTags {
			keys = append(keys, k)
		}
		return keys
	}
	if m.top.hasSel {
		return []model.GroupKey{m.top.sel}
	}
	return nil
}

// flowsWhere collects the flows of the active filter that pred accepts.
func (m *Model) flowsWhere(pred func(*model.Flow, *model.Ext) bool) []model.Flow {
	var out []model.Flow
	for s := int32(0); s < m.table.Slots(); s++ {
		f := m.table.At(s)
		if x := m.table.ExtAt(s); f.Family != 0 && m.filter.Match(f, x) && pred(f, x) {
			out = append(out, *f)
		}
	}
	return out
}

// askDelete asks before deleting flows (unless --yes).
func (m *Model) askDelete(flows []model.Flow) tea.Cmd {
	if len(flows) == 0 {
		m.status = "nothing to delete"
		return nil
	}
	what := format.Plural(len(flows), "flow")
	run := func() tea.Cmd { return m.startDelete(flows, what) }
	if m.cfg.Yes {
		return run()
	}
	m.ask("Delete "+what+" from the kernel's table?", run)
	return nil
}

// askDeleteMatching asks before deleting every flow of the active filter,
// by a kernel flush when the filter allows it.
func (m *Model) askDeleteMatching() tea.Cmd {
	n := m.list.Len()
	if n == 0 {
		m.status = "no flow matches"
		return nil
	}
	scope := "EVERY flow in the table (no filter)"
	if m.filter != nil {
		scope = "the flows matching '" + m.filter.String() + "'"
	}
	var run func() tea.Cmd
	if sel, ok := m.filter.KernelSelector(); ok && m.filter != nil {
		what := format.Plural(n, "flow") + " (kernel flush)"
		run = func() tea.Cmd {
			m.busy = &busyState{what: "flushing " + what, total: n}
			return flushFlows(m.cfg.Actions, sel, n, what)
		}
	} else {
		// The flows that match when the user says yes: collecting a
		// million of them takes longer than a key may.
		run = func() tea.Cmd {
			flows := m.flowsWhere(func(*model.Flow, *model.Ext) bool { return true })
			return m.startDelete(flows, format.Plural(len(flows), "flow"))
		}
	}
	if m.cfg.Yes {
		return run()
	}
	m.ask(fmt.Sprintf("Delete %s: %s?", scope, format.Commas(uint64(n))), run)
	return nil
}

func (m *Model) startDelete(flows []model.Flow, what string) tea.Cmd {
	ch := make(chan tea.Msg, 4)
	m.busy = &busyState{what: "deleting " + what, total: len(flows), ch: ch}
	return deleteFlows(m.cfg.Actions, flows, what, ch)
}

// actionMsg handles the results of actions. It reports whether msg was one.
func (m *Model) actionMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case deleteProgressMsg:
		if m.busy != nil {
			m.busy.done = msg.done
			return recv(m.busy.ch), true
		}
	case deleteDoneMsg:
		m.keepStatus(deleteReport(msg))
		if m.busy != nil && m.busy.before != "" {
			m.keepStatus(m.busy.before + "; " + m.status)
		}
		m.busy = nil
		clear(m.tags)
	case rulePreviewMsg:
		m.previewed(msg)
	case guardDoneMsg:
		m.guarded(msg)
	case rulesAppliedMsg:
		return m.rulesApplied(msg), true
	case rulesListMsg:
		if m.blocked != nil {
			m.blocked.entries, m.blocked.err, m.blocked.loading, m.blocked.loaded = msg.entries, msg.err, false, true
			m.blocked.cursor = min(m.blocked.cursor, max(len(msg.entries)-1, 0))
		}
	case ruleRemovedMsg:
		if msg.err != nil {
			m.keepStatus("remove " + msg.rule.String() + ": " + msg.err.Error())
		} else {
			m.keepStatus("removed: " + msg.rule.String())
		}
		return listRules(m.cfg.Actions), true
	case tuneMsg:
		return m.tuned(msg), true
	case tuneComposedMsg:
		m.composed(msg)
	case savedMsg:
		if msg.err != nil {
			m.keepStatus("save: " + format.Printable(msg.err.Error()))
		} else {
			m.keepStatus("saved to " + format.Name(msg.path) + msg.what)
		}
	default:
		return nil, false
	}
	return nil, true
}

func deleteReport(msg deleteDoneMsg) string {
	if msg.err != nil {
		return "delete failed: " + msg.err.Error()
	}
	if msg.flushed {
		return "flushed " + msg.what + " in the kernel"
	}
	s := fmt.Sprintf("deleted %s", format.Plural(msg.res.Deleted, "flow"))
	if msg.res.Gone > 0 {
		s += fmt.Sprintf(", %s already gone", format.Commas(uint64(msg.res.Gone)))
	}
	return s
}

// ask puts a yes/no question; yes runs on y.
func (m *Model) ask(text string, yes func() tea.Cmd) {
	m.confirm = &confirmState{text: text, yes: yes}
	m.enter(modeConfirm)
}

// confirmKey answers the yes/no question.
func (m *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	c := m.confirm
	m.leave(modeConfirm)
	switch msg.String() {
	case "y", "Y":
		return c.yes()
	case "ctrl+c":
		return tea.Quit
	}
	m.status = "cancelled"
	return nil
}

// rulesFor are the rules b (drop) or n (notrack) propose for the
// selection: its source addresses, or for notrack on a flow its service.
func (m *Model) rulesFor(kind action.Kind) ([]action.Target, error) {
	var rules []action.Target
	seen := map[action.Target]bool{}
	add := func(r action.Target, err error) error {
		if err == nil && !seen[r] {
			seen[r] = true
			rules = append(rules, r)
		}
		return err
	}
	if m.view == viewTop {
		for _, k := range m.topTargets() {
			if err := add(rowTarget(kind, k)); err != nil {
				return nil, err
			}
		}
	} else {
		for _, f := range m.selectedFlows() {
			if err := add(flowTarget(kind, &f)); err != nil {
				return nil, err
			}
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("nothing selected")
	}
	slices.SortFunc(rules, action.Compare)
	return rules, nil
}

// rowTarget is what b, n or P propose for a top row: its address or
// network (source and destination rows), its service (a port row, for
// NOTRACK and SYNPROXY).
func rowTarget(kind action.Kind, k model.GroupKey) (action.Target, error) {
	switch {
	case (k.By == model.BySrc || k.By == model.ByDst) && kind != action.SynProxy:
		return action.Source(kind, k.Prefix()), nil
	case k.By == model.ByDport && kind == action.SynProxy && k.Proto == model.ProtoTCP:
		return action.SynProxyService(k.Port), nil
	case k.By == model.ByDport && kind == action.NoTrack && model.HasPorts(k.Proto):
		return action.Target{Action: kind, Proto: k.Proto, Port: k.Port}, nil
	case kind == action.SynProxy:
		return action.Target{}, fmt.Errorf("SYNPROXY protects a TCP service: press it on a tcp row of the top view by port (3) or on a TCP flow")
	}
	return action.Target{}, fmt.Errorf("%s rows cannot be blocked: group by source (1, or 6 for prefixes)", k.By)
}

// flowTarget is what b, n or P propose for a flow: its source (DROP), its
// service (NOTRACK, SYNPROXY for TCP).
func flowTarget(kind action.Kind, f *model.Flow) (action.Target, error) {
	switch kind {
	case action.Drop:
		return action.Host(kind, f.Orig.Src.In(f.Family)), nil
	case action.SynProxy:
		if f.Proto != model.ProtoTCP {
			return action.Target{}, fmt.Errorf("SYNPROXY protects TCP services; this flow is %s", model.ProtoName(f.Proto))
		}
		return action.SynProxyService(f.Orig.DstPort), nil
	}
	if !model.HasPorts(f.Proto) {
		return action.Target{}, fmt.Errorf("%s has no port to untrack", model.ProtoName(f.Proto))
	}
	return action.Target{Action: kind, Proto: f.Proto, Port: f.Orig.DstPort}, nil
}

// halfOpen reports whether a TCP flow has not completed its handshake:
// the entries a SYN flood leaves.
func halfOpen(f *model.Flow) bool {
	s, ok := f.State()
	return ok && (s == model.TCPState(model.TCPSynSent) || s == model.TCPState(model.TCPSynRecv) ||
		s == model.TCPState(model.TCPSynSent2))
}

// partialApply is an Apply error that knows which targets the kernel
// holds nonetheless (firewall.ApplyError is one).
type partialApply interface {
	error
	Applied() []action.Target
}

// rulesApplied reports the rules and deletes the flows they concern: DROP
// and NOTRACK act on new packets only, and the point is to free the table.
// When Apply failed but the kernel holds some of the rules all the same
// (an error with Applied, as firewall.ApplyError), it reports which, and
// deletes the flows of those.
func (m *Model) rulesApplied(msg rulesAppliedMsg) tea.Cmd {
	rules := msg.rules
	done := fmt.Sprintf("applied %s for %s", format.Plural(len(rules), "rule"), durText(msg.d))
	if st := m.rules; st != nil && st.merges() {
		done = fmt.Sprintf("applied %s (%s) for %s", format.Plural(len(rules), "rule"), entries(st.preview.Entries), durText(msg.d))
	}
	if msg.err != nil {
		var p partialApply
		if !errors.As(msg.err, &p) || len(p.Applied()) == 0 {
			m.keepStatus("rules not applied: " + msg.err.Error())
			return nil
		}
		rules = p.Applied()
		done = fmt.Sprintf("applied only %s of %d for %s: %v", format.Plural(len(rules), "rule"), len(msg.rules), durText(msg.d), msg.err)
	}
	m.leave(modeRules)
	// SYNPROXY's flows to free are the half-open ones: its service's
	// established connections must live on (with nf_conntrack_tcp_loose=0,
	// which SYNPROXY needs, a deleted one would not be picked up again).
	var others, synproxy []action.Target
	for _, r := range rules {
		if r.Action == action.SynProxy {
			synproxy = append(synproxy, r)
		} else {
			others = append(others, r)
		}
	}
	f, fs := filter.Targets(others), filter.Targets(synproxy)
	var flows []model.Flow
	for s := int32(0); s < m.table.Slots(); s++ {
		if fl := m.table.At(s); fl.Family != 0 && (f.Match(fl, m.table.ExtAt(s)) || halfOpen(fl) && fs.Match(fl, m.table.ExtAt(s))) {
			flows = append(flows, *fl)
		}
	}
	clear(m.tags)
	clear(m.groupTags)
	m.keepStatus(done)
	if len(flows) == 0 {
		return nil
	}
	cmd := m.startDelete(flows, format.Plural(len(flows), "flow"))
	m.busy.before = done
	return cmd
}
