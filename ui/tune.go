package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/tuning"
)

// tuneTopN is how many services and sources the tuning view names.
const tuneTopN = 5

// tuneState is the tuning view T opens: the advisor's report.
type tuneState struct {
	loading bool
	// composing: the settings are read and a worker reads the table's
	// composition (tuned, composed).
	composing bool
	err       error
	advice    tuning.Advice
	report    format.Doc // the advice laid out, wrapped to the width when drawn
	scroll    int
	saving    bool
}

// tuneMsg carries the settings the advisor works from.
type tuneMsg struct {
	in  tuning.Input
	err error
}

func readTuning(f func() (tuning.Input, error)) tea.Cmd {
	return func() tea.Msg {
		in, err := f()
		return tuneMsg{in, err}
	}
}

func (m *Model) openTune() tea.Cmd {
	if m.cfg.Tuning == nil {
		m.status = "no tuning advice for this source"
		return nil
	}
	m.tune = &tuneState{loading: true}
	m.enter(modeTune)
	return readTuning(m.cfg.Tuning)
}

// tuned takes the settings read, and starts a worker that reads the
// table's composition aside (tuning.InputFromTable walks every flow: about
// 2 s at a million flows from as many sources, which the frame that
// answers keys must not wait for); composed completes the advice.
func (m *Model) tuned(msg tuneMsg) tea.Cmd {
	if m.tune == nil {
		return nil
	}
	if msg.err != nil {
		m.tune.loading, m.tune.err = false, msg.err
		return nil
	}
	m.tune.composing = true
	t, tab, now := m.tune, m.table, m.table.Now()
	var in tuning.Input
	done := tab.ReadAside(func() { in = tuning.InputFromTable(tab, tuneTopN, now) })
	return func() tea.Msg {
		<-done
		return tuneComposedMsg{t: t, in: in, read: msg.in}
	}
}

// tuneComposedMsg carries the table's composition, read aside, for the
// tuning view t, and the settings read before.
type tuneComposedMsg struct {
	t        *tuneState
	in, read tuning.Input
}

// composed runs the advisor on the composition read aside, unless the
// view it was read for has closed or been reopened since.
func (m *Model) composed(msg tuneComposedMsg) {
	if m.tune == nil || m.tune != msg.t {
		return
	}
	in := msg.in
	in.Settings, in.HostSettings = msg.read.Settings, msg.read.HostSettings
	in.Recent = tuning.RecentFrom(m.watched.first, m.table.Stats(), m.watched.last.Sub(m.watched.since))
	in.SynProxyPorts, in.SynProxyKnown = msg.read.SynProxyPorts, msg.read.SynProxyKnown
	if m.cfg.Actions == nil { // the report names b, n, P without offering them
		in.NoActions = m.readOnlyReason()
	}
	m.tune.loading, m.tune.composing = false, false
	m.tune.advice = tuning.Advise(in)
	m.tune.report = m.tune.advice.Report()
}

func (m *Model) tuneKey(msg tea.KeyPressMsg) tea.Cmd {
	t := m.tune
	if t.saving {
		return m.tuneSaveKey(msg)
	}
	switch msg.String() {
	case "esc", "q", "T":
		m.leave(modeTune)
	case "ctrl+c":
		return tea.Quit
	case "r":
		return m.openTune()
	case "s":
		switch {
		case t.loading:
			m.status = "nothing to save yet: the settings are still being read"
		case t.err != nil:
			m.status = "nothing to save: " + t.err.Error()
		default:
			t.saving = true
			m.prompt.SetValue(tuning.SnippetPath) // the path the report names
			m.prompt.Prompt = "save the sysctl.d snippet to: "
			m.prompt.CursorEnd()
			return m.prompt.Focus()
		}
	default:
		if !scrollKey(msg, &t.scroll) {
			m.unknownKey(msg, "s saves the snippet, esc closes")
		}
	}
	return nil
}

// tuneSaveKey edits the file name of the snippet; enter writes it (never
// over an existing file), esc cancels. Nothing is applied: the report says
// how to load it.
func (m *Model) tuneSaveKey(msg tea.KeyPressMsg) tea.Cmd {
	t := m.tune
	switch msg.String() {
	case "esc":
		t.saving = false
		m.prompt.Blur()
		m.prompt.Prompt = "/ "
		return nil
	case "enter":
		path := strings.TrimSpace(m.prompt.Value())
		if path == "" {
			m.status = "save: no file name (esc goes back)"
			return nil
		}
		t.saving = false
		m.prompt.Blur()
		m.prompt.Prompt = "/ "
		return saveSnippet(path, t.advice.SysctlSnippet())
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	return cmd
}

func (m *Model) renderTune(w, h int) []string {
	s := &m.styles
	t := m.tune
	switch {
	case t.loading && t.composing:
		return append(m.tuneHead(w), s.Dim.Render("  reading the table's "+format.Int(int64(m.table.Len()))+" flows"+s.Glyphs.ellipsis))
	case t.loading:
		return append(m.tuneHead(w), s.Dim.Render("  reading the settings"+s.Glyphs.ellipsis))
	case t.err != nil:
		return append(m.tuneHead(w), textLines(s.Alarm, format.Printable(t.err.Error()), w, "  ")...)
	}
	return scrolled(m.tuneHead(w), t.body(w), t.scroll, h, w)
}

// tuneHead is the view's title, and the file name being typed, wrapped to
// w cells.
func (m *Model) tuneHead(w int) []string {
	s := &m.styles
	lines := []string{s.Title.Render("Tuning") + s.Dim.Render("  (nothing is applied; s saves the sysctl.d snippet, r refreshes)")}
	if m.tune.saving {
		lines = append(lines, m.prompt.View())
	}
	return wrapLines(lines, w)
}

// body is the report wrapped to w columns, and the snippet.
func (t *tuneState) body(w int) []string {
	return strings.Split(t.report.Text(w)+"\n"+t.advice.SysctlSnippet(), "\n")
}

// saveSnippet saves the sysctl.d snippet as saveFile does, and says how to
// load it: cttop applies nothing.
func saveSnippet(path, text string) tea.Cmd {
	save := saveFile(path, text)
	return func() tea.Msg {
		msg := save().(savedMsg)
		if msg.err == nil {
			msg.what = " (nothing applied: sysctl -p " + msg.path + " loads it)"
		}
		return msg
	}
}
