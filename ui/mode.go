package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/format"
)

// mode is what has the keyboard: one value decides both which handler gets
// a key and what is drawn below the header.
type mode uint8

const (
	modeBrowse     mode = iota // the flows or the top view (Model.view)
	modeDetail                 // the selected flow's detail pane
	modeHelp                   // the keys; any key closes it
	modePrompt                 // the filter being typed, in the header; the view stays below
	modeRules                  // the dialog that previews rules (Model.rules)
	modeBlocked                // the list of cttop's rules (Model.blocked)
	modeTune                   // the tuning report (Model.tune)
	modeConfirm                // a yes/no question in the status line (Model.confirm)
	modeNamespaces             // every namespace's table (N, --all; host.go)
	modeLog                    // the kernel log's lines about the table (L)
	modeHistory                // the table's history, charted (H)
	modeSave                   // the path the table and its history are saved to (w), in the header
)

// drawsBody reports whether the mode draws the screen below the header;
// the prompt and a question leave the mode under them on screen.
func (md mode) drawsBody() bool { return md != modePrompt && md != modeConfirm && md != modeSave }

// mode returns the mode on top of the stack: the one that gets the keys.
func (m *Model) mode() mode {
	if len(m.modes) == 0 {
		return modeBrowse
	}
	return m.modes[len(m.modes)-1]
}

// bodyMode returns the topmost mode that draws the screen below the header.
func (m *Model) bodyMode() mode {
	for i := len(m.modes) - 1; i >= 0; i-- {
		if m.modes[i].drawsBody() {
			return m.modes[i]
		}
	}
	return modeBrowse
}

// in reports whether md is on the stack.
func (m *Model) in(md mode) bool { return slices.Contains(m.modes, md) }

// enter puts md on top of the stack (once).
func (m *Model) enter(md mode) {
	m.modes = slices.DeleteFunc(m.modes, func(x mode) bool { return x == md })
	m.modes = append(m.modes, md)
}

// leave takes md off the stack, wherever it is, and drops its state.
func (m *Model) leave(md mode) {
	m.modes = slices.DeleteFunc(m.modes, func(x mode) bool { return x == md })
	switch md {
	case modeConfirm:
		m.confirm = nil
	case modeRules:
		m.rules = nil
	case modeBlocked:
		m.blocked = nil
	case modeTune:
		m.tune = nil
	case modeDetail:
		m.detail = nil
	}
}

// handleKey gives the key to the mode on top. A brief message (an unknown
// key) goes with the next key.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.statusBrief {
		m.status, m.statusBrief = "", false
	}
	m.start.pending = false // the view never moves after a key
	k := &m.keys
	if hard := msg.String(); hard == "ctrl+c" || hard == "f10" {
		return tea.Quit // in every mode, even while typing
	}
	// ? opens the help from every mode but where it is typed; F1 from
	// every mode (the prompt offers it).
	if m.mode() != modeHelp && key.Matches(msg, k.Help) && (msg.String() == "f1" || m.mode() != modePrompt && !m.editing()) {
		m.enter(modeHelp)
		return nil
	}
	switch m.mode() {
	case modePrompt:
		return m.promptKey(msg)
	case modeConfirm:
		return m.confirmKey(msg)
	case modeRules:
		return m.rulesKey(msg)
	case modeBlocked:
		return m.blockedKey(msg)
	case modeTune:
		return m.tuneKey(msg)
	case modeNamespaces:
		return m.namespacesKey(msg)
	case modeLog:
		return m.logKey(msg)
	case modeHistory:
		return m.historyKey(msg)
	case modeSave:
		return m.saveKey(msg)
	case modeHelp:
		return m.helpKey(msg)
	case modeDetail:
		if key.Matches(msg, k.Back, k.Enter, k.Quit) {
			m.leave(modeDetail)
		} else {
			m.unknownKey(msg, "esc closes the detail")
		}
		return nil
	}
	return m.browseKey(msg)
}

// editing reports whether a text input of a dialog has the keys (the
// file name of a save, a rule's duration), where ? is a character.
func (m *Model) editing() bool {
	return (m.rules != nil && m.rules.editing != "") || (m.tune != nil && m.tune.saving)
}

// briefFor is how long, in seconds of table time, a brief message stays
// if no key comes first.
const briefFor = 3

// unknownKey says, briefly, that a key does nothing here (and what does).
func (m *Model) unknownKey(msg tea.KeyPressMsg, what string) {
	m.status = format.Printable(msg.String()) + ": no such key here (" + what + ", ? lists the keys)"
	m.statusBrief, m.statusAt = true, m.table.Now()
}

// renderBody draws what the mode under the header shows.
func (m *Model) renderBody(w, h int) []string {
	switch m.bodyMode() {
	case modeHelp:
		return m.renderHelp(w, h)
	case modeRules:
		return m.renderRules(w, h)
	case modeBlocked:
		return m.renderBlocked(w)
	case modeTune:
		return m.renderTune(w, h)
	case modeDetail:
		return m.renderDetail(w)
	case modeNamespaces:
		return m.host.ns.render(w, h, &m.styles)
	case modeLog:
		return m.host.log.render(m.host.klog, m.host.logErr, m.nsName, w, h, &m.styles)
	case modeHistory:
		return renderHistory(m.history(), sourceLabel(m.table.Info()), m.table.Stats().Max, w, h, m.styles.Glyphs, &m.styles)
	}
	if m.view == viewTop {
		return m.renderTop(w)
	}
	return m.renderFlows(w)
}
