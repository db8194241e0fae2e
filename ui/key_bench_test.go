package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// benchKey returns the key press of a key name.
func benchKey(s string) tea.KeyPressMsg {
	codes := map[string]rune{
		"down": tea.KeyDown, "up": tea.KeyUp, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
		"home": tea.KeyHome, "end": tea.KeyEnd, "enter": tea.KeyEnter, "esc": tea.KeyEscape,
		"tab": tea.KeyTab,
	}
	if c, ok := codes[s]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	if s == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// keyCase is one key of the key map as BenchmarkKey1M presses it: the keys
// pressed before (untimed), the key (timed: Update and View), the keys
// pressed after to undo it (untimed). Before and after, the background
// sort of a rebuild is left to finish, as between a user's key presses.
type keyCase struct {
	name   string
	before []string
	key    func(i int) string
	after  []string
	// rush presses the key right after the keys before, their background
	// work under way, as a user presses End right after a new sort.
	rush bool
}

func one(k string) keyCase { return keyCase{name: k, key: func(int) string { return k }} }

// cycle presses keys in turn, one per iteration: each press changes the
// view (a new sort column, a new grouping).
func cycle(name string, keys ...string) keyCase {
	return keyCase{name: name, key: func(i int) string { return keys[i%len(keys)] }}
}

func (c keyCase) as(name string) keyCase { c.name = name; return c }

func (c keyCase) rushed() keyCase { c.rush = true; return c }

func (c keyCase) with(before []string, after ...string) keyCase {
	c.before, c.after = before, after
	return c
}

// typed is the keys that type s.
func typed(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		if r == ' ' {
			out = append(out, "space")
		} else {
			out = append(out, string(r))
		}
	}
	return out
}

func keys(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// keyCases are every key of the key map, in the flows view unless named
// "top/...". Quit is left out: it ends the program.
var keyCases = []keyCase{
	one("down"), one("up"), one("pgdown"), one("pgup"), one("home"), one("end"),
	one(">"), one("<"), one("r"),
	one("end").with([]string{">"}, "home").rushed().as(">+end"), // the last rows of a new order
	one("tab").with(nil, "tab"),
	one("enter").with(nil, "esc"),
	one("p").with(nil, "p"),
	one("?").with(nil, "esc"),
	one("/").with(nil, "esc"),
	one("t").with([]string{"/"}, "esc").as("filter/type"), // the match count follows
	one("3").with(keys([]string{"/"}, typed("dst port 44")), "esc").as("filter/count"), // a filter that parses: its match count
	one("enter").with(keys([]string{"/"}, typed("tcp and dst port 443")), "esc").as("filter/enter"),
	one("esc").with(keys([]string{"/"}, typed("dst port 443"), []string{"enter"})).as("filter/esc"),
	one("d").with(nil, "n"),
	one("D").with(nil, "n"),
	one("b").with(nil, "esc"),
	one("n").with(nil, "esc"),
	one("B").with(nil, "esc"),
	one("T").with(nil, "esc"),
	one("space"), // after b and n, which act on the tagged flows
	cycle("1-5", "2", "3", "4", "5", "1").with([]string{"tab"}, "tab"),
	one("down").with([]string{"tab"}, "tab"),
	one("enter").with([]string{"tab"}, "esc", "tab"), // drill down: a filter
}

// srcCases are the top view's keys grouped by source at a million groups
// (a million flows, each from its own source, in address order: the
// replay of a spoofed flood), "top/src1m/...": a new order (> and <
// between FLOWS and NEW/s, r reversing), the last rows of a new order,
// heavy prefixes and their threshold, the prefix steps.
var srcCases = []keyCase{
	one(">"),
	one("r"),
	one("end").with([]string{"r"}, "home").rushed().as("r+end"), // the last rows of the new order
	one("end").with([]string{">"}, "home").rushed().as(">+end"),
	one("home").with([]string{"r", "end"}).rushed().as("r+end+home"),
	one("6").with(nil, "1"),
	one("+").with([]string{"6"}, "-", "1").as("6/+"),
	one("[").with(nil, "1"),
	one("]").with(nil, "1"),
}

// BenchmarkKey1M is each key of the key map at 1,000,000 flows: the frame
// that answers it, Update and View, on a 160x56 terminal; cpu-ms/op is
// the process's CPU time during it (both cores' goroutines, the garbage
// collector's share included), steadier than the wall time when other
// work loads the machine. A key must be
// answered within 40 ms through the terminal, about 20 ms of which tmux
// and its polling take (see bench/compare.sh).
func BenchmarkKey1M(b *testing.B) {
	at := time.Unix(1_700_000_000, 0)
	var m *Model
	for _, c := range keyCases {
		name := c.name
		if len(c.before) > 0 && c.before[0] == "tab" {
			name = "top/" + name
		}
		b.Run(name, func(b *testing.B) {
			if m == nil {
				m, _ = benchModel(b, 1_000_000, "", at)
				m.cfg.Actions = &fakeActions{}
				m.keys = DefaultKeyMap()
			}
			pressKey(b, m, c)
		})
	}
	m = nil
	var src *Model
	for _, c := range srcCases {
		b.Run("top/src1m/"+c.name, func(b *testing.B) {
			if src == nil {
				src = benchModelOf(b, distinctSources(1_000_000, at), "", at)
				src.cfg.Actions = &fakeActions{}
				src.keys = DefaultKeyMap()
				src.Update(benchKey("1"))
				settle(src)
			}
			pressKey(b, src, c)
		})
	}
}

// pressKey times case c's key b.N times (see BenchmarkKey1M).
func pressKey(b *testing.B, m *Model, c keyCase) {
	i := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		for _, k := range c.before {
			m.Update(benchKey(k))
		}
		if !c.rush {
			settle(m)
		}
		k := benchKey(c.key(i))
		i++
		b.StartTimer()
		c0 := cpuTime()
		m.Update(k)
		_ = m.View()
		cpu += cpuTime() - c0
		b.StopTimer()
		for _, k := range c.after {
			m.Update(benchKey(k))
		}
		settle(m)
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// settle waits for the background work of the last keys and lets the
// model adopt it, as the frames between a user's key presses do.
func settle(m *Model) {
	if d := m.list.Done(); d != nil {
		<-d
	}
	if d := m.groups.Done(); d != nil {
		<-d
	}
	if r := m.previewRun; r != nil {
		<-r.done
		m.counted(r)
	}
	m.refresh()
}
