package tuning

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
)

const gib = 1 << 30

// defaultTimeouts are the kernel's defaults (6.18).
func defaultTimeouts() map[string]int64 {
	return map[string]int64{
		"nf_conntrack_tcp_timeout_syn_sent":           120,
		"nf_conntrack_tcp_timeout_syn_recv":           60,
		"nf_conntrack_tcp_timeout_established":        432000,
		"nf_conntrack_tcp_timeout_fin_wait":           120,
		"nf_conntrack_tcp_timeout_close_wait":         60,
		"nf_conntrack_tcp_timeout_last_ack":           30,
		"nf_conntrack_tcp_timeout_time_wait":          120,
		"nf_conntrack_tcp_timeout_close":              10,
		"nf_conntrack_udp_timeout":                    30,
		"nf_conntrack_udp_timeout_stream":             120,
		"nf_conntrack_icmp_timeout":                   30,
		"nf_conntrack_icmpv6_timeout":                 30,
		"nf_conntrack_generic_timeout":                600,
		"nf_conntrack_gre_timeout":                    30,
		"nf_conntrack_gre_timeout_stream":             180,
		"nf_conntrack_tcp_timeout_unacknowledged":     300,
		"nf_conntrack_tcp_timeout_max_retrans":        300,
		"nf_conntrack_sctp_timeout_closed":            10,
		"nf_conntrack_sctp_timeout_cookie_wait":       3,
		"nf_conntrack_sctp_timeout_cookie_echoed":     3,
		"nf_conntrack_sctp_timeout_established":       210,
		"nf_conntrack_sctp_timeout_shutdown_sent":     3,
		"nf_conntrack_sctp_timeout_shutdown_recd":     3,
		"nf_conntrack_sctp_timeout_shutdown_ack_sent": 3,
		"nf_conntrack_sctp_timeout_heartbeat_sent":    30,
	}
}

// host returns the settings of a host with mem bytes of RAM running 6.18,
// in its initial namespace, nf_conntrack built in.
func host(mem uint64, max, buckets int64) Settings {
	return Settings{
		Known: true, Max: max, Buckets: buckets, Count: -1,
		Events: 2, Acct: 0, Timestamp: 0, Timeouts: defaultTimeouts(),
		MemTotal: mem, WordBits: 64, KernelRelease: "6.18.44", ConnBytes: 256,
		MaxWritable: true, BucketsWritable: true, HashsizeParam: true,
	}
}

// table returns a composition of flows with the given TCP states and
// protocols filled in, and kernel stats of count/max with drops.
func table(flows int, max uint64, drops uint64) model.Composition {
	return model.Composition{
		Flows:  flows,
		Protos: map[uint8]int{model.ProtoTCP: flows},
		Stats:  model.TableStats{Valid: true, Count: uint64(flows), Max: max, Drop: drops},
	}
}

// spread returns n flows of proto in state st, their TTLs spread evenly
// over the state's default timeout: flows last seen at every moment of it.
func spread(proto uint8, st model.State, n int) StateFlows {
	return spreadOver(proto, st, n, uint32(defaultTimeouts()[TimeoutSysctl(proto, st)]))
}

// spreadOver returns n flows of proto in state st with TTLs spread evenly
// over (0, ttl].
func spreadOver(proto uint8, st model.State, n int, ttl uint32) StateFlows {
	sf := StateFlows{Proto: proto, State: st, Flows: n, TTLs: make([]uint32, n)}
	for i := range sf.TTLs {
		sf.TTLs[i] = uint32(uint64(ttl) * uint64(i+1) / uint64(n))
	}
	return sf
}

// addTCP adds n TCP flows in state s (spread) to in.
func addTCP(in *Input, s uint8, n int) {
	in.States = append(in.States, spread(model.ProtoTCP, model.TCPState(s), n))
}

func findings(a Advice, kind FindingKind) []string {
	var out []string
	for _, f := range a.Findings {
		if f.Kind == kind {
			out = append(out, f.Text)
		}
	}
	return out
}

func changeOf(a Advice, key string) (SysctlChange, bool) {
	for _, c := range a.Changes {
		if c.Key == key {
			return c, true
		}
	}
	return SysctlChange{}, false
}

func TestKernelDefaultSize(t *testing.T) {
	for _, c := range []struct {
		mem     uint64
		bits    int
		release string
		want    DefaultSize
	}{
		{64 * gib, 64, "6.18.44", DefaultSize{262144, 262144, true}},
		{24683656 << 10, 64, "6.18.44-fc-v769", DefaultSize{262144, 262144, true}}, // this project's VM
		{2 * gib, 64, "6.1.0", DefaultSize{65536, 65536, true}},
		{512 << 20, 64, "5.15.0", DefaultSize{4096, 4096, true}},
		{64 << 20, 64, "6.6", DefaultSize{1024, 1024, true}},
		{3 * gib, 32, "6.6", DefaultSize{65536, 65536, true}},
		{64 * gib, 64, "5.10.0-28-amd64", DefaultSize{262144, 65536, false}},
		{2 * gib, 64, "4.19.0", DefaultSize{65536, 16384, false}},
		{512 << 20, 64, "5.4.0", DefaultSize{16384, 4096, false}},
		{64 * gib, 64, "", DefaultSize{262144, 262144, true}},
	} {
		if got := KernelDefaultSize(c.mem, c.bits, c.release); got != c.want {
			t.Errorf("KernelDefaultSize(%d, %d, %q) = %+v, want %+v", c.mem, c.bits, c.release, got, c.want)
		}
	}
}

func TestAdvise(t *testing.T) {
	for _, c := range []struct {
		name string
		in   Input
		// want are substrings of the findings of kind
		kind FindingKind
		want []string
		// changes that must be suggested (key -> value)
		changes map[string]int64
		// keys that must not be suggested
		not []string
	}{
		{
			name: "tiny max on a big-RAM host",
			in: Input{
				Settings: host(64*gib, 16384, 16384),
				Table:    table(15800, 16384, 1200),
				Recent:   Recent{Known: true, Span: 10 * time.Second, Drops: 1200},
			},
			kind: FindingSize,
			want: []string{
				"The table is 96.4% full (15,800 of 16,384) and the kernel dropped 1,200 packets for lack of room (drop + early_drop) in the 10s cttop watched",
				"raise nf_conntrack_max to 262,144 (this kernel's default for 64 GiB) and nf_conntrack_buckets to 262,144: about 98 MiB at most, 0.1% of 64 GiB",
			},
			changes: map[string]int64{"nf_conntrack_max": 262144, "nf_conntrack_buckets": 262144},
		},
		{
			name: "full table, default max: double it",
			in: Input{
				Settings: host(16*gib, 262144, 262144),
				Table:    table(262144, 262144, 5),
			},
			kind:    FindingSize,
			want:    []string{"raise nf_conntrack_max to 524,288 (twice the peak) and nf_conntrack_buckets to 524,288: about 196 MiB at most, 1.2% of 16 GiB"},
			changes: map[string]int64{"nf_conntrack_max": 524288, "nf_conntrack_buckets": 524288},
		},
		{
			name: "full table on a small host: capped by memory",
			in: Input{
				Settings: host(2*gib, 100000, 131072),
				Table:    table(100000, 100000, 77),
			},
			kind:    FindingSize,
			want:    []string{"raise nf_conntrack_max to 131,072 (the most that fits in 1/32 of RAM) and nf_conntrack_buckets to 131,072: about 49 MiB at most, 2.4% of 2 GiB"},
			changes: map[string]int64{"nf_conntrack_max": 131072},
			not:     []string{"nf_conntrack_buckets"},
		},
		{
			name: "full table on a tiny host: no room",
			in: Input{
				Settings: host(256<<20, 65536, 65536),
				Table:    table(65536, 65536, 77),
			},
			kind: FindingMemoryBound,
			want: []string{"A larger table would take more than 1/32 of 256 MiB (at 384 bytes an entry): make room with shorter timeouts or NOTRACK"},
			not:  []string{"nf_conntrack_max"},
		},
		{
			name: "replay of a smaller table on a larger host",
			in: Input{
				Settings:  host(64*gib, 1048576, 1048576),
				Table:     table(65536, 65536, 12),
				FlowsFrom: "replay file small.ctr", HostSettings: true,
			},
			kind: FindingSize,
			want: []string{"The table is 100.0% full (65,536 of 65,536) (the drop counters say 12 packets since boot; cttop did not watch, so it cannot say whether the kernel drops now). This host's nf_conntrack_max 1,048,576 already has room for twice that peak."},
			not:  []string{"nf_conntrack_max", "nf_conntrack_buckets"},
		},
		{
			name: "table dominated by ESTABLISHED",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
				addTCP(&in, model.TCPEstablished, 122000)
				addTCP(&in, model.TCPTimeWait, 20000)
				addTCP(&in, model.TCPSynSent, 8000)
				addTCP(&in, model.TCPCloseWait, 50000)
				return in
			}(),
			kind:    FindingTimeout,
			want:    []string{"48.8% of flows (97,600) are ESTABLISHED with more than 1d00h left of the 5d00h the kernel gives them when idle (nf_conntrack_tcp_timeout_established=432000): 86400 (1d00h) frees the idle ones sooner"},
			changes: map[string]int64{"nf_conntrack_tcp_timeout_established": 86400},
			not:     []string{"nf_conntrack_tcp_timeout_time_wait", "nf_conntrack_tcp_timeout_syn_sent", "nf_conntrack_max"},
		},
		{
			name: "table dominated by TIME_WAIT",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(150000, 262144, 0)}
				addTCP(&in, model.TCPEstablished, 20000)
				addTCP(&in, model.TCPTimeWait, 120000)
				addTCP(&in, model.TCPSynSent, 10000)
				return in
			}(),
			kind:    FindingTimeout,
			want:    []string{"59.3% of flows (89,001) are TIME_WAIT with more than 30s left of the 2m00s the kernel gives them when idle (nf_conntrack_tcp_timeout_time_wait=120): 30 (30s) frees closed connections sooner"},
			changes: map[string]int64{"nf_conntrack_tcp_timeout_time_wait": 30},
			not:     []string{"nf_conntrack_tcp_timeout_established", "nf_conntrack_tcp_timeout_syn_sent"},
		},
		{
			name: "SYN_SENT flood",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
				addTCP(&in, model.TCPEstablished, 20000)
				addTCP(&in, model.TCPSynSent, 170000)
				addTCP(&in, model.TCPSynSent2, 10000)
				return in
			}(),
			kind:    FindingTimeout,
			want:    []string{"66.8% of flows (133,501) are SYN_SENT and SYN_SENT2 with more than 30s left of the 2m00s the kernel gives them when idle (nf_conntrack_tcp_timeout_syn_sent=120): 30 (30s) forgets unanswered connection attempts sooner"},
			changes: map[string]int64{"nf_conntrack_tcp_timeout_syn_sent": 30},
		},
		{
			name: "table dominated by udp/53",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
				in.Table.Protos = map[uint8]int{model.ProtoTCP: 120000, model.ProtoUDP: 80000}
				addTCP(&in, model.TCPEstablished, 120000-60000)
				addTCP(&in, model.TCPTimeWait, 60000)
				in.Table.TopServices = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 60000}, {Proto: model.ProtoTCP, Port: 53, Flows: 20000}, {Proto: model.ProtoTCP, Port: 443, Flows: 19000}, {Proto: model.ProtoUDP, Port: 123, Flows: 5000}}
				return in
			}(),
			kind: FindingNoTrack,
			want: []string{"udp/53 tcp/53 carry 40.0% of flows (80,000). If this host serves them and no NAT or stateful rule needs them, NOTRACK takes them out of the table",
				"press n on such a flow in cttop"},
		},
		{
			name: "table dominated by one source",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
				addTCP(&in, model.TCPSynRecv, 10000)
				addTCP(&in, model.TCPEstablished, 190000)
				in.Table.TopSources = []model.SourceCount{{Addr: netip.MustParseAddr("203.0.113.9"), Flows: 90000}, {Addr: netip.MustParseAddr("192.0.2.1"), Flows: 1000}}
				return in
			}(),
			kind: FindingSource,
			want: []string{`203.0.113.9 opened 45.0% of flows (90,000): find out why with the filter "src 203.0.113.9"`},
		},
		{
			name: "three equal load-test clients",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
				in.Table.TCPStates[model.TCPEstablished] = 200000
				in.Table.TopSources = []model.SourceCount{{Addr: netip.MustParseAddr("192.0.2.11"), Flows: 66700},
					{Addr: netip.MustParseAddr("192.0.2.12"), Flows: 66650}, {Addr: netip.MustParseAddr("192.0.2.13"), Flows: 66650}}
				return in
			}(),
			kind: FindingSource,
			want: []string{"192.0.2.11, 192.0.2.12, 192.0.2.13 opened 100.0% of flows (200,000) in like shares: none stands out"},
		},
		{
			name: "buckets too few for max",
			in: Input{
				Settings: host(16*gib, 262144, 16384),
				Table:    table(1000, 262144, 0),
			},
			kind:    FindingBuckets,
			want:    []string{"nf_conntrack_buckets 16,384 is small for nf_conntrack_max 262,144: every entry is hashed twice, so a full table averages 32 entries per hash chain", "Set nf_conntrack_buckets to 262,144 (2 MiB of memory)"},
			changes: map[string]int64{"nf_conntrack_buckets": 262144},
			not:     []string{"nf_conntrack_max"},
		},
		{
			name: "max lowered below the default, no pressure",
			in: Input{
				Settings: host(32*gib, 65536, 65536),
				Table:    table(3000, 65536, 0),
			},
			kind:    FindingBelowDefault,
			want:    []string{"nf_conntrack_max 65,536 is below this kernel's default for 32 GiB (262,144): someone lowered it"},
			changes: map[string]int64{"nf_conntrack_max": 262144, "nf_conntrack_buckets": 262144},
		},
		{
			name: "huge max on a small host",
			in: Input{
				Settings: host(2*gib, 4194304, 4194304),
				Table:    table(3000, 4194304, 0),
			},
			kind: FindingOversized,
			want: []string{"A full table at nf_conntrack_max 4,194,304 would take 1.5 GiB, 76.6% of 2 GiB", "131,072 entries fit in 1/32 of RAM"},
		},
		{
			name: "another namespace",
			in: func() Input {
				s := host(64*gib, 16384, 16384)
				s.MaxWritable, s.BucketsWritable, s.NetNS = false, false, "web"
				return Input{Settings: s, Table: table(16384, 16384, 9)}
			}(),
			kind: FindingNamespace,
			want: []string{"nf_conntrack_max and nf_conntrack_buckets are read-only in this namespace: set them on the host",
				"apply them inside it (ip netns exec web sysctl -p FILE,"},
		},
		{
			name: "a container's namespace by path",
			in: func() Input {
				s := host(64*gib, 16384, 16384)
				s.MaxWritable, s.BucketsWritable, s.NetNS = false, false, "/proc/4242/ns/net"
				return Input{Settings: s, Table: table(16384, 16384, 9)}
			}(),
			kind: FindingNamespace,
			want: []string{"apply them inside it (nsenter --net=/proc/4242/ns/net sysctl -p FILE,"},
		},
		{
			name: "read-only buckets, module",
			in: func() Input {
				s := host(64*gib, 16384, 16384)
				s.BucketsWritable, s.Module = false, true
				return Input{Settings: s, Table: table(16384, 16384, 9)}
			}(),
			kind: FindingBuckets,
			want: []string{"echo 262144 > /sys/module/nf_conntrack/parameters/hashsize, and at boot with options nf_conntrack hashsize=262144 in /etc/modprobe.d/nf_conntrack.conf"},
		},
		{
			name: "module: sysctl.d ordering",
			in: func() Input {
				s := host(64*gib, 16384, 16384)
				s.Module = true
				return Input{Settings: s, Table: table(16384, 16384, 9)}
			}(),
			kind: FindingModule,
			want: []string{"List nf_conntrack in /etc/modules-load.d/nf_conntrack.conf"},
		},
		{
			name: "quiet table",
			in: func() Input {
				in := Input{Settings: host(16*gib, 262144, 262144), Table: table(2000, 262144, 0)}
				addTCP(&in, model.TCPEstablished, 2000)
				return in
			}(),
			kind:    FindingOK,
			want:    []string{"The table is 0.8% full (2,000 of 262,144) and the kernel has dropped nothing since boot: nothing needs changing now."},
			changes: map[string]int64{"nf_conntrack_tcp_timeout_established": 86400},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := Advise(c.in)
			got := strings.Join(findings(a, c.kind), "\n")
			if got == "" {
				t.Fatalf("no %s finding; findings: %+v", c.kind, a.Findings)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s finding lacks %q:\n%s", c.kind, w, got)
				}
			}
			for k, v := range c.changes {
				ch, ok := changeOf(a, k)
				if !ok || ch.To != v {
					t.Errorf("change %s: got %+v (found %v), want %d", k, ch, ok, v)
				}
			}
			for _, k := range c.not {
				if ch, ok := changeOf(a, k); ok {
					t.Errorf("unexpected change %+v", ch)
				}
			}
			// Every suggested value must be in the snippet, the report
			// must mention every finding.
			snip := a.SysctlSnippet()
			for _, ch := range a.Changes {
				if !strings.Contains(snip, "net.netfilter."+ch.Key+" = ") {
					t.Errorf("snippet lacks %s:\n%s", ch.Key, snip)
				}
			}
			if !strings.Contains(a.Report().Text(100), "Suggestions") {
				t.Errorf("report lacks suggestions")
			}
		})
	}
}

// TestAdviseQuietIsOptional: without pressure the snippet comments out every
// setting, with pressure it does not.
func TestAdviseQuietIsOptional(t *testing.T) {
	in := Input{Settings: host(16*gib, 262144, 262144), Table: table(2000, 262144, 0)}
	addTCP(&in, model.TCPEstablished, 2000)
	snip := Advise(in).SysctlSnippet()
	if !strings.Contains(snip, "\n#net.netfilter.nf_conntrack_tcp_timeout_established = 86400\n") {
		t.Errorf("quiet table: the timeout line should be commented out:\n%s", snip)
	}
	in.Table = table(200000, 262144, 0)
	addTCP(&in, model.TCPEstablished, 200000)
	snip = Advise(in).SysctlSnippet()
	if !strings.Contains(snip, "\nnet.netfilter.nf_conntrack_tcp_timeout_established = 86400\n") {
		t.Errorf("busy table: the timeout line should be active:\n%s", snip)
	}
}

// TestAdviseNamespaceSnippet: host-only settings are commented out in a
// namespace's snippet, its own timeouts are not.
func TestAdviseNamespaceSnippet(t *testing.T) {
	s := host(64*gib, 16384, 16384)
	s.MaxWritable, s.BucketsWritable, s.NetNS = false, false, "web"
	in := Input{Settings: s, Table: table(16384, 16384, 9)}
	addTCP(&in, model.TCPEstablished, 16000)
	snip := Advise(in).SysctlSnippet()
	for _, want := range []string{
		"\n#net.netfilter.nf_conntrack_max = 262144\n",
		"\n#net.netfilter.nf_conntrack_buckets = 262144\n",
		"\nnet.netfilter.nf_conntrack_tcp_timeout_established = 86400\n",
	} {
		if !strings.Contains(snip, want) {
			t.Errorf("snippet lacks %q:\n%s", want, snip)
		}
	}
}

// goldenInput is a host in trouble: a small limit, drops, a flood of
// half-open connections from one source, and DNS.
func goldenInput() Input {
	s := host(16*gib, 65536, 16384)
	c := model.Composition{
		Flows:  65000,
		Protos: map[uint8]int{model.ProtoTCP: 52000, model.ProtoUDP: 12000, model.ProtoICMP: 900, model.ProtoGRE: 100},
		Stats:  model.TableStats{Valid: true, Count: 65536, Max: 65536, Drop: 31337, EarlyDrop: 4000, InsertFailed: 2, Invalid: 77},
	}
	c.TopServices = []model.ServiceCount{{Proto: model.ProtoTCP, Port: 443, Flows: 40000}, {Proto: model.ProtoUDP, Port: 53, Flows: 10000}, {Proto: model.ProtoTCP, Port: 22, Flows: 3000}}
	c.TopSources = []model.SourceCount{
		{Addr: netip.MustParseAddr("203.0.113.66"), Flows: 23000},
		{Addr: netip.MustParseAddr("2001:db8::7"), Flows: 900},
		{Addr: netip.MustParseAddr("192.0.2.10"), Flows: 450},
	}
	in := Input{Settings: s, Table: c, Recent: Recent{Known: true, Span: 90 * time.Second, Drops: 5120, InsertFailed: 0}}
	addTCP(&in, model.TCPEstablished, 21000)
	addTCP(&in, model.TCPSynRecv, 24000)
	addTCP(&in, model.TCPTimeWait, 6000)
	addTCP(&in, model.TCPFinWait, 1000)
	in.States = append(in.States,
		spread(model.ProtoUDP, model.StateUnreplied, 10000),
		spread(model.ProtoUDP, model.StateReplied, 2000),
		spread(model.ProtoICMP, model.StateReplied, 900),
		spread(model.ProtoGRE, model.StateReplied, 100))
	return in
}

func TestTuningText(t *testing.T) {
	t.Run("busy_host", func(t *testing.T) {
		golden.RequireEqual(t, Advise(goldenInput()).Report().Text(100))
	})
	t.Run("narrow", func(t *testing.T) {
		golden.RequireEqual(t, Advise(goldenInput()).Report().Text(60))
	})
	t.Run("replay_with_host_settings", func(t *testing.T) {
		in := goldenInput()
		in.FlowsFrom, in.HostSettings, in.Recent = "replay file incident.ctr", true, Recent{}
		golden.RequireEqual(t, Advise(in).Report().Text(100))
	})
	t.Run("replay_without_settings", func(t *testing.T) {
		in := goldenInput()
		in.FlowsFrom, in.Settings, in.Recent = "replay file incident.ctr", Settings{}, Recent{}
		golden.RequireEqual(t, Advise(in).Report().Text(100))
	})
	t.Run("quiet_namespace", func(t *testing.T) {
		s := host(24683656<<10, 262144, 262144)
		s.MaxWritable, s.BucketsWritable, s.NetNS = false, false, "demo1"
		in := Input{Settings: s, Table: model.Composition{
			Flows: 25000, Protos: map[uint8]int{model.ProtoTCP: 25000},
			TopServices: []model.ServiceCount{{Proto: model.ProtoTCP, Port: 443, Flows: 25000}},
			Stats:       model.TableStats{Valid: true, Count: 25000, Max: 262144},
		}}
		addTCP(&in, model.TCPEstablished, 25000)
		golden.RequireEqual(t, Advise(in).Report().Text(100))
	})
}

func TestTuningSnippet(t *testing.T) {
	t.Run("busy_host", func(t *testing.T) {
		golden.RequireEqual(t, Advise(goldenInput()).SysctlSnippet())
	})
	t.Run("namespace", func(t *testing.T) {
		in := goldenInput()
		in.Settings.MaxWritable, in.Settings.BucketsWritable, in.Settings.NetNS = false, false, "web"
		golden.RequireEqual(t, Advise(in).SysctlSnippet())
	})
	t.Run("old_kernel_module", func(t *testing.T) {
		in := goldenInput()
		in.Settings.KernelRelease, in.Settings.BucketsWritable, in.Settings.Module = "4.19.0-27-amd64", false, true
		golden.RequireEqual(t, Advise(in).SysctlSnippet())
	})
}

// TestAdviseDegenerate: nothing known, or nonsense, gives a report and no panic.
func TestAdviseDegenerate(t *testing.T) {
	odd := host(1, -1, -1)
	odd.Timeouts = map[string]int64{"nf_conntrack_tcp_timeout_established": -1}
	for _, in := range []Input{
		{},
		{Settings: Settings{Known: true, Max: -1, Buckets: -1, Count: -1, Events: -1, Acct: -1, Timestamp: -1}},
		{Settings: odd, Table: model.Composition{Flows: 10, Protos: map[uint8]int{model.ProtoTCP: 3}}},
		{Settings: host(16*gib, 262144, 0), Table: table(0, 262144, 0)},
		{Table: table(100, 0, 1)},
	} {
		a := Advise(in)
		if len(a.Findings) == 0 || a.Report().Text(40) == "" || a.SysctlSnippet() == "" {
			t.Errorf("Advise(%+v): empty result", in)
		}
		for _, c := range a.Changes {
			if c.To <= 0 {
				t.Errorf("Advise(%+v): change %+v", in, c)
			}
		}
	}
}

// TestTuningTextHostMax: flows from a recording of a smaller table, settings
// of this host: both limits are shown, and the hash chains are this host's.
func TestTuningTextHostMax(t *testing.T) {
	in := Input{Settings: host(16*gib, 262144, 262144), Table: table(3000, 16384, 0),
		FlowsFrom: "the demo's synthetic table", HostSettings: true}
	text := Advise(in).Report().Text(100)
	for _, want := range []string{
		"entries                  3,000 of nf_conntrack_max 16,384 (18.3% full)\n",
		"nf_conntrack_max         262,144 on this host\n",
		"nf_conntrack_buckets     262,144 (a full table averages 2.0 entries per hash chain)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestInputFromTable(t *testing.T) {
	for _, c := range []struct {
		info model.SourceInfo
		want string
	}{
		{model.SourceInfo{Kind: "replay", Name: "x.ctr"}, "replay file x.ctr"},
		{model.SourceInfo{Kind: "demo"}, "the demo (synthetic flows)"},
		{model.SourceInfo{Kind: "kernel"}, ""},
	} {
		tab := model.NewTable(0)
		tab.Apply(&model.Batch{Time: time.Unix(1_700_000_000, 0), Info: c.info})
		if in := InputFromTable(tab, 2, tab.Now()); in.FlowsFrom != c.want || in.Table.Protos == nil {
			t.Errorf("%s: FlowsFrom %q, want %q (composition %+v)", c.info.Kind, in.FlowsFrom, c.want, in.Table)
		}
	}
}

// TestEqualSourcesAreNotOffenders: a source is an offender only when it
// stands out; the report never tells equal clients to find out why or
// calls them misbehaving, and does for one that is twice the next.
func TestEqualSourcesAreNotOffenders(t *testing.T) {
	for _, c := range []struct {
		flows    [3]int
		offender bool
	}{{[3]int{66700, 66650, 66650}, false}, {[3]int{90000, 60000, 50000}, false}, {[3]int{120000, 60000, 20000}, true}} {
		in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
		in.Table.TCPStates[model.TCPEstablished] = 200000
		for i, n := range c.flows {
			in.Table.TopSources = append(in.Table.TopSources, model.SourceCount{Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(11 + i)}), Flows: n})
		}
		text := Advise(in).Report().Text(100)
		if got := strings.Contains(text, "misbehaving"); got != c.offender {
			t.Errorf("%v: offender %v, want %v:\n%s", c.flows, got, c.offender, text)
		}
	}
}
