package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
)

// promptPreview is what the filter being typed would do.
type promptPreview struct {
	text    string
	matched int
	err     error
}

func newPrompt() textinput.Model {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = "dst port 80 and not src net 10.0.0.0/8"
	ti.CharLimit = 1024
	return ti
}

// setFilter applies a filter (nil: none) to the flows and the top view.
func (m *Model) setFilter(f *filter.Filter) {
	m.filter = f
	if f == nil {
		m.list.SetFilter(nil)
		m.groups.SetFilter(nil)
	} else {
		m.list.SetFilter(f)
		m.groups.SetFilter(f)
	}
	m.atTop, m.top = true, topState{}
	m.refresh()
}

// filterText is the active filter expression ("" for none).
func (m *Model) filterText() string {
	if m.filter == nil {
		return ""
	}
	return m.filter.String()
}

func (m *Model) openPrompt() tea.Cmd {
	m.enter(modePrompt)
	m.prompt.SetValue(m.filterText())
	m.prompt.CursorEnd()
	m.fitPrompt()
	m.updatePreview()
	return m.prompt.Focus()
}

// promptKey edits the filter: the header shows the match count (or the
// parse error) as you type; enter applies, esc cancels, empty clears.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "ctrl+c":
		return tea.Quit
	case "esc":
		m.closePrompt()
		return nil
	case "enter":
		f, err := filter.Parse(m.prompt.Value())
		if err != nil {
			m.preview = promptPreview{text: m.prompt.Value(), err: err}
			return nil
		}
		m.closePrompt()
		m.pushFilter(f)
		return nil
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	if m.prompt.Value() != m.preview.text {
		m.fitPrompt()
		m.updatePreview()
	}
	return cmd
}

// fitPrompt makes the input as wide as its text, leaving the rest of the
// line to the match count or the parse error.
func (m *Model) fitPrompt() {
	w := max(len(m.prompt.Placeholder), len([]rune(m.prompt.Value()))+1)
	m.prompt.SetWidth(min(w, max(10, m.width-45)))
}

func (m *Model) closePrompt() {
	m.leave(modePrompt)
	m.prompt.Blur()
}

// updatePreview counts the flows the typed filter matches: one pass over
// the table, about 20 ms at a million flows.
func (m *Model) updatePreview() {
	text := m.prompt.Value()
	m.preview = promptPreview{text: text}
	f, err := filter.Parse(text)
	if err != nil {
		m.preview.err = err
		return
	}
	if f == nil {
		m.preview.matched = m.table.Len()
		return
	}
	n := 0
	for s := int32(0); s < m.table.Slots(); s++ {
		if fl := m.table.At(s); fl.Family != 0 && f.Match(fl, m.table.ExtAt(s)) {
			n++
		}
	}
	m.preview.matched = n
}

// pushFilter applies f and remembers the filter it replaces, so esc can
// step back out of a drill-down.
func (m *Model) pushFilter(f *filter.Filter) {
	m.filterStack = append(m.filterStack, m.filter)
	m.setFilter(f)
	if f == nil {
		m.status = "filter cleared"
	} else {
		m.status = "filter: " + f.String()
	}
}

// popFilter goes back to the filter before the last one.
func (m *Model) popFilter() {
	n := len(m.filterStack)
	if n == 0 {
		return
	}
	f := m.filterStack[n-1]
	m.filterStack = m.filterStack[:n-1]
	m.setFilter(f)
	if f == nil {
		m.status = "filter cleared"
	} else {
		m.status = "back to filter: " + f.String()
	}
}

// narrow adds a condition to the active filter (drill-down).
func (m *Model) narrow(cond *filter.Filter) {
	f, err := filter.And(m.filter, cond)
	if err != nil {
		m.status = err.Error()
		return
	}
	m.pushFilter(f)
}
