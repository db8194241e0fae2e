package replay

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// loadDoc loads a document given inline, with no line skipped.
func loadDoc(t *testing.T, doc, format string) *model.Snapshot {
	t.Helper()
	sn, rep, err := Load(strings.NewReader(doc), replayNow)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 0 || rep.Format != format {
		t.Fatalf("report %+v, want format %s and nothing skipped", rep, format)
	}
	return sn
}

// flowTo returns the flow to dport (and its index), failing the test if
// there is none.
func flowTo(t *testing.T, sn *model.Snapshot, dport uint16) (*model.Flow, int) {
	t.Helper()
	for i := 0; i < sn.Len(); i++ {
		if f, _ := sn.At(i); f.Orig.DstPort == dport {
			return f, i
		}
	}
	t.Fatalf("no flow to port %d", dport)
	return nil, 0
}

// TestOffloadedIsUnknown: conntrack -L prints offloaded flows (flowtables)
// without a timeout and, for TCP, without a state: both are unknown, never
// 0, and HW_OFFLOAD is OFFLOAD too.
func TestOffloadedIsUnknown(t *testing.T) {
	sn := loadDoc(t, `udp      17 src=198.51.100.5 dst=203.0.113.8 sport=41510 dport=53 src=203.0.113.8 dst=192.0.2.222 sport=53 dport=12100 [OFFLOAD] mark=0 use=2
tcp      6 src=192.0.2.17 dst=192.0.2.16 sport=56408 dport=5001 src=192.0.2.16 dst=192.0.2.17 sport=5001 dport=56408 [HW_OFFLOAD] mark=0 use=2
`, FormatConntrack)
	for _, c := range []struct {
		dport  uint16
		status model.Status
	}{{53, model.StatusOffload}, {5001, model.StatusOffload | model.StatusHWOffload}} {
		f, _ := flowTo(t, sn, c.dport)
		if _, ok := f.TTL(replayNowSecs); ok {
			t.Errorf("port %d: timeout known", c.dport)
		}
		if s, ok := f.State(); ok {
			t.Errorf("port %d: state %v known", c.dport, s)
		}
		if f.Status&c.status != c.status || f.Status&model.StatusSrcNAT == 0 && c.dport == 53 {
			t.Errorf("port %d: status %v", c.dport, f.Status.Names())
		}
		if m, ok := f.Mark(); !ok || m != 0 {
			t.Errorf("port %d: mark %d %v", c.dport, m, ok)
		}
	}
}

// TestRareAttributes: a helper, a security context, labels, zones of one
// direction and SCTP's states come out of conntrack -L as the kernel has
// them, and a file that prints labels says every flow's.
func TestRareAttributes(t *testing.T) {
	sn := loadDoc(t, `tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=42656 dport=2122 packets=3 bytes=164 src=127.0.0.1 dst=127.0.0.1 sport=2122 dport=42656 packets=2 bytes=120 [ASSURED] mark=0 delta-time=0 helper=ftp use=1
udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=59910 dport=6000 zone-orig=7 packets=1 bytes=30 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=6000 dport=59910 packets=0 bytes=0 mark=0 delta-time=0 use=1
udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=39443 dport=6001 packets=1 bytes=30 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=6001 dport=39443 zone-reply=9 packets=0 bytes=0 mark=0 delta-time=0 use=1
udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=33032 dport=6003 packets=1 bytes=30 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=6003 dport=33032 packets=0 bytes=0 mark=0 zone=11 delta-time=0 use=1
sctp     132 2996 COOKIE_WAIT src=192.0.2.22 dst=198.51.100.10 sport=36002 dport=38412 [UNREPLIED] src=198.51.100.10 dst=192.0.2.22 sport=38412 dport=36002 mark=0 use=1
tcp      6 60 CLOSE_WAIT src=192.0.2.1 dst=192.0.2.2 sport=1 dport=22 src=192.0.2.2 dst=192.0.2.1 sport=22 dport=1 [ASSURED] mark=3 secctx=system_u:object_r:ssh_t:s0 labels=green,blue use=1
`, FormatConntrack)
	ftp, i := flowTo(t, sn, 2122)
	if h, ok := ftp.Helper(sn.ExtAt(i)); !ok || h != "ftp" {
		t.Errorf("helper %q %v", h, ok)
	}
	if _, names, ok := ftp.Labels(sn.ExtAt(i)); !ok || names != "" {
		t.Errorf("the file prints labels: the ftp flow has none, known; got %q %v", names, ok)
	}
	for port, want := range map[uint16]model.Zone{6000: {ID: 7, Dir: model.ZoneOrig}, 6001: {ID: 9, Dir: model.ZoneReply},
		6003: {ID: 11}, 2122: {}} {
		if f, _ := flowTo(t, sn, port); !zoneIs(f, want) {
			z, ok := f.Zone()
			t.Errorf("port %d: zone %+v %v, want %+v", port, z, ok, want)
		}
	}
	sctp, _ := flowTo(t, sn, 38412)
	if s, ok := sctp.State(); !ok || s != model.SCTPState(model.SCTPCookieWait) {
		t.Errorf("sctp state %v %v", s, ok)
	}
	ssh, j := flowTo(t, sn, 22)
	if sc, ok := ssh.Secctx(sn.ExtAt(j)); !ok || sc != "system_u:object_r:ssh_t:s0" {
		t.Errorf("secctx %q %v", sc, ok)
	}
	if _, names, ok := ssh.Labels(sn.ExtAt(j)); !ok || names != "green,blue" {
		t.Errorf("labels %q %v", names, ok)
	}
	if h, ok := ssh.Helper(sn.ExtAt(j)); !ok || h != "" {
		t.Errorf("conntrack prints every helper: none is known; got %q %v", h, ok)
	}
}

func zoneIs(f *model.Flow, want model.Zone) bool {
	z, ok := f.Zone()
	return ok && z == want
}

// TestProcSaysNoHelper: /proc/net/nf_conntrack prints no helper and no
// labels: they are unknown there, and a zone of one direction is read.
func TestProcSaysNoHelper(t *testing.T) {
	sn := loadDoc(t, `ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=39443 dport=6001 packets=1 bytes=30 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=6001 dport=39443 zone-reply=9 packets=0 bytes=0 mark=0 delta-time=0 use=2
ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=42656 dport=2122 packets=3 bytes=164 src=127.0.0.1 dst=127.0.0.1 sport=2122 dport=42656 packets=2 bytes=120 [ASSURED] mark=0 zone=0 delta-time=0 use=2
`, FormatProc)
	f, i := flowTo(t, sn, 2122)
	if _, ok := f.Helper(sn.ExtAt(i)); ok {
		t.Error("helper known from /proc")
	}
	if _, _, ok := f.Labels(sn.ExtAt(i)); ok {
		t.Error("labels known from /proc")
	}
	if sc, ok := f.Secctx(sn.ExtAt(i)); !ok || sc != "" {
		t.Errorf("secctx %q %v: /proc prints every context", sc, ok)
	}
	if g, _ := flowTo(t, sn, 6001); !zoneIs(g, model.Zone{ID: 9, Dir: model.ZoneReply}) {
		t.Errorf("zone-reply: %+v", g)
	}
}

// TestXMLRare: XML carries the helper at the end of the flow and a zone in
// a direction's meta; it has no OFFLOAD flag, so a flow without a timeout
// is offloaded.
func TestXMLRare(t *testing.T) {
	sn := loadDoc(t, `<?xml version="1.0" encoding="utf-8"?>
<conntrack>
<flow><meta direction="original"><layer3 protonum="2" protoname="ipv4"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum="6" protoname="tcp"><sport>42656</sport><dport>2122</dport></layer4><counters><packets>3</packets><bytes>164</bytes></counters></meta><meta direction="reply"><layer3 protonum="2" protoname="ipv4"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum="6" protoname="tcp"><sport>2122</sport><dport>42656</dport></layer4><counters><packets>2</packets><bytes>120</bytes></counters></meta><meta direction="independent"><state>ESTABLISHED</state><timeout>431999</timeout><mark>0</mark><use>1</use><id>3428796474</id><assured/><deltatime>1</deltatime></meta><helper>ftp</helper></flow>
<flow><meta direction="original"><layer3 protonum="2" protoname="ipv4"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum="17" protoname="udp"><sport>59910</sport><dport>6000</dport></layer4><zone>7</zone><counters><packets>1</packets><bytes>30</bytes></counters></meta><meta direction="reply"><layer3 protonum="2" protoname="ipv4"><src>127.0.0.1</src><dst>127.0.0.1</dst></layer3><layer4 protonum="17" protoname="udp"><sport>6000</sport><dport>59910</dport></layer4><counters><packets>0</packets><bytes>0</bytes></counters></meta><meta direction="independent"><mark>0</mark><use>1</use><id>755498404</id><unreplied/></meta></flow>
</conntrack>
`, FormatXML)
	f, i := flowTo(t, sn, 2122)
	if h, ok := f.Helper(sn.ExtAt(i)); !ok || h != "ftp" {
		t.Errorf("helper %q %v", h, ok)
	}
	g, _ := flowTo(t, sn, 6000)
	if !zoneIs(g, model.Zone{ID: 7, Dir: model.ZoneOrig}) {
		t.Errorf("zone of the original meta: %+v", g)
	}
	if _, ok := g.TTL(replayNowSecs); ok || g.Status&model.StatusOffload == 0 {
		t.Errorf("a flow without a timeout: %v", g.Status.Names())
	}
	if s, ok := g.State(); ok {
		t.Errorf("an offloaded flow's state: %v", s)
	}
}

// saveCapture is conntrack -L -o save of a namespace's table, conntrack-tools
// 1.4.7 (the lines cut here are whole there).
const saveCapture = `-A -t 29 -u UNSET --reply-zone 9 -s 127.0.0.1 -d 127.0.0.1 -r 127.0.0.1 -q 127.0.0.1 -p udp --sport 39443 --dport 6001 --reply-port-src 6001 --reply-port-dst 39443
-A -t 29 -u UNSET --orig-zone 7 -s 127.0.0.1 -d 127.0.0.1 -r 127.0.0.1 -q 127.0.0.1 -p udp --sport 59910 --dport 6000 --reply-port-src 6000 --reply-port-dst 59910
-A -t 29 -u UNSET -w 11 -s 127.0.0.1 -d 127.0.0.1 -r 127.0.0.1 -q 127.0.0.1 -p udp --sport 33032 --dport 6003 --reply-port-src 6003 --reply-port-dst 33032
-A -t 99 -u SEEN_REPLY -s 10.0.0.1 -d 10.0.0.3 -r 10.0.0.3 -q 10.0.0.1 -p 253
-A -t 29 -u SEEN_REPLY -s 2001:db8::1 -d 2001:db8::2 -r 2001:db8::2 -q 2001:db8::1 -p icmpv6 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 7
-A -t 99 -u SEEN_REPLY -s 10.0.0.1 -d 10.0.0.2 -r 10.0.0.2 -q 10.0.0.1 -p gre --srckey 1 --dstkey 2 --reply-key-src 2 --reply-key-dst 1
-A -t 119 -u SEEN_REPLY,ASSURED -s 127.0.0.1 -d 127.0.0.1 -r 127.0.0.1 -q 127.0.0.1 -p tcp --sport 34804 --dport 2121 --reply-port-src 2121 --reply-port-dst 34804 --state TIME_WAIT
-A -t 98 -u UNSET -s 192.0.2.22 -d 198.51.100.10 -r 198.51.100.10 -q 192.0.2.22 -p sctp --sport 36002 --dport 38412 --reply-port-src 38412 --reply-port-dst 36002 --state COOKIE_WAIT --orig-vtag 1 --reply-vtag 2
-A -t 99 -u SEEN_REPLY,ASSURED -s 10.0.0.1 -d 10.0.0.2 -g 10.0.0.9 -q 10.0.0.1 -p tcp --sport 1234 --dport 80 --reply-port-src 8080 --reply-port-dst 1234 --state ESTABLISHED
-A -u SEEN_REPLY -s 198.51.100.5 -d 203.0.113.8 -r 203.0.113.8 -n 192.0.2.222 -p udp --sport 41510 --dport 53 --reply-port-src 53 --reply-port-dst 12100
`

// TestSave loads conntrack -L -o save (conntrack-tools 1.4.7's reloadable
// format): every line a flow, what it does not carry unknown.
func TestSave(t *testing.T) {
	sn := loadDoc(t, saveCapture, FormatSave)
	if sn.Len() != strings.Count(saveCapture, "\n") {
		t.Fatalf("%d flows", sn.Len())
	}
	for port, want := range map[uint16]model.Zone{6000: {ID: 7, Dir: model.ZoneOrig}, 6001: {ID: 9, Dir: model.ZoneReply},
		6003: {ID: 11}, 2121: {}} {
		if f, _ := flowTo(t, sn, port); !zoneIs(f, want) {
			t.Errorf("port %d: zone %+v", port, f)
		}
	}
	tw, _ := flowTo(t, sn, 2121)
	if s, ok := tw.State(); !ok || s != model.TCPState(model.TCPTimeWait) || tw.Status&model.StatusAssured == 0 {
		t.Errorf("TIME_WAIT flow: %v %v %v", s, ok, tw.Status.Names())
	}
	if ttl, ok := tw.TTL(replayNowSecs); !ok || ttl != 119 {
		t.Errorf("ttl %d %v", ttl, ok)
	}
	for what, a := range map[string]model.Attr{"mark": model.HasMark, "id": model.HasID, "counters": model.HasCounters,
		"start": model.HasStart, "helper": model.HasHelper, "labels": model.HasLabels, "secctx": model.HasSecctx} {
		if tw.Attrs&a != 0 {
			t.Errorf("%s known from -o save, which does not carry it", what)
		}
	}
	if u, _ := flowTo(t, sn, 6001); u.Status&model.StatusSeenReply != 0 {
		t.Errorf("-u UNSET: %v", u.Status.Names())
	}
	dnat, _ := flowTo(t, sn, 80)
	if dnat.Reply.Src != addr("10.0.0.9") || dnat.Reply.SrcPort != 8080 || dnat.Status&model.StatusDstNAT == 0 {
		t.Errorf("-g: %+v %v", dnat.Reply, dnat.Status.Names())
	}
	off, _ := flowTo(t, sn, 53)
	if _, ok := off.TTL(replayNowSecs); ok || off.Status&model.StatusOffload == 0 || off.Reply.Dst != addr("192.0.2.222") ||
		off.Status&model.StatusSrcNAT == 0 {
		t.Errorf("a flow without -t is offloaded: %+v %v", off, off.Status.Names())
	}
	if s, ok := off.State(); ok {
		t.Errorf("offloaded: state %v", s)
	}
	icmp, _ := flowTo(t, sn, 128<<8)
	if icmp.Orig.SrcPort != 7 || icmp.Reply.DstPort != 129<<8 || icmp.Family != model.IPv6 {
		t.Errorf("icmpv6: %+v", icmp)
	}
	gre, _ := flowTo(t, sn, 2)
	if gre.Proto != model.ProtoGRE || gre.Orig.SrcPort != 1 || gre.Reply.SrcPort != 2 || gre.Reply.DstPort != 1 {
		t.Errorf("gre: %+v", gre)
	}
	for i := 0; i < sn.Len(); i++ {
		if f, _ := sn.At(i); f.Proto == 253 && (f.Orig.Dst != addr("10.0.0.3") || f.Status&model.StatusSeenReply == 0) {
			t.Errorf("unknown protocol: %+v", f)
		}
	}
}

// TestSaveBad: events and broken lines are skipped with a reason; a -o save
// file is never read as another format.
func TestSaveBad(t *testing.T) {
	for _, c := range []struct{ line, why string }{
		{"-D -t 1 -u SEEN_REPLY -s 10.0.0.1 -d 10.0.0.2 -p tcp --sport 1 --dport 2", `event, not a table entry: "-D"`},
		{"-A -t 1 -s 10.0.0.1 -d 2001:db8::1 -p 6 --sport 1 --dport 2", `address of the wrong family: "2001:db8::1"`},
		{"-A -t 1 -s 10.0.0.1 -d 10.0.0.2 -p tcp --sport 1", "incomplete original tuple: no dport"},
		{"-A -t x -s 10.0.0.1", `bad timeout "x"`},
		{"-A -s 10.0.0.1 -d 10.0.0.2 -p tcp --sport 1 --dport 2 --frobnicate 3", `unknown option "--frobnicate"`},
		{"-A -w 7 --orig-zone 8 -s 10.0.0.1 -d 10.0.0.2 -p 253", `a second zone: "8"`},
		{"-A -s", `no value after "-s"`},
	} {
		sn, rep, err := Load(strings.NewReader(saveCapture+c.line+"\n"), replayNow)
		if err != nil || rep.Skipped != 1 || !strings.Contains(rep.Reason, c.why) || sn.Len() != strings.Count(saveCapture, "\n") {
			t.Errorf("%q: %v %+v, want skipped for %q", c.line, err, rep, c.why)
		}
	}
	if _, _, err := Load(bytes.NewReader([]byte("-x\n")), replayNow); err == nil {
		t.Error("a file of a bad line loaded")
	}
}

// TestXMLPingsWithoutIDs: conntrack -L -o xml has no ICMP type, code or id:
// two pings between the same hosts are told apart by nothing in the file
// but their records. Each record stays a flow of its own (none is counted
// as a duplicate), its ICMP fields unknown; with conntrack IDs (-o
// xml,id) a record repeated is a duplicate still.
func TestXMLPingsWithoutIDs(t *testing.T) {
	ping := func(timeout int, id string) string {
		return `<flow><meta direction="original"><layer3 protonum="2" protoname="ipv4"><src>192.0.2.1</src><dst>198.51.100.1</dst></layer3><layer4 protonum="1" protoname="icmp"></layer4></meta><meta direction="reply"><layer3 protonum="2" protoname="ipv4"><src>198.51.100.1</src><dst>192.0.2.1</dst></layer3><layer4 protonum="1" protoname="icmp"></layer4></meta><meta direction="independent"><timeout>` +
			strconv.Itoa(timeout) + `</timeout><mark>0</mark><use>1</use>` + id + `</meta></flow>` + "\n"
	}
	doc := func(flows ...string) string {
		return `<?xml version="1.0" encoding="utf-8"?>` + "\n<conntrack>\n" + strings.Join(flows, "") + "</conntrack>\n"
	}
	sn, rep, err := Load(strings.NewReader(doc(ping(29, ""), ping(28, ""), ping(27, ""))), replayNow)
	if err != nil || sn.Len() != 3 || rep.Duplicates != 0 {
		t.Fatalf("%d flows, %d duplicates (%v); want 3 flows", sn.Len(), rep.Duplicates, err)
	}
	for i := range sn.Len() {
		if f, _ := sn.At(i); f.ICMPKnown() {
			t.Errorf("flow %d: ICMP fields known", i)
		}
	}
	sn, rep, err = Load(strings.NewReader(doc(ping(29, "<id>7</id>"), ping(29, "<id>7</id>"), ping(28, "<id>8</id>"))), replayNow)
	if err != nil || sn.Len() != 2 || rep.Duplicates != 1 {
		t.Fatalf("with IDs: %d flows, %d duplicates (%v); want 2 and 1", sn.Len(), rep.Duplicates, err)
	}
}
