package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// screenCase is one thing cttop can show: a model brought there by keys.
// Every mode and view must be here (a view added later too), so that the
// size and ASCII tests below cover it.
type screenCase struct {
	name  string
	setup func(t *testing.T, ascii bool) *Model
}

// screenModel is a model with actions, tuning and the attack table, at
// 80x24, after keys.
func screenModel(t *testing.T, ascii bool, keys ...string) *Model {
	t.Helper()
	a := &fakeActions{entries: []action.Entry{{Target: action.Host(action.Drop, netip.MustParseAddr("203.0.113.7")), Timeout: time.Hour, Expires: time.Minute}}}
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: a, ASCII: ascii,
		Tuning: func() (tuning.Input, error) { return tuning.Input{Settings: tuning.Settings{}}, nil }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b := attackBatch()
	b.Stats.Max = 50 // 82% full: the gauge, under pressure
	b.Stats.Drop = 170
	m.Update(BatchMsg{b})
	pressRun(m, keys...)
	return m
}

func allScreens() []screenCase {
	keys := func(name string, ks ...string) screenCase {
		return screenCase{name, func(t *testing.T, ascii bool) *Model { return screenModel(t, ascii, ks...) }}
	}
	host := func(name string, ks ...string) screenCase {
		return screenCase{name, func(t *testing.T, ascii bool) *Model {
			m := hostModelASCII(t, 80, 24, ascii)
			pressRun(m, ks...)
			return m
		}}
	}
	return []screenCase{
		{"waiting", func(t *testing.T, ascii bool) *Model {
			m := New(Config{ASCII: ascii})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			return m
		}},
		{"loading", func(t *testing.T, ascii bool) *Model {
			m := New(Config{ASCII: ascii})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			b := snapshotBatch(100)
			b.Snapshot.More = true
			b.Stats.Count = 1000
			b.Info.Loading = true
			m.Update(BatchMsg{b})
			return m
		}},
		{"loading_netns", func(t *testing.T, ascii bool) *Model { return netnsLoading(t, 80, 24, ascii) }},
		{"loading_replay", func(t *testing.T, ascii bool) *Model {
			return replayLoading(t, 80, 24, 52_428_800, 8192, ascii)
		}},
		{"loading_replay_empty", func(t *testing.T, ascii bool) *Model { return replayLoading(t, 80, 24, 0, 0, ascii) }},
		keys("flows"),
		keys("flows_tagged", " ", " "),
		keys("top", "tab"),
		keys("top_tagged", "tab", " "),
		keys("top_states", "4"),
		{"top_prefix_empty", func(t *testing.T, ascii bool) *Model {
			// Four flows from four /8s: none holds the threshold's share.
			m := New(Config{ASCII: ascii})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			b := snapshotBatch(0)
			for i, src := range []string{"10.0.0.1", "172.16.0.1", "192.0.2.1", "203.0.113.1"} {
				f := flow(i, 80)
				f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src))
				f.Reply = f.Orig.Inverse()
				b.Snapshot.Add(&f, nil)
			}
			b.Stats.Count = 4
			m.Update(BatchMsg{b})
			pressRun(m, "tab", "6", "+", "+", "+", "+", "+", "+", "+", "+", "+", "+", "+", "+")
			return m
		}},
		keys("top_no_match", "tab", "/", "text:port 1", "enter"),
		keys("flows_no_match", "/", "text:port 1", "enter"),
		keys("flows_long_filter", "/", "text:src net 192.0.2.0/24 and dst port 443 and not src 192.0.2.7 and not src 192.0.2.8 and proto tcp", "enter"),
		keys("paused_long_filter", "/", "text:src net 192.0.2.0/24 and dst port 443 and not src 192.0.2.7 and not src 192.0.2.8 and proto tcp", "enter", "p"),
		keys("detail", "enter"),
		keys("detail_dnat", "/", "text:dnat", "enter", "enter"),
		keys("help", "?"),
		keys("prompt", "/", "text:src 203.0.113.7"),
		keys("prompt_error", "/", "text:port"),
		keys("rules", "b"),
		keys("rules_iptables", "b", "i"),
		keys("rules_editing", "b", "t"),
		keys("blocked", "B"),
		keys("tune", "T"),
		keys("tune_saving", "T", "s"),
		keys("confirm", "d"),
		keys("help_over_confirm", "d", "?"),
		keys("paused", "p"),
		keys("unknown_key", "h"),
		host("host_flows"),
		host("namespaces", "N"),
		host("namespaces_by_drops_all", "N", "s", "a"),
		host("log", "L"),
		host("history", "H"),
		host("history_save", "H", "w"),
		host("help_over_namespaces", "N", "?"),
	}
}

var sizeRows = []int{0, 1, 2, 5, 10, 24, 50, 100}
var sizeCols = []int{0, 1, 10, 40, 80, 120, 300}

// TestEverySize: every screen renders without panicking at every size of
// the grid and at 0x0, 0x80, 24x0 and 1x1: exactly the terminal's lines
// (nothing for 0 cells), none wider than the terminal.
func TestEverySize(t *testing.T) {
	sizes := [][2]int{{0, 0}, {80, 0}, {0, 24}, {1, 1}}
	for _, h := range sizeRows {
		for _, w := range sizeCols {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	for _, c := range allScreens() {
		t.Run(c.name, func(t *testing.T) {
			m := c.setup(t, false)
			for _, sz := range sizes {
				out := renderAt(m, sz[0], sz[1])
				checkFits(t, fmt.Sprintf("%dx%d", sz[0], sz[1]), out, sz[0], sz[1])
			}
		})
	}
}

// renderAt draws m at w x h as the terminal would ask: the size set as
// Update keeps it (0 cells included, which Update would replace by the
// fallback: the drawing must hold anyway), the scroll positions kept.
func renderAt(m *Model, w, h int) string {
	m.width, m.height = w, h
	m.refresh()
	m.clampScrolls()
	return m.render()
}

func checkFits(t *testing.T, what, out string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if out != "" {
			t.Errorf("%s: drew %q", what, out)
		}
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines", what, len(lines))
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%s: line %d is %d wide: %q", what, i, lw, l)
		}
	}
}

// TestASCIIEverywhere: with an ASCII terminal, no screen at any size
// draws a byte above 0x7f, before the last guard (asciiOnly) replaces any.
func TestASCIIEverywhere(t *testing.T) {
	for _, c := range allScreens() {
		t.Run(c.name, func(t *testing.T) {
			m := c.setup(t, true)
			for _, w := range sizeCols {
				for _, h := range sizeRows {
					m.width, m.height = w, h
					m.refresh()
					m.clampScrolls()
					out := m.draw()
					for i := 0; i < len(out); i++ {
						if out[i] > 0x7f {
							t.Fatalf("%dx%d: byte %#x at %d in %q", w, h, out[i], i, lineAt(out, i))
						}
					}
				}
			}
		})
	}
	// And the Unicode screens do use the glyphs: the test would pass on a
	// model that draws nothing.
	m := screenModel(t, false, "tab")
	if s := m.render(); !strings.Contains(s, "█") || !strings.Contains(s, "▼") {
		t.Errorf("the Unicode top view has no bars or sort mark:\n%s", s)
	}
	m = screenModel(t, true, "tab")
	if s := m.render(); !strings.Contains(s, "#") || !strings.Contains(s, "FLOWSv") {
		t.Errorf("the ASCII top view has no bars or sort mark:\n%s", s)
	}
}

func lineAt(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return s[start:]
	}
	return s[start : i+end]
}

// TestNoSizeFallsBack: a terminal that reports 0 rows or 0 columns gets
// $COLUMNS/$LINES (as main passes them), else 80x24; the status line says
// so, and the size goes to the renderer too.
func TestNoSizeFallsBack(t *testing.T) {
	for _, c := range []struct {
		w, h     int
		fb       SizeFallback
		want     Size
		wantNote string
	}{
		{0, 0, SizeFallback{}, Size{80, 24}, "assuming 80x24 (default)"},
		{0, 0, SizeFallback{Size{100, 30}, "$COLUMNS/$LINES"}, Size{100, 30}, "assuming 100x30 ($COLUMNS/$LINES)"},
		{120, 0, SizeFallback{}, Size{120, 24}, "assuming 120x24 (default)"},
		{0, 40, SizeFallback{}, Size{80, 40}, "assuming 80x40 (default)"},
	} {
		m := New(Config{SizeFallback: c.fb})
		_, cmd := m.Update(tea.WindowSizeMsg{Width: c.w, Height: c.h})
		if m.width != c.want.Width || m.height != c.want.Height {
			t.Errorf("%dx%d: took %dx%d", c.w, c.h, m.width, m.height)
		}
		if cmd == nil {
			t.Fatalf("%dx%d: the renderer is not told", c.w, c.h)
		}
		msg, ok := cmd().(tea.WindowSizeMsg)
		if !ok || msg.Width != c.want.Width || msg.Height != c.want.Height {
			t.Errorf("%dx%d: the renderer gets %v", c.w, c.h, msg)
		}
		m.Update(msg) // as the program hands it back
		screen := plain(m)
		last := screen[strings.LastIndexByte(screen, '\n')+1:]
		if !strings.Contains(last, "terminal reports no size") || !strings.Contains(last, c.wantNote) ||
			!strings.Contains(last, "? help") {
			t.Errorf("%dx%d: status line %q", c.w, c.h, last)
		}
		// A real size later ends the note.
		m.Update(tea.WindowSizeMsg{Width: 90, Height: 30})
		if m.sizeNote != "" || m.width != 90 {
			t.Errorf("a real size kept the note %q", m.sizeNote)
		}
	}
}

// TestNoWordCut: at 80 and 100 columns no screen has a line wider than
// the terminal before clip (which would cut its end, maybe inside a
// word), and no ellipsis sits inside a word: only an address may be
// shortened in its middle.
func TestNoWordCut(t *testing.T) {
	for _, c := range allScreens() {
		for _, ascii := range []bool{false, true} {
			m := c.setup(t, ascii)
			for _, sz := range [][2]int{{80, 24}, {100, 30}} {
				m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				for i, l := range m.frame() {
					if w := lipgloss.Width(l); w > sz[0] {
						t.Errorf("%s %dx%d ascii %v: line %d is %d wide: %q", c.name, sz[0], sz[1], ascii, i, w, ansi.Strip(l))
					}
					if cut := wordCut(ansi.Strip(l)); cut != "" {
						t.Errorf("%s %dx%d ascii %v: line %d cuts %q: %q", c.name, sz[0], sz[1], ascii, i, cut, ansi.Strip(l))
					}
				}
			}
		}
	}
}

// wordCut returns the first token of line with an ellipsis ("…" or
// "...") between two letters or digits, unless the token is an address
// (digits, hex, dots, colons, brackets, a prefix length): the one thing
// cttop shortens in its middle. "" when there is none.
func wordCut(line string) string {
	for _, tok := range strings.Fields(line) {
		for _, el := range []string{"…", "..."} {
			i := strings.Index(tok, el)
			if i <= 0 || i+len(el) >= len(tok) {
				continue
			}
			before, after := rune(tok[i-1]), []rune(tok[i+len(el):])[0]
			if !isWordRune(before) || !isWordRune(after) {
				continue
			}
			if strings.Trim(strings.ReplaceAll(tok, el, ""), "0123456789abcdefABCDEF.:[]/") == "" {
				continue // an address shortened in its middle
			}
			return tok
		}
	}
	return ""
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func TestWordCut(t *testing.T) {
	for line, want := range map[string]string{
		"TIME_WAIT 42,475 10...nf_conntrack_tcp_timeout_time_wait = 120": "10...nf_conntrack_tcp_timeout_time_wait",
		"REPL…D 0%  ESTA…ISHED 0%":                                       "REPL…D",
		"tcp   192…2.0 40000 198…0.1":                                    "",
		"2001:db8…::1 loading…":                                          "",
		"deleting 5 flows… 3/5":                                          "",
		"{ type ...rerouting priority":                                   "",
	} {
		if got := wordCut(line); got != want {
			t.Errorf("wordCut(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestEmptyViewsExplain: a view with no rows says why whole, at 80, 100
// and 40 columns (its text wrapped at words, not cut at the terminal's
// edge), and at 80 and 100 no line is wider than the terminal.
func TestEmptyViewsExplain(t *testing.T) {
	for name, want := range map[string]string{
		"top_prefix_empty": "no prefix from /8 to /32 (IPv6 /16 to /128) holds 50% of the 4 flows: press - to lower the threshold",
		"top_no_match":     "no flows match",
	} {
		var c screenCase
		for _, sc := range allScreens() {
			if sc.name == name {
				c = sc
			}
		}
		m := c.setup(t, false)
		for _, w := range []int{80, 100, 40} {
			m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			lines := m.frame()
			screen := ansi.Strip(strings.Join(lines, "\n"))
			if !strings.Contains(oneLine(screen), want) {
				t.Errorf("%s at %d columns: %q is not whole on screen:\n%s", name, w, want, screen)
			}
			for i, l := range lines {
				if lw := lipgloss.Width(l); lw > w && w >= 80 {
					t.Errorf("%s at %d columns: line %d is %d wide: %q", name, w, i, lw, ansi.Strip(l))
				}
			}
		}
	}
}

// TestNoticesKeepFilter: PAUSED and the filter with its match count stay
// on screen whole at 80 and 100 columns, however long the filter (the
// notices line wraps rather than drop or cut them).
func TestNoticesKeepFilter(t *testing.T) {
	f := "src net 192.0.2.0/24 and dst port 443 and not src 192.0.2.7 and not src 192.0.2.8 and proto tcp"
	m := screenModel(t, false, "/", "text:"+f, "enter", "p")
	for _, w := range []int{80, 100} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		screen := oneLine(ansi.Strip(strings.Join(m.frame(), "\n")))
		for _, want := range []string{"PAUSED", "filter: " + f + " matched 8 of 41"} {
			if !strings.Contains(screen, want) {
				t.Errorf("at %d columns no %q:\n%s", w, want, screen)
			}
		}
	}
}
