package replay

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// Tests of what is not a clean capture: variants of each format, malformed
// records, unknown and empty files.

func TestLoadReplayJSONVariants(t *testing.T) {
	const flow = `{"proto": "tcp", "src": "192.0.2.1", "sport": 1, "dst": "192.0.2.2", "dport": 2}`
	for _, tc := range []struct {
		name, doc       string
		flows, skipped  int
		dups            int
		firstBad        int
		reason          string
		check           func(t *testing.T, sn *model.Snapshot)
		wantErr         error
		wantErrContains string
	}{
		{name: "array", doc: "[" + flow + "," + strings.Replace(flow, `"sport": 1,`, `"sport": 3,`, 1) + "]", flows: 2},
		{name: "a flow twice", doc: "[" + flow + "," + flow + "]", flows: 1, dups: 1},
		{name: "flows first, unknown keys", doc: `{"flows": [` + flow + `], "extra": {"a": [1, {"b": null}]}, "table": {"max": 9}}`, flows: 1},
		{name: "empty table", doc: `{"table": {"count": 0, "max": 65536}, "matched": 0, "flows": []}`},
		{name: "groups (--group)", flows: 1, doc: `{"table":{"count":1,"max":9},"matched":1,"groups":[{"key":"tcp","flows":1,"share":1.0000,"states":{"ESTABLISHED":1}}],"flows":[` + flow + `]}`},
		{name: "null flows", doc: `{"flows": null}`},
		{name: "not ours", doc: `{"name": "cttop", "version": "1.0"}`, wantErr: ErrFormat},
		{name: "not JSON", doc: `{name}`, wantErr: ErrFormat},
		{
			name: "bad records", flows: 1, dups: 1, skipped: 3, firstBad: 3, reason: `bad address "10.0.0"`,
			doc: "{\"flows\": [\n" + flow + ",\n" +
				`{"proto": "tcp", "src": "10.0.0", "sport": 1, "dst": "192.0.2.2", "dport": 2},` + "\n" +
				`{"proto": "tcp", "src": "192.0.2.1", "sport": "1", "dst": "192.0.2.2", "dport": 2},` + "\n" +
				`{"proto": "tcp", "src": "192.0.2.1", "sport": 70000, "dst": "192.0.2.2", "dport": 2},` + "\n" +
				flow + "]}",
		},
		{
			name: "truncated", flows: 1, skipped: 1, firstBad: 3,
			reason: "file ends inside a record (truncated?); rest of file ignored",
			doc:    "{\"flows\": [\n" + flow + ",\n" + `{"proto": "tcp", "src": "192.0.2.1", "sp`,
		},
		{
			name: "syntax error", flows: 1, skipped: 1, firstBad: 2,
			reason: "JSON syntax error: invalid character 'x' looking for beginning of value; rest of file ignored",
			doc:    "{\"flows\": [" + flow + ",\n x]}",
		},
		{
			name: "only bad", doc: `[{"proto": "tcp"}]`, wantErr: ErrNoFlows,
			wantErrContains: "1 line skipped, at line 1: no src or dst",
		},
		{
			name: "escapes, numbers, icmp", flows: 2,
			doc: `[{"proto": "\u0069cmp", "src": "192.0.2.1", "dst": "192.0.2.2", "icmp_type": 8, "icmp_code": 0, "icmp_id": 99,
				"reply_src": "192.0.2.9", "status": ["SEEN_REPLY", "ASS\u0055RED", "FUTURE_BIT"]},
				{"id": 0, "age": 5, "proto": 47, "family": "ipv6", "src": "2001:db8::1", "dst": "2001:db8::2", "sport": 5, "dport": 6, "state": "BOGUS",
				 "orig_bytes": 10, "reply_bytes": 20, "bytes": 999}]`,
			check: func(t *testing.T, sn *model.Snapshot) {
				f, _ := sn.At(0)
				want := model.Flow{
					Orig: tuple("192.0.2.1", "192.0.2.2", 99, 8<<8), Reply: tuple("192.0.2.9", "192.0.2.1", 99, 0),
					Status: model.StatusSeenReply | model.StatusAssured | model.StatusConfirmed | model.StatusDstNAT,
					Proto:  model.ProtoICMP, Family: model.IPv4,
				}
				if *f != want {
					t.Errorf("ICMP flow\n got %+v\nwant %+v", *f, want)
				}
				f, c := sn.At(1)
				if f.Proto != model.ProtoGRE || f.Orig.SrcPort != 5 || f.Reply.SrcPort != 6 || f.Attrs != model.HasCounters ||
					f.Attrs&model.HasStart != 0 ||
					c != (model.Counters{OrigBytes: 10, ReplyBytes: 20}) {
					t.Errorf("GRE flow %+v %+v", *f, c)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn, rep, err := Load(strings.NewReader(tc.doc), replayNow)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantErrContains) {
					t.Fatalf("err %v, want %v (%q)", err, tc.wantErr, tc.wantErrContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sn.Len() != tc.flows || rep.Skipped != tc.skipped || rep.FirstBad != tc.firstBad || rep.Duplicates != tc.dups ||
				tc.reason != "" && rep.Reason != tc.reason || rep.Format != FormatJSON {
				t.Fatalf("%d flows, %+v; want %d flows, %d skipped, first at %d: %s",
					sn.Len(), rep, tc.flows, tc.skipped, tc.firstBad, tc.reason)
			}
			if tc.check != nil {
				tc.check(t, sn)
			}
		})
	}
}

func TestLoadReplayXMLVariants(t *testing.T) {
	xml := string(readReplayFile(t, "conntrack-L.xml"))
	flows := strings.Split(xml, "\n")
	head, first := strings.Join(flows[:2], "\n")+"\n", flows[2]
	for _, tc := range []struct {
		name, doc      string
		flows, skipped int
		dups           int
		firstBad       int
		reason         string
		wantErr        error
	}{
		{name: "empty table", doc: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>\n</conntrack>\n"},
		{name: "truncated in a flow", doc: head + first + "\n" + first[:200], flows: 1, skipped: 1, firstBad: 4,
			reason: "file ends inside a record (truncated?); rest of file ignored"},
		{name: "truncated between flows", doc: head + first + "\n", flows: 1, skipped: 1, firstBad: 4,
			reason: "file ends inside a record (truncated?); rest of file ignored"},
		{name: "bad address", doc: head + strings.Replace(first, "<src>", "<src>10.", 1) + "\n" + first + "\n</conntrack>",
			flows: 1, skipped: 1, firstBad: 3},
		{name: "event", doc: head + strings.Replace(first, "<flow>", `<flow type="new">`, 1) + "\n" + first + "\n</conntrack>",
			flows: 1, skipped: 1, firstBad: 3, reason: `event, not a table entry: flow type "new"`},
		{name: "elements that do not nest", doc: head + strings.Replace(first, "</src>", "</dst>", 1) + "\n</conntrack>",
			skipped: 1, firstBad: 3, wantErr: ErrNoFlows},
		{name: "two dumps", doc: xml + xml, flows: 18, dups: 18},
		{name: "something after the dump", doc: xml + "<html/>", flows: 18, skipped: 1, firstBad: 22,
			reason: "XML syntax error on line 22: <html> after </conntrack>; rest of file ignored"},
		{name: "not conntrack", doc: "<html><body>hi</body></html>", wantErr: ErrFormat},
		{name: "not XML", doc: "<<<", wantErr: ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn, rep, err := Load(strings.NewReader(tc.doc), replayNow)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sn.Len() != tc.flows || rep.Skipped != tc.skipped || rep.FirstBad != tc.firstBad || rep.Duplicates != tc.dups ||
				tc.reason != "" && rep.Reason != tc.reason || rep.Format != FormatXML {
				t.Fatalf("%d flows, %+v", sn.Len(), rep)
			}
		})
	}
}

// TestLoadReplayMalformed loads a file of good and bad lines: the bad ones
// are counted, the first is reported with its line and reason.
func TestLoadReplayMalformed(t *testing.T) {
	sn, rep, err := Load(bytes.NewReader(readReplayFile(t, "malformed.txt")), replayNow)
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Format: FormatConntrack, Lines: 17, Skipped: 13, FirstBad: 4, Reason: `bad address "10.0.0"`}
	if rep != want {
		t.Errorf("report %#v, want %#v", rep, want)
	}
	if s := rep.String(); s != `13 lines skipped, first at line 4: bad address "10.0.0"` {
		t.Errorf("String() = %q", s)
	}
	var ports []uint16
	for i := 0; i < sn.Len(); i++ {
		f, _ := sn.At(i)
		ports = append(ports, f.Orig.SrcPort)
	}
	if len(ports) != 4 || ports[0] != 40000 || ports[1] != 7 || ports[2] != 40003 || ports[3] != 40009 {
		t.Errorf("flows with source ports %v, want [40000 7 40003 40009]", ports)
	}
	if f, _ := sn.At(3); idOf(f) != 12345 || f.Attrs&model.HasID == 0 {
		t.Errorf("id= after use= is the conntrack id: %+v", f)
	}
}

// TestReplayLineReasons checks the reason given for each kind of bad line
// of malformed.txt.
func TestReplayLineReasons(t *testing.T) {
	lines := strings.Split(string(readReplayFile(t, "malformed.txt")), "\n")
	for n, want := range map[int]string{
		4:  `bad address "10.0.0"`,
		5:  `incomplete reply tuple: no src`,
		6:  `bad port "sport=70000"`,
		8:  `address of the wrong family: "2001:db8::2"`,
		10: `bad family number "10"`,
		11: `protocol name does not match its number: "tcp      17"`,
		12: `bad mark "mark=4294967296"`,
		13: `unexpected "garbage"`,
		14: `incomplete original tuple: no dport`,
		15: `event, not a table entry: "[NEW]"`,
		16: `more than two tuples at "src=198.51.100.3"`,
		17: `bad timeout "2x9"`,
		18: `conntrack message: "conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not permitted"`,
	} {
		var p textParser
		kind, why := p.parse([]byte(lines[n-1] + "\n"))
		if kind != textBad || why.String() != want {
			t.Errorf("line %d: %d %s, want %s", n, kind, why, want)
		}
	}
	for _, n := range []int{2, 7, 9, 19} {
		var p textParser
		if kind, why := p.parse([]byte(lines[n-1])); kind != textRecord {
			t.Errorf("line %d: %s", n, why)
		}
	}
}

func TestLoadReplayTextVariants(t *testing.T) {
	capture := string(readReplayFile(t, "conntrack-L.txt"))
	const summary = "conntrack v1.4.7 (conntrack-tools): 18 flow entries have been shown.\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(capture))
	zw.Close()
	for _, tc := range []struct {
		name, doc string
		flows     int
	}{
		{"summary line after (2>&1)", capture + summary, 18},
		{"summary line before (2>&1, stdout buffered)", summary + capture, 18},
		{"CRLF and a BOM", "\ufeff" + strings.ReplaceAll(capture, "\n", "\r\n"), 18},
		{"no final newline, comments, blank lines", "# saved on router1\n\n" + strings.TrimSuffix(capture, "\n"), 18},
		{"gzip", gz.String(), 18},
		{"empty table: only the summary", "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n", 0},
		{"event timestamp", "[1700000000.123456] tcp      6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 [ASSURED] use=1\n", 1},
		{"offloaded, no timeout (/proc)", "ipv4     2 tcp      6 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 [OFFLOAD] mark=0 zone=0 use=2\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn, rep, err := Load(strings.NewReader(tc.doc), replayNow)
			if err != nil {
				t.Fatal(err)
			}
			if sn.Len() != tc.flows || rep.Skipped != 0 || rep.Lines != tc.flows {
				t.Fatalf("%d flows, %+v", sn.Len(), rep)
			}
		})
	}

	// Offloaded flows: no timeout, the OFFLOAD bits.
	sn, _, _ := Load(strings.NewReader("ipv4     2 tcp      6 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 [HW_OFFLOAD] mark=0 zone=0 use=2\n"), replayNow)
	if f, _ := sn.At(0); f.Attrs&model.HasTimeout != 0 || f.Status&(model.StatusOffload|model.StatusHWOffload) != model.StatusOffload|model.StatusHWOffload {
		t.Errorf("offloaded flow %+v", f)
	}

	// A truncated gzip file keeps the flows before the cut.
	cut := gz.Bytes()[:gz.Len()*2/3]
	sn, rep, err := Load(bytes.NewReader(cut), replayNow)
	if err != nil || sn.Len() == 0 || sn.Len() >= 18 || rep.Skipped != 1 ||
		rep.Reason != "file ends inside a record (truncated?); rest of file ignored" {
		t.Errorf("truncated gzip: %v, %d flows, %+v", err, sn.Len(), rep)
	}

	// A line longer than the read buffer.
	long := "tcp      6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 use=1\n"
	doc := long + "tcp 6 1 " + strings.Repeat("x", 100<<10) + "\n" + strings.Replace(long, "sport=1", "sport=3", 1)
	sn, rep, err = Load(strings.NewReader(doc), replayNow)
	if err != nil || sn.Len() != 2 || rep.Skipped != 1 || rep.FirstBad != 2 || rep.Reason != "line too long" {
		t.Errorf("long line: %v, %d flows, %+v", err, sn.Len(), rep)
	}
}

func TestLoadReplayErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      error
	}{
		{"empty", "", ErrEmpty},
		{"blank", " \n\n\t\r\n", ErrEmpty},
		{"BOM only", "\ufeff\n", ErrEmpty},
		{"text", "hello world\nthis is not a table\n", ErrFormat},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrFormat},
		{"one long line", strings.Repeat("a", 200<<10), ErrFormat},
		{"gzip of nothing", func() string {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Close()
			return b.String()
		}(), ErrEmpty},
		{"all bad", "tcp 6 299 src=10.0.0 dst=1.2.3.4\nudp 17 30 src=1.2.3.4\n", ErrNoFlows},
		{"events only", "[NEW] tcp      6 120 SYN_SENT src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 [UNREPLIED] src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1\n", ErrNoFlows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn, _, err := Load(strings.NewReader(tc.doc), replayNow)
			if !errors.Is(err, tc.want) || sn != nil {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReplayReportString(t *testing.T) {
	for _, tc := range []struct {
		r    Report
		want string
	}{
		{Report{Lines: 5}, "no lines skipped"},
		{Report{Lines: 5, Skipped: 1, FirstBad: 2, Reason: "x"}, "1 line skipped, at line 2: x"},
		{Report{Lines: 5, Skipped: 3, FirstBad: 17, Reason: `bad address "10.0.0"`},
			`3 lines skipped, first at line 17: bad address "10.0.0"`},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestParseAddr(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "255.255.255.255", "192.0.2.1", "::", "::1", "1::", "2001:db8::1",
		"2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:192.0.2.1", "64:ff9b::192.0.2.1",
		"fe80::1:2:3:4:5:6", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "ABCD::EF",
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", ":", ":::",
		"1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7::8", "::1.2.3", "1.2.3.4::",
		"::ffff:1.2.3.4:5", "g::", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7",
	} {
		checkAddr(t, s)
	}
}

// checkAddr compares parseAddr with netip.ParseAddr (which also takes zones).
func checkAddr(t *testing.T, s string) {
	t.Helper()
	got, fam, ok := ctparse.Addr([]byte(s))
	want, err := netip.ParseAddr(s)
	if err == nil && want.Zone() != "" {
		return
	}
	if ok != (err == nil) {
		t.Fatalf("parseAddr(%q) ok=%v, netip: %v", s, ok, err)
	}
	if !ok {
		return
	}
	if got != model.AddrFrom(want) || (fam == model.IPv4) != want.Is4() {
		t.Fatalf("parseAddr(%q) = %v family %d, netip %v", s, got, fam, want)
	}
}
