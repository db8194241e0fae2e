// Package ui is cttop's terminal interface: an Elm-style bubbletea program
// over the model. It never talks to the kernel: batches arrive on a
// channel, and actions leave as intents.
package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// Config is what the program needs from main.
type Config struct {
	// Batches delivers the source's batches; Done delivers the error that
	// ended the source (nil for a clean end).
	Batches <-chan *model.Batch
	Done    <-chan error
	Sort    model.Column
	Reverse bool
}

// headerLines is the height of the header above the table.
const headerLines = 3

// Model is the root of the program.
type Model struct {
	cfg    Config
	keys   KeyMap
	styles Styles
	help   help.Model
	width  int
	height int

	table *model.Table
	list  *model.List

	// The cursor follows a flow (sel) once the user moves it; until then
	// (atTop) it stays on the first row like top's.
	sel    model.Key
	hasSel bool
	atTop  bool
	cursor int // display position of the selection
	offset int // display position of the first visible row
	rows   []int32

	paused   bool
	held     *model.Batch
	showHelp bool
	status   string
	err      error
}

// New returns the program's model.
func New(cfg Config) *Model {
	t := model.NewTable(0)
	l := model.NewList(t)
	l.SetSort(cfg.Sort, cfg.Reverse)
	h := help.New()
	m := &Model{
		cfg: cfg, keys: DefaultKeyMap(), styles: NewStyles(true), help: h,
		table: t, list: l, atTop: true, width: 80, height: 24,
	}
	return m
}

// Err returns the error that ended the program, if any.
func (m *Model) Err() error { return m.err }

// Init starts waiting for batches and asks the terminal for its background.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.waitForBatch(), tea.RequestBackgroundColor)
}

func (m *Model) waitForBatch() tea.Cmd {
	if m.cfg.Batches == nil {
		return nil
	}
	wait := waitForBatch(m.cfg.Batches, m.cfg.Done)
	return func() tea.Msg { return wait() }
}

// Update dispatches a message to its handler.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.refresh()
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
	case BatchMsg:
		m.ingest(msg.Batch)
		return m, m.waitForBatch()
	case sourceDoneMsg:
		m.err = msg.err
		return m, tea.Quit
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

// ingest applies a batch, or holds it while the view is frozen.
func (m *Model) ingest(b *model.Batch) {
	if m.paused {
		if m.held == nil {
			m.held = b
		} else {
			m.held.Merge(b)
		}
		return
	}
	m.list.Update(m.table.Apply(b))
	m.refresh()
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if m.showHelp {
		// Any key closes help; quit still quits.
		m.showHelp = false
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	}
	page := max(1, m.tableHeight()-1)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-page)
	case key.Matches(msg, k.PageDown):
		m.move(page)
	case key.Matches(msg, k.Home):
		m.atTop = true
		m.refresh()
	case key.Matches(msg, k.End):
		m.move(m.list.Len())
	case key.Matches(msg, k.SortPrev), key.Matches(msg, k.SortNext):
		m.cycleSort(key.Matches(msg, k.SortNext))
	case key.Matches(msg, k.Reverse):
		c, desc := m.list.Sort()
		m.list.SetSort(c, !desc)
		m.refresh()
	case key.Matches(msg, k.Pause):
		m.togglePause()
	}
	return nil
}

// sortable are the columns < and > cycle through.
var sortable = []model.Column{
	model.ColProto, model.ColSrc, model.ColSport, model.ColDst, model.ColDport,
	model.ColState, model.ColTTL, model.ColAge, model.ColBytes, model.ColPkts,
	model.ColMark, model.ColZone,
}

func (m *Model) cycleSort(next bool) {
	c, desc := m.list.Sort()
	i := 0
	for j, s := range sortable {
		if s == c {
			i = j
		}
	}
	if next {
		i = (i + 1) % len(sortable)
	} else {
		i = (i + len(sortable) - 1) % len(sortable)
	}
	m.list.SetSort(sortable[i], desc)
	m.status = "sorted by " + sortable[i].String()
	m.refresh()
}

func (m *Model) togglePause() {
	m.paused = !m.paused
	if !m.paused && m.held != nil {
		b := m.held
		m.held = nil
		m.ingest(b)
	}
}

// move moves the cursor by d rows and makes it follow the flow there.
func (m *Model) move(d int) {
	n := m.list.Len()
	if n == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), n-1)
	m.atTop = false
	m.sel = m.table.At(m.list.Slot(m.cursor)).Key()
	m.hasSel = true
	m.refresh()
}

// tableHeight is the number of flow rows on screen.
func (m *Model) tableHeight() int {
	return max(1, m.height-headerLines-2)
}

// refresh finds the selected flow's row and the visible window. It runs
// after every batch and key, and is the only place that reads the list.
func (m *Model) refresh() {
	n := m.list.Len()
	switch {
	case n == 0:
		m.cursor, m.offset, m.hasSel = 0, 0, false
	case m.atTop || !m.hasSel:
		m.cursor = 0
	default:
		pos := -1
		if slot := m.table.Find(m.sel); slot >= 0 {
			pos = m.list.Position(slot)
		}
		if pos >= 0 {
			m.cursor = pos
		} else {
			// The flow is gone: stay on the same row, now another flow's.
			m.cursor = min(m.cursor, n-1)
		}
	}
	if n > 0 {
		m.sel = m.table.At(m.list.Slot(m.cursor)).Key()
		m.hasSel = true
	}
	h := m.tableHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, n-h))
	m.rows = m.list.Window(m.offset, h, m.rows[:0])
}

// View draws the screen from the state refresh computed.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "cttop"
	return v
}

func (m *Model) render() string {
	w := m.width
	lines := m.renderHeader(w)
	if m.showHelp {
		lines = append(lines, "", m.help.FullHelpView(m.keys.FullHelp()))
		return clip(strings.Join(lines, "\n"), w, m.height)
	}
	now := m.table.Now()
	rows := make([]row, len(m.rows))
	for i, s := range m.rows {
		rows[i] = row{f: m.table.At(s), c: m.table.CountersAt(s), now: now}
	}
	nat, marked, zoned, counted := m.table.Extras()
	sorted, _ := m.list.Sort()
	cols := layout(w, rows, [4]int{nat, marked, zoned, counted}, sorted)
	lines = append(lines, m.renderHeaderRow(cols))
	lines = append(lines, m.renderRows(cols, rows, w)...)
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	lines = append(lines, m.renderStatus(w))
	return clip(strings.Join(lines, "\n"), w, m.height)
}
