package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// synFakeActions is fakeActions that says what SYNPROXY needs.
type synFakeActions struct{ fakeActions }

func (a *synFakeActions) Preview(rules []action.Target, d time.Duration) (RulePreview, error) {
	p, err := a.fakeActions.Preview(rules, d)
	for _, r := range rules {
		if r.Action == action.SynProxy {
			p.Checks = []SettingCheck{{"net.ipv4.tcp_syncookies", "1", true}, {"net.ipv4.tcp_timestamps", "1", true},
				{"net.netfilter.nf_conntrack_tcp_loose", "1", false}}
		}
	}
	return p, err
}

func TestPrefixKeys(t *testing.T) {
	m := actionModel(t, &fakeActions{}, false)
	for _, c := range []struct{ key, grouping, status string }{
		{"1", "src", ""},
		{"[", "src/24", "grouped by src /24 (IPv6 /64)"},
		{"[", "src/16", ""},
		{"[", "src/8", ""},
		{"[", "src/8,16", ""},
		{"[", "src/8,16", "the prefix is already as wide as it goes (IPv4 /8 to /32, IPv6 /16 to /128)"},
		{"]", "src/16,32", ""},
		{"]", "src/24,48", ""},
		{"]", "src/32,64", ""},
		{"]", "src/32,80", ""},
		{"2", "dst", ""},
		{"6", "dst/auto", "prefixes with 5%+ of flows (+ - change it)"},
		{"[", "dst/auto", "heavy prefixes find their own lengths: + - change the threshold; [ ] change a fixed prefix (1 [ for src/24)"},
		{"1", "src", ""},
		{"6", "src/auto", ""},
		{"3", "dport", ""},
		{"]", "dport", "[ and ] change the prefix of a grouping by source (1) or destination (2)"},
	} {
		m.status = ""
		pressRun(m, c.key)
		if got := m.groups.Grouping().String(); got != c.grouping || m.view != viewTop {
			t.Fatalf("after %s: %s (view %d), want %s", c.key, got, m.view, c.grouping)
		}
		if c.status != "" && m.status != c.status {
			t.Fatalf("after %s: status %q, want %q", c.key, m.status, c.status)
		}
	}
	// The column title names the lengths.
	pressRun(m, "1", "[")
	if !strings.Contains(plain(m), "SOURCE /24 (v6 /64)") || !strings.Contains(plain(m), "203.0.113.0/24") {
		t.Fatalf("prefix view:\n%s", plain(m))
	}
}

func TestThresholdKeys(t *testing.T) {
	m := actionModel(t, &fakeActions{}, false)
	pressRun(m, "6")
	for _, c := range []struct {
		key   string
		share float64
	}{{"+", 0.1}, {"+", 0.2}, {"-", 0.1}, {"-", 0.05}, {"-", 0.02}, {"=", 0.05}} {
		pressRun(m, c.key)
		if m.groups.Share() != c.share || m.verdict == nil {
			t.Fatalf("after %s: share %v, want %v", c.key, m.groups.Share(), c.share)
		}
	}
	// At 50%, 203.0.113.7 (20 of the 41 flows) is not heavy, a prefix
	// holding it and 203.0.113.8 is.
	for range 4 {
		pressRun(m, "+")
	}
	rows := m.groups.Top(0, 10, nil)
	if m.groups.Share() != 0.5 || len(rows) != 1 || rows[0].Key.String() != "203.0.113.0/28" {
		t.Fatalf("at 50%%: %v", rows)
	}
}

func TestBlockPrefixRow(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	pressRun(m, "1", "[", "b")
	if m.rules == nil || !strings.Contains(plain(m), "drop from 203.0.113.0/24") {
		t.Fatalf("b on 203.0.113.0/24:\n%s", plain(m))
	}
	pressRun(m, "a")
	if len(a.applied) != 1 || a.applied[0][0] != action.Source(action.Drop, netip.MustParsePrefix("203.0.113.0/24")) {
		t.Fatalf("applied %+v", a.applied)
	}
	// The prefix's 30 flows are deleted, and no other.
	if len(a.deleted) != 30 {
		t.Fatalf("deleted %d flows, want the 30 of 203.0.113.0/24", len(a.deleted))
	}
	for _, f := range a.deleted {
		if !netip.MustParsePrefix("203.0.113.0/24").Contains(f.Orig.Src.In(f.Family)) {
			t.Fatalf("deleted a flow from %s", f.Orig.Src.StringIn(f.Family))
		}
	}
	// Tagged heavy-hitter rows are blocked together.
	a2 := &fakeActions{}
	m2 := actionModel(t, a2, false)
	pressRun(m2, "6")
	rows := m2.groups.Top(0, 10, nil)
	if len(rows) < 2 || rows[0].Key.String() != "203.0.113.7/32" {
		t.Fatalf("src/auto rows %v", rows)
	}
	a2.mergedInto = 1 // as if the two merged into one prefix
	pressRun(m2, " ", " ", "b")
	if !strings.Contains(plain(m2), "Apply 2 rules for 1h00m?") || !strings.Contains(plain(m2), "They make 1 entry of cttop's set") {
		t.Fatalf("the dialog does not say the rules merge:\n%s", plain(m2))
	}
	pressRun(m2, "a")
	if len(a2.applied) != 1 || len(a2.applied[0]) != 2 {
		t.Fatalf("applied %+v", a2.applied)
	}
	if !strings.Contains(m2.status, "applied 2 rules (1 entry) for 1h00m") {
		t.Errorf("status %q", m2.status)
	}
	for _, r := range a2.applied[0] {
		if r.Addr.Bits() == 0 || r.Action != action.Drop {
			t.Fatalf("rule %s", r)
		}
	}
}

func TestSynProxyKey(t *testing.T) {
	a := &synFakeActions{}
	m := actionModel(t, a, false)
	// On a flow: its service.
	pressRun(m, "P")
	screen := plain(m)
	if m.rules == nil || !strings.Contains(screen, "synproxy to tcp port 443") ||
		!strings.Contains(screen, "needs: tcp_syncookies 1 ok tcp_timestamps 1 ok nf_conntrack_tcp_loose 1 PROBLEM") {
		t.Fatalf("P on a flow to 443:\n%s", screen)
	}
	pressRun(m, "esc")
	// On the port row tcp/80: applied, and only its half-open flows go
	// (27 SYN_RECV; the 3 established of 203.0.113.9 stay).
	pressRun(m, "3")
	for m.top.sel.Port != 80 {
		pressRun(m, "j")
	}
	pressRun(m, "P", "a")
	if len(a.applied) != 1 || a.applied[0][0] != action.SynProxyService(80) {
		t.Fatalf("applied %+v", a.applied)
	}
	if len(a.deleted) != 27 {
		t.Fatalf("deleted %d flows, want the 27 half-open ones", len(a.deleted))
	}
	// Not on UDP, nor on a source row.
	pressRun(m, "1", "P")
	if m.rules != nil || !strings.Contains(m.status, "SYNPROXY protects a TCP service") {
		t.Fatalf("P on a source row: %q", m.status)
	}
}

func TestBlockedCounters(t *testing.T) {
	drop := action.Source(action.Drop, netip.MustParsePrefix("198.18.0.0/21"))
	old := action.Host(action.Drop, netip.MustParseAddr("203.0.113.7"))
	a := &fakeActions{entries: []action.Entry{
		{Target: drop, Timeout: time.Hour, Expires: 59 * time.Minute, Counter: action.Counter{Known: true, Packets: 123456}},
		{Target: old, Counter: action.Counter{}},
		{Target: action.SynProxyService(80), Counter: action.Counter{Known: true}},
	}}
	m := actionModel(t, a, false)
	m.Update(tea80x24())
	pressRun(m, "B")
	screen := plain(m)
	for _, want := range []string{"PACKETS", "drop from 198.18.0.0/21", "123,456", "synproxy to tcp port 80"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("list lacks %q:\n%s", want, screen)
		}
	}
	lines := strings.Split(screen, "\n")
	for _, l := range lines {
		switch {
		case strings.Contains(l, "drop from 203.0.113.7"):
			if !strings.HasSuffix(strings.TrimRight(l, " "), " -") {
				t.Fatalf("unknown count not shown as -: %q", l)
			}
		case strings.Contains(l, "synproxy to tcp port 80"):
			if !strings.HasSuffix(strings.TrimRight(l, " "), " 0") {
				t.Fatalf("known zero not shown as 0: %q", l)
			}
		}
	}
}

// rateBatches feeds m 12 s of batches in which 192.0.2.0/24 opens 30 new
// flows a second while the table is 90% full.
func rateBatches(m *Model, src func(i int) string, dport uint16) {
	id := uint32(100000)
	for i := 1; i <= 120; i++ {
		b := &model.Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Info:  model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn},
			Stats: model.TableStats{Valid: true, Count: 900, Max: 1000}}
		for j := 0; j < 3; j++ {
			f := flow(0, dport)
			f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src(int(id))))
			f.Orig.SrcPort = uint16(id)
			f.SetID(id)
			f.SetProtoState(model.TCPSynRecv)
			f.Reply = f.Orig.Inverse()
			b.Add(&model.Event{Type: model.EventNew, Flow: f})
			id++
		}
		m.Update(BatchMsg{b})
	}
}

func TestTopSortByNewRate(t *testing.T) {
	m := actionModel(t, &fakeActions{}, false)
	rateBatches(m, func(i int) string { return fmt.Sprintf("192.0.2.%d", 100+i%50) }, 8080)
	pressRun(m, "1", "[")
	// By flows, 192.0.2.0/24 (the 10 old flows and 360 new ones) leads
	// anyway; by NEW/s it leads with 30/s, 203.0.113.0/24 made none.
	pressRun(m, ">")
	if m.groups.Order() != model.ByNewRate || !strings.Contains(plain(m), "NEW/s▼") {
		t.Fatalf("> in the top view: order %v", m.groups.Order())
	}
	rows := m.groups.Top(0, 2, nil)
	if rows[0].Key.String() != "192.0.2.0/24" || m.groups.NewRate(rows[0].Key).PerSec < 29 {
		t.Fatalf("by NEW/s: %v %+v", rows, m.groups.NewRate(rows[0].Key))
	}
	if nr := m.groups.NewRate(rows[1].Key); rows[1].Key.String() != "203.0.113.0/24" || nr.PerSec != 0 || !nr.Known {
		t.Fatalf("second row %s %+v", rows[1].Key, nr)
	}
	pressRun(m, "<")
	if m.groups.Order() != model.ByFlows {
		t.Fatal("< did not go back to flows")
	}
}

func TestVerdictKey(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	pressRun(m, "!")
	if !strings.Contains(m.status, "no verdict") {
		t.Fatalf("calm table: %q", m.status)
	}
	rateBatches(m, func(i int) string { return fmt.Sprintf("198.18.%d.%d", i%8, 1+i%250) }, 80)
	m.Update(tea80x24())
	screen := plain(m)
	if !strings.Contains(screen, "198.18.0.0/21 holds 100.0% of new flows") || !strings.Contains(screen, "! blocks it") {
		t.Fatalf("no verdict:\n%s", screen)
	}
	pressRun(m, "!", "a")
	if len(a.applied) != 1 || a.applied[0][0] != action.Source(action.Drop, netip.MustParsePrefix("198.18.0.0/21")) {
		t.Fatalf("! applied %+v", a.applied)
	}

	// Sources everywhere: protect the service.
	a2 := &fakeActions{}
	m2 := actionModel(t, a2, false)
	rateBatches(m2, func(i int) string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+i*37%223, i*101%256, i*7%256, 1+i%250)
	}, 443)
	m2.Update(tea80x24())
	screen = plain(m2)
	if !strings.Contains(screen, "303 sources, no prefix above 5%: likely spoofed: ! protects tcp/443") {
		t.Fatalf("spread verdict:\n%s", screen)
	}
	pressRun(m2, "!", "a")
	if len(a2.applied) != 1 || a2.applied[0][0] != action.SynProxyService(443) {
		t.Fatalf("! applied %+v", a2.applied)
	}

}

func tea80x24() tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: 80, Height: 24} }

// TestVerdictTextsFit: at 80 columns every verdict has a wording that fits
// whole (the line is never cut), with the longest parts it can hold: a
// full IPv6 address as the cover, a million sources, a five-digit UDP or
// TCP port, a threshold of 0.1%. The spread verdict names the lengths of
// the families the new flows came from.
func TestVerdictTextsFit(t *testing.T) {
	long := model.GroupKey{By: model.BySrc, Family: model.IPv6, Bits: 128,
		Addr: model.AddrFrom(netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678"))}
	long56 := model.GroupKey{By: model.BySrc, Family: model.IPv6, Bits: 56,
		Addr: model.AddrFrom(netip.MustParseAddr("2001:db8:1234:5600::"))}
	udp := model.GroupKey{By: model.ByDport, Proto: model.ProtoUDP, Port: 65535}
	tcp := model.GroupKey{By: model.ByDport, Proto: model.ProtoTCP, Port: 65535}
	icmp := model.GroupKey{By: model.ByDport, Proto: model.ProtoICMP}
	base := model.VerdictReport{Sources: 1_000_000, NewPerSec: 123456, Threshold: 0.001, CoverShare: 0.123,
		Measured: 3 * time.Second, Window: 10 * time.Second, FromIPv4: true, FromIPv6: true}
	var reports []model.VerdictReport
	for _, kind := range []model.VerdictKind{model.Measuring, model.FewNew, model.Concentrated, model.Mixed, model.Spread} {
		for _, svc := range []model.GroupKey{udp, tcp, icmp} {
			for _, cover := range [][]model.GroupKey{{long}, {long56}, {long, long56}} {
				for _, dropping := range []bool{false, true} {
					r := base
					r.Kind, r.Service, r.Cover, r.Dropping = kind, svc, cover, dropping
					reports = append(reports, r)
				}
			}
		}
	}
	for _, r := range reports {
		texts := verdictTexts(&r, true)
		if len(texts) == 0 || lipgloss.Width(texts[len(texts)-1]) > 80 {
			t.Errorf("%v to %s, cover %v: no wording fits 80 columns: %q", r.Kind, r.Service, r.Cover, texts)
		}
	}
	spread := base
	spread.Kind, spread.Service = model.Spread, tcp
	for _, c := range []struct {
		v4, v6 bool
		want   string
	}{{true, false, "no prefix from /8 to /32 above"}, {false, true, "no prefix from /16 to /128 above"},
		{true, true, "no prefix from /8 to /32 (IPv6 /16 to /128) above"}} {
		spread.FromIPv4, spread.FromIPv6 = c.v4, c.v6
		if got := verdictTexts(&spread, true)[0]; !strings.Contains(got, c.want) {
			t.Errorf("IPv4 %v, IPv6 %v: %q lacks %q", c.v4, c.v6, got, c.want)
		}
	}
}

// TestHeavyCountWords: the header and the verdict agree in number with
// one prefix as with several ("1 prefix holds", "203.0.113.0/24 makes").
func TestHeavyCountWords(t *testing.T) {
	m := actionModel(t, &fakeActions{}, false)
	pressRun(m, "6")
	for i := 0; i < 10 && m.groups.Len() > 1; i++ {
		pressRun(m, "+")
	}
	if m.groups.Len() != 1 || !strings.Contains(plain(m), "1 prefix holds ") {
		t.Fatalf("%d rows:\n%s", m.groups.Len(), plain(m))
	}
	pressRun(m, "-", "-", "-")
	if m.groups.Len() < 2 || !strings.Contains(plain(m), format.Commas(uint64(m.groups.Len()))+" prefixes hold ") {
		t.Fatalf("%d rows:\n%s", m.groups.Len(), plain(m))
	}
	one := model.GroupKey{By: model.BySrc, Family: model.IPv4, Bits: 24, Addr: model.AddrFrom(netip.MustParseAddr("203.0.113.0"))}
	v := model.VerdictReport{Kind: model.Mixed, Cover: []model.GroupKey{one}, CoverShare: 0.3, Sources: 40,
		Service: model.GroupKey{By: model.ByDport, Proto: model.ProtoTCP, Port: 80}}
	for _, text := range verdictTexts(&v, true)[:3] {
		if !strings.HasPrefix(text, "203.0.113.0/24 makes 30") {
			t.Errorf("%q", text)
		}
	}
	v.Cover = append(v.Cover, one)
	for _, text := range verdictTexts(&v, true)[:3] {
		if !strings.HasPrefix(text, "2 prefixes make 30") {
			t.Errorf("%q", text)
		}
	}
}

// TestBlockIPv6PrefixRow: IPv6 sources in four /64s of 2001:db8:bad::/48
// among IPv4 ones; grouped by /16 (IPv6 /48), b on the /48 row proposes
// DROP for 2001:db8:bad::/48 and deletes its flows, and only them.
func TestBlockIPv6PrefixRow(t *testing.T) {
	a := &fakeActions{}
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: a})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b := attackBatch()
	for i := range 40 {
		f := flow(0, 443)
		f.Family = model.IPv6
		f.Orig.Src = model.AddrFrom(netip.MustParseAddr(fmt.Sprintf("2001:db8:bad:%x::%x", i%4, 1+i)))
		f.Orig.Dst = model.AddrFrom(netip.MustParseAddr("2001:db8::1"))
		f.Orig.SrcPort = uint16(20000 + i)
		f.SetID(uint32(5000 + i))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	b.Stats.Count += 40
	m.Update(BatchMsg{b})
	pressRun(m, "1", "[", "[")
	if got := m.groups.Grouping().String(); got != "src/16" {
		t.Fatalf("grouping %s", got)
	}
	rows := m.groups.Top(0, 5, nil)
	if len(rows) == 0 || rows[0].Key.String() != "2001:db8:bad::/48" || rows[0].Flows != 40 {
		t.Fatalf("first row %v", rows)
	}
	pressRun(m, "g", "b")
	if !strings.Contains(plain(m), "drop from 2001:db8:bad::/48") {
		t.Fatalf("b on the /48 row:\n%s", plain(m))
	}
	pressRun(m, "a")
	want := netip.MustParsePrefix("2001:db8:bad::/48")
	if len(a.applied) != 1 || a.applied[0][0] != action.Source(action.Drop, want) {
		t.Fatalf("applied %+v", a.applied)
	}
	if len(a.deleted) != 40 {
		t.Fatalf("deleted %d flows, want the 40 of %s", len(a.deleted), want)
	}
	for _, f := range a.deleted {
		if !want.Contains(f.Orig.Src.In(f.Family)) {
			t.Fatalf("deleted a flow from %s", f.Orig.Src.In(f.Family))
		}
	}
}

// TestNewRateEstimateMarked: when more sources create flows than NEW/s
// tracks, a row whose key lost its counters has its NEW/s marked ~ and the
// header says why; a key that kept them all is exact; with few sources
// nothing is marked.
func TestNewRateEstimateMarked(t *testing.T) {
	feed := func(m *Model, sources int) {
		id := uint32(100000)
		for i := 1; i <= 30; i++ {
			b := &model.Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
				Info: model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn}}
			for j := 0; j < 400; j++ {
				f := flow(0, 80)
				src := fmt.Sprintf("10.%d.%d.%d", id%uint32(sources)>>16&255, id%uint32(sources)>>8&255, id%uint32(sources)&255)
				if j%4 == 0 {
					src = "198.51.100.9"
				}
				f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src))
				f.Orig.SrcPort = uint16(id)
				f.SetID(id)
				f.Reply = f.Orig.Inverse()
				b.Add(&model.Event{Type: model.EventNew, Flow: f})
				id++
			}
			m.Update(BatchMsg{b})
		}
	}
	m := actionModel(t, &fakeActions{}, false)
	pressRun(m, "1")
	feed(m, 100000)
	screen := plain(m)
	if !strings.Contains(screen, "~: NEW/s estimated (more keys than the 1,024 tracked)") {
		t.Fatalf("no note of estimates:\n%s", screen)
	}
	cell := func(addr string) string {
		for _, l := range strings.Split(screen, "\n") {
			if f := strings.Fields(l); len(f) >= 5 && f[0] == addr {
				return f[4] // address, flows, share, bar, NEW/s
			}
		}
		t.Fatalf("no row %s:\n%s", addr, screen)
		return ""
	}
	// The heavy source never lost its counters: its 1,000/s are exact. A
	// source that made none may have made up to the least count: ~0.
	if got := cell("198.51.100.9"); got != "1.0k" {
		t.Errorf("198.51.100.9's NEW/s %q, want an exact 1.0k", got)
	}
	if got := cell("203.0.113.7"); got != "~0" {
		t.Errorf("203.0.113.7's NEW/s %q, want ~0", got)
	}
	m = actionModel(t, &fakeActions{}, false)
	pressRun(m, "1")
	feed(m, 20)
	if screen = plain(m); strings.Contains(screen, "~") {
		t.Fatalf("21 sources, yet an estimate:\n%s", screen)
	}
}
