package replay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// Fuzz tests of the replay parsers. Seeds: the lines and documents of
// testdata, plus the corpus in testdata/fuzz/FuzzReplay*.

// addReplaySeeds adds every file of testdata matching pattern, whole
// or split into lines.
func addReplaySeeds(f *testing.F, pattern string, lines bool) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if !lines {
			f.Add(b)
			continue
		}
		for _, l := range bytes.SplitAfter(b, []byte("\n")) {
			f.Add(l)
		}
	}
}

// checkReport checks the invariants of a load, whatever the input.
func checkReport(t *testing.T, sn *model.Snapshot, rep Report, err error) {
	t.Helper()
	if err != nil {
		if sn != nil {
			t.Fatalf("snapshot with error %v", err)
		}
		return
	}
	if rep.Lines != rep.Skipped+rep.Duplicates+sn.Len() {
		t.Fatalf("%d lines, %d skipped, %d duplicates, %d flows", rep.Lines, rep.Skipped, rep.Duplicates, sn.Len())
	}
	seen := map[model.Key]bool{}
	for i := 0; i < sn.Len(); i++ {
		f, _ := sn.At(i)
		if seen[f.Key()] {
			t.Fatalf("flow %d: a duplicate of a flow loaded before", i)
		}
		seen[f.Key()] = true
	}
	if (rep.Skipped > 0) != (rep.FirstBad > 0) || (rep.Skipped > 0) != (rep.Reason != "") {
		t.Fatalf("report %#v", rep)
	}
	for i := 0; i < sn.Len(); i++ {
		f, _ := sn.At(i)
		if f.Family != model.IPv4 && f.Family != model.IPv6 {
			t.Fatalf("flow %d: family %d", i, f.Family)
		}
		for _, a := range []model.Addr{f.Orig.Src, f.Orig.Dst, f.Reply.Src, f.Reply.Dst} {
			if f.Family == model.IPv4 && !a.Is4() {
				t.Fatalf("flow %d: IPv4 flow with address %v", i, a)
			}
		}
		if f.Status&model.StatusConfirmed == 0 {
			t.Fatalf("flow %d: not confirmed", i)
		}
	}
}

// formatConntrack prints a flow as conntrack -L -o extended,id does.
func formatConntrack(f *model.Flow, c *model.Counters) string {
	var b strings.Builder
	famNum := 2
	if f.Family == model.IPv6 {
		famNum = 10
	}
	name := model.ProtoName(f.Proto)
	if strings.HasPrefix(name, "unknown") {
		name = "unknown"
	}
	fmt.Fprintf(&b, "%-8s %d %-8s %d ", model.FamilyName(f.Family), famNum, name, f.Proto)
	if f.Attrs&model.HasTimeout != 0 {
		fmt.Fprintf(&b, "%d ", expiresOf(f)-replayNowSecs)
	}
	if s, ok := f.ProtoState(); ok {
		b.WriteString(model.StateName(f.Proto, s) + " ")
	}
	tuple := func(t *model.Tuple, pk, by uint64) {
		fmt.Fprintf(&b, "src=%s dst=%s ", t.Src.StringIn(f.Family), t.Dst.StringIn(f.Family))
		switch {
		case model.IsICMP(f.Proto):
			fmt.Fprintf(&b, "type=%d code=%d id=%d ", t.ICMPType(), t.ICMPCode(), t.SrcPort)
		case f.Proto == model.ProtoGRE:
			fmt.Fprintf(&b, "srckey=0x%x dstkey=0x%x ", t.SrcPort, t.DstPort)
		case model.HasPorts(f.Proto):
			fmt.Fprintf(&b, "sport=%d dport=%d ", t.SrcPort, t.DstPort)
		}
		if f.Attrs&model.HasCounters != 0 {
			fmt.Fprintf(&b, "packets=%d bytes=%d ", pk, by)
		}
	}
	tuple(&f.Orig, c.OrigPackets, c.OrigBytes)
	if f.Status&model.StatusSeenReply == 0 {
		b.WriteString("[UNREPLIED] ")
	}
	tuple(&f.Reply, c.ReplyPackets, c.ReplyBytes)
	switch {
	case f.Status&model.StatusHWOffload != 0:
		b.WriteString("[HW_OFFLOAD] ")
	case f.Status&model.StatusOffload != 0:
		b.WriteString("[OFFLOAD] ")
	case f.Status&model.StatusAssured != 0:
		b.WriteString("[ASSURED] ")
	}
	if m, ok := f.Mark(); ok {
		fmt.Fprintf(&b, "mark=%d ", m)
	}
	if z, _ := f.Zone(); z.ID != 0 {
		fmt.Fprintf(&b, "zone=%d ", z.ID)
	}
	if s, ok := f.Start(); ok {
		fmt.Fprintf(&b, "delta-time=%d ", replayNowSecs-s)
	}
	b.WriteString("use=1")
	if id, ok := f.ID(); ok {
		fmt.Fprintf(&b, " id=%d", id)
	}
	return b.String() + "\n"
}

// FuzzReplayConntrack fuzzes the line parser: it never panics, and a line
// it accepts, printed back the way conntrack prints it, parses to the same
// flow.
func FuzzReplayConntrack(f *testing.F) {
	addReplaySeeds(f, "*.txt", true)
	f.Fuzz(func(t *testing.T, line []byte) {
		var p textParser
		kind, why := p.parse(line)
		if kind == textBad && why.What == "" {
			t.Fatal("bad line without a reason")
		}
		if kind != textRecord {
			return
		}
		fl, c, x := p.f, p.c, p.x
		finishFlow(&fl, &x, replayNowSecs)
		mapped := fl.Family == model.IPv6 && (fl.Orig.Src.Is4() || fl.Orig.Dst.Is4() || fl.Reply.Src.Is4() || fl.Reply.Dst.Is4())
		if x.hasDelta && x.delta >= replayNowSecs || expiresOf(&fl) == math.MaxUint32 || mapped ||
			fl.Attrs&model.HasState != 0 && model.StateName(fl.Proto, pstateOf(&fl)) == "" ||
			fl.Status&model.StatusOffload != 0 && fl.Status&model.StatusAssured != 0 {
			return // not printable the same way
		}
		if !(model.HasPorts(fl.Proto) || model.IsICMP(fl.Proto) || fl.Proto == model.ProtoGRE) &&
			(fl.Orig.SrcPort|fl.Orig.DstPort|fl.Reply.SrcPort|fl.Reply.DstPort) != 0 {
			return // ports conntrack would not print
		}
		again := formatConntrack(&fl, &c)
		var q textParser
		if kind, why := q.parse([]byte(again)); kind != textRecord {
			t.Fatalf("%q\nprinted as %q: %s", line, again, why)
		}
		gl, gc, gx := q.f, q.c, q.x
		finishFlow(&gl, &gx, replayNowSecs)
		if gl != fl || gc != c {
			t.Fatalf("%q\nprinted as %q\n got %+v %+v\nwant %+v %+v", line, again, gl, gc, fl, c)
		}
	})
}

// countSink keeps flows in a slice: a load without the snapshot's first
// chunk makes the fuzzing of whole files ten times faster.
type countSink struct {
	n     int
	flows []model.Flow
	bad   string
}

func (s *countSink) AddExt(f *model.Flow, c *model.Counters, x *model.Ext) {
	if x != nil && *x == (model.Ext{}) {
		s.bad = fmt.Sprintf("an empty Ext: %+v", *f)
	}
	s.n++
	s.flows = append(s.flows, *f)
	if f.Family != model.IPv4 && f.Family != model.IPv6 || f.Status&model.StatusConfirmed == 0 {
		s.bad = fmt.Sprintf("flow %+v", *f)
	}
}

func (s *countSink) Len() int { return s.n }

func (s *countSink) Know(model.Attr) {}

func (s *countSink) At(i int) (*model.Flow, model.Counters) { return &s.flows[i], model.Counters{} }

// fuzzLimits are small enough for fuzzed inputs to reach every limit.
var fuzzLimits = Limits{Records: 200, Line: 2048, Token: 2048, GzipRatio: 4}

// FuzzReplayText fuzzes whole text files (and whatever the sniffing sends
// elsewhere), with a small read buffer to reach the long-line path too.
func FuzzReplayText(f *testing.F) {
	addReplaySeeds(f, "*.txt", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		var sink countSink
		l := newLoader(context.Background(), replayNowSecs, &sink, fuzzLimits)
		err := l.load(bufio.NewReaderSize(bytes.NewReader(data), 1024))
		if sink.bad != "" {
			t.Fatal(sink.bad)
		}
		var le *LimitError
		if errors.As(err, &le) && !strings.Contains(err.Error(), LimitsFlag+" "+le.Key+"=") {
			t.Fatalf("limit error %q does not say how to raise it", err)
		}
		if err == nil && l.rep.Lines != l.rep.Skipped+l.rep.Duplicates+sink.n ||
			(l.rep.Skipped > 0) != (l.rep.FirstBad > 0) || (l.rep.Skipped > 0) != (l.rep.Reason != "") {
			t.Fatalf("%v: %d flows, report %#v", err, sink.n, l.rep)
		}
	})
}

// FuzzReplayXML fuzzes the XML reader.
func FuzzReplayXML(f *testing.F) {
	addReplaySeeds(f, "*.xml", false)
	f.Add([]byte(`<?xml version="1.0"?><conntrack><flow><meta direction="original"><layer3 protonum="2"><src>1.2.3.4</src><dst>1.2.3.5</dst></layer3><layer4 protonum="6"><sport>1</sport><dport>2</dport></layer4></meta><meta direction="reply"><layer3 protonum="2"><src>1.2.3.5</src><dst>1.2.3.4</dst></layer3><layer4 protonum="6"><sport>2</sport><dport>1</dport></layer4></meta></flow></conntrack>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '<' {
			data = append([]byte("<"), data...)
		}
		sn, rep, err := LoadLimits(bytes.NewReader(data), time.Unix(replayNowSecs, 0), fuzzLimits)
		checkReport(t, sn, rep, err)
		if err == nil && rep.Format != FormatXML {
			t.Fatalf("format %s", rep.Format)
		}
	})
}

// FuzzReplayJSON fuzzes the JSON reader.
func FuzzReplayJSON(f *testing.F) {
	addReplaySeeds(f, "*.json", false)
	f.Add([]byte(`[{"proto": "icmp", "src": "1.2.3.4", "dst": "1.2.3.5", "icmp_type": 8, "icmp_code": 0, "icmp_id": 1, "status": ["UNREPLIED"]}]`))
	f.Add([]byte(`{"flows": [{"proto": "tcp", "src": "::1", "dst": "::2", "sport": 1, "dport": 2, "state": "SYN_SENT"}, null, 5], "table": {"max": 1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' && data[0] != '[' {
			data = append([]byte("{"), data...)
		}
		sn, rep, err := LoadLimits(bytes.NewReader(data), time.Unix(replayNowSecs, 0), fuzzLimits)
		checkReport(t, sn, rep, err)
	})
}

// FuzzReplayAddr checks the address parser against netip.ParseAddr.
func FuzzReplayAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::ffff:1.2.3.4", "2001:0db8:0000:0000:0000:0000:0000:0001", "1::", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAddr(t, s)
	})
}
