package tuning

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// flowsAt returns n flows of proto in state st, all with ttl seconds left.
func flowsAt(proto uint8, st model.State, n int, ttl uint32) StateFlows {
	sf := StateFlows{Proto: proto, State: st, Flows: n, TTLs: make([]uint32, n)}
	for i := range sf.TTLs {
		sf.TTLs[i] = ttl
	}
	return sf
}

func rowOf(a Advice, label string, from TimeoutFrom) (StateShare, bool) {
	for _, r := range a.States {
		if r.Label == label && r.From == from {
			return r, true
		}
	}
	return StateShare{}, false
}

// TestReplayCloseWaitFromAnotherHost: issue 10's replay of 150 CLOSE_WAIT
// flows with 3599 s left and 50 ESTABLISHED, on a host whose close_wait is
// 60: the file proves its host keeps CLOSE_WAIT an hour, so the report must
// not credit them to this host's 60, and must advise about CLOSE_WAIT.
func TestReplayCloseWaitFromAnotherHost(t *testing.T) {
	in := Input{
		Settings: host(16*gib, 262144, 262144), Table: table(200, 0, 0),
		FlowsFrom: "replay file k8s.txt", HostSettings: true,
		States: []StateFlows{
			flowsAt(model.ProtoTCP, model.TCPState(model.TCPCloseWait), 150, 3599),
			spreadOver(model.ProtoTCP, model.TCPState(model.TCPEstablished), 50, 86400),
		},
	}
	in.Table.Stats = model.TableStats{}
	a := Advise(in)
	r, ok := rowOf(a, "tcp CLOSE_WAIT", FromRecorded)
	if !ok || r.Flows != 150 || r.Timeout != 3599 || !r.AtLeast || r.Setting != 60 {
		t.Fatalf("CLOSE_WAIT row: %+v (found %v); rows %+v", r, ok, a.States)
	}
	text := a.Report().Text(10000)
	if strings.Contains(text, "1m00s  nf_conntrack_tcp_timeout_close_wait") || strings.Contains(text, "CLOSE_WAIT                  150  75.0%    1m00s") {
		t.Errorf("the report credits the file's CLOSE_WAIT flows to this host's 60:\n%s", text)
	}
	for _, want := range []string{
		"tcp CLOSE_WAIT               150  75.0% >=59m59s   59m59s  the flows' TTLs; this host: nf_conntrack_tcp_timeout_close_wait=60",
		"75.0% of flows (150) are CLOSE_WAIT with more than 1m00s left: the host they come from keeps them at least 59m59s",
		"kube-proxy",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	c, ok := changeOf(a, "nf_conntrack_tcp_timeout_close_wait")
	if !ok || c.To != 60 || c.From != -1 {
		t.Errorf("close_wait change: %+v (found %v)", c, ok)
	}
	// The 50 ESTABLISHED flows are 25% of the table but only 0 would be
	// shortened by 86400 (none has more than a day left): no advice.
	if c, ok := changeOf(a, "nf_conntrack_tcp_timeout_established"); ok {
		t.Errorf("established change on flows it would not shorten: %+v", c)
	}
}

// TestLivePoliciesNotCreditedToSysctl: issue 10's live table with nft ct
// timeout policies (established 1000000 on one port, 100 on another):
// flows with 999998 s left are governed by a longer timeout than the
// sysctl's 432000, and 86400 would shorten 2 flows of 22: no suggestion.
func TestLivePoliciesNotCreditedToSysctl(t *testing.T) {
	est := model.TCPState(model.TCPEstablished)
	in := Input{Settings: host(16*gib, 262144, 262144), Table: table(22, 262144, 0),
		States: []StateFlows{{Proto: model.ProtoTCP, State: est, Flows: 22,
			TTLs: []uint32{97, 97, 98, 98, 98, 98, 98, 98, 98, 98, 431990, 431999,
				999990, 999991, 999992, 999993, 999994, 999995, 999996, 999997, 999998, 999998}}}}
	a := Advise(in)
	hi, ok := rowOf(a, "tcp ESTABLISHED", FromTTLs)
	if !ok || hi.Flows != 10 || hi.Timeout != 999998 || !hi.AtLeast {
		t.Fatalf("row above the sysctl: %+v (found %v); rows %+v", hi, ok, a.States)
	}
	lo, ok := rowOf(a, "tcp ESTABLISHED", FromSetting)
	if !ok || lo.Flows != 12 || lo.Timeout != 432000 || lo.Longer(86400) != 2 {
		t.Fatalf("row of the sysctl: %+v (found %v)", lo, ok)
	}
	if c, ok := changeOf(a, "nf_conntrack_tcp_timeout_established"); ok {
		t.Errorf("proposes %+v for flows it would not change", c)
	}
	text := a.Report().Text(10000)
	if !strings.Contains(text, "the flows' TTLs, above nf_conntrack_tcp_timeout_established=432000: an nft ct timeout policy") {
		t.Errorf("report does not say where the long timeouts come from:\n%s", text)
	}
	// With enough flows above the sysctl, a finding says so.
	for i := range 40 {
		in.States[0].TTLs = append(in.States[0].TTLs, 999000+uint32(i))
	}
	slices.Sort(in.States[0].TTLs)
	in.States[0].Flows += 40
	in.Table = table(62, 262144, 0)
	if f := findings(Advise(in), FindingTimeoutFrom); len(f) != 1 || !strings.Contains(f[0], "50 tcp ESTABLISHED flows have TTLs up to 11d13h (999998 seconds), above nf_conntrack_tcp_timeout_established=432000") {
		t.Errorf("timeout-from finding: %q", f)
	}
}

// TestEvidenceMinimum: no timeout suggestion rests on fewer than
// MinEvidence flows, whatever their share.
func TestEvidenceMinimum(t *testing.T) {
	tw := model.TCPState(model.TCPTimeWait)
	for _, n := range []int{MinEvidence - 1, MinEvidence} {
		in := Input{Settings: host(16*gib, 262144, 262144), Table: table(n, 262144, 0),
			States: []StateFlows{flowsAt(model.ProtoTCP, tw, n, 119)}}
		_, ok := changeOf(Advise(in), "nf_conntrack_tcp_timeout_time_wait")
		if ok != (n >= MinEvidence) {
			t.Errorf("%d TIME_WAIT flows: suggestion %v", n, ok)
		}
	}
}

// TestCompositionSysctls: every state maps to its own sysctl.
func TestCompositionSysctls(t *testing.T) {
	for _, c := range []struct {
		proto uint8
		st    model.State
		want  string
	}{
		{model.ProtoTCP, model.TCPState(model.TCPSynSent2), "nf_conntrack_tcp_timeout_syn_sent"},
		{model.ProtoTCP, model.TCPState(model.TCPNone), ""},
		{model.ProtoSCTP, model.SCTPState(model.SCTPCookieWait), "nf_conntrack_sctp_timeout_cookie_wait"},
		{model.ProtoSCTP, model.SCTPState(model.SCTPShutdownAckSent), "nf_conntrack_sctp_timeout_shutdown_ack_sent"},
		{model.ProtoDCCP, model.DCCPState(model.DCCPPartOpen), "nf_conntrack_dccp_timeout_partopen"},
		{model.ProtoDCCP, model.DCCPState(model.DCCPInvalid), ""},
		{model.ProtoUDP, model.StateUnreplied, "nf_conntrack_udp_timeout"},
		{model.ProtoUDP, model.StateReplied, "nf_conntrack_udp_timeout_stream"},
		{model.ProtoUDPLite, model.StateReplied, "nf_conntrack_udp_timeout_stream"},
		{model.ProtoGRE, model.StateUnreplied, "nf_conntrack_gre_timeout"},
		{model.ProtoGRE, model.StateReplied, "nf_conntrack_gre_timeout_stream"},
		{model.ProtoICMP, model.StateReplied, "nf_conntrack_icmp_timeout"},
		{model.ProtoICMPv6, model.StateUnreplied, "nf_conntrack_icmpv6_timeout"},
		{112, model.StateReplied, "nf_conntrack_generic_timeout"},
		{model.ProtoUDP, model.StateUnknown, ""},
	} {
		if got := TimeoutSysctl(c.proto, c.st); got != c.want {
			t.Errorf("TimeoutSysctl(%d, %v) = %q, want %q", c.proto, c.st, got, c.want)
		}
	}
}

// TestCompositionRows: SCTP, UDP streams, mid-stream pickups and offloaded
// flows each get their row and the timeout that governs them.
func TestCompositionRows(t *testing.T) {
	in := Input{Settings: host(16*gib, 262144, 262144), Table: table(100, 262144, 0),
		States: []StateFlows{
			flowsAt(model.ProtoSCTP, model.SCTPState(model.SCTPCookieWait), 40, 2),
			flowsAt(model.ProtoUDP, model.StateReplied, 20, 100),
			{Proto: model.ProtoTCP, State: model.TCPState(model.TCPEstablished), MidStream: true, Flows: 10, TTLs: []uint32{299, 299, 299, 299, 299, 299, 299, 299, 299, 299}},
			{Proto: model.ProtoTCP, Offloaded: true, Flows: 30},
			flowsAt(model.ProtoTCP, model.TCPState(model.TCPNone), 3, 50),
			{Proto: model.ProtoDCCP, State: model.StateUnknown, Flows: 2},
		}}
	a := Advise(in)
	for _, c := range []struct {
		label   string
		from    TimeoutFrom
		timeout int64
		text    string
	}{
		{"sctp COOKIE_WAIT", FromSetting, 3, "nf_conntrack_sctp_timeout_cookie_wait=3"},
		{"udp REPLIED", FromSetting, 120, "nf_conntrack_udp_timeout_stream=120"},
		{"tcp ESTABLISHED (mid-stream)", FromCap, 300, "nf_conntrack_tcp_timeout_unacknowledged=300 (the kernel's cap for flows picked up mid-stream)"},
		{"tcp (offloaded)", FromNone, -1, "none while offloaded: the flowtable keeps them"},
		// A known state no setting names, and a state the source did not give.
		{"tcp NONE", FromNone, -1, "unknown: no setting for this state"},
		{"dccp (state unknown)", FromNone, -1, "unknown: the state is unknown"},
	} {
		r, ok := rowOf(a, c.label, c.from)
		if !ok || r.Timeout != c.timeout {
			t.Errorf("%s: %+v (found %v)", c.label, r, ok)
			continue
		}
		if got := a.timeoutFromText(&r); got != c.text {
			t.Errorf("%s: from %q, want %q", c.label, got, c.text)
		}
	}
}

// TestDropsSinceBootAreNotEvidence: drops counted since boot, none while
// cttop watched, at 20% full: no advice to raise nf_conntrack_max, and the
// counters are labelled since boot.
func TestDropsSinceBootAreNotEvidence(t *testing.T) {
	in := Input{Settings: host(16*gib, 262144, 262144), Table: table(52000, 262144, 170),
		Recent: Recent{Known: true, Span: 2 * time.Minute}}
	a := Advise(in)
	if _, ok := changeOf(a, "nf_conntrack_max"); ok || a.Pressure {
		t.Errorf("advice from drops of the past: pressure %v, changes %+v", a.Pressure, a.Changes)
	}
	text := a.Report().Text(10000)
	for _, want := range []string{"drop 170 early_drop 0 insert_failed 0 invalid 0 (since boot)", "and the kernel dropped nothing in the 2m00s cttop watched"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// Drops while watching are evidence.
	in.Recent.Drops = 12
	if a := Advise(in); !a.Pressure || len(findings(a, FindingSize)) == 0 {
		t.Errorf("drops while watching: pressure %v, findings %+v", a.Pressure, a.Findings)
	}
}

func TestRecentFrom(t *testing.T) {
	a := model.TableStats{Valid: true, Drop: 10, EarlyDrop: 5, InsertFailed: 1}
	b := model.TableStats{Valid: true, Drop: 17, EarlyDrop: 6, InsertFailed: 4}
	if r := RecentFrom(a, b, time.Second); !r.Known || r.Drops != 8 || r.InsertFailed != 3 {
		t.Errorf("RecentFrom = %+v", r)
	}
	if r := RecentFrom(b, a, time.Second); r.Known {
		t.Errorf("counters going back: %+v", r)
	}
	if r := RecentFrom(model.TableStats{}, b, time.Second); r.Known {
		t.Errorf("invalid first: %+v", r)
	}
}

// TestStatesOf: a table's flows by protocol and state with their TTLs.
func TestStatesOf(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tab := model.NewTable(0)
	mk := func(proto uint8, sport uint16, st uint8, status model.Status, ttl int) model.Flow {
		f := model.Flow{Proto: proto, Family: model.IPv4, Status: status}
		f.Orig.Src[10], f.Orig.Src[11], f.Orig.Src[15] = 0xff, 0xff, 1
		f.Orig.Dst[10], f.Orig.Dst[11], f.Orig.Dst[15] = 0xff, 0xff, 2
		f.Orig.SrcPort, f.Orig.DstPort = sport, 80
		f.Reply = f.Orig.Inverse()
		if model.HasStates(proto) {
			f.SetProtoState(st)
		}
		if ttl >= 0 {
			f.SetExpires(uint32(now.Unix()) + uint32(ttl))
		}
		return f
	}
	b := &model.Batch{Time: now, Info: model.SourceInfo{Kind: "kernel"}, Snapshot: &model.Snapshot{}}
	for _, f := range []model.Flow{
		mk(model.ProtoTCP, 1, model.TCPEstablished, model.StatusSeenReply|model.StatusAssured, 500),
		mk(model.ProtoTCP, 2, model.TCPEstablished, model.StatusSeenReply|model.StatusAssured, 100),
		mk(model.ProtoTCP, 3, model.TCPEstablished, 0, 250), // mid-stream
		mk(model.ProtoUDP, 4, 0, model.StatusSeenReply|model.StatusOffload, -1),
		mk(model.ProtoUDP, 5, 0, 0, 20),
	} {
		b.Snapshot.Add(&f, nil)
	}
	tab.Apply(b)
	got := StatesOf(tab, tab.Now())
	if len(got) != 4 {
		t.Fatalf("StatesOf: %+v", got)
	}
	est := got[0]
	if est.Proto != model.ProtoTCP || est.MidStream || est.Flows != 2 || len(est.TTLs) != 2 || est.TTLs[0] != 100 || est.TTLs[1] != 500 {
		t.Errorf("established: %+v", est)
	}
	if mid := got[1]; !mid.MidStream || mid.Flows != 1 {
		t.Errorf("mid-stream: %+v", mid)
	}
	if off := got[2]; off.Proto != model.ProtoUDP || !off.Offloaded || off.State != model.StateUnknown || len(off.TTLs) != 0 {
		t.Errorf("offloaded: %+v", off)
	}
	if un := got[3]; un.State != model.StateUnreplied || un.TTLs[0] != 20 {
		t.Errorf("unreplied udp: %+v", un)
	}
}

// TestPoliciesName: with the namespace's nft ct timeout policies known, the
// flows above the sysctl are credited to the policy that gives that long,
// the flows within a shorter policy's timeout are apart (that policy, or
// the sysctl for flows idle for long), and the suggestion counts neither.
func TestPoliciesName(t *testing.T) {
	est := model.TCPState(model.TCPEstablished)
	s := host(16*gib, 262144, 262144)
	name := "nf_conntrack_tcp_timeout_established"
	s.Policies = []TimeoutPolicy{
		{Name: "inet cttimeouts long", Proto: model.ProtoTCP, Timeouts: map[string]int64{name: 1000000, "nf_conntrack_tcp_timeout_syn_sent": 120}},
		{Name: "inet cttimeouts short", Proto: model.ProtoTCP, Timeouts: map[string]int64{name: 100}},
		{Name: "inet other udp", Proto: model.ProtoUDP, Timeouts: map[string]int64{"nf_conntrack_udp_timeout": 5}},
	}
	s.PoliciesKnown = true
	in := Input{Settings: s, Table: table(52, 262144, 0), States: []StateFlows{{Proto: model.ProtoTCP, State: est, Flows: 52}}}
	for range 40 {
		in.States[0].TTLs = append(in.States[0].TTLs, 999998)
	}
	in.States[0].TTLs = append(append([]uint32{98, 98, 98, 98, 98, 97, 97, 97, 97, 96}, 431990, 431999), in.States[0].TTLs...)
	a := Advise(in)
	for _, c := range []struct {
		from  TimeoutFrom
		flows int
		text  string
	}{
		{FromTTLs, 40, "the flows' TTLs, above nf_conntrack_tcp_timeout_established=432000: the nft ct timeout policy inet cttimeouts long (1000000)"},
		{FromPolicyOrSetting, 10, "the nft ct timeout policy inet cttimeouts short (100), or nf_conntrack_tcp_timeout_established=432000 for flows idle longer than 4d23h"},
		{FromSetting, 2, "nf_conntrack_tcp_timeout_established=432000"},
	} {
		r, ok := rowOf(a, "tcp ESTABLISHED", c.from)
		if !ok || r.Flows != c.flows {
			t.Errorf("row from %d: %+v (found %v)", c.from, r, ok)
			continue
		}
		if got := a.timeoutFromText(&r); got != c.text {
			t.Errorf("row from %d: %q, want %q", c.from, got, c.text)
		}
	}
	text := a.Report().Text(10000)
	for _, want := range []string{
		"nft ct timeout           inet cttimeouts long: tcp_timeout_established=1000000 (sysctl 432000)\n",
		"nft ct timeout           inet cttimeouts short: tcp_timeout_established=100 (sysctl 432000)\n",
		"nft ct timeout           inet other udp: udp_timeout=5 (sysctl 30)\n",
		"40 tcp ESTABLISHED flows have TTLs up to 11d13h (999998 seconds), above nf_conntrack_tcp_timeout_established=432000: a longer timeout governs them, the nft ct timeout policy inet cttimeouts long (1000000), which a rule attaches",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if _, ok := changeOf(a, name); ok {
		t.Errorf("suggests the sysctl for flows it would not change: %+v", a.Changes)
	}
	// Known to have no policy: a TTL above the sysctl means it was lowered.
	in.Settings.Policies = nil
	r, _ := rowOf(Advise(in), "tcp ESTABLISHED", FromTTLs)
	if got := Advise(in).timeoutFromText(&r); !strings.Contains(got, "which no nft ct timeout policy here gives: the setting was lowered after their last packet") {
		t.Errorf("no policy: %q", got)
	}
}
