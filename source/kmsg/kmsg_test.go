package kmsg

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// records reads testdata/kmsg.txt: one record per line as /dev/kmsg
// returns them, with continuation lines (leading space) joined to theirs.
func records(t *testing.T) []Record {
	t.Helper()
	f, err := os.Open("testdata/kmsg.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var raws []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text() + "\n"
		if strings.HasPrefix(line, " ") && len(raws) > 0 {
			raws[len(raws)-1] += line
			continue
		}
		raws = append(raws, line)
	}
	var out []Record
	for _, raw := range raws {
		r, err := ParseRecord([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		out = append(out, r)
	}
	return out
}

func TestParseRecord(t *testing.T) {
	r, err := ParseRecord([]byte("4,12,6000100,-,caller=T42;nf_conntrack: table full\n SUBSYSTEM=net\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Record{Level: 4, Facility: 0, Seq: 12, Since: 6000100 * time.Microsecond, Text: "nf_conntrack: table full"}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
	r, _ = ParseRecord([]byte("30,1,0,-;systemd message"))
	if r.Facility != 3 || r.Level != 6 {
		t.Errorf("pri 30: %+v", r)
	}
	for _, bad := range []string{"", "no semicolon", "4,1,2;too few", "x,1,2,-;pri", "4,x,2,-;seq", "4,1,-2,-;usec", "4,1,99999999999999999999,-;usec"} {
		if _, err := ParseRecord([]byte(bad)); !errors.Is(err, ErrRecord) {
			t.Errorf("ParseRecord(%q) = %v, want ErrRecord", bad, err)
		}
	}
}

func TestClassify(t *testing.T) {
	var c Classifier
	var got []model.LogLine
	for _, r := range records(t) {
		got = append(got, c.Add(r)...)
	}
	type want struct {
		seq        uint64
		kind       model.LogKind
		netns      uint64
		port       int
		suppressed uint64
		extra      func(model.LogLine) bool
	}
	wants := []want{
		{seq: 2, kind: model.LogHash, extra: func(l model.LogLine) bool { return l.Buckets == 262144 && l.Max == 262144 }},
		{seq: 3, kind: model.LogHash},
		{seq: 10, kind: model.LogTableFull},
		// The suppression count right before it goes with it.
		{seq: 12, kind: model.LogTableFull, netns: 4026532316, suppressed: 45},
		{seq: 13, kind: model.LogTableFull, netns: 4026532316},
		{seq: 14, kind: model.LogSYNFlood, port: 8080},
		{seq: 15, kind: model.LogSYNFlood, port: 443},
		{seq: 16, kind: model.LogSYNFlood, port: 80},
		{seq: 17, kind: model.LogExpectFull},
		{seq: 18, kind: model.LogInvalid, extra: func(l model.LogLine) bool { return l.Proto == 6 }},
		{seq: 19, kind: model.LogInvalid, extra: func(l model.LogLine) bool { return l.Proto == 6 }},
		// After an invalid line and before an unrelated one: its own line.
		{seq: 20, kind: model.LogSuppressed, suppressed: 3},
		// Seq 22 sits between two unrelated lines: dropped.
	}
	if len(got) != len(wants) {
		for _, l := range got {
			t.Logf("%d %v %q", l.Seq, l.Kind, l.Text)
		}
		t.Fatalf("got %d lines, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		l := got[i]
		if l.Seq != w.seq || l.Kind != w.kind || l.NetNS != w.netns || l.Port != w.port || l.Suppressed != w.suppressed ||
			(w.extra != nil && !w.extra(l)) {
			t.Errorf("line %d: got %+v, want %+v", i, l, w)
		}
	}
}

// TestClassifyNotHeldBack: a line that matters comes out with the record
// that makes it, never later.
func TestClassifyNotHeldBack(t *testing.T) {
	var c Classifier
	if out := c.Add(Record{Seq: 1, Text: "net_ratelimit: 9 callbacks suppressed"}); len(out) != 0 {
		t.Errorf("suppression alone: %+v", out)
	}
	out := c.Add(Record{Seq: 2, Text: "nf_conntrack: nf_conntrack: table full in netns 7, dropping packet"})
	if len(out) != 1 || out[0].Kind != model.LogTableFull || out[0].NetNS != 7 || out[0].Suppressed != 9 {
		t.Errorf("table full: %+v", out)
	}
	// A gap in sequence numbers (lost records) breaks the pairing.
	c.Add(Record{Seq: 10, Text: "net_ratelimit: 5 callbacks suppressed"})
	out = c.Add(Record{Seq: 12, Text: "nf_conntrack: nf_conntrack: table full, dropping packet"})
	if len(out) != 1 || out[0].Suppressed != 0 {
		t.Errorf("after a gap: %+v", out)
	}
}

func TestHandleBacklog(t *testing.T) {
	r := &Reader{boot: time.Unix(1000, 0), start: 100 * time.Second}
	var c Classifier
	var got []model.LogLine
	fn := func(l model.LogLine) { got = append(got, l) }
	full := "nf_conntrack: nf_conntrack: table full, dropping packet"
	r.handle(&c, Record{Seq: 1, Since: 10 * time.Second, Text: full}, time.Minute, fn) // 90 s before start: too old
	r.handle(&c, Record{Seq: 2, Since: 50 * time.Second, Text: full}, time.Minute, fn) // 50 s before: buffered
	r.handle(&c, Record{Seq: 3, Since: 101 * time.Second, Text: full}, time.Minute, fn)
	if len(got) != 2 || got[0].Seq != 2 || !got[0].Buffered || got[1].Buffered {
		t.Fatalf("got %+v", got)
	}
	if !got[1].Time.Equal(time.Unix(1101, 0)) {
		t.Errorf("time %v", got[1].Time)
	}
}

// FuzzParseRecord: no input panics, and a parsed record's text is one
// line.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("4,12,6000100,-;nf_conntrack: nf_conntrack: table full in netns 1, dropping packet\n"))
	f.Add([]byte("6,1,0,c,caller=T1;x\n K=V\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		if strings.Contains(r.Text, "\n") {
			t.Errorf("text spans lines: %q", r.Text)
		}
		var c Classifier
		c.Add(r)
	})
}
