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
	f := r.Flow
	// What the source did not give is absent, never 0.
	o := jsonObject{b: append(b, '{')}
	if id, ok := f.ID(); ok {
		o.b = append(o.b, `"id":`...)
		o.b = strconv.AppendUint(o.b, uint64(id), 10)
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, `"family":`...)
	o.b = strconv.AppendQuote(o.b, model.FamilyName(f.Family))
	o.str("", "proto", model.ProtoName(f.Proto))
	o.tuple("", &f.Orig, f)
	if s, ok := f.State(); ok {
		o.str("", "state", s.String())
	}
	if t, ok := f.TTL(now); ok {
		o.num("", "timeout", uint64(t))
	}
	o.field("", "status")
	o.b = append(o.b, '[')
	for i, s := range f.Status.Names() {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendQuote(o.b, s)
	}
	o.b = append(o.b, ']')
	// The reply's ICMP type is the answer's, and its id the one the
	// kernel rewrote the request's to (an ICMP flow's NAT).
	o.tuple("reply_", &f.Reply, f)
	if f.Proto == model.ProtoGRE {
		// GRE's keys, which tell its flows apart as ports do.
		o.num("", "srckey", uint64(f.Orig.SrcPort))
		o.num("", "dstkey", uint64(f.Orig.DstPort))
		o.num("", "reply_srckey", uint64(f.Reply.SrcPort))
		o.num("", "reply_dstkey", uint64(f.Reply.DstPort))
	}
	if v, ok := f.Mark(); ok {
		o.num("", "mark", uint64(v))
	}
	if z, ok := f.Zone(); ok {
		o.num("", "zone", uint64(z.ID))
		if z.ID != 0 && z.Dir != model.ZoneBoth {
			o.str("", "zone_dir", z.Dir.String())
		}
	}
	if f.Attrs&model.HasCounters != 0 {
		c := r.Counters
		o.num("", "bytes", c.Bytes())
		o.num("", "packets", c.Packets())
		o.num("", "orig_bytes", c.OrigBytes)
		o.num("", "orig_packets", c.OrigPackets)
		o.num("", "reply_bytes", c.ReplyBytes)
		o.num("", "reply_packets", c.ReplyPackets)
	}
	if a, ok := f.Age(now); ok {
		o.num("", "age", uint64(a))
	}
	o.ext(r)
	return append(o.b, '}')
}

// jsonObject appends the members of a JSON object after its first one
// (each member starts with its comma).
type jsonObject struct{ b []byte }

// field appends the name prefix+name of the next member.
func (o *jsonObject) field(prefix, name string) {
	o.b = append(o.b, ',', '"')
	o.b = append(o.b, prefix...)
	o.b = append(o.b, name...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) num(prefix, name string, v uint64) {
	o.field(prefix, name)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *jsonObject) str(prefix, name, v string) {
	o.field(prefix, name)
	o.b = strconv.AppendQuote(o.b, v)
}

// tuple appends a direction's tuple of flow f, its members' names after
// prefix: src, sport, dst and dport (addresses in f's family), and an ICMP
// flow's type, code and id when they are known.
func (o *jsonObject) tuple(prefix string, t *model.Tuple, f *model.Flow) {
	o.str(prefix, "src", t.Src.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		o.num(prefix, "sport", uint64(t.SrcPort))
	}
	o.str(prefix, "dst", t.Dst.StringIn(f.Family))
	if model.HasPorts(f.Proto) {
		o.num(prefix, "dport", uint64(t.DstPort))
	}
	if model.IsICMP(f.Proto) && f.ICMPKnown() {
		o.num(prefix, "icmp_type", uint64(t.ICMPType()))
		o.num(prefix, "icmp_code", uint64(t.ICMPCode()))
		o.num(prefix, "icmp_id", uint64(t.SrcPort))
	}
}

// ext appends the helper, labels and security context of a flow: null
// where its source did not say, absent where it has none.
func (o *jsonObject) ext(r Row) {
	f := r.Flow
	switch h, ok := f.Helper(r.Ext); {
	case !ok:
		o.field("", "helper")
		o.b = append(o.b, "null"...)
	case h != "":
		o.str("", "helper", h)
	}
	switch l, names, ok := f.Labels(r.Ext); {
	case !ok:
		o.field("", "labels")
		o.b = append(o.b, "null"...)
	case !l.IsZero() || names != "":
		if !l.IsZero() {
			o.field("", "labels")
			o.b = append(o.b, '[')
			for i, n := range l.Bits() {
				if i > 0 {
					o.b = append(o.b, ',')
				}
				o.b = strconv.AppendInt(o.b, int64(n), 10)
			}
			o.b = append(o.b, ']')
		}
		if names != "" {
			o.field("", "label_names")
			o.b = append(o.b, '[')
			for i, n := range r.Ext.Names() {
				if i > 0 {
					o.b = append(o.b, ',')
				}
				o.b = strconv.AppendQuote(o.b, n)
			}
			o.b = append(o.b, ']')
		}
	}
	switch s, ok := f.Secctx(r.Ext); {
	case !ok:
		o.field("", "secctx")
		o.b = append(o.b, "null"...)
	case s != "":
		o.str("", "secctx", s)
	}
}
