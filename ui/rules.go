package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/internal/outfile"
	"github.com/cttop/cttop/model"
)

// DefaultRuleDuration is how long a block lasts unless edited.
const DefaultRuleDuration = time.Hour

// rulesState is the dialog that previews rules before applying them.
type rulesState struct {
	rules   []action.Target
	dur     time.Duration
	preview RulePreview
	err     error
	note    string // why the rules are not what the key's row named (b on a destination)
	guard   GuardReport
	// guarding is set while the guard passes over a big table off the
	// frame (guardRules); a waits for it.
	guarding bool
	showIPT  bool
	scroll   int
	// loading is set until the preview of seq (the latest asked for) comes.
	loading bool
	seq     int
	// editing is what the input edits: "" (nothing), "duration", "path",
	// "danger" (the second confirmation: type yes).
	editing string
	input   textinput.Model
}

// openRules opens the dialog for b (drop), n (notrack) or P (synproxy).
func (m *Model) openRules(kind action.Kind) tea.Cmd {
	var (
		rules []action.Target
		note  string
		err   error
	)
	if keys := m.topTargets(); kind == action.Drop && m.view == viewTop && byDestination(keys) {
		rules, note, err = m.sourcesOfDestinations(keys)
	} else {
		rules, err = m.rulesFor(kind)
	}
	if err != nil {
		m.status = err.Error()
		return nil
	}
	return m.openRulesFor(rules, note)
}

// openRulesFor opens the dialog for rules, with a note on how they were
// chosen ("" for none).
func (m *Model) openRulesFor(rules []action.Target, note string) tea.Cmd {
	st := &rulesState{rules: rules, dur: DefaultRuleDuration, note: note}
	m.rules = st
	m.enter(modeRules)
	return tea.Batch(m.guardRules(st), m.previewRules())
}

// guardDoneMsg brings the guard's report for the dialog st.
type guardDoneMsg struct {
	st  *rulesState
	rep GuardReport
}

// guardRules runs the lock-out guard on the dialog's rules. It passes over
// the table for the ESTABLISHED flows to a local sshd: 34 ms on the frame
// at a million flows (BenchmarkKey1M/b), so from previewAsideMin flows on
// it reads the table aside while the dialog says so, and a waits for it:
// no rule is applied before it is checked.
func (m *Model) guardRules(st *rulesState) tea.Cmd {
	if m.table.Slots() < previewAsideMin {
		st.guard = m.cfg.Actions.Guard(st.rules, flowsOf(m.table))
		return nil
	}
	st.guarding = true
	var rep GuardReport
	a, rules, t := m.cfg.Actions, st.rules, m.table
	done := t.ReadAside(func() { rep = a.Guard(rules, flowsOf(t)) })
	return func() tea.Msg { <-done; return guardDoneMsg{st: st, rep: rep} }
}

// guarded takes the guard's report, if its dialog is still open.
func (m *Model) guarded(msg guardDoneMsg) {
	if msg.st == m.rules {
		msg.st.guard, msg.st.guarding = msg.rep, false
	}
}

// previewRules asks for the rules' text (off Update: SYNPROXY's reads the
// namespace's settings); the dialog says preparing until it comes.
func (m *Model) previewRules() tea.Cmd {
	st := m.rules
	st.seq++
	st.loading = true
	return previewRules(m.cfg.Actions, st.seq, st.rules, st.dur)
}

// previewed takes a preview that came, if it is the dialog's latest.
func (m *Model) previewed(msg rulePreviewMsg) {
	if st := m.rules; st != nil && msg.seq == st.seq {
		st.preview, st.err, st.loading = msg.preview, msg.err, false
	}
}

// rulesText is the preview shown: nft or iptables, with the explanation.
func (st *rulesState) text() string {
	t := st.preview.NFT
	if st.showIPT {
		t = st.preview.IPTables
	}
	return t
}

func (m *Model) rulesKey(msg tea.KeyPressMsg) tea.Cmd {
	st := m.rules
	if st.editing != "" {
		return m.rulesInputKey(msg)
	}
	switch msg.String() {
	case "esc", "q":
		m.leave(modeRules)
		m.status = "cancelled: nothing applied"
	case "ctrl+c":
		return tea.Quit
	case "enter":
		// Only the advertised a applies: enter, pressed out of habit or
		// meant for a prompt that has closed, must not change the firewall.
		m.status = "nothing applied: enter does not apply the rules, a does (esc cancels)"
	case "a":
		if why := st.unready(); why != "" {
			m.status = "nothing applied: " + why
			return nil
		}
		if len(st.guard.Warnings) > 0 {
			return st.edit("danger", "type yes to apply anyway: ", "")
		}
		return applyRules(m.cfg.Actions, st.rules, st.dur)
	case "t":
		return st.edit("duration", "duration (e.g. 30m, 2h, 0 = until removed): ", durText(st.dur))
	case "s", "c", "i", "tab":
		if why := st.unready(); why != "" {
			m.status = "no rule text: " + why
			return nil
		}
		return m.rulesTextKey(msg)
	default:
		switch {
		case scrollKey(msg, &st.scroll):
		case st.unready() != "":
			m.unknownKey(msg, "esc cancels")
		default:
			m.unknownKey(msg, "a applies, esc cancels")
		}
	}
	return nil
}

// unready says why the dialog has no rules to apply, save or copy yet
// ("" when it has them).
func (st *rulesState) unready() string {
	switch {
	case st.guarding:
		return "still checking what the rules could cut off"
	case st.loading:
		return "the rules are still being prepared"
	case st.err != nil:
		return st.err.Error()
	}
	return ""
}

// rulesTextKey handles the keys that act on the rule text: save, copy,
// nft or iptables.
func (m *Model) rulesTextKey(msg tea.KeyPressMsg) tea.Cmd {
	st := m.rules
	switch msg.String() {
	case "s":
		name := "cttop-rules.nft"
		if st.showIPT {
			name = "cttop-rules.sh"
		}
		return st.edit("path", "save to: ", name)
	case "c":
		m.status = "copied to the clipboard (OSC 52)"
		return tea.SetClipboard(st.text())
	case "i", "tab":
		st.showIPT = !st.showIPT
		st.scroll = 0
	}
	return nil
}

// scrollKey moves a text pane's scroll position for j/k and the page keys
// and reports whether msg was one. The renderer clamps it to the text.
func scrollKey(msg tea.KeyPressMsg, scroll *int) bool {
	switch msg.String() {
	case "j", "down":
		*scroll++
	case "k", "up":
		*scroll = max(0, *scroll-1)
	case "pgdown", "space":
		*scroll += 10
	case "pgup":
		*scroll = max(0, *scroll-10)
	case "home", "g":
		*scroll = 0
	case "end", "G":
		*scroll = 1 << 30 // clamped when drawn
	default:
		return false
	}
	return true
}

func (st *rulesState) edit(what, prompt, value string) tea.Cmd {
	st.editing = what
	st.input = textinput.New()
	st.input.Prompt = prompt
	st.input.SetValue(value)
	st.input.CursorEnd()
	st.input.SetWidth(40)
	return st.input.Focus()
}

func (m *Model) rulesInputKey(msg tea.KeyPressMsg) tea.Cmd {
	st := m.rules
	switch msg.String() {
	case "esc":
		st.editing = ""
		return nil
	case "enter":
		what, v := st.editing, strings.TrimSpace(st.input.Value())
		st.editing = ""
		switch what {
		case "duration":
			d, err := parseDuration(v)
			if err != nil {
				// The prompt stays, with the text to correct: closed, the
				// user's next 30m enter would go to the dialog.
				st.editing, m.status = what, err.Error()
				return nil
			}
			st.dur = d
			m.status = "duration set: " + durText(d) + " (a applies)"
			return m.previewRules()
		case "path":
			if v == "" {
				st.editing, m.status = what, "save: no file name (esc goes back)"
				return nil
			}
			return saveFile(v, st.text())
		case "danger":
			if v != "yes" {
				m.status = "not applied: type yes to override the warning"
				return nil
			}
			return applyRules(m.cfg.Actions, st.rules, st.dur)
		}
		return nil
	}
	var cmd tea.Cmd
	st.input, cmd = st.input.Update(msg)
	return cmd
}

// parseDuration reads a rule duration: a Go duration (30m, 2h, 1h00m),
// one with days first as durText writes it (1d00h, 2d), or 0 for none.
func parseDuration(s string) (time.Duration, error) {
	if s == "0" || s == "none" || s == "permanent" {
		return 0, nil
	}
	bad := fmt.Errorf("duration %q: want something like 30m or 2h (0 for none)", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var d time.Duration
	if s != "" || days == 0 {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return 0, bad
		}
	}
	if d += days; d < time.Second {
		return 0, bad
	}
	return d, nil
}

func durText(d time.Duration) string {
	if d == 0 {
		return "no time limit"
	}
	// One duration format everywhere (format.Duration: 9s, 59m20s, 1h00m,
	// 1d00h), whole: trimming Go's "1h0m0s" cut 59m20s to 59m2.
	return format.Duration(int64(d.Round(time.Second) / time.Second))
}

// saveFile writes text to a new file (outfile.WriteNew: never over an
// existing file or through a symlink, mode 0600); the message names the
// file by its absolute path, so the user knows where it went.
func saveFile(path, text string) tea.Cmd {
	return func() tea.Msg {
		if path == "" {
			return savedMsg{err: errors.New("no file name")}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return savedMsg{path: path, err: outfile.WriteNew(path, []byte(text))}
	}
}

// flowsOf yields the flows of t (the table shown), for the guard.
func flowsOf(t *model.Table) func(yield func(*model.Flow) bool) {
	return func(yield func(*model.Flow) bool) {
		for s := int32(0); s < t.Slots(); s++ {
			if f := t.At(s); f.Family != 0 && !yield(f) {
				return
			}
		}
	}
}

// body is the scrollable rule text with its explanation.
func (st *rulesState) body(w int) []string {
	var lines []string
	for _, l := range joinComments(strings.Split(st.text(), "\n")) {
		lines = append(lines, wrapCode(l, w)...)
	}
	return append(lines, strings.Split(st.preview.Explain, "\n")...)
}

// scrolled draws head, then the lines of body from scroll on that fit in
// h lines. Lines wider than w wrap at word boundaries (wrapLine): scroll
// counts wrapped lines, as clampScrolls does.
func scrolled(head, body []string, scroll, h, w int) []string {
	lines := head
	body = wrapLines(body, w)
	room := max(1, h-len(head))
	scroll = clampScroll(scroll, len(body), room)
	return append(lines, body[scroll:min(len(body), scroll+room)]...)
}

// clampScroll returns scroll within a text of n lines shown room at a time.
func clampScroll(scroll, n, room int) int { return max(0, min(scroll, n-max(1, room))) }

// clampScrolls keeps the scroll positions of the rules dialog and the
// tuning report within their texts, as the screen shows them. Update calls
// it after every message, so drawing changes nothing.
func (m *Model) clampScrolls() {
	_, h := frameHeights(m.headerHeight(), m.height)
	if st := m.rules; st != nil {
		st.scroll = clampScroll(st.scroll, len(wrapLines(st.body(m.width), m.width)), h-len(m.rulesHead(m.width)))
	}
	if m.in(modeHelp) {
		m.helpScroll = clampScroll(m.helpScroll, len(m.helpLines(m.width)), h-3)
	}
	if t := m.tune; t != nil && !t.loading && t.err == nil {
		t.scroll = clampScroll(t.scroll, len(wrapLines(t.body(m.width), m.width)), h-len(m.tuneHead(m.width)))
	}
}

// rulesOverflow reports whether the rules dialog's text is longer than
// the screen shows at once (j/k then scroll it).
func (m *Model) rulesOverflow() bool {
	st := m.rules
	if st == nil {
		return false
	}
	_, h := frameHeights(m.headerHeight(), m.height)
	return len(wrapLines(st.body(m.width), m.width)) > h-len(m.rulesHead(m.width))
}
