package ui

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/ctjson"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/internal/outfile"
	"github.com/cttop/cttop/model"
)

// saveState is the path prompt of w.
type saveState struct {
	input textinput.Model
}

type tableSavedMsg struct {
	path  string
	flows int
	secs  int
	err   error
}

// openSave asks where to save the table and its history, offering a new
// name in the current directory.
func (m *Model) openSave() tea.Cmd {
	in := textinput.New()
	in.Prompt = "save table and history to: "
	in.SetValue(defaultSaveName(m.table.Info(), time.Now()))
	in.CursorEnd()
	in.SetWidth(max(20, m.width-len(in.Prompt)-2))
	m.host.save.input = in
	m.enter(modeSave)
	return m.host.save.input.Focus()
}

// defaultSaveName is cttop-NAME-YYYYMMDD-HHMMSS.json, with only the
// characters of a portable file name from the table's name.
func defaultSaveName(info model.SourceInfo, now time.Time) string {
	name := info.Name
	if info.Kind != "kernel" || name == "" {
		name = info.Kind
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	label := strings.Trim(b.String(), "-.")
	if label == "" {
		label = "table"
	}
	return "cttop-" + label + "-" + now.Format("20060102-150405") + ".json"
}

// saveKey handles the keys of the path prompt.
func (m *Model) saveKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.leave(modeSave)
		m.status = "not saved"
		return nil
	case "ctrl+c":
		return tea.Quit
	case "enter":
		path := strings.TrimSpace(m.host.save.input.Value())
		m.leave(modeSave)
		if path == "" {
			m.status = "not saved: no file name"
			return nil
		}
		return m.saveTable(path)
	}
	var cmd tea.Cmd
	m.host.save.input, cmd = m.host.save.input.Update(msg)
	return cmd
}

// saveTable writes the table and a copy of its history in a command;
// batches are held meanwhile, so the table does not change under it.
func (m *Model) saveTable(path string) tea.Cmd {
	m.host.saving = true
	m.status = "saving to " + format.Name(path) + m.styles.Glyphs.ellipsis
	t := m.table
	var hist *model.History
	if src := m.history(); src.Len() > 0 {
		hist = model.NewHistory(src.Window())
		for _, s := range src.Samples() {
			hist.Add(s)
		}
	}
	return func() tea.Msg {
		secs := 0
		if hist != nil {
			secs = hist.Len()
		}
		return tableSavedMsg{path: path, flows: t.Len(), secs: secs, err: writeTable(path, t, hist)}
	}
}

// writeTable writes t and hist as cttop's JSON to a new file (never over
// an existing one or through a symlink, mode 0600), removed again if
// writing fails.
func writeTable(path string, t *model.Table, hist *model.History) error {
	f, err := outfile.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	flows := func(yield func(ctjson.Row) bool) {
		for s := int32(0); s < t.Slots(); s++ {
			if !t.Live(s) {
				continue
			}
			c, _ := t.CountersAt(s)
			if !yield(ctjson.Row{Flow: t.At(s), Counters: c, Ext: t.ExtAt(s)}) {
				return
			}
		}
	}
	ctjson.Write(w, ctjson.Document{Stats: t.Stats(), Matched: t.Len(), Flows: flows, Now: t.Now(), History: hist})
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// saved reports a save and lets the held batches in.
func (m *Model) saved(msg tableSavedMsg) {
	m.host.saving = false
	// The path leads: it is what the user needs next, and a terminal too
	// short for the whole message (which otherwise wraps above the status
	// line) keeps a message's start.
	if msg.err != nil {
		m.keepStatus("not saved: " + format.Printable(msg.err.Error()))
	} else {
		m.keepStatus(fmt.Sprintf("saved to %s: %s and %s of history (cttop --replay reads it)",
			format.Name(msg.path), format.Plural(msg.flows, "flow"), format.Elapsed(time.Duration(msg.secs)*time.Second)))
	}
	if !m.paused && m.held != nil {
		b := m.held
		m.held = nil
		m.ingest(b)
	}
}

// renderSavePrompt is the header line while the path is typed.
func (m *Model) renderSavePrompt() string {
	return m.host.save.input.View()
}
