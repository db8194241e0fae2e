package model

import (
	"math/bits"
	"strings"
)

// Labels is a flow's conntrack label bitmap (CTA_LABELS, nft "ct label"):
// bit n is label n, up to the kernel's 128.
type Labels [16]byte

// Has reports whether label n is set.
func (l *Labels) Has(n int) bool {
	return n >= 0 && n < 128 && l[n/8]&(1<<(n%8)) != 0
}

// Set sets label n (0 to 127; others are ignored).
func (l *Labels) Set(n int) {
	if n >= 0 && n < 128 {
		l[n/8] |= 1 << (n % 8)
	}
}

// IsZero reports whether no label is set.
func (l *Labels) IsZero() bool { return *l == Labels{} }

// Bits returns the set labels' numbers, lowest first.
func (l *Labels) Bits() []int {
	var out []int
	for i, b := range l {
		for b != 0 {
			n := bits.TrailingZeros8(b)
			out = append(out, i*8+n)
			b &^= 1 << n
		}
	}
	return out
}

// Ext holds a flow's rare attributes, the ones most flows lack: its helper,
// labels and security context. A Table keeps them in a side table keyed by
// slot, so flows without them cost nothing. An Ext is immutable once handed
// to a Table, a Snapshot or an Event: it is shared, never changed.
//
// Whether each is known is the flow's (HasHelper, HasLabels, HasSecctx):
// read them through Flow.Helper, Flow.Labels and Flow.Secctx.
type Ext struct {
	// Helper is the name of the conntrack helper attached (CTA_HELP,
	// "helper=ftp"), "" for none.
	Helper string
	// Secctx is the security context (CTA_SECCTX, "secctx=..."), "" for none.
	Secctx string
	// Labels is the label bitmap, when the source gave bits (ctnetlink,
	// cttop's JSON).
	Labels Labels
	// LabelNames are the labels' names, comma-separated, as conntrack -L
	// -o labels prints them from connlabel.conf; "" when the source gave
	// none (ctnetlink gives bits only).
	LabelNames string
}

// IsZero reports whether x holds nothing: no helper, label or context.
func (x *Ext) IsZero() bool { return x == nil || *x == Ext{} }

// Names returns the label names, or nil.
func (x *Ext) Names() []string {
	if x == nil || x.LabelNames == "" {
		return nil
	}
	return strings.Split(x.LabelNames, ",")
}

// HasLabel reports whether the labels include one named name (by its
// name, or by its number written in decimal).
func (x *Ext) HasLabel(name string) bool {
	if x == nil {
		return false
	}
	for _, n := range x.Names() {
		if n == name {
			return true
		}
	}
	if n, ok := atoi(name); ok {
		return x.Labels.Has(n)
	}
	return false
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// Helper returns the flow's helper name ("" for none), if known; x is the
// flow's Ext (nil when it has none).
func (f *Flow) Helper(x *Ext) (string, bool) {
	if f.Attrs&HasHelper == 0 {
		return "", false
	}
	if x == nil {
		return "", true
	}
	return x.Helper, true
}

// Secctx returns the flow's security context ("" for none), if known; x is
// the flow's Ext (nil when it has none).
func (f *Flow) Secctx(x *Ext) (string, bool) {
	if f.Attrs&HasSecctx == 0 {
		return "", false
	}
	if x == nil {
		return "", true
	}
	return x.Secctx, true
}

// Labels returns the flow's label bitmap and names (both empty for none),
// if known; x is the flow's Ext (nil when it has none). Names are "" when
// the source gave only bits, and the bitmap is empty when it gave only
// names.
func (f *Flow) Labels(x *Ext) (Labels, string, bool) {
	if f.Attrs&HasLabels == 0 {
		return Labels{}, "", false
	}
	if x == nil {
		return Labels{}, "", true
	}
	return x.Labels, x.LabelNames, true
}

// mergeExt completes the newer ext n of flow f with what the older o of old
// knows and n does not, and returns the result (nil for nothing); it
// allocates only when both hold something.
func mergeExt(f *Flow, n *Ext, old *Flow, o *Ext) *Ext {
	take := old.Attrs &^ f.Attrs & (HasHelper | HasLabels | HasSecctx)
	f.Attrs |= take
	if take == 0 || o.IsZero() {
		if n.IsZero() {
			f.Attrs &^= HasExt
			return nil
		}
		f.Attrs |= HasExt
		return n
	}
	var x Ext
	if n != nil {
		x = *n
	}
	if take&HasHelper != 0 {
		x.Helper = o.Helper
	}
	if take&HasSecctx != 0 {
		x.Secctx = o.Secctx
	}
	if take&HasLabels != 0 {
		x.Labels, x.LabelNames = o.Labels, o.LabelNames
	}
	if x == (Ext{}) {
		f.Attrs &^= HasExt
		return nil
	}
	f.Attrs |= HasExt
	if n != nil && x == *n {
		return n
	}
	if x == *o {
		return o
	}
	return &x
}
