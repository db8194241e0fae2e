package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// topState is the top view's cursor: it follows a group key once moved.
type topState struct {
	cursor, offset int
	sel            model.GroupKey
	hasSel, moved  bool
	rows           []model.Group
}

// topKey handles the keys of the top view; it reports whether msg was one
// of them.
func (m *Model) topKey(msg tea.KeyPressMsg) bool {
	k := &m.keys
	home := func() { m.top.moved = false; m.refresh() }
	if m.navigate(msg, m.topMove, home, m.groups.Len()) {
		return true
	}
	switch {
	case key.Matches(msg, k.Enter):
		if !m.top.hasSel {
			m.status = "no row here to drill into"
			break
		}
		m.view = viewFlows
		m.narrow(filter.Key(m.top.sel))
	case key.Matches(msg, k.Tag):
		m.tagGroup()
	case key.Matches(msg, k.TagAll):
		m.tagAll()
	case key.Matches(msg, k.ClearTags):
		m.clearTags()
	case key.Matches(msg, k.Back):
		m.popFilter()
	case key.Matches(msg, k.SortPrev, k.SortNext):
		m.toggleTopOrder()
	case key.Matches(msg, k.Reverse):
		m.reverseTop()
	default:
		return false
	}
	return true
}

func (m *Model) topMove(d int) {
	n := m.groups.Len()
	if n == 0 {
		return
	}
	m.top.cursor = min(max(m.top.cursor+d, 0), n-1)
	m.top.moved = true
	m.top.hasSel = false // take the group now at the cursor
	m.refresh()
}

// refreshTop ranks the groups only as deep as the screen needs and keeps
// the cursor on its group.
func (m *Model) refreshTop() {
	t := &m.top
	if counting, _ := m.groups.Counting(); counting {
		t.rows = t.rows[:0] // renderTop says so; the cursor waits
		return
	}
	n := m.groups.Len()
	h := m.tableHeight()
	switch {
	case n == 0:
		t.cursor, t.offset, t.hasSel = 0, 0, false
	case !t.moved:
		t.cursor = 0
	case t.hasSel:
		if r := m.groups.Rank(t.sel, t.offset-h, t.offset+2*h); r >= 0 {
			t.cursor = r
		}
	}
	t.cursor = min(t.cursor, max(n-1, 0))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, n-h))
	t.rows = m.groups.Top(t.offset, h, t.rows[:0])
	if i := t.cursor - t.offset; i >= 0 && i < len(t.rows) {
		t.sel, t.hasSel = t.rows[i].Key, true
	}
}

var groupTitles = [...]string{"SOURCE", "DESTINATION", "DPORT", "STATE", "PROTO"}

// topTitle is the key column's title: the grouping, with its prefix
// lengths or threshold.
func (m *Model) topTitle() string {
	gr := m.groups.Grouping()
	title := groupTitles[gr.By]
	switch {
	case gr.Auto:
		return title + " PREFIX " + model.ShareText(m.groups.Share()) + "+"
	case gr.IsPrefix():
		return fmt.Sprintf("%s /%d (v6 /%d)", title, gr.Bits4, gr.Bits6)
	}
	return title
}

// topColumns are the top view's column widths at width w.
type topColumns struct {
	gutter, key, bar, mix int
	// flows, rate, count are the widths of FLOWS, NEW/s and of BYTES and
	// PKTS: at least their usual width, wider for a wider cell.
	flows, rate, count int
	counted            bool
}

func (m *Model) topColumns(w int) topColumns {
	_, _, _, counted := m.table.Extras()
	c := topColumns{key: max(8, len(m.topTitle())), bar: 10, counted: counted > 0, flows: 9, rate: 7, count: 6}
	for _, g := range m.top.rows {
		c.key = max(c.key, len(g.Key.String()))
		c.flows = max(c.flows, len(format.Commas(uint64(g.Flows))))
		c.rate = max(c.rate, cellWidth(newRateText(m.groups.NewRate(g.Key))))
		c.count = max(c.count, len(format.Count(g.Bytes))+1, len(format.Count(g.Packets))+1)
	}
	if len(m.groupTags) > 0 {
		c.gutter = 2
	}
	// A long IPv6 key is cut in its middle rather than leave the state
	// mix no room.
	c.key = min(c.key, 43, max(w-c.gutter-(c.flows+c.rate+10)-minMixWidth, len(m.topTitle()), len("255.255.255.255/32")))
	if w >= 120 {
		c.bar = 20
	}
	width := func() int {
		fixed := c.gutter + c.key + 1 + c.flows + 1 + 6 + 1 + c.rate + 1
		if c.bar > 0 {
			fixed += c.bar + 1
		}
		if c.counted {
			fixed += 2 * (c.count + 1)
		}
		return w - fixed
	}
	// The state mix says most about a row: the share's bar goes first,
	// then bytes and packets, before it gets too narrow.
	if width() < minMixWidth {
		c.bar = 0
	}
	if width() < minMixWidth {
		c.counted = false
	}
	c.mix = max(0, width())
	return c
}

// minMixWidth is the narrowest the state mix gets before other columns go:
// two states with their shares.
const minMixWidth = 26

// renderTop draws the top view: KEY, FLOWS, SHARE with a bar, NEW/s, the
// state mix, and bytes/packets when the kernel counts them.
func (m *Model) renderTop(w int) []string {
	s := &m.styles
	t := &m.top
	if counting, n := m.groups.Counting(); counting {
		what := "flows" // a filter's matches, not read yet
		if n >= 0 {
			what = format.Plural(n, "flow")
		}
		return []string{s.ColHeader.Render(pad(groupTitles[m.groups.By()], w)),
			s.Notice.Render(fmt.Sprintf("counting %s by %s%s", what, m.groups.Grouping(), s.Glyphs.ellipsis))}
	}
	total := max(m.groups.Matched(), 1)
	c := m.topColumns(w)
	arrow := s.Glyphs.sortDn
	if m.groups.Reversed() {
		arrow = s.Glyphs.sortUp
	}
	flowsT, newT := "FLOWS"+arrow, "NEW/s"
	if m.groups.Order() == model.ByNewRate {
		flowsT, newT = "FLOWS", "NEW/s"+arrow
	}
	shareW := 6
	if c.bar > 0 {
		shareW += 1 + c.bar
	}
	head := pad(m.topTitle(), c.key) + " " + padLeft(flowsT, c.flows) + " " + pad("SHARE", shareW) + " " + padLeft(newT, c.rate)
	if c.counted {
		head += " " + padLeft("BYTES", c.count) + " " + padLeft("PKTS", c.count)
	}
	head += " " + pad("STATES", c.mix)
	lines := []string{strings.Repeat(" ", c.gutter) + s.ColHeader.Render(head)}
	for i, g := range t.rows {
		share := float64(g.Flows) / float64(total)
		line := pad(m.fit(g.Key.String(), c.key), c.key) + " " + padLeft(format.Commas(uint64(g.Flows)), c.flows) + " " +
			padLeft(fmt.Sprintf("%.1f%%", 100*share), 6)
		if c.bar > 0 {
			filled, empty := s.Glyphs.bars(int(share*float64(c.bar)+0.5), c.bar)
			line += " " + filled + empty
		}
		line += " " + padLeft(newRateText(m.groups.NewRate(g.Key)), c.rate)
		detailed := m.groups.Detailed(g.Key)
		if c.counted {
			b, p := "-", "-"
			if g.Counted > 0 && detailed {
				b, p = format.Count(g.Bytes), format.Count(g.Packets)
				if g.Counted < g.Flows {
					// Some of its flows have no counters: at least this.
					b, p = b+"+", p+"+"
				}
			}
			line += " " + padLeft(b, c.count) + " " + padLeft(p, c.count)
		}
		// A row whose states are not summed yet says so: "-" would
		// say the flows have no known state.
		mix := "counting" + s.Glyphs.ellipsis
		if detailed {
			mix = mixText(&g, c.mix)
		}
		line += " " + m.fit(mix, c.mix)
		if c.gutter > 0 {
			mark := "  "
			if _, ok := m.groupTags[g.Key]; ok {
				mark = "* "
			}
			line = mark + line
		}
		line = pad(line, w)
		if t.offset+i == t.cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	if len(t.rows) == 0 {
		lines = append(lines, textLines(s.Dim, m.noRowsText(), w, "")...)
	}
	return lines
}

// noRowsText says why the top view has no rows.
func (m *Model) noRowsText() string {
	if m.groups.Grouping().Auto && m.groups.Matched() > 0 {
		return fmt.Sprintf("no prefix from /8 to /32 (IPv6 /16 to /128) holds %s of the %s flows: press - to lower the threshold",
			model.ShareText(m.groups.Share()), format.Commas(uint64(m.groups.Matched())))
	}
	return "no flows match"
}

// topNotices are the top view's remarks for the header: what the heavy
// hitters leave out, and that NEW/s figures marked ~ are estimates.
func (m *Model) topNotices() []string {
	if m.view != viewTop {
		return nil
	}
	var out []string
	g := m.groups
	if counting, _ := g.Counting(); counting {
		return nil // the rows say they are being counted
	}
	if g.Grouping().Auto && g.Matched() > 0 {
		held := 0
		for _, r := range g.Top(0, g.Len(), nil) {
			held += r.Flows
		}
		what := format.Commas(uint64(g.Len())) + " prefixes hold "
		if g.Len() == 1 {
			what = "1 prefix holds "
		}
		out = append(out, what+format.Percent(float64(held)/float64(g.Matched()))+
			" of "+format.Commas(uint64(g.Matched()))+" flows")
	}
	for _, r := range m.top.rows {
		if nr := g.NewRate(r.Key); nr.Known && !nr.Exact {
			out = append(out, fmt.Sprintf("~: NEW/s estimated (more keys than the %s tracked)", format.Commas(model.NewRateKeys)))
			break
		}
	}
	if measured, window := g.NewWindow(); window > 0 && measured < window && m.table.Info().EventMode != model.EventsUnknown {
		if measured < time.Second {
			out = append(out, "NEW/s: measuring")
		} else {
			out = append(out, fmt.Sprintf("NEW/s over %ds so far", int(measured.Seconds())))
		}
	}
	return out
}

// mixText is a group's state mix in at most w cells, largest first:
// "SYN_RECV 80% SYN_SENT 20%"; the states that do not fit whole go, and
// "+N" says how many.
func mixText(g *model.Group, w int) string {
	states := g.States()
	text := ""
	for i, sc := range states {
		part := fmt.Sprintf("%s %d%%", sc.State, (100*sc.Flows+g.Flows/2)/max(g.Flows, 1))
		next := part
		if text != "" {
			next = text + " " + part
		}
		more := ""
		if rest := len(states) - i - 1; rest > 0 {
			more = " +" + strconv.Itoa(rest)
		}
		if len(next)+len(more) > w {
			left := "+" + strconv.Itoa(len(states)-i)
			if text == "" {
				if len(left) > w {
					return ""
				}
				return left
			}
			return text + " " + left
		}
		text = next
	}
	return text
}

// detailMsg says it is time to sum the state mix of more heavy-prefix
// rows (model.Groups.MoreDetail).
type detailMsg struct{}

// detailEvery is how often the top view sums more of the rows' state
// mixes while some wait for them, when no batch comes (a replay).
const detailEvery = 20 * time.Millisecond

// waitForDetail comes back after detailEvery while rows of the top view
// wait for their state mix, so that a table without batches gets them all
// within a few frames.
func (m *Model) waitForDetail() tea.Cmd {
	if m.waitingDetail || m.view != viewTop || !m.groups.DetailPending() {
		return nil
	}
	m.waitingDetail = true
	return tea.Tick(detailEvery, func(time.Time) tea.Msg { return detailMsg{} })
}

// groupsDoneMsg says a background rebuild of the groups ended.
type groupsDoneMsg struct{}

// waitForGroups waits for a background rebuild of the groups, so the top
// view shows them as soon as they are counted even if no batch comes.
func (m *Model) waitForGroups() tea.Cmd {
	d := m.groups.Done()
	if d == nil || m.waitingGroups {
		return nil
	}
	m.waitingGroups = true
	return func() tea.Msg { <-d; return groupsDoneMsg{} }
}
