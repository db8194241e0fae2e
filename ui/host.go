package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// HostUpdate is what the application hands over about the whole host: the
// latest namespaces snapshot, the kernel log's new lines, and once why the
// log cannot be read.
type HostUpdate struct {
	Host   *model.HostSnapshot
	Lines  []model.LogLine
	LogErr string
	// At is when the update was sent: the screen's clock until the first
	// batch brings the table's (zero: unknown).
	At time.Time
}

// Watched is the table the program shows after the namespaces view opened
// another namespace (Config.Watch): its batches, and what can be done
// with it.
type Watched struct {
	Batches <-chan *model.Batch
	Done    <-chan error
	// Actions and ReadOnly replace Config's; Tuning reads the new
	// namespace's settings.
	Actions  Actions
	ReadOnly string
	Tuning   func() (tuning.Input, error)
	// Inode is the namespace's inode.
	Inode uint64
}

// maxHistories bounds the tables whose history is kept: the one shown and
// those shown before it, most recent first.
const maxHistories = 8

// hostState is the program's view of the whole host: the namespaces view,
// the kernel log and its pane, the history of each table shown, and the
// table being saved.
type hostState struct {
	ns     nsView
	log    logPane
	klog   *model.KernelLog
	logErr string
	// hist holds a history per namespace inode shown (0: the table cttop
	// started with when its inode is unknown), lru its keys, newest last.
	hist   map[uint64]*model.History
	lru    []uint64
	window time.Duration
	// replay is the history a saved file brought: shown, never added to.
	replay *model.History
	// watching is the inode of the table shown; fromNS says it was opened
	// from the namespaces view (esc goes back there).
	watching uint64
	fromNS   bool
	// gen counts the tables shown: a message of an earlier table's source
	// is dropped.
	gen int
	// at is the time of the latest host update (HostUpdate.At).
	at     time.Time
	saving bool
	save   saveState
}

func newHostState(cfg Config) *hostState {
	h := &hostState{
		klog: model.NewKernelLog(0), hist: map[uint64]*model.History{},
		window: cfg.History, replay: cfg.ReplayHistory, watching: cfg.Watching,
	}
	h.ns.watched = cfg.Watching
	return h
}

// sourceMsg is a message of the source of table generation gen.
type sourceMsg struct {
	gen int
	msg tea.Msg
}

// BatchOf returns the batch a message of the program carries, if any (for
// a tracer that wraps the program).
func BatchOf(msg tea.Msg) *model.Batch {
	switch m := msg.(type) {
	case BatchMsg:
		return m.Batch
	case sourceMsg:
		return BatchOf(m.msg)
	}
	return nil
}

type hostMsg struct {
	u  HostUpdate
	ok bool
}

type watchedMsg struct {
	w    Watched
	name string
	err  error
}

// waitForHost waits for the next host update.
func (m *Model) waitForHost() tea.Cmd {
	ch := m.cfg.Host
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		u, ok := <-ch
		return hostMsg{u, ok}
	}
}

// hostMsgs handles the host's messages; it reports whether msg was one.
func (m *Model) hostMsgs(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case sourceMsg:
		if msg.gen != m.host.gen {
			return nil, true // an earlier table's source
		}
		return m.update(msg.msg), true
	case hostMsg:
		if !msg.ok {
			return nil, true
		}
		m.applyHost(msg.u)
		return m.waitForHost(), true
	case watchedMsg:
		return m.switched(msg), true
	case tableSavedMsg:
		m.saved(msg)
		return nil, true
	}
	return nil, false
}

func (m *Model) applyHost(u HostUpdate) {
	h := m.host
	if u.At.After(h.at) {
		h.at = u.At
	}
	if u.LogErr != "" && h.logErr == "" {
		h.logErr = u.LogErr
		m.keepStatus(u.LogErr) // said once
	}
	for _, l := range u.Lines {
		h.klog.Add(l)
	}
	if u.Host != nil {
		h.ns.setSnapshot(*u.Host)
	}
}

// nsName names the namespace of inode ino as the namespaces view does
// ("" when unknown), with the earliest time it is known to have existed
// (an nsNamer).
func (m *Model) nsName(ino uint64) (string, time.Time) {
	if r, ok := m.host.ns.snap.Find(ino); ok {
		return r.Name, r.Since
	}
	return "", time.Time{}
}

// history is the history of the table shown.
func (m *Model) history() *model.History {
	h := m.host
	if h.replay != nil {
		return h.replay
	}
	hist := h.hist[h.watching]
	for i, ino := range h.lru {
		if ino == h.watching {
			h.lru = append(h.lru[:i], h.lru[i+1:]...)
			break
		}
	}
	h.lru = append(h.lru, h.watching)
	if hist == nil {
		hist = model.NewHistory(h.window)
		h.hist[h.watching] = hist
		if len(h.lru) > maxHistories {
			delete(h.hist, h.lru[0])
			h.lru = h.lru[1:]
		}
	}
	return hist
}

// recordHistory adds the table's state at time at to its history.
func (m *Model) recordHistory(at time.Time) {
	if m.host.replay != nil || at.IsZero() || m.table.Info().Kind == "replay" {
		return
	}
	m.history().Add(model.SampleOf(at, m.table.Stats(), m.table.Rates()))
}

// hostBrowseKey handles the keys of the whole host in the flows and top
// views: N, L, H, w, and esc back to the namespaces view.
func (m *Model) hostBrowseKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Namespaces):
		if m.cfg.Host == nil {
			m.status = "the namespaces view needs the live kernel (not the demo or a replay)"
			return nil, true
		}
		m.enter(modeNamespaces)
	case key.Matches(msg, k.Log):
		m.enter(modeLog)
	case key.Matches(msg, k.History):
		m.enter(modeHistory)
	case key.Matches(msg, k.Write):
		return m.openSave(), true
	case key.Matches(msg, k.Back) && m.host.fromNS && len(m.filterStack) == 0 && m.filter == nil:
		m.enter(modeNamespaces)
	default:
		return nil, false
	}
	return nil, true
}

// bodyHeight is the height below the header and above the status line.
func (m *Model) bodyHeight() int { return max(1, m.height-headerLines-1) }

// paneKey handles the keys shared by the host's panes: quit, help, the
// pane keys (which switch pane, or close the one shown), esc.
func (m *Model) paneKey(msg tea.KeyPressMsg, md mode) (tea.Cmd, bool) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		m.enter(modeHelp)
	case key.Matches(msg, k.Back):
		m.leave(md)
	case key.Matches(msg, k.Write):
		return m.openSave(), true
	case key.Matches(msg, k.Namespaces, k.Log, k.History):
		target := modeNamespaces
		switch {
		case key.Matches(msg, k.Log):
			target = modeLog
		case key.Matches(msg, k.History):
			target = modeHistory
		}
		m.leave(md)
		if target != md && (target != modeNamespaces || m.cfg.Host != nil) {
			m.enter(target)
		}
	default:
		return nil, false
	}
	return nil, true
}

// namespacesKey handles the keys of the namespaces view.
func (m *Model) namespacesKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg, modeNamespaces); ok {
		return cmd
	}
	in, ok := m.host.ns.key(msg.String(), m.bodyHeight()-2)
	switch {
	case in.open:
		return m.openNamespace(in.inode, in.name)
	case !ok:
		m.unknownKey(msg, "enter opens a table, esc goes back")
	}
	return nil
}

// logKey and historyKey handle the keys of the log and history panes.
func (m *Model) logKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg, modeLog); ok {
		return cmd
	}
	if !m.host.log.key(msg.String(), m.bodyHeight()-1) {
		m.unknownKey(msg, "j/k scroll, esc goes back")
	}
	return nil
}

func (m *Model) historyKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, ok := m.paneKey(msg, modeHistory)
	if !ok {
		m.unknownKey(msg, "w saves it, esc goes back")
	}
	return cmd
}

// openNamespace shows the table of the namespace inode: at once if it is
// the one shown, else through Config.Watch in a command.
func (m *Model) openNamespace(inode uint64, name string) tea.Cmd {
	h := m.host
	if inode == h.watching {
		m.leave(modeNamespaces)
		h.fromNS = true
		return nil
	}
	if m.cfg.Watch == nil {
		m.status = "cannot switch tables here"
		return nil
	}
	m.status = "opening the table of " + name + m.styles.Glyphs.ellipsis
	watch := m.cfg.Watch
	return func() tea.Msg {
		w, err := watch(inode)
		return watchedMsg{w: w, name: name, err: err}
	}
}

// switched shows the table Watch opened: a new table, the same sort,
// filter and grouping, the new source's batches.
func (m *Model) switched(msg watchedMsg) tea.Cmd {
	if msg.err != nil {
		m.status = "cannot open the table of " + msg.name + ": " + msg.err.Error()
		return nil
	}
	h, w := m.host, msg.w
	h.gen++
	m.cfg.Batches, m.cfg.Done = w.Batches, w.Done
	m.cfg.Actions, m.cfg.ReadOnly, m.cfg.Tuning = w.Actions, w.ReadOnly, w.Tuning
	m.keys = DefaultKeyMap()
	if w.Actions == nil {
		m.keys.disableActions(m.readOnlyReason())
	}
	sort, desc := m.list.Sort()
	m.table = model.NewTable(0)
	m.list = model.NewList(m.table)
	m.list.SetSort(sort, desc)
	by := m.groups.By()
	m.groups = model.NewGroups(m.table)
	m.groups.SetBy(by)
	m.hasSel, m.atTop, m.held = false, true, nil
	clear(m.tags)
	clear(m.groupTags)
	m.setFilter(m.filter)
	h.watching, h.fromNS, h.ns.watched = w.Inode, true, w.Inode
	m.leave(modeNamespaces)
	m.status = "showing the table of " + msg.name
	return m.waitForBatch()
}
