// Package ui is cttop's terminal interface: an Elm-style bubbletea program
// over the model. It never talks to the kernel: batches arrive on a
// channel, and actions leave as intents.
package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// Config is what the program needs from main.
type Config struct {
	// Batches delivers the source's batches; Done delivers the error that
	// ended the source (nil for a clean end).
	Batches <-chan *model.Batch
	Done    <-chan error
	Sort    model.Column
	Reverse bool
	// Filter is applied from the start (nil: every flow).
	Filter *filter.Filter
	// Group is the top view's grouping, Share its heavy-hitter threshold
	// (model.DefaultShare when 0); TopView starts in the top view (as
	// StartView StartTop does; StartAuto lands there under pressure).
	Group     model.Grouping
	Share     float64
	TopView   bool
	StartView StartView
	// Actions deletes flows and applies rules; nil makes them unavailable
	// for the reason in ReadOnly ("--read-only", "replay", ...).
	Actions  Actions
	ReadOnly string
	// Yes skips the confirmation of deletions (not of lock-out warnings).
	Yes bool
	// Tuning reads the settings for the tuning view (T); it may read
	// files and runs in a command. nil: no tuning view.
	Tuning func() (tuning.Input, error)
	// AfterBatch, if set, runs on the UI's goroutine after each batch with
	// the table, which it must only read (metrics use it).
	AfterBatch func(*model.Table)

	// The whole host (host.go). Host delivers namespace snapshots and
	// kernel log lines (nil: none, as for the demo or a replay); Watch
	// opens another namespace's table, in a command (nil: no switching);
	// Watching is the inode of the table shown at start (0: unknown);
	// StartAll starts in the namespaces view.
	Host     <-chan HostUpdate
	Watch    func(inode uint64) (Watched, error)
	Watching uint64
	StartAll bool
	// History is how far back the history pane reaches (0: 15 minutes);
	// ReplayHistory is the history a saved file brought, shown instead.
	History       time.Duration
	ReplayHistory *model.History
	// Status is shown in the status line until the first message replaces
	// it: where the metrics are served, with the port the kernel chose.
	Status string
	// SizeFallback is the size to assume when the terminal reports none.
	SizeFallback SizeFallback
	// ASCII draws with ASCII only (#, -, ^, v, ->, ...): the terminal's
	// locale is not UTF-8, or it is a console that shows no Unicode.
	ASCII bool
}

// headerLines is the height of the header above the table, without the
// verdict line (headerHeight).
const headerLines = 3

// heavyDetailLimit bounds the addresses whose state mix is summed afresh
// for the rows of src/auto in one frame (model.Groups.SetDetailLimit): a
// row is summed once, then kept up to date by the changes; the rows left
// waiting are summed in the next frames (waitForDetail).
const heavyDetailLimit = 1 << 16

type viewKind int

const (
	viewFlows viewKind = iota
	viewTop
)

// Model is the root of the program.
type Model struct {
	cfg    Config
	keys   KeyMap
	styles Styles
	help   help.Model
	width  int
	height int

	table  *model.Table
	list   *model.List
	groups *model.Groups
	filter *filter.Filter

	// verdict judges the table under pressure (verdict.go); judged is its
	// last judgment, made at judgedAt (table seconds).
	verdict  *model.Verdict
	judged   model.VerdictReport
	judgedAt uint32

	view viewKind
	// The flows cursor follows a flow (sel) once the user moves it; until
	// then (atTop) it stays on the first row like top's.
	sel    model.Key
	hasSel bool
	atTop  bool
	cursor int // display position of the selection
	offset int // display position of the first visible row
	rows   []int32
	top    topState

	tags      map[model.Key]struct{}
	groupTags map[model.GroupKey]struct{}

	// modes is the stack of modes (see mode.go); empty is browsing.
	modes []mode

	prompt      textinput.Model
	preview     promptPreview
	previewRun  *previewRun // a match count under way (filter.go)
	filterStack []*filter.Filter

	detail  *detailState
	confirm *confirmState
	busy    *busyState
	rules   *rulesState
	blocked *listState
	tune    *tuneState

	// watched holds the first valid statistics cttop saw and when, and
	// the time of the latest batch: the drop counters' increase between
	// them is what the tuning advice may rest on (not the counters since
	// boot).
	watched struct {
		first       model.TableStats
		since, last time.Time
	}

	paused bool
	held   *model.Batch
	// status is the last message of the status line; a brief one (an
	// unknown key) goes with the next key or after briefFor of table time;
	// one that describes the screen goes when screen changes, one kept
	// (statusKeep) stays until replaced (message.go).
	status      string
	statusBrief bool
	statusAt    uint32
	statusKeep  bool
	screen      screenContext
	// sizeNote says the terminal reported no size, and assumed is the
	// size cttop took instead.
	sizeNote string
	assumed  Size
	// helpScroll is the first line of the help shown.
	helpScroll int
	err        error

	waitingGroups bool // a waitForGroups command is out
	waitingDetail bool // a waitForDetail command is out

	start startState // the automatic start view (startview.go)
	// dropBase is drop + early_drop when cttop first saw table t's
	// statistics: what the header colours rests on drops since then.
	dropBase struct {
		t *model.Table
		n uint64
	}

	host *hostState // namespaces, kernel log, history (host.go)
}

// New returns the program's model.
func New(cfg Config) *Model {
	t := model.NewTable(0)
	l := model.NewList(t)
	l.SetSort(cfg.Sort, cfg.Reverse)
	g := model.NewGroups(t)
	g.SetGrouping(cfg.Group)
	g.TrackNew(0)
	g.SetDetailLimit(heavyDetailLimit)
	v := model.NewVerdict(0)
	if cfg.Share > 0 {
		g.SetShare(cfg.Share)
		v.SetShare(cfg.Share)
	}
	m := &Model{
		cfg: cfg, keys: DefaultKeyMap(), help: help.New(),
		table: t, list: l, groups: g, verdict: v, atTop: true, width: 80, height: 24,
		tags: map[model.Key]struct{}{}, groupTags: map[model.GroupKey]struct{}{},
		prompt: newPrompt(), host: newHostState(cfg), status: cfg.Status, statusKeep: cfg.Status != "",
	}
	m.setStyles(true)
	m.keys.useGlyphs(&m.styles.Glyphs)
	if cfg.Actions == nil {
		m.keys.disableActions(m.readOnlyReason())
	}
	m.setFilter(cfg.Filter)
	switch {
	case cfg.TopView || cfg.StartView == StartTop:
		m.view = viewTop
	case cfg.StartView == StartAuto && !(cfg.StartAll && cfg.Host != nil):
		m.start.pending = true
	}
	if cfg.StartAll && cfg.Host != nil {
		m.enter(modeNamespaces)
	}
	m.screen = m.screenNow()
	return m
}

// setStyles builds the styles for a dark or light background, with the
// glyphs the terminal can show.
func (m *Model) setStyles(isDark bool) {
	m.styles = NewStyles(isDark)
	m.styles.Glyphs = glyphsFor(m.cfg.ASCII)
	m.help.Styles = help.DefaultStyles(isDark)
	m.help.Ellipsis = m.styles.Glyphs.ellipsis
	m.help.ShortSeparator = "  "
}

// Err returns the error that ended the program, if any.
func (m *Model) Err() error { return m.err }

// Init starts waiting for batches and asks the terminal for its background.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.waitForBatch(), m.waitForHost(), tea.RequestBackgroundColor)
}

func (m *Model) waitForBatch() tea.Cmd {
	if m.cfg.Batches == nil {
		return nil
	}
	return waitForBatch(m.cfg.Batches, m.cfg.Done, m.host.gen)
}

// Update dispatches a message to its handler, then keeps the scroll
// positions within their texts (so that View only reads the state).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case groupsDoneMsg:
		m.waitingGroups = false
		m.refresh()
		return m, tea.Batch(m.waitForGroups(), m.waitForDetail())
	case detailMsg:
		m.waitingDetail = false
		m.groups.MoreDetail()
		m.refresh()
		return m, m.waitForDetail()
	}
	before, kept, md := m.status, m.statusKeep, m.mode()
	m.statusKeep = false
	cmd := m.update(msg)
	m.settleStatus(before, kept)
	if m.status != before || m.mode() != md {
		m.refresh() // a message or a question may take lines from the rows (tableHeight)
	}
	m.clampScrolls()
	return m, tea.Batch(cmd, m.waitForGroups(), m.waitForDetail())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
	case BatchMsg:
		m.ingest(msg.Batch)
		if m.statusBrief && m.table.Now() >= m.statusAt+briefFor {
			m.status, m.statusBrief = "", false
		}
		if m.cfg.AfterBatch != nil {
			m.cfg.AfterBatch(m.table)
		}
		return tea.Batch(m.waitForBatch(), m.refreshBlocked())
	case sourceDoneMsg:
		m.err = msg.err
		return tea.Quit
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case previewDoneMsg:
		m.counted(msg.run)
		return nil
	}
	if cmd, ok := m.hostMsgs(msg); ok {
		return cmd
	}
	cmd, _ := m.actionMsg(msg)
	return cmd
}

// ingest applies a batch, or holds it while the view is frozen.
func (m *Model) ingest(b *model.Batch) {
	if m.paused || m.host.saving {
		if m.held == nil {
			m.held = b
		} else {
			m.held.Merge(b)
		}
		return
	}
	ch := m.table.Apply(b)
	if b.History != nil {
		m.host.replay = b.History // a saved table's, with its last part
	}
	if st := m.table.Stats(); st.Valid && !b.Time.IsZero() {
		if !m.watched.first.Valid {
			m.watched.first, m.watched.since = st, b.Time
		}
		m.watched.last = b.Time
	}
	m.list.Update(ch)
	m.groups.Update(ch)
	m.recordHistory(b.Time)
	if st := m.table.Stats(); st.Valid && m.dropBase.t != m.table {
		m.dropBase.t, m.dropBase.n = m.table, st.Drop+st.EarlyDrop
	}
	m.observeVerdict(ch)
	m.decideStart(b)
	m.followDetail()
	m.refresh()
}

// refresh finds the selection's row and the visible window of the current
// view. It runs after every batch and key, and is the only place that
// reads the list or the groups.
func (m *Model) refresh() {
	m.pruneTags()
	if m.view == viewTop {
		m.refreshTop()
		return
	}
	// A rebuild of the list (a new sort or filter) sorts the rows on
	// screen first: these, a page more and the same around the selection.
	h := m.tableHeight()
	focus := int32(-1)
	if !m.atTop && m.hasSel {
		focus = m.table.Find(m.sel)
	}
	m.list.Need(2*h, focus)
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

// render draws the screen: the header (fewer of its lines on a short
// terminal), the body of the mode, the status line last, in exactly
// height lines of at most width cells; nothing at all in 0 cells. On an
// ASCII terminal no byte above 0x7f leaves it.
func (m *Model) render() string {
	out := m.draw()
	if m.cfg.ASCII {
		out = asciiOnly(out)
	}
	return out
}

// draw is render without the ASCII guard: a test holds it to no byte
// above 0x7f on an ASCII terminal, so that the guard never has to act on
// cttop's own text.
func (m *Model) draw() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	return clip(strings.Join(m.frame(), "\n"), m.width, m.height)
}

// frame is the screen's lines before clip cuts them to the terminal: a
// test holds them to the width at 80 and 100 columns, so that clip never
// has to cut a word there.
func (m *Model) frame() []string {
	w, h := m.width, m.height
	// A message may take every row but the header's first: the table
	// gives them up until the next key, the message is never cut to keep
	// them (a question neither).
	status := m.renderStatusLines(w, max(1, h-1))
	head := m.renderHeader(w)
	nh, nb := frameHeights(len(head), h-len(status)+1)
	lines := head[:nh]
	if nb > 0 {
		body := m.keepCursor(m.renderBody(w, nb), nb)
		lines = append(lines, body[:min(len(body), nb)]...)
	}
	for len(lines) < h-len(status) {
		lines = append(lines, "")
	}
	return append(lines, status...)
}

// flowColumns lays out the flows table's visible rows for width w: the
// rows, the columns, and the names of the columns that gave way (which
// the status line says).
func (m *Model) flowColumns(w int) (rows []row, cols []column, hidden []string) {
	now := m.table.Now()
	rows = make([]row, len(m.rows))
	for i, s := range m.rows {
		c, _ := m.table.CountersAt(s)
		rows[i] = row{Flow: m.table.At(s), Counters: c, Now: now}
	}
	nat, marked, zoned, counted := m.table.Extras()
	sorted, _ := m.list.Sort()
	if len(m.tags) > 0 {
		w -= 2 // the tags' gutter
	}
	cols, hidden = layout(w, rows, [4]int{nat, marked, zoned, counted}, sorted, &m.styles.Glyphs)
	return rows, cols, hidden
}

func (m *Model) renderFlows(w int) []string {
	rows, cols, _ := m.flowColumns(w)
	tagged := len(m.tags) > 0
	head := m.renderHeaderRow(cols)
	if tagged {
		head = "  " + head
	}
	return append([]string{head}, m.renderRows(cols, rows, w, tagged)...)
}
