package ui

import (
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// promptPreview is what the filter being typed would do.
type promptPreview struct {
	text    string
	matched int
	err     error
	// note warns of the NAT trap: a direction that misses flows holding
	// the address at another end ("" when none would).
	note string
	// counting is set while a worker counts the matches (big tables).
	counting bool
}

// previewAsideMin is the table size from which the match count is taken
// off the frame: a pass over a million flows took 30-60 ms a key typed.
const previewAsideMin = 1 << 16

// previewRun is a match count under way off the frame.
type previewRun struct {
	canon string // the filter's canonical text, as filterText says it
	stop  atomic.Bool
	done  <-chan struct{}
	// Written by the worker before done is closed.
	res promptPreview
}

// previewDoneMsg says the match count of run ended.
type previewDoneMsg struct{ run *previewRun }

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
	return tea.Batch(m.updatePreview(), m.prompt.Focus())
}

// promptKey edits the filter: the header shows the match count (or the
// parse error) as you type; enter applies, esc cancels, empty clears.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "ctrl+c":
		return tea.Quit
	case "esc":
		m.stopPreview()
		m.closePrompt()
		return nil
	case "enter":
		f, err := filter.Parse(m.prompt.Value())
		if err != nil {
			m.preview = promptPreview{text: m.prompt.Value(), err: err}
			return nil
		}
		note := m.preview.note
		m.closePrompt()
		m.pushFilter(f)
		if note != "" && f != nil {
			m.status += "; " + note
		}
		return nil
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	if m.prompt.Value() != m.preview.text {
		m.fitPrompt()
		cmd = tea.Batch(cmd, m.updatePreview())
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
// the table, 30-60 ms at a million flows, so from previewAsideMin flows on
// a worker counts while the header says so (the command it returns brings
// the count). With a directional address test (src A, dst net N) it also
// counts the flows the filter misses but would match with the address at
// any end, and notes them.
func (m *Model) updatePreview() tea.Cmd {
	m.stopPreview()
	text := m.prompt.Value()
	m.preview = promptPreview{text: text}
	f, err := filter.Parse(text)
	if err != nil {
		m.preview.err = err
		return nil
	}
	if f == nil {
		m.preview.matched = m.table.Len()
		return nil
	}
	if m.table.Slots() < previewAsideMin {
		m.preview = countMatches(m.table, text, f, nil)
		return nil
	}
	r := &previewRun{canon: f.String()}
	t := m.table
	r.done = t.ReadAside(func() { r.res = countMatches(t, text, f, &r.stop) })
	m.previewRun = r
	m.preview.counting = true
	return func() tea.Msg { <-r.done; return previewDoneMsg{r} }
}

// counted takes a match count that ended: shown if it is the one the
// prompt waits for; its NAT note goes to the status line if its filter was
// applied meanwhile.
func (m *Model) counted(r *previewRun) {
	switch {
	case r.stop.Load():
	case m.previewRun == r && m.mode() == modePrompt:
		m.preview = r.res
		m.previewRun = nil
	case m.previewRun == r:
		m.previewRun = nil
		if r.res.note != "" && m.filterText() == r.canon {
			m.status += "; " + r.res.note
		}
	}
}

// stopPreview abandons a match count under way.
func (m *Model) stopPreview() {
	if r := m.previewRun; r != nil {
		r.stop.Store(true)
		m.previewRun = nil
	}
}

// countMatches counts the flows of t that f matches, and those it would
// match with its address at any end (the NAT note); it stops early, with
// a count that is not shown, when stop is set.
func countMatches(t *model.Table, text string, f *filter.Filter, stop *atomic.Bool) promptPreview {
	p := promptPreview{text: text}
	orig, every := f.Widened()
	n, moreOrig, moreAny := 0, 0, 0
	for s := int32(0); s < t.Slots(); s++ {
		if s&0xffff == 0 && stop != nil && stop.Load() {
			return p
		}
		fl := t.At(s)
		if fl.Family == 0 {
			continue
		}
		x := t.ExtAt(s)
		switch {
		case f.Match(fl, x):
			n++
		case every != nil && every.Match(fl, x):
			moreAny++
			if orig.Match(fl, x) {
				moreOrig++
			}
		}
	}
	p.matched = n
	word := "host"
	if strings.Contains(text, "/") {
		word = "net"
	}
	p.note = natNote(n, moreOrig, moreAny, word)
	return p
}

// natNote says how many more flows hold the filter's address at another
// end, when the direction makes it match fewer than half of them: "14,667
// more have it on the reply side: use host" (src and dst look at the
// original tuple only; host and net at every end, docs/filter.md).
func natNote(matched, moreOrig, moreAny int, word string) string {
	if moreAny == 0 || moreAny < matched {
		return ""
	}
	side := "on the reply side"
	if moreOrig > 0 {
		side = "at another end"
	}
	verb := " more have it "
	if moreAny == 1 {
		verb = " more has it "
	}
	return format.Commas(uint64(moreAny)) + verb + side + ": use " + word
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
