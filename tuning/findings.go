package tuning

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// sizeFindings decides on nf_conntrack_max and nf_conntrack_buckets.
func (a *Advice) sizeFindings() {
	s := a.In.Settings
	if a.Max <= 0 {
		return
	}
	curMax := a.Max
	if s.Known && s.Max > 0 {
		curMax = s.Max
	}
	mem := int64(s.MemTotal)
	budget := mem / memoryShare
	needRoom := a.Dropped > 0 || a.Fill >= fullFill
	target := int64(0)
	if needRoom {
		peak := a.Count
		why := fmt.Sprintf("The table is %s full (%s of %s)", format.Percent(a.Fill), format.Int(a.Count), format.Int(a.Max))
		if a.Dropped > 0 {
			peak = max(peak, a.Max)
			why += fmt.Sprintf(" and the kernel has dropped %s packets for lack of room (drop + early_drop)", format.Int(int64(a.Dropped)))
		}
		target = pow2Ceil(2 * max(peak, 1))
		reason := "twice the peak"
		if a.Default.Max > target {
			target, reason = a.Default.Max, "this kernel's default for "+format.Bytes(mem)
		}
		if target <= curMax && a.In.FlowsFrom != "" {
			// A recording from a smaller table, advised on a host
			// whose limit is larger already.
			a.add(FindingSize, "%s. This host's nf_conntrack_max %s already has room for twice that peak.", why, format.Int(curMax))
			return
		}
		if target <= curMax {
			target, reason = pow2Ceil(curMax+1), "twice the limit"
		}
		capped := false
		for budget > 0 && target > curMax && a.cost(target, a.bucketsFor(target)) > budget {
			target = pow2Ceil(target) / 2 // the next power of two down
			capped = true
		}
		if target <= curMax {
			a.add(FindingMemoryBound, "%s. A larger table would take more than 1/%d of %s (at %d bytes an entry): make room with shorter timeouts or NOTRACK (below) rather than a larger table.",
				why, memoryShare, format.Bytes(mem), a.EntryBytes)
			target = 0
		} else {
			if capped {
				reason = fmt.Sprintf("the most that fits in 1/%d of RAM", memoryShare)
			}
			b := a.bucketsFor(target)
			a.add(FindingSize, "%s: raise nf_conntrack_max to %s (%s) and nf_conntrack_buckets to %s: %s.",
				why, format.Int(target), reason, format.Int(b), a.memText(a.cost(target, b)))
			a.change(SysctlChange{Key: "nf_conntrack_max", From: curMax, To: target, HostOnly: true,
				Why: fmt.Sprintf("%s entries: %s", format.Int(target), a.memText(a.cost(target, b)))})
			a.bucketsChange(b, "one bucket per entry, as the kernel's default")
		}
	} else if a.Default.Max > 0 && curMax < a.Default.Max {
		b := a.bucketsFor(a.Default.Max)
		a.add(FindingBelowDefault, "nf_conntrack_max %s is below this kernel's default for %s (%s): someone lowered it. The default costs %s.",
			format.Int(curMax), format.Bytes(mem), format.Int(a.Default.Max), a.memText(a.cost(a.Default.Max, b)))
		a.change(SysctlChange{Key: "nf_conntrack_max", From: curMax, To: a.Default.Max, HostOnly: true,
			Why: "this kernel's default for " + format.Bytes(mem)})
		target = a.Default.Max
		a.bucketsChange(b, "one bucket per entry, as the kernel's default")
	}
	if target == 0 && a.Buckets > 0 && curMax > 4*a.Buckets {
		b := a.bucketsFor(curMax)
		a.add(FindingBuckets, "nf_conntrack_buckets %s is small for nf_conntrack_max %s: every entry is hashed twice, so a full table averages %.0f entries per hash chain, and every packet walks one. Set nf_conntrack_buckets to %s (%s of memory).",
			format.Int(a.Buckets), format.Int(curMax), 2*float64(curMax)/float64(a.Buckets), format.Int(b), format.Bytes(b*a.BucketBytes))
		a.bucketsChange(b, "hash chains of about 2 entries at a full table")
	}
	if target == 0 && mem > 0 && a.cost(curMax, max(a.Buckets, 0)) > mem/8 {
		a.add(FindingOversized, "A full table at nf_conntrack_max %s would take %s, %s of %s: a flood could take that memory from everything else. %s entries fit in 1/%d of RAM.",
			format.Int(curMax), format.Bytes(a.cost(curMax, max(a.Buckets, 0))), pctMem(a.cost(curMax, max(a.Buckets, 0)), uint64(mem)), format.Bytes(mem),
			format.Int(a.fitting(budget)), memoryShare)
	}
}

// fitting returns the largest power of two of entries whose full table fits
// in budget bytes.
func (a *Advice) fitting(budget int64) int64 {
	n := int64(1024)
	for a.cost(2*n, a.bucketsFor(2*n)) <= budget {
		n *= 2
	}
	return n
}

// bucketsChange suggests nf_conntrack_buckets = b where it is larger than now,
// the right way for this kernel.
func (a *Advice) bucketsChange(b int64, why string) {
	if a.Buckets >= b {
		return
	}
	a.change(SysctlChange{Key: "nf_conntrack_buckets", From: a.Buckets, To: b, HostOnly: true, Why: why})
}

func (a *Advice) change(c SysctlChange) {
	for i := range a.Changes {
		if a.Changes[i].Key == c.Key {
			a.Changes[i] = c
			return
		}
	}
	a.Changes = append(a.Changes, c)
}

// timeout returns a timeout setting, -1 if unknown.
func (a *Advice) timeout(name string) int64 {
	if v, ok := a.In.Settings.Timeouts[name]; ok {
		return v
	}
	return -1
}

func (a *Advice) timeoutFindings() {
	flows := a.In.Table.Flows
	if flows == 0 {
		return
	}
	type hit struct {
		n     int
		rule  int
		share float64
	}
	var hits []hit
	for i, r := range timeoutRules {
		n := a.In.Table.TCPStates[r.state]
		if r.state == model.TCPSynSent {
			n += a.In.Table.TCPStates[model.TCPSynSent2] // same timeout
		}
		share := float64(n) / float64(flows)
		if share >= r.share && a.timeout(tcpTimeoutSysctl[r.state]) > r.to {
			hits = append(hits, hit{n, i, share})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].n > hits[j].n })
	for _, h := range hits {
		r := timeoutRules[h.rule]
		label := model.StateName(model.ProtoTCP, r.state)
		name := tcpTimeoutSysctl[r.state]
		cur := a.timeout(name)
		a.add(FindingTimeout, "%s of flows (%s) are %s, and the kernel keeps one for %s when idle (%s=%d): %d (%s) %s.",
			format.Percent(h.share), format.Int(int64(h.n)), label, format.SettingWords(cur), name, cur, r.to, format.SettingWords(r.to), r.why)
		a.change(SysctlChange{Key: name, From: cur, To: r.to,
			Why: fmt.Sprintf("%s of flows are %s, kept %s when idle: %s %s", format.Percent(h.share), label, format.SettingWords(cur), format.SettingWords(r.to), r.why)})
	}
}

// noTrackFinding names the services that carry a large share of the flows.
func (a *Advice) noTrackFinding() {
	flows := a.In.Table.Flows
	if flows == 0 {
		return
	}
	var picked []model.ServiceCount
	total := 0
	for _, sv := range a.In.Table.TopServices {
		if float64(sv.Flows) < 0.10*float64(flows) {
			break
		}
		picked = append(picked, sv)
		total += sv.Flows
	}
	share := float64(total) / float64(flows)
	if share < 0.25 {
		return
	}
	names := make([]string, len(picked))
	for i, sv := range picked {
		names[i] = sv.String()
	}
	verb := "carry"
	if len(picked) == 1 {
		verb = "carries"
	}
	a.add(FindingNoTrack, "%s %s %s of flows (%s). If this host serves them and no NAT or stateful rule needs them, NOTRACK takes them out of the table altogether (press n on such a flow in cttop, or see NOTRACK in the README); the filter rules must then accept untracked packets, or the service is cut off.",
		strings.Join(names, " "), verb, format.Percent(share), format.Int(int64(total)))
}

// StandsOut reports whether the busiest of several sources (or rows)
// stands out from the next: at least twice its flows, or alone. A source
// is an offender only then: three equal clients of a load test, or the
// members of a proxy tier, share the load and none stands out.
func StandsOut(top, next int) bool { return top >= 2*next }

// sourceFinding points at a source that owns much of the table, and
// calls it a possible offender only when it stands out (StandsOut).
func (a *Advice) sourceFinding() {
	flows := a.In.Table.Flows
	srcs := a.In.Table.TopSources
	if flows == 0 || len(srcs) == 0 {
		return
	}
	top := srcs[0]
	share := float64(top.Flows) / float64(flows)
	if share < 0.2 || top.Flows < 100 {
		return
	}
	if len(srcs) == 1 || StandsOut(top.Flows, srcs[1].Flows) {
		a.add(FindingSource, "%s opened %s of flows (%s): find out why with the filter \"src %s\" (press / in cttop). If it is a flood or a misbehaving client, block it (press b on one of its flows) or limit connections per source in the firewall.",
			top.Addr, format.Percent(share), format.Int(int64(top.Flows)), top.Addr)
		return
	}
	// Busy, but alike: name them without calling them offenders.
	var names []string
	held := 0
	for _, s := range srcs {
		if 2*s.Flows < top.Flows {
			break
		}
		names = append(names, s.Addr.String())
		held += s.Flows
	}
	a.add(FindingSource, "%s opened %s of flows (%s) in like shares: none stands out, as the clients of a load test or a proxy tier do. If they are legitimate the table needs room for them; if not, filter \"src %s\" (press / in cttop) and block them together.",
		strings.Join(names, ", "), format.Percent(float64(held)/float64(flows)), format.Int(int64(held)), names[0])
}

// settingsFindings covers where the settings can be changed and modes.
func (a *Advice) settingsFindings() {
	s := a.In.Settings
	if !s.Known {
		return
	}
	hostOnly := false
	for _, c := range a.Changes {
		hostOnly = hostOnly || c.HostOnly
	}
	if !s.MaxWritable && hostOnly {
		enter := "ip netns exec NAME sysctl -p FILE"
		switch {
		case strings.Contains(s.NetNS, "/"):
			enter = "nsenter --net=" + s.NetNS + " sysctl -p FILE"
		case s.NetNS != "":
			enter = "ip netns exec " + s.NetNS + " sysctl -p FILE"
		}
		a.add(FindingNamespace, "nf_conntrack_max and nf_conntrack_buckets are read-only in this namespace: set them on the host (the initial namespace), where they apply to every namespace. The timeouts are this namespace's own: a sysctl.d file sets only the host's, so apply them inside it (%s, or the container's sysctl settings).", enter)
	}
	if s.MaxWritable && s.Module && len(a.Changes) > 0 {
		a.add(FindingModule, "nf_conntrack is a loadable module: at boot, systemd-sysctl may run before it is loaded, and then the net.netfilter keys do not exist yet. List nf_conntrack in /etc/modules-load.d/nf_conntrack.conf so the snippet takes effect.")
	}
	for _, c := range a.Changes {
		if c.Key != "nf_conntrack_buckets" || !s.MaxWritable || s.BucketsWritable {
			continue
		}
		where := "nf_conntrack.hashsize=%d on the kernel command line"
		if s.Module {
			where = "options nf_conntrack hashsize=%d in /etc/modprobe.d/nf_conntrack.conf"
		}
		if s.HashsizeParam {
			a.add(FindingBuckets, "This kernel's nf_conntrack_buckets is read-only: resize the hash table with echo %d > /sys/module/nf_conntrack/parameters/hashsize, and at boot with "+where+".",
				c.To, c.To)
		} else {
			a.add(FindingBuckets, "This kernel's nf_conntrack_buckets is read-only: set it at boot with "+where+".", c.To)
		}
	}
	if s.Events == model.EventsOff {
		a.add(FindingEvents, "nf_conntrack_events=0: the kernel sends no events, so cttop sees changes only through periodic dumps. 2 (auto, the default) sends them while someone listens.")
	}
}

// composition lists the flows by TCP state and protocol with each one's timeout.
func composition(in Input) []StateShare {
	tb := in.Table
	if tb.Flows == 0 {
		return nil
	}
	timeout := func(name string) int64 {
		if v, ok := in.Settings.Timeouts[name]; ok {
			return v
		}
		return -1
	}
	var out []StateShare
	addRow := func(label string, n int, sysctl string) {
		if n <= 0 {
			return
		}
		t := int64(-1)
		if sysctl != "" {
			t = timeout(sysctl)
		}
		out = append(out, StateShare{Label: label, Flows: n, Share: float64(n) / float64(tb.Flows), Sysctl: sysctl, Timeout: t})
	}
	known := 0
	for st, n := range tb.TCPStates {
		known += n
		if st < len(tcpTimeoutSysctl) {
			addRow("tcp "+model.StateName(model.ProtoTCP, uint8(st)), n, tcpTimeoutSysctl[st])
		} else {
			addRow("tcp "+model.StateName(model.ProtoTCP, uint8(st)), n, "")
		}
	}
	addRow("tcp (state unknown)", tb.Protos[model.ProtoTCP]-known, "")
	protos := make([]int, 0, len(tb.Protos))
	for p := range tb.Protos {
		if uint8(p) != model.ProtoTCP {
			protos = append(protos, int(p))
		}
	}
	sort.Ints(protos)
	for _, p := range protos {
		n := tb.Protos[uint8(p)]
		switch uint8(p) {
		case model.ProtoUDP:
			addRow("udp", n-tb.UDPStream, "nf_conntrack_udp_timeout")
			addRow("udp stream", tb.UDPStream, "nf_conntrack_udp_timeout_stream")
		case model.ProtoICMP:
			addRow("icmp", n, "nf_conntrack_icmp_timeout")
		case model.ProtoICMPv6:
			addRow("icmpv6", n, "nf_conntrack_icmpv6_timeout")
		case model.ProtoGRE:
			addRow("gre", n, "nf_conntrack_gre_timeout")
		case model.ProtoSCTP, model.ProtoDCCP:
			addRow(model.ProtoName(uint8(p)), n, "")
		default:
			addRow(model.ProtoName(uint8(p)), n, "nf_conntrack_generic_timeout")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flows > out[j].Flows })
	return out
}

// pctMem formats bytes as a share of mem, with more precision when tiny.
func pctMem(bytes int64, mem uint64) string {
	r := float64(bytes) / float64(mem)
	if r < 0.001 {
		return "under 0.1%"
	}
	return format.Percent(r)
}
