package tuning

import (
	"fmt"
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
	needRoom := a.RecentDrops > 0 || a.Fill >= fullFill
	target := int64(0)
	if needRoom {
		peak := a.Count
		why := fmt.Sprintf("The table is %s full (%s of %s)", format.Percent(a.Fill), format.Int(a.Count), format.Int(a.Max))
		if a.RecentDrops > 0 {
			peak = max(peak, a.Max)
		}
		why += a.dropsNow()
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

func (a *Advice) timeoutFindings() {
	flows := a.In.Table.Flows
	if flows == 0 {
		return
	}
	for _, r := range timeoutRules {
		a.timeoutRule(r.sysctl, r.share, r.to, r.why, flows)
	}
	a.timeoutFromFindings()
}

// timeoutRule suggests to for the setting name when the flows it governs
// and a shorter timeout would change (more than to seconds left) are at
// least share of the table's flows and MinEvidence. Live, the setting
// governs the rows whose TTLs agree with it; for flows from elsewhere,
// the timeout of their own host is at least their largest TTL.
func (a *Advice) timeoutRule(name string, share float64, to int64, why string, flows int) {
	var rows []*StateShare
	changed, gov, atLeast := 0, int64(-1), false
	for i := range a.States {
		r := &a.States[i]
		if r.Sysctl != name || (r.From != FromSetting && r.From != FromRecorded) || r.Timeout <= to {
			continue
		}
		rows = append(rows, r)
		changed += r.Longer(to)
		gov, atLeast = max(gov, r.Timeout), r.AtLeast
	}
	if len(rows) == 0 || changed < MinEvidence || float64(changed) < share*float64(flows) {
		return
	}
	var labels []string
	for _, r := range rows {
		labels = append(labels, r.State.String())
	}
	label := strings.Join(labels, " and ")
	pct := format.Percent(float64(changed) / float64(flows))
	if atLeast {
		host := ""
		if s := a.In.Settings; s.Known && rows[0].Setting >= 0 {
			host = fmt.Sprintf("; this host's %s is %d, so it is not what governs them", name, rows[0].Setting)
		}
		a.add(FindingTimeout, "%s of flows (%s) are %s with more than %s left: the host they come from keeps them at least %s, the largest TTL among them (%d seconds)%s. On that host, %s=%d (%s) %s.",
			pct, format.Int(int64(changed)), label, format.Duration(to), format.Duration(gov), gov, host, name, to, format.Duration(to), why)
		a.change(SysctlChange{Key: name, From: -1, To: to,
			Why: fmt.Sprintf("on the host the flows come from: %s of flows are %s, kept at least %s (their largest TTL): %s %s", pct, label, format.Duration(gov), format.Duration(to), why)})
		return
	}
	a.add(FindingTimeout, "%s of flows (%s) are %s with more than %s left of the %s the kernel gives them when idle (%s=%d): %d (%s) %s.",
		pct, format.Int(int64(changed)), label, format.Duration(to), format.Duration(gov), name, gov, to, format.Duration(to), why)
	a.change(SysctlChange{Key: name, From: gov, To: to,
		Why: fmt.Sprintf("%s of flows are %s with more than %s of the %s left: %s %s", pct, label, format.Duration(to), format.Duration(gov), format.Duration(to), why)})
}

// timeoutFromFindings names the flows whose TTLs are above their
// setting: something else governs them, and changing the sysctl would not
// shorten them.
func (a *Advice) timeoutFromFindings() {
	for i := range a.States {
		r := &a.States[i]
		if r.From != FromTTLs || r.Flows < MinEvidence || r.Setting < 0 {
			continue
		}
		why := "an nft ct timeout policy (nft list ct timeouts; a rule with ct timeout set) or the setting was lowered after their last packet. Changing the sysctl does not shorten them; change the policy"
		switch {
		case len(r.Policies) > 0:
			why = policyText(a.In.Settings.Policies, r.Policies, r.Sysctl) + ", which a rule attaches with ct timeout set. Changing the sysctl does not shorten them; change the policy"
		case a.In.Settings.PoliciesKnown:
			why = "no nft ct timeout policy here gives that long, so the setting was lowered after their last packet: they keep the old timeout until their next packet"
		}
		a.add(FindingTimeoutFrom, "%s %s flows have TTLs up to %s (%d seconds), above %s=%d: a longer timeout governs them, %s.",
			format.Int(int64(r.Flows)), r.Label, format.Duration(r.MaxTTL), r.MaxTTL, r.Sysctl, r.Setting, why)
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
		if sv.Proto == a.floodService.Proto && sv.Port == a.floodService.Port {
			continue // the UDP flood finding says it
		}
		picked = append(picked, sv)
		total += sv.Flows
	}
	share := float64(total) / float64(flows)
	if share < 0.25 || total < MinEvidence {
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
	a.add(FindingNoTrack, "%s %s %s of flows (%s). If this host serves them and no NAT or stateful rule needs them, NOTRACK takes them out of the table altogether (%s, or see NOTRACK in the README); the filter rules must then accept untracked packets, or the service is cut off.",
		strings.Join(names, " "), verb, format.Percent(share), format.Int(int64(total)), a.press("n on such a flow in cttop"))
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
		a.prefixFinding()
		return
	}
	if len(srcs) == 1 || StandsOut(top.Flows, srcs[1].Flows) {
		a.add(FindingSource, "%s opened %s of flows (%s): find out why with the filter \"src %s\" (press / in cttop). If it is a flood or a misbehaving client, block it (%s) or limit connections per source in the firewall.",
			top.Addr, format.Percent(share), format.Int(int64(top.Flows)), top.Addr, a.press("b on one of its flows"))
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

// prefixFinding points at a source prefix that holds much of the table
// while no one source of it does: a distributed flood (2,000 sources of 21
// flows each in one /21) or a busy network of clients.
func (a *Advice) prefixFinding() {
	flows := a.In.Table.Flows
	for _, p := range a.In.Table.HeavySources {
		share := float64(p.Flows) / float64(flows)
		if share < 0.2 || p.Flows < 100 || p.Sources < 2 {
			continue
		}
		a.add(FindingSource, "%s holds %s of flows (%s) from %s, none of which stands out: a distributed flood, or a busy network of clients. See it in cttop's top view by heavy prefixes (Tab, then 6); if it is a flood, block the prefix there (b on its row).",
			p.Prefix, format.Percent(share), format.Int(int64(p.Flows)), format.Plural(p.Sources, "source"))
		return
	}
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
		default: // cttop runs inside it
			enter = "sysctl -p FILE run there, as cttop runs now"
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

// pctMem formats bytes as a share of mem, with more precision when tiny.
func pctMem(bytes int64, mem uint64) string {
	r := float64(bytes) / float64(mem)
	if r < 0.001 {
		return "under 0.1%"
	}
	return format.Percent(r)
}
