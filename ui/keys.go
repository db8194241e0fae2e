package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key cttop answers to. The help view is built from it, so
// the two cannot disagree.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	SortPrev, SortNext, Reverse           key.Binding
	Pause, Help, Quit                     key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first row")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last row")),
		SortPrev: key.NewBinding(key.WithKeys("<", ","), key.WithHelp("<", "sort by previous column")),
		SortNext: key.NewBinding(key.WithKeys(">", "."), key.WithHelp(">", "sort by next column")),
		Reverse:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reverse sort")),
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/freeze")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the status line's selection of keys.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.SortNext, k.Reverse, k.Pause, k.Help, k.Quit}
}

// FullHelp is every key, in groups, for the help view.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.SortPrev, k.SortNext, k.Reverse},
		{k.Pause, k.Help, k.Quit},
	}
}
