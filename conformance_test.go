package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/replay"
)

// conformanceFormat is what a format of the conformance captures carries.
// A value a format does not carry must come out of its replay unknown,
// never zero: that is checked too. (docs/json.md lists the same.)
type conformanceFormat struct {
	file string
	// id: the conntrack ID; icmp: ICMP type, code and id; mark, counters,
	// start (timestamps), helper, labels (bits or names), secctx.
	id, icmp, mark, counters, start, helper, labels, secctx bool
	// status: the status bits the format prints; CONFIRMED goes without
	// saying, SRC_NAT and DST_NAT are read from the tuples.
	status model.Status
}

var conformanceFormats = []conformanceFormat{
	// cttop's JSON carries everything cttop decodes.
	{file: "cttop-once.json", id: true, icmp: true, mark: true, counters: true, start: true, helper: true, labels: true,
		secctx: true, status: ^model.Status(0)},
	// conntrack -L prints labels only with -o labels, which needs
	// /etc/xtables/connlabel.conf (a system file the test does not write);
	// of the status bits only UNREPLIED, ASSURED, OFFLOAD and HW_OFFLOAD.
	{file: "conntrack-L-extended-id.txt", id: true, icmp: true, mark: true, counters: true, start: true, helper: true,
		secctx: true, status: conntrackFlags},
	{file: "conntrack-L.txt", icmp: true, mark: true, counters: true, start: true, helper: true, secctx: true,
		status: conntrackFlags},
	// /proc/net/nf_conntrack has no ID, no helper, no labels.
	{file: "proc-nf_conntrack.txt", icmp: true, mark: true, counters: true, start: true, secctx: true,
		status: conntrackFlags},
	// XML has no ICMP type, code and id, no labels without connlabel.conf,
	// and of the status bits only <assured/> and <unreplied/>.
	{file: "conntrack-L.xml", id: true, mark: true, counters: true, start: true, helper: true, secctx: true,
		status: model.StatusSeenReply | model.StatusAssured},
	// -o save is a list of conntrack -I commands: no mark, counters, ID,
	// timestamps, helper, labels or context; of the status bits
	// SEEN_REPLY, ASSURED, FIXED_TIMEOUT and EXPECTED.
	{file: "conntrack-L-save.txt", icmp: true,
		status: model.StatusSeenReply | model.StatusAssured | model.StatusFixedTimeout | model.StatusExpected},
}

const conntrackFlags = model.StatusSeenReply | model.StatusAssured | model.StatusOffload | model.StatusHWOffload

// conformanceNow stands for the moment of the captures: each format's
// timeouts and ages count from it.
var conformanceNow = time.Unix(1_800_000_000, 0)

// TestConformanceCaptures checks the saved captures of
// TestConformanceKernel's table (testdata/conformance): cttop's replays
// of every format agree with its live JSON field by field.
func TestConformanceCaptures(t *testing.T) {
	caps := map[string][]byte{}
	for _, f := range conformanceFormats {
		b, err := os.ReadFile(filepath.Join("testdata", "conformance", f.file))
		if err != nil {
			t.Fatal(err)
		}
		caps[f.file] = b
	}
	conformanceCheck(t, caps)
}

// conformanceKey matches a flow across formats: protocol, family and the
// original tuple (without the ICMP fields, which XML lacks).
type conformanceKey struct {
	proto, family uint8
	src, dst      model.Addr
	sport, dport  uint16
}

func keyOf(f *model.Flow) conformanceKey {
	k := conformanceKey{f.Proto, f.Family, f.Orig.Src, f.Orig.Dst, f.Orig.SrcPort, f.Orig.DstPort}
	if model.IsICMP(f.Proto) {
		k.sport, k.dport = 0, 0
	}
	return k
}

type loadedFlow struct {
	f model.Flow
	c model.Counters
	x *model.Ext
}

// conformanceCheck loads each capture and compares every flow with the
// live JSON's.
func conformanceCheck(t *testing.T, caps map[string][]byte) {
	t.Helper()
	load := func(file string) map[conformanceKey]loadedFlow {
		sn, rep, err := replay.Load(bytes.NewReader(caps[file]), conformanceNow)
		if err != nil || rep.Skipped != 0 || rep.Duplicates != 0 {
			t.Fatalf("%s: %v, %s", file, err, rep)
		}
		m := map[conformanceKey]loadedFlow{}
		for i := 0; i < sn.Len(); i++ {
			f, c := sn.At(i)
			k := keyOf(f)
			if _, dup := m[k]; dup {
				t.Fatalf("%s: two flows of key %+v: the captures must tell their flows apart", file, k)
			}
			m[k] = loadedFlow{*f, c, sn.ExtAt(i)}
		}
		return m
	}
	ref := load(conformanceFormats[0].file)
	checkConformanceTable(t, ref)
	for _, fm := range conformanceFormats[1:] {
		got := load(fm.file)
		if len(got) != len(ref) {
			t.Errorf("%s: %d flows, the live JSON %d", fm.file, len(got), len(ref))
		}
		for k, want := range ref {
			g, ok := got[k]
			if !ok {
				t.Errorf("%s: no flow %s %v -> %v", fm.file, model.ProtoName(k.proto), k.src.StringIn(k.family), k.dst.StringIn(k.family))
				continue
			}
			for _, d := range fm.differences(&want, &g) {
				t.Errorf("%s: %s %v:%d -> %v:%d: %s", fm.file, model.ProtoName(k.proto), k.src.StringIn(k.family), k.sport, k.dst.StringIn(k.family), k.dport, d)
			}
		}
	}
}

// differences lists how the replayed flow g differs from the live one w,
// within what the format carries; what it does not carry must be unknown.
func (fm *conformanceFormat) differences(w, g *loadedFlow) []string {
	var out []string
	diff := func(what string, a, b any) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %v, live %v", what, b, a))
		}
	}
	unknown := func(what string, known bool) {
		if known {
			out = append(out, what+" known, but the format does not carry it")
		}
	}
	wf, gf := &w.f, &g.f
	diff("family", wf.Family, gf.Family)
	if !fm.icmp && model.IsICMP(wf.Proto) {
		// Only the addresses: the format has no ICMP fields, which are
		// unknown (never type 0 code 0 id 0).
		diff("reply addresses", wf.Reply.Src.StringIn(wf.Family)+" "+wf.Reply.Dst.StringIn(wf.Family), gf.Reply.Src.StringIn(gf.Family)+" "+gf.Reply.Dst.StringIn(gf.Family))
		unknown("ICMP type, code and id", gf.ICMPKnown())
	} else {
		diff("reply", wf.Reply, gf.Reply)
		diff("ICMP fields known", wf.ICMPKnown(), gf.ICMPKnown())
	}
	mask := fm.status | model.StatusConfirmed | model.StatusSrcNAT | model.StatusDstNAT
	diff("status", fmt.Sprint((wf.Status & mask).Names()), fmt.Sprint((gf.Status & mask).Names()))
	diffOpt := func(what string, carried bool, wv, gv any, wok, gok bool) {
		if !carried {
			unknown(what, gok)
			return
		}
		diff(what, fmt.Sprintf("%v (known %v)", wv, wok), fmt.Sprintf("%v (known %v)", gv, gok))
	}
	wid, wok := wf.ID()
	gid, gok := gf.ID()
	diffOpt("id", fm.id, wid, gid, wok, gok)
	wm, wok := wf.Mark()
	gm, gok := gf.Mark()
	diffOpt("mark", fm.mark, wm, gm, wok, gok)
	wz, wok := wf.Zone()
	gz, gok := gf.Zone()
	diffOpt("zone", true, wz, gz, wok, gok)
	ws, wok := wf.ProtoState()
	gs, gok := gf.ProtoState()
	diffOpt("protocol state", true, ws, gs, wok, gok)
	wst, _ := wf.State()
	gst, _ := gf.State()
	diff("state", wst, gst)
	now := uint32(conformanceNow.Unix())
	wt, wok := wf.TTL(now)
	gt, gok := gf.TTL(now)
	if wok != gok || absDiff(wt, gt) > 2 {
		out = append(out, fmt.Sprintf("timeout %d %v, live %d %v", gt, gok, wt, wok))
	}
	wa, wok := wf.Age(now)
	ga, gok := gf.Age(now)
	switch {
	case !fm.start:
		unknown("start", gok)
	case wok != gok || absDiff(wa, ga) > 2:
		out = append(out, fmt.Sprintf("age %d %v, live %d %v", ga, gok, wa, wok))
	}
	wc, gc := w.c, g.c
	if wf.Attrs&model.HasCounters == 0 {
		wc = model.Counters{}
	}
	if gf.Attrs&model.HasCounters == 0 {
		gc = model.Counters{}
	}
	diffOpt("counters", fm.counters, wc, gc, wf.Attrs&model.HasCounters != 0, gf.Attrs&model.HasCounters != 0)
	wh, wok := wf.Helper(w.x)
	gh, gok := gf.Helper(g.x)
	diffOpt("helper", fm.helper, wh, gh, wok, gok)
	wl, _, wok := wf.Labels(w.x)
	gl, _, gok := gf.Labels(g.x)
	diffOpt("labels", fm.labels, wl, gl, wok, gok)
	wsc, wok := wf.Secctx(w.x)
	gsc, gok := gf.Secctx(g.x)
	diffOpt("secctx", fm.secctx, wsc, gsc, wok, gok)
	return out
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// checkConformanceTable checks that the live JSON holds what the test
// made: one flow at least of every protocol and feature.
func checkConformanceTable(t *testing.T, ref map[conformanceKey]loadedFlow) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range ref {
		f := &l.f
		have[model.ProtoName(f.Proto)] = true
		if s, ok := f.State(); ok {
			have[model.StateLabel(s)] = true
		}
		if z, _ := f.Zone(); z.ID != 0 {
			have["zone "+z.Dir.String()] = true
		}
		if m, _ := f.Mark(); m != 0 {
			have["mark"] = true
		}
		have[fmt.Sprint("counters ", f.Attrs&model.HasCounters != 0)] = true
		have[fmt.Sprint("start ", f.Attrs&model.HasStart != 0)] = true
		if f.Status&model.StatusSrcNAT != 0 {
			have["snat"] = true
		}
		if f.Status&model.StatusDstNAT != 0 {
			have["dnat"] = true
		}
		if f.Status&(model.StatusSrcNAT|model.StatusDstNAT) == model.StatusSrcNAT|model.StatusDstNAT {
			have["snat+dnat"] = true
		}
		if h, _ := f.Helper(l.x); h != "" {
			have["helper "+h] = true
		}
		if lb, _, _ := f.Labels(l.x); !lb.IsZero() {
			have["labels"] = true
		}
	}
	for _, want := range []string{"tcp", "udp", "udplite", "icmp", "icmpv6", "sctp", "gre", "unknown(253)", "dccp",
		"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",
		"sctp COOKIE_WAIT", "sctp ESTABLISHED", "UNREPLIED", "REPLIED",
		"zone ", "zone orig", "zone reply", "mark", "counters true", "counters false", "start true", "start false",
		"snat", "dnat", "snat+dnat", "helper ftp", "labels"} {
		if !have[want] {
			t.Errorf("the table has no flow of %q (it has %v)", want, have)
		}
	}
}
