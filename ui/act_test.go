package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// fakeActions records what the UI asks for.
type fakeActions struct {
	mu         sync.Mutex
	deleted    []model.Flow
	flushed    []action.KernelSelector
	applied    [][]action.Target
	mergedInto int // the set entries the preview says the rules make (0 unknown)
	dur        time.Duration
	removed    []action.Target
	entries    []action.Entry
	danger     map[netip.Addr]string
	sshPort    uint16 // the port Guard takes for sshd's (0: 22)
	fail       error
	// previewErr, when set, is the error of every Preview (SYNPROXY's
	// settings that cannot be read).
	previewErr error
	// listErr, when set, is the error of Rules.
	listErr error
	// partial, when set, makes Apply fail with an error that says the
	// kernel holds the targets it returns (as firewall.ApplyError does).
	partial func([]action.Target) []action.Target
}

// partialErr is an Apply error after which the kernel holds in.
type partialErr struct{ in []action.Target }

func (e partialErr) Error() string            { return "netlink receive: no buffer space available" }
func (e partialErr) Applied() []action.Target { return e.in }

func (a *fakeActions) Delete(_ context.Context, flows []model.Flow, progress func(int)) (action.DeleteResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.deleted = append(a.deleted, flows...)
	progress(len(flows))
	return action.DeleteResult{Deleted: len(flows) - 1, Gone: 1}, a.fail
}

func (a *fakeActions) Flush(_ context.Context, sel action.KernelSelector) error {
	a.flushed = append(a.flushed, sel)
	return nil
}

func (a *fakeActions) Preview(rules []action.Target, d time.Duration) (RulePreview, error) {
	if a.previewErr != nil {
		return RulePreview{}, a.previewErr
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.String())
	}
	return RulePreview{NFT: "nft: " + strings.Join(names, ", ") + " for " + d.String(), IPTables: "iptables text", Explain: "explained", Entries: a.mergedInto}, nil
}

func (a *fakeActions) Apply(_ context.Context, rules []action.Target, d time.Duration) error {
	a.applied = append(a.applied, rules)
	a.dur = d
	if a.partial != nil {
		return fmt.Errorf("apply: %w", partialErr{a.partial(rules)})
	}
	return a.fail
}

func (a *fakeActions) Rules(context.Context) ([]action.Entry, error) { return a.entries, a.listErr }

func (a *fakeActions) Remove(_ context.Context, r action.Target) error {
	a.removed = append(a.removed, r)
	return nil
}

// Guard warns about the addresses in danger and counts the rules whose
// address has a flow to port 22 among flows (the weak evidence).
func (a *fakeActions) Guard(rules []action.Target, flows func(yield func(*model.Flow) bool)) GuardReport {
	var rep GuardReport
	ssh := map[netip.Addr]bool{}
	for f := range flows {
		if f.Proto == model.ProtoTCP && f.Orig.DstPort == cmp.Or(a.sshPort, 22) {
			ssh[f.Orig.Src.In(f.Family)] = true
		}
	}
	for _, r := range rules {
		if d := a.danger[r.Addr.Addr()]; d != "" {
			rep.Warnings = append(rep.Warnings, r.String()+": "+d)
		}
		if ssh[r.Addr.Addr()] {
			rep.SSH++
		}
	}
	rep.SSHPorts = []uint16{cmp.Or(a.sshPort, 22)}
	return rep
}

func actionModel(t *testing.T, a Actions, yes bool) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: a, Yes: yes})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(BatchMsg{attackBatch()})
	return m
}

// run executes a command and feeds its messages back until none is left.
func run(m *Model, cmd tea.Cmd) {
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			return
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				run(m, c)
			}
			return
		}
		_, cmd = m.Update(msg)
	}
}

func pressRun(m *Model, keys ...string) {
	for _, k := range keys {
		var cmd tea.Cmd
		switch k {
		case "enter":
			_, cmd = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			_, cmd = m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			_, cmd = m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
		case "f1", "f10":
			_, cmd = m.Update(tea.KeyPressMsg{Code: map[string]rune{"f1": tea.KeyF1, "f10": tea.KeyF10}[k]})
		default:
			if text, ok := strings.CutPrefix(k, "text:"); ok {
				typeText(m, text)
				continue
			}
			_, cmd = m.Update(keyMsg(k))
		}
		run(m, cmd)
	}
}

func TestDeleteAsksFirst(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	pressRun(m, "d")
	if m.confirm == nil || !strings.Contains(plain(m), "Delete 1 flow from the kernel's table? [y/N]") {
		t.Fatalf("d did not ask:\n%s", plain(m))
	}
	pressRun(m, "n")
	if len(a.deleted) != 0 || m.status != "cancelled" {
		t.Fatal("a no deleted")
	}
	// Tagged flows: x is an alias; y confirms.
	pressRun(m, " ", " ", " ", "x", "y")
	if len(a.deleted) != 3 || !strings.Contains(m.status, "deleted 2 flows, 1 already gone") {
		t.Fatalf("deleted %d, status %q", len(a.deleted), m.status)
	}
	if len(m.tags) != 0 {
		t.Error("tags kept after deleting them")
	}
}

func TestDeleteMatching(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, true) // --yes
	f, _ := filter.Parse("src host 203.0.113.8")
	m.setFilter(f)
	pressRun(m, "D")
	if len(a.deleted) != 7 {
		t.Fatalf("D deleted %d flows, want the 7 matching", len(a.deleted))
	}
	for _, fl := range a.deleted {
		if fl.Orig.Src.StringIn(fl.Family) != "203.0.113.8" {
			t.Fatalf("deleted a flow outside the filter: %v", fl.Orig.Src.StringIn(fl.Family))
		}
	}
	// A filter the kernel can express is flushed in one request.
	f, _ = filter.Parse("ip and mark 0")
	m.setFilter(f)
	pressRun(m, "D")
	if len(a.flushed) != 1 || a.flushed[0].Family != model.IPv4 || !a.flushed[0].HasMark {
		t.Fatalf("flush %+v", a.flushed)
	}
	// Zone 0 means "any zone" to the kernel's flush: cttop deletes those
	// flows itself.
	f, _ = filter.Parse("zone 0 and mark 0")
	m.setFilter(f)
	a.deleted = nil
	pressRun(m, "D")
	if len(a.flushed) != 1 || len(a.deleted) == 0 {
		t.Fatalf("zone 0: flush %+v, %d deleted one by one", a.flushed, len(a.deleted))
	}
	// In the top view d deletes the selected group's flows.
	f, _ = filter.Parse("dst port 80")
	m.setFilter(f)
	a.deleted = nil
	pressRun(m, "tab", "d")
	if len(a.deleted) != 20 {
		t.Fatalf("d on the top source deleted %d, want 20", len(a.deleted))
	}
}

func TestBlockDialog(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	f, _ := filter.Parse("dst port 80")
	m.setFilter(f)
	pressRun(m, "tab", " ", " ", "b")
	if m.rules == nil {
		t.Fatal("b did not open the dialog")
	}
	screen := plain(m)
	for _, want := range []string{"Apply 2 rules for 1h00m?", "drop from 203.0.113.7, drop from 203.0.113.8", "nft: drop from 203.0.113.7, drop from 203.0.113.8 for 1h0m0s", "explained"} {
		if !strings.Contains(screen, want) {
			t.Errorf("dialog lacks %q:\n%s", want, screen)
		}
	}
	pressRun(m, "i")
	if !strings.Contains(plain(m), "iptables text") {
		t.Error("i did not show the iptables text")
	}
	// Edit the duration.
	pressRun(m, "t")
	for range 5 {
		pressRun(m, "backspace")
	}
	typeText(m, "30m")
	pressRun(m, "enter")
	if m.rules.dur != 30*time.Minute {
		t.Fatalf("duration %v", m.rules.dur)
	}
	// Cancel applies nothing.
	pressRun(m, "esc")
	if m.rules != nil || len(a.applied) != 0 {
		t.Fatal("esc applied")
	}
	// Apply (the tags are still there, plus a third): the rules go in,
	// then the sources' flows are deleted.
	pressRun(m, " ", "b", "a")
	if len(a.applied) != 1 || len(a.applied[0]) != 3 || a.applied[0][2].String() != "drop from 203.0.113.9" {
		t.Fatalf("applied %+v", a.applied)
	}
	if len(a.deleted) != 30 || !strings.Contains(m.status, "deleted 29 flows, 1 already gone") {
		t.Fatalf("after apply: %d deleted, status %q", len(a.deleted), m.status)
	}
}

func TestBlockSelfGuard(t *testing.T) {
	a := &fakeActions{danger: map[netip.Addr]string{netip.MustParseAddr("203.0.113.7"): "your SSH session comes from it"}}
	m := actionModel(t, a, true)
	pressRun(m, "tab", "b")
	if !strings.Contains(plain(m), "⚠ drop from 203.0.113.7: your SSH session comes from it") {
		t.Fatalf("no warning:\n%s", plain(m))
	}
	pressRun(m, "a")
	if len(a.applied) != 0 || m.rules.editing != "danger" {
		t.Fatal("applied without the second confirmation")
	}
	typeText(m, "no")
	pressRun(m, "enter")
	if len(a.applied) != 0 {
		t.Fatal("applied after a wrong answer")
	}
	pressRun(m, "a")
	typeText(m, "yes")
	pressRun(m, "enter")
	if len(a.applied) != 1 {
		t.Fatal("explicit yes did not apply")
	}
}

// TestBlockGuardWeakEvidence: rules whose addresses have an ESTABLISHED
// flow to sshd are counted in a note, and asked nothing more; a strong
// warning beside them still asks for the typed yes. At 80 columns every
// line of the dialog fits, the warning wrapped, not cut.
func TestBlockGuardWeakEvidence(t *testing.T) {
	a := &fakeActions{sshPort: 80}
	m := actionModel(t, a, true)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	pressRun(m, "tab", " ", "j", " ", "b")
	screen := plain(m)
	if !strings.Contains(screen, "note: 2 of 2 rules have an ESTABLISHED SSH flow to this host (port 80)") {
		t.Fatalf("no note of the weak evidence:\n%s", screen)
	}
	pressRun(m, "a")
	if len(a.applied) != 1 {
		t.Fatalf("weak evidence alone asked for more than a: %+v, editing %q", a.applied, m.rules.editing)
	}

	a = &fakeActions{sshPort: 80, danger: map[netip.Addr]string{netip.MustParseAddr("203.0.113.7"): "203.0.113.7 is the address your SSH session comes from: you would lock yourself out (found by: TCP peer of sshd (pid 812), the SSH server process this terminal runs under; utmp login record of pts/0)"}}
	m = actionModel(t, a, true)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	pressRun(m, "tab", " ", "j", " ", "b")
	screen = plain(m)
	for _, want := range []string{"⚠ drop from 203.0.113.7: 203.0.113.7 is the address your SSH", "utmp login record of pts/0)", "note: 2 of 2 rules have"} {
		if !strings.Contains(screen, want) {
			t.Errorf("dialog lacks %q:\n%s", want, screen)
		}
	}
	for i, l := range strings.Split(screen, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("line %d is %d cells wide: %q", i, w, l)
		}
	}
	pressRun(m, "a")
	if len(a.applied) != 0 || m.rules.editing != "danger" {
		t.Fatal("a strong warning did not ask for the typed yes")
	}
}

// TestBlockDestination: b on a row of the top view by destination never
// blocks the destination as a source; it says why and offers the sources
// of the row's flows, each "from".
func TestBlockDestination(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, true)
	pressRun(m, "tab", "2", "b")
	screen := strings.Join(strings.Fields(plain(m)), " ")
	for _, want := range []string{
		"Apply 14 rules for 1h00m?",
		"b on a destination: blocking traffic to 198.51.100.1 would cut it off for everyone, which is rarely wanted; these are instead the 14 sources of its 41 flows, to block from",
		"drop from 192.0.2.0, drop from 192.0.2.1",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("dialog lacks %q:\n%s", want, plain(m))
		}
	}
	pressRun(m, "a")
	if len(a.applied) != 1 || len(a.applied[0]) != 14 {
		t.Fatalf("applied %+v", a.applied)
	}
	for _, r := range a.applied[0] {
		if r.Action != action.Drop || r.Addr.Addr() == netip.MustParseAddr("198.51.100.1") || !r.Addr.IsSingleIP() {
			t.Errorf("rule %v: want drop from one source, never the destination", r)
		}
	}
	if !slices.ContainsFunc(a.applied[0], func(r action.Target) bool { return r.String() == "drop from 203.0.113.7" }) {
		t.Errorf("the attacker is not among %v", a.applied[0])
	}
	// n on a destination untracks the address both ways, as it says.
	pressRun(m, "tab", "tab", "2", "n")
	if !strings.Contains(plain(m), "notrack from and to 198.51.100.1") {
		t.Errorf("n on a destination:\n%s", plain(m))
	}
}

func TestNoTrackService(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, true)
	pressRun(m, "n", "a")
	if len(a.applied) != 1 || a.applied[0][0] != (action.Target{Action: action.NoTrack, Proto: model.ProtoTCP, Port: 443}) {
		t.Fatalf("notrack on a flow to 443: %+v", a.applied)
	}
	icmp := flow(60, 0)
	icmp.Proto = model.ProtoICMP
	m.Update(BatchMsg{events(model.EventNew, icmp)})
	f, _ := filter.Parse("icmp")
	m.setFilter(f)
	pressRun(m, "n")
	if m.rules != nil || !strings.Contains(m.status, "icmp has no port") {
		t.Fatalf("status %q", m.status)
	}
}

func TestApplyFailureKeepsDialog(t *testing.T) {
	a := &fakeActions{fail: errors.New("cttop needs CAP_NET_ADMIN")}
	m := actionModel(t, a, true)
	pressRun(m, "b", "a")
	if m.rules == nil || !strings.Contains(m.status, "rules not applied: cttop needs CAP_NET_ADMIN") || len(a.deleted) != 0 {
		t.Fatalf("status %q, deleted %d", m.status, len(a.deleted))
	}
}

// TestApplyPartly: when Apply fails but the kernel holds some of the rules,
// the status says how many, and the flows of exactly those are deleted;
// when it holds none, nothing is deleted and the dialog stays.
func TestApplyPartly(t *testing.T) {
	a := &fakeActions{partial: func(ts []action.Target) []action.Target { return ts[:1] }}
	m := actionModel(t, a, true)
	pressRun(m, "space", "down", "space", "b", "a")
	if len(a.applied) != 1 || len(a.applied[0]) != 2 {
		t.Fatalf("applied %+v, want the two tagged sources", a.applied)
	}
	held := a.applied[0][0]
	if !strings.Contains(m.status, "applied only 1 rule of 2") || !strings.Contains(m.status, "no buffer space") {
		t.Fatalf("status %q", m.status)
	}
	if len(a.deleted) == 0 {
		t.Fatal("the flows of the rule the kernel holds were not deleted")
	}
	for _, f := range a.deleted {
		if !held.Addr.Contains(f.Orig.Src.In(f.Family)) {
			t.Fatalf("deleted a flow from %s, whose rule the kernel does not hold", f.Orig.Src.StringIn(f.Family))
		}
	}

	none := &fakeActions{partial: func([]action.Target) []action.Target { return nil }}
	m = actionModel(t, none, true)
	pressRun(m, "b", "a")
	if m.rules == nil || !strings.HasPrefix(m.status, "rules not applied: ") || len(none.deleted) != 0 {
		t.Fatalf("none held: status %q, deleted %d", m.status, len(none.deleted))
	}
}

func TestBlockedList(t *testing.T) {
	r := action.Target{Action: action.Drop, Addr: netip.MustParsePrefix("203.0.113.7/32")}
	a := &fakeActions{entries: []action.Entry{{Target: r, Timeout: time.Hour, Expires: 59 * time.Minute}}}
	m := actionModel(t, a, false)
	pressRun(m, "B")
	if !strings.Contains(plain(m), "drop from 203.0.113.7") || !strings.Contains(plain(m), "59m") {
		t.Fatalf("list:\n%s", plain(m))
	}
	pressRun(m, "u", "y")
	if len(a.removed) != 1 || a.removed[0] != r {
		t.Fatalf("removed %+v", a.removed)
	}
	pressRun(m, "esc")
	if m.blocked != nil {
		t.Fatal("esc did not close the list")
	}
}

func TestReadOnly(t *testing.T) {
	m := New(Config{ReadOnly: "--read-only"})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(BatchMsg{attackBatch()})
	for _, k := range []string{"d", "D", "b", "n", "B"} {
		m.status = ""
		pressRun(m, k)
		if m.confirm != nil || m.rules != nil || m.blocked != nil || !strings.Contains(m.status, "unavailable: --read-only") {
			t.Errorf("%s in read-only: status %q", k, m.status)
		}
	}
	pressRun(m, "?")
	if !strings.Contains(plain(m), "unavailable (--read-only): d/x D b n P B !") {
		t.Error("help does not show the actions as unavailable")
	}
}

func TestTuningView(t *testing.T) {
	m := New(Config{Tuning: func() (tuning.Input, error) {
		return tuning.Input{Settings: tuning.Settings{}}, nil
	}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(BatchMsg{attackBatch()})
	// The settings come first; the table's composition is read aside (a
	// pass over every flow), and the view says so meanwhile.
	_, cmd := m.Update(keyMsg("T"))
	_, next := m.Update(cmd())
	if next == nil || !m.tune.composing || !strings.Contains(plain(m), "reading the table's 41 flows") {
		t.Fatalf("T, settings read: composing %v\n%s", m.tune.composing, plain(m))
	}
	// Closed and reopened meanwhile: the old read is dropped.
	old := next()
	press(m, "esc")
	pressRun(m, "T")
	m.Update(old)
	if m.tune == nil || m.tune.loading || !strings.Contains(plain(m), "Tuning") {
		t.Fatalf("T:\n%s", plain(m))
	}
	if m.tune.advice.In.Table.Flows != 41 {
		t.Errorf("the advice does not see the table: %d flows", m.tune.advice.In.Table.Flows)
	}
	dir := t.TempDir()
	path := dir + "/90-conntrack.conf"
	press(m, "s")
	// The prompt offers the path the report names.
	if m.prompt.Value() != tuning.SnippetPath {
		t.Errorf("the save prompt offers %q", m.prompt.Value())
	}
	for range len(m.prompt.Value()) {
		press(m, "backspace")
	}
	typeText(m, path)
	pressRun(m, "enter")
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "sysctl") ||
		m.status != "saved to "+path+" (nothing applied: sysctl -p "+path+" loads it)" {
		t.Fatalf("snippet not saved: %v %q", err, m.status)
	}
	// A relative name is reported where it went.
	t.Chdir(dir)
	press(m, "s")
	for range len(m.prompt.Value()) {
		press(m, "backspace")
	}
	typeText(m, "relative.conf")
	pressRun(m, "enter")
	if !strings.HasPrefix(m.status, "saved to "+dir+"/relative.conf ") {
		t.Errorf("relative: %q", m.status)
	}
	// Saving never overwrites.
	press(m, "s")
	for range len(m.prompt.Value()) {
		press(m, "backspace")
	}
	typeText(m, path)
	pressRun(m, "enter")
	if !strings.Contains(m.status, "file exists") {
		t.Errorf("overwrote: %q", m.status)
	}
	pressRun(m, "esc")
	if m.tune != nil {
		t.Fatal("esc did not close the tuning view")
	}
}

func TestRulesSaveAndCopy(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, true)
	pressRun(m, "b")
	// c copies the shown text to the clipboard (OSC 52).
	_, cmd := m.Update(keyMsg("c"))
	if cmd == nil || m.status != "copied to the clipboard (OSC 52)" {
		t.Fatalf("c: status %q", m.status)
	}
	if msg := cmd(); fmt.Sprintf("%T", msg) != "tea.setClipboardMsg" {
		t.Errorf("c returned %T, want a clipboard command", msg)
	}
	// s saves the nft text to a new file, never over an existing one.
	path := t.TempDir() + "/rules.nft"
	pressRun(m, "s")
	for range len(m.rules.input.Value()) {
		pressRun(m, "backspace")
	}
	typeText(m, path)
	pressRun(m, "enter")
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "nft: drop from 192.0.2.0") || m.status != "saved to "+path {
		t.Fatalf("save: %v %q %q", err, b, m.status)
	}
	pressRun(m, "i", "s")
	for range len(m.rules.input.Value()) {
		pressRun(m, "backspace")
	}
	typeText(m, path)
	pressRun(m, "enter")
	if !strings.Contains(m.status, "file exists") {
		t.Errorf("overwrote %s: %q", path, m.status)
	}
	if len(a.applied) != 0 {
		t.Fatal("saving applied the rules")
	}
}

// TestRuleNames: however many rules, the names take at most two lines of
// the width, the rest counted.
func TestRuleNames(t *testing.T) {
	for _, n := range []int{1, 3, 40, 10_000} {
		rules := make([]action.Target, n)
		for i := range rules {
			rules[i] = action.Host(action.Drop, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		}
		lines := ruleNames(rules, 80, 2)
		all := strings.Join(lines, " ")
		if len(lines) > 2 || !strings.Contains(all, "drop from 10.0.0.0") {
			t.Errorf("%d rules: %q", n, lines)
		}
		for _, l := range lines {
			if lipgloss.Width(l) > 80 {
				t.Errorf("%d rules: line of %d cells: %q", n, lipgloss.Width(l), l)
			}
		}
		if more := n > 3; more != strings.Contains(all, " more") {
			t.Errorf("%d rules: %q", n, lines)
		}
	}
}

func BenchmarkRuleNames10k(b *testing.B) {
	rules := make([]action.Target, 10_000)
	for i := range rules {
		rules[i] = action.Host(action.Drop, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	for b.Loop() {
		ruleNames(rules, 80, 2)
	}
}

// TestBlockGuardAside: on a big table the guard's pass over the flows
// leaves the frame: the dialog opens at once saying it checks, a applies
// nothing meanwhile, and when the check is done its warning is shown and
// a asks for the typed yes, as on a small table.
func TestBlockGuardAside(t *testing.T) {
	a := &fakeActions{danger: map[netip.Addr]string{netip.MustParseAddr("203.0.113.7"): "your SSH session comes from it"}}
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: a, Yes: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b := attackBatch()
	for i := 0; i < previewAsideMin; i++ {
		f := flow(0, 443)
		f.Orig.Src = model.AddrFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		f.SetID(uint32(100_000 + i))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	b.Stats.Count += previewAsideMin
	m.Update(BatchMsg{b})
	pressRun(m, "tab")
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'b', Text: "b"})
	if m.rules == nil || !m.rules.guarding {
		t.Fatal("the guard ran on the frame of a big table")
	}
	if !strings.Contains(plain(m), "checking what the rules could cut off") {
		t.Fatalf("the dialog does not say it checks:\n%s", plain(m))
	}
	m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if len(a.applied) != 0 || !strings.Contains(m.status, "still checking what the rules could cut off") {
		t.Fatalf("a during the check: %d applied, status %q", len(a.applied), m.status)
	}
	run(m, cmd)
	if m.rules.guarding || !strings.Contains(plain(m), "⚠ drop from 203.0.113.7: your SSH session comes from it") {
		t.Fatalf("no warning after the check:\n%s", plain(m))
	}
	pressRun(m, "a")
	if len(a.applied) != 0 || m.rules.editing != "danger" {
		t.Fatal("applied without the second confirmation")
	}
}
