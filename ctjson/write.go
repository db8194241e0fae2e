package ctjson

import (
	"bufio"
	"fmt"
	"iter"
	"strconv"

	"github.com/cttop/cttop/model"
)

// Document is one table as cttop --once --format json writes it.
type Document struct {
	// Stats are the kernel's statistics ("table").
	Stats model.TableStats
	// Matched is how many flows the filter matched ("matched").
	Matched int
	// Groups are the top groups of --group ("groups"); nil writes none.
	Groups []model.Group
	// Grouping describes them ("group"), when Groups is not nil.
	Grouping Grouping
	// Flows are the flows to write, in order ("flows").
	Flows iter.Seq[Row]
	// Now is the time (Unix seconds) the timeouts and ages count from.
	Now uint32
	// History is the table's per-second history ("history"); nil writes
	// none.
	History *model.History
}

// Row is one flow to write: the flow, its counters (written when the flow
// has them: HasCounters) and its rare attributes (nil when it has none).
type Row struct {
	Flow     *model.Flow
	Counters model.Counters
	Ext      *model.Ext
}

// Grouping says how Document.Groups are grouped.
type Grouping struct {
	// By is the --group value ("group"."by": "src", "src/24", "src/auto").
	By model.Grouping
	// Threshold is the heavy-hitter share of an Auto grouping, and
	// Addresses the distinct addresses at its end of the matched flows.
	Threshold float64
	Addresses int
	// PrefixFlows are, for an Auto grouping, the flows under each group's
	// prefix ("prefix_flows"), those of the groups listed beneath it
	// included; nil for others.
	PrefixFlows []int
}

// Write writes d to w, by hand: a million flows through encoding/json
// would cost more than the dump itself. The caller flushes w.
func Write(w *bufio.Writer, d Document) {
	st := d.Stats
	fmt.Fprintf(w, `{"version":%d,"table":{`, Version)
	if st.Valid && !st.Unrecorded {
		fmt.Fprintf(w, `"count":%d,"max":%d,"drops":%d,"early_drops":%d,"insert_failed":%d,"invalid":%d},`,
			st.Count, st.Max, st.Drop, st.EarlyDrop, st.InsertFailed, st.Invalid)
	} else {
		// A replay of a file without the kernel's statistics: its flows,
		// and the rest unknown (null), never 0.
		fmt.Fprintf(w, `"count":%d,"max":null,"drops":null,"early_drops":null,"insert_failed":null,"invalid":null},`, st.Count)
	}
	fmt.Fprintf(w, `"matched":%d,`, d.Matched)
	if d.Groups != nil {
		gr := &d.Grouping
		fmt.Fprintf(w, `"group":{"by":%q`, gr.By.String())
		if gr.By.Auto {
			fmt.Fprintf(w, `,"threshold":%s,"addresses":%d`, strconv.FormatFloat(gr.Threshold, 'f', -1, 64), gr.Addresses)
		}
		w.WriteString(`},"groups":[`)
		for i, g := range d.Groups {
			if i > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"key":%q,"flows":%d,"share":%.4f`, g.Key.String(), g.Flows, float64(g.Flows)/float64(max(d.Matched, 1)))
			if i < len(gr.PrefixFlows) {
				fmt.Fprintf(w, `,"prefix_flows":%d`, gr.PrefixFlows[i])
			}
			if g.Counted > 0 {
				// "counted" says how many flows the sums are of: fewer
				// than "flows" when some have no counters.
				fmt.Fprintf(w, `,"bytes":%d,"packets":%d,"counted":%d`, g.Bytes, g.Packets, g.Counted)
			}
			w.WriteString(`,"states":{`)
			for j, sc := range g.States() {
				if j > 0 {
					w.WriteByte(',')
				}
				fmt.Fprintf(w, `%q:%d`, sc.State, sc.Flows)
			}
			w.WriteString("}}")
		}
		w.WriteString("],")
	}
	if d.History != nil {
		writeHistory(w, d.History)
	}
	w.WriteString(`"flows":[`)
	var buf []byte
	first := true
	for r := range d.Flows {
		if !first {
			w.WriteByte(',')
		}
		first = false
		buf = AppendFlow(buf[:0], r, d.Now)
		w.Write(buf)
	}
	w.WriteString("]}\n")
}

// AppendFlow appends one flow's JSON object to b: its timeout and age count
// from now (Unix seconds). A value the flow's source did not give is
// absent; a helper, labels or security context it did not give is null
// (absent when the flow has none: see Version).
func AppendFlow(b []byte, r Row, now uint32) []byte {
	f, c := r.Flow, r.Counters
	field := func(name string) { b = append(b, ',', '"'); b = append(b, name...); b = append(b, '"', ':') }
	num := func(name string, v uint64) { field(name); b = strconv.AppendUint(b, v, 10) }
	str := func(name, v string) { field(name); b = strconv.AppendQuote(b, v) }
	// What the source did not give is absent, never 0.
	b = append(b, '{')
	if id, ok := f.ID(); ok {
		b = append(b, `"id":`...)
		b = strconv.AppendUint(b, uint64(id), 10)
		b = append(b, ',')
	}
	b = append(b, `"family":`...)
	b = strconv.AppendQuote(b, model.FamilyName(f.Family))
	str("proto", model.ProtoName(f.Proto))
	str("src", f.Orig.Src.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		num("sport", uint64(f.Orig.SrcPort))
	}
	str("dst", f.Orig.Dst.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		num("dport", uint64(f.Orig.DstPort))
	}
	if model.IsICMP(f.Proto) && f.ICMPKnown() {
		num("icmp_type", uint64(f.Orig.ICMPType()))
		num("icmp_code", uint64(f.Orig.ICMPCode()))
		num("icmp_id", uint64(f.Orig.SrcPort))
	}
	if s, ok := f.State(); ok {
		str("state", s.String())
	}
	if t, ok := f.TTL(now); ok {
		num("timeout", uint64(t))
	}
	field("status")
	b = append(b, '[')
	for i, s := range f.Status.Names() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s)
	}
	b = append(b, ']')
	str("reply_src", f.Reply.Src.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		num("reply_sport", uint64(f.Reply.SrcPort))
	}
	str("reply_dst", f.Reply.Dst.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		num("reply_dport", uint64(f.Reply.DstPort))
	}
	if model.IsICMP(f.Proto) && f.ICMPKnown() {
		// The reply's type is the answer's, and its id the one the
		// kernel rewrote the request's to (an ICMP flow's NAT).
		num("reply_icmp_type", uint64(f.Reply.ICMPType()))
		num("reply_icmp_code", uint64(f.Reply.ICMPCode()))
		num("reply_icmp_id", uint64(f.Reply.SrcPort))
	}
	if f.Proto == model.ProtoGRE {
		// GRE's keys, which tell its flows apart as ports do.
		num("srckey", uint64(f.Orig.SrcPort))
		num("dstkey", uint64(f.Orig.DstPort))
		num("reply_srckey", uint64(f.Reply.SrcPort))
		num("reply_dstkey", uint64(f.Reply.DstPort))
	}
	if v, ok := f.Mark(); ok {
		num("mark", uint64(v))
	}
	if z, ok := f.Zone(); ok {
		num("zone", uint64(z.ID))
		if z.ID != 0 && z.Dir != model.ZoneBoth {
			str("zone_dir", z.Dir.String())
		}
	}
	if f.Attrs&model.HasCounters != 0 {
		num("bytes", c.Bytes())
		num("packets", c.Packets())
		num("orig_bytes", c.OrigBytes)
		num("orig_packets", c.OrigPackets)
		num("reply_bytes", c.ReplyBytes)
		num("reply_packets", c.ReplyPackets)
	}
	if a, ok := f.Age(now); ok {
		num("age", uint64(a))
	}
	switch h, ok := f.Helper(r.Ext); {
	case !ok:
		field("helper")
		b = append(b, "null"...)
	case h != "":
		str("helper", h)
	}
	switch l, names, ok := f.Labels(r.Ext); {
	case !ok:
		field("labels")
		b = append(b, "null"...)
	case !l.IsZero() || names != "":
		if !l.IsZero() {
			field("labels")
			b = append(b, '[')
			for i, n := range l.Bits() {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, int64(n), 10)
			}
			b = append(b, ']')
		}
		if names != "" {
			field("label_names")
			b = append(b, '[')
			for i, n := range r.Ext.Names() {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendQuote(b, n)
			}
			b = append(b, ']')
		}
	}
	switch s, ok := f.Secctx(r.Ext); {
	case !ok:
		field("secctx")
		b = append(b, "null"...)
	case s != "":
		str("secctx", s)
	}
	return append(b, '}')
}
