package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// commas writes n with thousands separators: 262,144.
func commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// rate formats a per-second rate compactly: 0, 7, 1.2k, 35k.
func rate(r float64) string {
	switch {
	case r < 0.05:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r < 10000:
		return strconv.FormatFloat(r/1000, 'f', 1, 64) + "k"
	case r < 1e6:
		return strconv.FormatFloat(r/1000, 'f', 0, 64) + "k"
	}
	return strconv.FormatFloat(r/1e6, 'f', 1, 64) + "M"
}

// ttl formats seconds as the shortest readable duration: 59s, 4m59s,
// 3h04m, 4d23h.
func ttl(s uint32) string {
	switch {
	case s < 100:
		return strconv.Itoa(int(s)) + "s"
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// size formats a byte or packet count: 999, 1.2K, 35M, 4.1G.
func size(n uint64) string {
	const units = "KMGTPE"
	if n < 1000 {
		return strconv.FormatUint(n, 10)
	}
	f := float64(n)
	i := -1
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 1, 64) + string(units[i])
	}
	return strconv.FormatFloat(f, 'f', 0, 64) + string(units[i])
}

// endpoint writes an address and port unambiguously: 192.0.2.1:80,
// [2001:db8::1]:80; without port for protocols that have none.
func endpoint(a model.Addr, port uint16, proto uint8) string {
	s := a.String()
	if !model.HasPorts(proto) {
		return s
	}
	if !a.Is4() {
		s = "[" + s + "]"
	}
	return s + ":" + strconv.Itoa(int(port))
}

// fit shortens s to at most w cells with an ellipsis in the middle, which
// keeps both ends of an address readable.
func fit(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[:max(w, 0)])
	}
	left := (w - 1) / 2
	right := w - 1 - left
	return string(r[:left]) + "…" + string(r[len(r)-right:])
}

// pad left-aligns s in w cells (s must be at most w cells wide).
func pad(s string, w int) string {
	n := cellWidth(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	n := cellWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// cellWidth counts the cells of plain text (our text is ASCII but for "…",
// "▲", "▼", "█", "░").
func cellWidth(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// protoLabel is the protocol name in the table's narrow column.
func protoLabel(p uint8) string {
	if p == model.ProtoICMPv6 {
		return "icmp6"
	}
	return model.ProtoName(p)
}

// stateLabel is what the STATE column shows: the protocol state, else
// UNREPLIED or ASSURED for protocols without states.
func stateLabel(f *model.Flow) string {
	if s := f.StateName(); s != "" {
		return s
	}
	switch {
	case f.Status&model.StatusSeenReply == 0:
		return "UNREPLIED"
	case f.Status&model.StatusAssured != 0:
		return "ASSURED"
	}
	return "REPLIED"
}

// natLabel spells out a NATed flow's translation in one cell: the
// address the kernel rewrote and what it became.
func natLabel(f *model.Flow) string {
	var parts []string
	dst, src := translated(f)
	if dst {
		parts = append(parts, "dst→"+endpoint(f.Reply.Src, f.Reply.SrcPort, f.Proto))
	}
	if src {
		parts = append(parts, "src→"+endpoint(f.Reply.Dst, f.Reply.DstPort, f.Proto))
	}
	return strings.Join(parts, " ")
}

// translated says which ends of f the kernel rewrites: the destination
// (DNAT: the reply comes from elsewhere) and the source (SNAT: the reply
// goes elsewhere), ports included where the protocol has them.
func translated(f *model.Flow) (dst, src bool) {
	ports := model.HasPorts(f.Proto)
	dst = f.Reply.Src != f.Orig.Dst || (ports && f.Reply.SrcPort != f.Orig.DstPort)
	src = f.Reply.Dst != f.Orig.Src || (ports && f.Reply.DstPort != f.Orig.SrcPort)
	return dst, src
}
