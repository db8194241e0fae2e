package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/replay"
)

// snapshot is one loaded table with its statistics, for --once and --tune.
type snapshot struct {
	table *model.Table
	stats model.TableStats
}

// loadOnce opens the source the flags ask for and reads its table once,
// without following it. with, if not nil, runs on the open source before it
// is closed, to read more of the same namespace.
func loadOnce(ctx context.Context, cfg Config, log *slog.Logger, with func(source.Source) error) (*snapshot, error) {
	src, closeSrc, err := openSource(cfg, log)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	if r, ok := src.(skipReporter); ok {
		if rep := r.Report(); rep.Skipped > 0 {
			log.Warn("replay", "skipped", rep.String())
			fmt.Fprintln(os.Stderr, "cttop: replay: "+format.Name(r.Name())+": "+format.Printable(rep.String()))
		}
	}
	t, st, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if with != nil {
		if err := with(src); err != nil {
			return nil, err
		}
	}
	return &snapshot{table: t, stats: st}, nil
}

// skipReporter is a source that read a file and may have skipped records
// of it (a replay).
type skipReporter interface {
	Name() string
	Report() replay.Report
}

func runOnce(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	snap, err := loadOnce(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	l := model.NewList(snap.table)
	l.SetSort(cfg.Sort, cfg.Reverse)
	l.SetFilter(cfg.Filter)
	n := l.Len()
	if cfg.Limit > 0 && cfg.Limit < n {
		n = cfg.Limit
	}
	var groups []model.Group
	if cfg.HasGroup {
		g := model.NewGroups(snap.table)
		g.SetBy(cfg.Group)
		g.SetFilter(cfg.Filter)
		depth := g.Len()
		if cfg.Limit > 0 {
			depth = min(depth, cfg.Limit)
		}
		groups = g.Top(0, depth, nil)
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	if cfg.Format == "json" {
		writeJSON(w, snap, l, n, groups)
	} else {
		writeGroupsText(w, groups, l.Len())
		writeText(w, snap, l, n)
	}
	return w.Flush()
}

// writeJSON streams the snapshot as JSON by hand: a million flows through
// encoding/json would cost more than the dump itself.
func writeJSON(w *bufio.Writer, snap *snapshot, l *model.List, n int, groups []model.Group) {
	st := snap.stats
	fmt.Fprintf(w, `{"table":{"count":%d,"max":%d,"drops":%d,"early_drops":%d,"insert_failed":%d,"invalid":%d},`,
		st.Count, st.Max, st.Drop, st.EarlyDrop, st.InsertFailed, st.Invalid)
	fmt.Fprintf(w, `"matched":%d,`, l.Len())
	if groups != nil {
		w.WriteString(`"groups":[`)
		for i, g := range groups {
			if i > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"key":%q,"flows":%d,"share":%.4f`, g.Key.String(), g.Flows, float64(g.Flows)/float64(max(l.Len(), 1)))
			if g.Counted > 0 {
				fmt.Fprintf(w, `,"bytes":%d,"packets":%d`, g.Bytes, g.Packets)
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
	w.WriteString(`"flows":[`)
	now := snap.table.Now()
	if now == 0 {
		now = uint32(time.Now().Unix())
	}
	var buf []byte
	for i := 0; i < n; i++ {
		slot := l.Slot(i)
		if i > 0 {
			w.WriteByte(',')
		}
		buf = appendFlowJSON(buf[:0], snap.table.At(slot), snap.table.CountersAt(slot), now)
		w.Write(buf)
	}
	w.WriteString("]}\n")
}

func appendFlowJSON(b []byte, f *model.Flow, c model.Counters, now uint32) []byte {
	field := func(name string) { b = append(b, ',', '"'); b = append(b, name...); b = append(b, '"', ':') }
	num := func(name string, v uint64) { field(name); b = strconv.AppendUint(b, v, 10) }
	str := func(name, v string) { field(name); b = strconv.AppendQuote(b, v) }
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(f.ID), 10)
	str("family", model.FamilyName(f.Family))
	str("proto", model.ProtoName(f.Proto))
	str("src", f.Orig.Src.String())
	if model.HasPorts(f.Proto) {
		num("sport", uint64(f.Orig.SrcPort))
	}
	str("dst", f.Orig.Dst.String())
	if model.HasPorts(f.Proto) {
		num("dport", uint64(f.Orig.DstPort))
	}
	if model.IsICMP(f.Proto) {
		num("icmp_type", uint64(f.Orig.ICMPType()))
		num("icmp_code", uint64(f.Orig.ICMPCode()))
		num("icmp_id", uint64(f.Orig.SrcPort))
	}
	if s := f.StateName(); s != "" {
		str("state", s)
	}
	num("timeout", uint64(f.TTL(now)))
	field("status")
	b = append(b, '[')
	for i, s := range f.Status.Names() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s)
	}
	b = append(b, ']')
	str("reply_src", f.Reply.Src.String())
	if model.HasPorts(f.Proto) {
		num("reply_sport", uint64(f.Reply.SrcPort))
	}
	str("reply_dst", f.Reply.Dst.String())
	if model.HasPorts(f.Proto) {
		num("reply_dport", uint64(f.Reply.DstPort))
	}
	num("mark", uint64(f.Mark))
	num("zone", uint64(f.Zone))
	if f.Attrs&model.HasCounters != 0 {
		num("bytes", c.Bytes())
		num("packets", c.Packets())
		num("orig_bytes", c.OrigBytes)
		num("orig_packets", c.OrigPackets)
		num("reply_bytes", c.ReplyBytes)
		num("reply_packets", c.ReplyPackets)
	}
	if f.FirstSeen != 0 && f.FirstSeen <= now {
		num("age", uint64(now-f.FirstSeen))
	}
	return append(b, '}')
}

// writeGroupsText prints the top groups before the flows.
func writeGroupsText(w *bufio.Writer, groups []model.Group, matched int) {
	if groups == nil {
		return
	}
	fmt.Fprintf(w, "%-39s %9s %6s  %s\n", "KEY", "FLOWS", "SHARE", "STATES")
	for _, g := range groups {
		var mix []string
		for _, sc := range g.States() {
			mix = append(mix, fmt.Sprintf("%s %d", sc.State, sc.Flows))
		}
		fmt.Fprintf(w, "%-39s %9d %5.1f%%  %s\n", g.Key, g.Flows, 100*float64(g.Flows)/float64(max(matched, 1)), strings.Join(mix, " "))
	}
	w.WriteByte('\n')
}

// writeText prints the snapshot as a plain table, like conntrack -L but
// aligned and sorted.
func writeText(w *bufio.Writer, snap *snapshot, l *model.List, n int) {
	st := snap.stats
	if st.Max > 0 {
		fmt.Fprintf(w, "table %d / %d (%.1f%%)  drops %d  early_drop %d  insert_failed %d  invalid %d\n",
			st.Count, st.Max, 100*float64(st.Count)/float64(st.Max), st.Drop, st.EarlyDrop, st.InsertFailed, st.Invalid)
	}
	fmt.Fprintf(w, "matched %d\n", l.Len())
	fmt.Fprintf(w, "%-6s %-39s %5s %-39s %5s %-11s %7s %s\n", "PROTO", "SRC", "SPORT", "DST", "DPORT", "STATE", "TTL", "FLAGS")
	now := snap.table.Now()
	if now == 0 {
		now = uint32(time.Now().Unix())
	}
	for i := 0; i < n; i++ {
		slot := l.Slot(i)
		f := snap.table.At(slot)
		fmt.Fprintf(w, "%-6s %-39s %5s %-39s %5s %-11s %7s", format.Proto(f.Proto), f.Orig.Src, format.SrcPort(f), f.Orig.Dst,
			format.DstPort(f), format.State(f), format.TTL(f.TTL(now)))
		extra := ""
		for _, s := range f.Status.Names() {
			if s == "UNREPLIED" || s == "ASSURED" || s == "DYING" {
				extra += " [" + s + "]"
			}
		}
		if nat := format.NAT(f); nat != "" {
			extra += " " + nat
		}
		if f.Mark != 0 {
			extra += fmt.Sprintf(" mark=%d", f.Mark)
		}
		if f.Zone != 0 {
			extra += fmt.Sprintf(" zone=%d", f.Zone)
		}
		if f.Attrs&model.HasCounters != 0 {
			c := snap.table.CountersAt(slot)
			extra += fmt.Sprintf(" packets=%d bytes=%d", c.Packets(), c.Bytes())
		}
		w.WriteString(extra)
		w.WriteByte('\n')
	}
}
