package tuning

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// SnippetPath is where the tuning snippet is meant to be saved.
const SnippetPath = "/etc/sysctl.d/90-conntrack.conf"

// Report lays the advice out as a document: settings, memory,
// composition, suggestions. Its paragraphs are not wrapped: the renderer
// wraps them to its width (Doc.Text). Both cttop --tune and the tuning view
// show it.
func (a Advice) Report() format.Doc {
	var d format.Doc
	s := a.In.Settings
	line := func(f string, args ...any) { d.Line(fmt.Sprintf(f, args...)) }
	// kv writes a setting and its value, the value wrapped under itself.
	kv := func(key, f string, args ...any) {
		d.Item(fmt.Sprintf("  %-24s ", key), strings.Repeat(" ", 27), fmt.Sprintf(f, args...))
	}
	para := d.Para

	d.Item("", "  ", "cttop tuning report: "+a.subject())
	if a.In.FlowsFrom != "" {
		switch {
		case s.Known && a.In.HostSettings:
			para("", "Flows from "+a.In.FlowsFrom+"; settings, memory and kernel from this host, which may not be the one the flows come from.")
		case s.Known:
			para("", "Flows from "+a.In.FlowsFrom+"; settings as recorded with them.")
		default:
			para("", "Flows from "+a.In.FlowsFrom+"; no settings to go with them (no conntrack on this host): the advice rests on the recorded table size alone.")
		}
	}

	line("")
	line("Table")
	if a.Max > 0 {
		kv("entries", "%s of nf_conntrack_max %s (%s full)", format.Int(a.Count), format.Int(a.Max), format.Percent(a.Fill))
	} else {
		kv("entries", "%s (nf_conntrack_max unknown)", format.Int(a.Count))
	}
	// The size settings, when they are not those of the flows' table.
	limit := a.Max
	if s.Known && s.Max > 0 && s.Max != a.Max {
		limit = s.Max
		kv("nf_conntrack_max", "%s on this host", format.Int(s.Max))
	}
	if a.Buckets > 0 {
		chain := ""
		if limit > 0 {
			chain = fmt.Sprintf(" (a full table averages %.1f entries per hash chain)", 2*float64(limit)/float64(a.Buckets))
		}
		kv("nf_conntrack_buckets", "%s%s", format.Int(a.Buckets), chain)
	}
	if st := a.In.Table.Stats; a.countersKnown() {
		d.Item(fmt.Sprintf("  %-24s ", "kernel counters"), strings.Repeat(" ", 27), fmt.Sprintf("drop %s  early_drop %s  insert_failed %s  invalid %s (%s)",
			format.Int(int64(st.Drop)), format.Int(int64(st.EarlyDrop)), format.Int(int64(st.InsertFailed)), format.Int(int64(st.Invalid)), a.since()))
	}
	if r := a.In.Recent; r.Known {
		kv("while cttop watched", "drop + early_drop %s  insert_failed %s in %s", format.Int(int64(r.Drops)), format.Int(int64(r.InsertFailed)), format.Elapsed(r.Span))
	}
	if s.Known {
		a.policiesLines(kv)
		kv("nf_conntrack_events", "%s", mode(s.Events, "off: no events, cttop relies on dumps", "on", "auto: events only for flows created while a listener exists"))
		kv("nf_conntrack_acct", "%s", mode(s.Acct, "off: no per-flow byte and packet counters", "on: per-flow counters", ""))
		kv("nf_conntrack_timestamp", "%s", mode(s.Timestamp, "off: no flow start times", "on: flow start times", ""))
	}

	a.memorySection(&d)
	a.compositionSection(&d)

	line("")
	line("Suggestions")
	for i, f := range a.Findings {
		n := fmt.Sprintf("  %d. ", i+1)
		d.Item(n, strings.Repeat(" ", len(n)), f.Text)
	}
	if len(a.Changes) > 0 {
		line("")
		para("", "The sysctl.d snippet holds these settings: save it as "+SnippetPath+" and load it with sysctl -p "+SnippetPath+". cttop changes nothing by itself.")
	}
	return d
}

// subject names the table the report is about.
func (a Advice) subject() string {
	s := a.In.Settings
	what := "this host's table"
	switch {
	case a.In.FlowsFrom != "":
		what = a.In.FlowsFrom
	case s.NetNSName != "":
		what = "the table of namespace " + s.NetNSName
	case s.NetNS != "":
		what = "the table of namespace " + s.NetNS
	case s.Known && !s.MaxWritable:
		// The kernel makes nf_conntrack_max read-only outside the
		// initial namespace: this is not the host's table.
		what = "the table of cttop's network namespace (not the host's)"
	}
	var facts []string
	if s.KernelRelease != "" {
		facts = append(facts, "kernel "+s.KernelRelease)
	}
	if s.Known || s.WordBits != 0 {
		facts = append(facts, fmt.Sprintf("%d-bit", a.WordBits))
	}
	if s.MemTotal > 0 {
		facts = append(facts, format.Bytes(int64(s.MemTotal))+" RAM")
	}
	if len(facts) > 0 {
		host := ""
		if a.In.FlowsFrom != "" && a.In.HostSettings {
			host = "this host: "
		}
		what += " (" + host + strings.Join(facts, ", ") + ")"
	}
	return what
}

func mode(v int64, off, on, auto string) string {
	switch {
	case v == 0:
		return "0 (" + off + ")"
	case v == 1:
		return "1 (" + on + ")"
	case v == 2 && auto != "":
		return "2 (" + auto + ")"
	case v < 0:
		return "unknown"
	}
	return fmt.Sprint(v)
}

func (a Advice) memorySection(d *format.Doc) {
	s := a.In.Settings
	d.Line("")
	d.Line("Memory")
	src := "an estimate"
	if s.ConnBytes > 0 {
		src = "from /proc/slabinfo"
	}
	t := fmt.Sprintf("An entry takes about %d bytes (the %d-byte nf_conn, %s, and about %d bytes of extensions), a hash bucket %d bytes.",
		a.EntryBytes, a.EntryBytes-extBytes, src, extBytes, a.BucketBytes)
	if a.Count > 0 {
		t += fmt.Sprintf(" The %s entries now take about %s.", format.Int(a.Count), format.Bytes(a.Count*a.EntryBytes))
	}
	if a.Max > 0 {
		bk := max(a.Buckets, 0)
		t += " A full table at nf_conntrack_max takes " + format.Bytes(a.Max*a.EntryBytes)
		if bk > 0 {
			t += ", plus " + format.Bytes(bk*a.BucketBytes) + " of buckets allocated up front"
		}
		if s.MemTotal > 0 {
			t += fmt.Sprintf(": %s of %s", pctMem(a.cost(a.Max, bk), s.MemTotal), format.Bytes(int64(s.MemTotal)))
		}
		t += "."
	}
	d.Para("  ", t)
	if a.Default.Max == 0 {
		return
	}
	def := a.Default
	mem := format.Bytes(int64(s.MemTotal))
	ptr := a.WordBits / 8
	if def.Modern {
		t = fmt.Sprintf("This kernel's default for %s: nf_conntrack_buckets = RAM / 16384 / %d, but 262,144 above 4 GiB on 64-bit and 65,536 above 1 GiB, so %s; nf_conntrack_max = buckets = %s (kernels since 5.15).",
			mem, ptr, format.Int(def.Buckets), format.Int(def.Max))
	} else {
		t = fmt.Sprintf("This kernel's default for %s: nf_conntrack_buckets = RAM / 16384 / %d, but 65,536 above 4 GiB and 16,384 above 1 GiB, so %s; nf_conntrack_max = 4 x buckets = %s (kernels before 5.15).",
			mem, ptr, format.Int(def.Buckets), format.Int(def.Max))
	}
	classic := int64(s.MemTotal / 16384 / uint64(a.WordBits/32))
	t += fmt.Sprintf(" The often-quoted max = RAM / 16384 / (%d / 32) = %s with buckets = max / 4 = %s describes kernels before 5.15 on small machines only.",
		a.WordBits, format.Int(classic), format.Int(classic/4))
	d.Para("  ", t)
}

func (a Advice) compositionSection(d *format.Doc) {
	tb := a.In.Table
	if tb.Flows == 0 {
		return
	}
	d.Line("")
	d.Line(fmt.Sprintf("Composition (%s flows, by the timeout that governs them)", format.Int(int64(tb.Flows))))
	if len(a.States) > 0 {
		a.statesTable(d)
	}
	if len(tb.TopServices) > 0 {
		parts := make([]string, len(tb.TopServices))
		for i, sv := range tb.TopServices {
			parts[i] = fmt.Sprintf("%s %s (%s)", sv, format.Int(int64(sv.Flows)), format.Percent(float64(sv.Flows)/float64(tb.Flows)))
		}
		d.Item("  Top services: ", "                ", strings.Join(parts, ", "))
	}
	if top := tb.TopSources; len(top) > 0 && top[0].Flows*100 < tb.Flows {
		d.Line(fmt.Sprintf("  Top sources:  none stands out: the busiest, %s, has %s (%s)",
			format.IP(top[0].Addr), format.Plural(top[0].Flows, "flow"), format.Percent(float64(top[0].Flows)/float64(tb.Flows))))
	} else if len(top) > 0 {
		parts := make([]string, len(tb.TopSources))
		for i, sc := range tb.TopSources {
			parts[i] = fmt.Sprintf("%s %s (%s)", format.IP(sc.Addr), format.Int(int64(sc.Flows)), format.Percent(float64(sc.Flows)/float64(tb.Flows)))
		}
		d.Item("  Top sources:  ", "                ", strings.Join(parts, ", "))
	}
	if hs := tb.HeavySources; len(hs) > 0 {
		parts := make([]string, len(hs))
		for i, p := range hs {
			parts[i] = fmt.Sprintf("%s %s (%s, %s)", p.Prefix, format.Int(int64(p.Flows)), format.Percent(float64(p.Flows)/float64(tb.Flows)), format.Plural(p.Sources, "source"))
		}
		d.Item("  Heavy prefixes: ", "                  ", strings.Join(parts, ", "))
	}
}

// statesTable lists the composition's rows: each protocol and state with
// the timeout that governs it and where that comes from.
func (a Advice) statesTable(d *format.Doc) {
	d.Line(fmt.Sprintf("  %-22s %9s %6s %8s %8s  %s", "STATE", "FLOWS", "SHARE", "TIMEOUT", "MAX TTL", "FROM"))
	for i := range a.States {
		r := &a.States[i]
		t := format.Duration(r.Timeout)
		if r.AtLeast {
			t = ">=" + t
		}
		row := fmt.Sprintf("  %-22s %9s %6s %8s %8s  ", r.Label, format.Int(int64(r.Flows)), format.Percent(r.Share), t, format.Duration(r.MaxTTL))
		d.Item(row, "      ", a.timeoutFromText(r))
	}
	d.Item("  ", "  ", "TIMEOUT is what the kernel keeps an idle flow for; MAX TTL the most any of them has left.")
}

// SysctlSnippet returns the suggested settings as a sysctl.d file with
// comments, for SnippetPath. Changes that are not needed now, and those
// that belong to the host when the watched namespace is another one, are
// commented out. It never contains anything cttop would apply by itself.
func (a Advice) SysctlSnippet() string {
	var b strings.Builder
	s := a.In.Settings
	b.WriteString(format.Wrap(SnippetPath+": conntrack settings suggested by cttop --tune for "+a.subject()+".", 76, "# ", "# "))
	b.WriteString("# Load with: sysctl -p " + SnippetPath + " (it also loads at boot).\n")
	if a.In.FlowsFrom != "" {
		b.WriteString("# Worked out from " + a.In.FlowsFrom + ".\n")
	}
	if len(a.Changes) == 0 {
		b.WriteString("# Nothing to change.\n")
	}
	if len(a.Changes) > 0 && !a.Pressure {
		b.WriteString("# The table is under no pressure: every line is commented out; uncomment\n# what you want.\n")
	}
	if s.Known && s.Module && s.MaxWritable && len(a.Changes) > 0 {
		b.WriteString("# nf_conntrack is a module: list it in /etc/modules-load.d/nf_conntrack.conf,\n# or these keys may not exist yet when systemd-sysctl runs at boot.\n")
	}
	hostOnlyOut := s.Known && !s.MaxWritable
	if hostOnlyOut && a.Pressure {
		b.WriteString("# nf_conntrack_max and nf_conntrack_buckets can only be set on the host\n# (initial namespace): they are commented out here. The timeouts apply to\n# the namespace this file is loaded in.\n")
	}
	for _, c := range a.Changes {
		b.WriteString("\n")
		why := c.Why
		if c.From >= 0 {
			why += fmt.Sprintf("; now %d", c.From)
		}
		b.WriteString(format.Wrap(why+".", 76, "# ", "# "))
		prefix := ""
		if c.Optional || c.HostOnly && hostOnlyOut || c.Key == "nf_conntrack_buckets" && !s.BucketsWritable && s.Known {
			prefix = "#"
		}
		if c.Key == "nf_conntrack_buckets" && !s.BucketsWritable && s.Known && s.MaxWritable {
			fmt.Fprintf(&b, "# read-only on this kernel: use /sys/module/nf_conntrack/parameters/hashsize\n")
		}
		fmt.Fprintf(&b, "%snet.netfilter.%s = %d\n", prefix, c.Key, c.To)
	}
	if s.Known && (s.Acct == 0 || s.Timestamp == 0) {
		b.WriteString("\n# Optional: per-flow counters and start times for cttop's BYTES, PKTS\n# and AGE columns (new flows only; a little memory and CPU per flow).\n")
		if s.Acct == 0 {
			b.WriteString("#net.netfilter.nf_conntrack_acct = 1\n")
		}
		if s.Timestamp == 0 {
			b.WriteString("#net.netfilter.nf_conntrack_timestamp = 1\n")
		}
	}
	return b.String()
}

// timeoutFromText says where a composition row's timeout comes from.
func (a Advice) timeoutFromText(r *StateShare) string {
	ps := a.In.Settings.Policies
	setting := func(name string, v int64) string {
		if v < 0 {
			return name + " (not on this kernel)"
		}
		return fmt.Sprintf("%s=%d", name, v)
	}
	switch r.From {
	case FromSetting:
		return setting(r.Sysctl, r.Setting)
	case FromCap:
		return fmt.Sprintf("%s=%d (the kernel's cap for flows picked up mid-stream)", r.Cap, r.Timeout)
	case FromTTLs:
		switch {
		case r.Setting < 0:
			return "the flows' TTLs: " + setting(r.Sysctl, r.Setting)
		case len(r.Policies) > 0:
			return fmt.Sprintf("the flows' TTLs, above %s=%d: %s", r.Sysctl, r.Setting, policyText(ps, r.Policies, r.Sysctl))
		case a.In.Settings.PoliciesKnown:
			return fmt.Sprintf("the flows' TTLs, above %s=%d, which no nft ct timeout policy here gives: the setting was lowered after their last packet", r.Sysctl, r.Setting)
		}
		return fmt.Sprintf("the flows' TTLs, above %s=%d: an nft ct timeout policy, or a setting lowered since", r.Sysctl, r.Setting)
	case FromPolicyOrSetting:
		return fmt.Sprintf("%s, or %s=%d for flows idle longer than %s", policyText(ps, r.Policies, r.Sysctl), r.Sysctl, r.Setting, format.Duration(r.Setting-r.Timeout))
	case FromRecorded:
		t := "the flows' TTLs (their host's settings are unknown)"
		if r.Setting >= 0 {
			t = fmt.Sprintf("the flows' TTLs; this host: %s=%d", r.Sysctl, r.Setting)
		}
		if r.MaxTTL < 0 {
			t = "unknown: no TTL recorded"
		}
		return t
	}
	switch {
	case r.Offloaded:
		return "none while offloaded: the flowtable keeps them"
	case r.State != model.StateUnknown:
		// A state no setting names (TCP NONE, DCCP IGNORE...).
		return "unknown: no setting for this state"
	}
	return "unknown: the state is unknown"
}

// policiesLines lists the namespace's nft ct timeout policies: each
// timeout that differs from the sysctl it stands in for.
func (a Advice) policiesLines(kv func(key, f string, args ...any)) {
	s := a.In.Settings
	for _, p := range s.Policies {
		var parts []string
		keys := make([]string, 0, len(p.Timeouts))
		for k := range p.Timeouts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := p.Timeouts[k]; v != s.Timeouts[k] {
				parts = append(parts, fmt.Sprintf("%s=%d (sysctl %d)", strings.TrimPrefix(k, "nf_conntrack_"), v, s.Timeouts[k]))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "the sysctls' values")
		}
		kv("nft ct timeout", "%s: %s", p.Name, strings.Join(parts, ", "))
	}
}
