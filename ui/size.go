package ui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
)

// Size is a terminal size in cells.
type Size struct{ Width, Height int }

// DefaultSize is the size cttop assumes when neither the terminal nor the
// environment says: the classic console.
var DefaultSize = Size{80, 24}

// SizeFallback is what to assume when the terminal reports no size (a
// serial or out-of-band console reports 0 rows or 0 columns): $COLUMNS
// and $LINES when set (From names them), else DefaultSize.
type SizeFallback struct {
	Size
	From string
}

// resize takes the terminal's size. A dimension it reports as 0 comes
// from the fallback, and the status line says so; the returned command
// hands the size to the renderer too, which draws nothing in 0 cells.
func (m *Model) resize(w, h int) tea.Cmd {
	if w > 0 && h > 0 {
		if m.assumed != (Size{w, h}) {
			m.sizeNote, m.assumed = "", Size{}
		}
		m.setSize(w, h)
		return nil
	}
	fb := m.cfg.SizeFallback
	from := fb.From
	if fb.Width <= 0 || fb.Height <= 0 {
		fb.Size, from = DefaultSize, "default"
	}
	if w <= 0 {
		w = fb.Width
	}
	if h <= 0 {
		h = fb.Height
	}
	m.assumed = Size{w, h}
	m.sizeNote = "terminal reports no size: assuming " + strconv.Itoa(w) + "x" + strconv.Itoa(h) + " (" + from + ")"
	m.setSize(w, h)
	return func() tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }
}

func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	m.fitPrompt()
	m.refresh()
}

// frameHeights are the lines of the screen's parts at height h: the
// header lines shown (of want), and the lines left for the body. The
// status line is always the last line; the header gives way first on a
// short terminal, down to its first line, then that too.
func frameHeights(want, h int) (header, body int) {
	switch {
	case h <= 1:
		return 0, 0
	case h == 2:
		return min(want, 1), 0
	}
	header = min(want, max(1, h-3))
	return header, h - 1 - header
}

// tableHeight is the number of rows on screen below the column titles,
// with the lines a message or a question takes above the status line
// (frame) left out, so that the selected row stays in view.
func (m *Model) tableHeight() int {
	_, body := frameHeights(m.headerHeight(), m.height-m.statusExtra())
	return max(1, body-1)
}

// statusExtra is the number of lines the status line takes beyond its
// own: a message or a question too long to share it (renderStatusLines).
func (m *Model) statusExtra() int {
	if m.mode() != modeConfirm && m.statusMessage(m.width) == "" {
		return 0
	}
	return len(m.renderStatusLines(m.width, max(1, m.height-1))) - 1
}

// keepCursor cuts a view's body to n lines so that its selected row
// stays: rows go from the top (under the column titles) when the cursor
// is below the cut. tableHeight leaves the status line's lines out, so
// this only acts when they changed between refresh and View.
func (m *Model) keepCursor(body []string, n int) []string {
	if len(body) <= n || n < 2 || m.bodyMode() != modeBrowse {
		return body
	}
	cur := 1 + m.cursor - m.offset
	if m.view == viewTop {
		cur = 1 + m.top.cursor - m.top.offset
	}
	if drop := cur - n + 1; drop > 0 && cur < len(body) {
		body = append(body[:1:1], body[1+drop:]...)
	}
	return body
}
