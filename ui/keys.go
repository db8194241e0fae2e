package ui

import (
	"reflect"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key cttop answers to. The help view is built from it, so
// the two cannot disagree.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	SortPrev, SortNext, Reverse           key.Binding
	Filter, SwitchView, Enter, Back, Tag  key.Binding
	TagAll, ClearTags                     key.Binding
	Delete, DeleteAll, Block, NoTrack     key.Binding
	Blocked, Tune                         key.Binding
	Namespaces, Log, History, Write       key.Binding
	GroupSrc, GroupDst, GroupDport        key.Binding
	GroupState, GroupProto                key.Binding
	GroupAuto, Widen, Narrow              key.Binding
	ShareUp, ShareDown                    key.Binding
	Protect, Verdict                      key.Binding
	Pause, Help, Quit                     key.Binding
	// Unavailable says why the action keys do nothing ("" when they act).
	Unavailable string
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Home:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first row")),
		End:        key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last row")),
		SortPrev:   key.NewBinding(key.WithKeys("<", ","), key.WithHelp("<", "sort: previous")),
		SortNext:   key.NewBinding(key.WithKeys(">", "."), key.WithHelp(">", "sort: next")),
		Reverse:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reverse sort")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		SwitchView: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "flows ⇄ top")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details, drill in")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close / back")),
		Tag:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tag / untag")),
		TagAll:     key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "tag all matching")),
		ClearTags:  key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "untag all")),
		GroupSrc:   key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "top: by source")),
		GroupDst:   key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "top: destination")),
		GroupDport: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "top: dest. port")),
		GroupState: key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "top: by state")),
		GroupProto: key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "top: protocol")),
		GroupAuto:  key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "top: heavy prefix")),
		Widen:      key.NewBinding(key.WithKeys("["), key.WithHelp("[", "prefix: wider")),
		Narrow:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "prefix: narrower")),
		ShareUp:    key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "threshold up")),
		ShareDown:  key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "threshold down")),
		Protect:    key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "SYNPROXY service")),
		Verdict:    key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "act on verdict")),
		Delete:     key.NewBinding(key.WithKeys("d", "x"), key.WithHelp("d/x", "delete flow(s)")),
		DeleteAll:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "delete matching")),
		Block:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "block source(s)")),
		NoTrack:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "notrack svc/src")),
		Blocked:    key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "list rules")),
		Tune:       key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "tuning advice")),
		Namespaces: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "namespaces")),
		Log:        key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "kernel log")),
		History:    key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "history")),
		Write:      key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save to a file")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/freeze")),
		Help:       key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?/F1", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c", "f10"), key.WithHelp("q/F10", "quit")),
	}
}

// actionKeys are the keys that act on the kernel (! through the rules
// dialog, or the tuning report when old flows fill the table).
func (k *KeyMap) actionKeys() []*key.Binding {
	return []*key.Binding{&k.Delete, &k.DeleteAll, &k.Block, &k.NoTrack, &k.Protect, &k.Blocked, &k.Verdict}
}

// disableActions notes why the action keys are unavailable; the help says
// it once, above the keys, so that the keys still fit 80x24.
func (k *KeyMap) disableActions(why string) { k.Unavailable = why }

// ShortHelp is the status line's selection of keys.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.SwitchView, k.SortNext, k.Pause, k.Help, k.Quit}
}

// FullHelp is every key, in groups, for the help view.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Help},
		{k.SortPrev, k.SortNext, k.Reverse, k.Filter, k.Enter, k.Back, k.Quit},
		{k.SwitchView, k.GroupSrc, k.GroupDst, k.GroupDport, k.GroupState, k.GroupProto, k.GroupAuto, k.Pause},
		{k.Widen, k.Narrow, k.ShareUp, k.ShareDown, k.Verdict, k.Tune},
		{k.Tag, k.TagAll, k.ClearTags, k.Delete, k.DeleteAll, k.Block, k.NoTrack, k.Protect, k.Blocked},
		{k.Namespaces, k.Log, k.History, k.Write},
	}
}

// bindings returns every binding of k, found by reflection so that a key
// added to the struct is never left out.
func (k *KeyMap) bindings() []*key.Binding {
	var out []*key.Binding
	v := reflect.ValueOf(k).Elem()
	for i := range v.NumField() {
		if b, ok := v.Field(i).Addr().Interface().(*key.Binding); ok {
			out = append(out, b)
		}
	}
	return out
}

// useGlyphs writes the help of every key with the terminal's glyphs.
func (k *KeyMap) useGlyphs(g *glyphs) {
	for _, b := range k.bindings() {
		h := b.Help()
		b.SetHelp(g.text(h.Key), g.text(h.Desc))
	}
}
