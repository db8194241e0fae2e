package tuning

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// Settings are the conntrack settings of the watched namespace and the
// facts about the host that the tuning advisor sizes the table with.
// Integer settings that could not be read are -1, as the kernel source
// reports them. The zero value (Known false) means no settings at all, as in
// a replay on a machine without conntrack.
type Settings struct {
	// Known is set when the settings were read at all.
	Known bool
	// NetNS is the path or ip netns name of the namespace they were read
	// in ("" for cttop's own); NetNSName is how cttop names it (the
	// header's name: "web (4026532177)"), also for cttop's own namespace
	// when it is not the host's; "" for the host's.
	NetNS, NetNSName string

	Max, Buckets, Count     int64
	Events, Acct, Timestamp int64
	// Timeouts maps sysctl names (nf_conntrack_tcp_timeout_established)
	// to seconds.
	Timeouts map[string]int64

	// MemTotal is the host's RAM in bytes (/proc/meminfo), 0 if unknown.
	MemTotal uint64
	// WordBits is the kernel's word size, 64 or 32 (0: 64).
	WordBits int
	// KernelRelease is uname -r, "" if unknown.
	KernelRelease string
	// ConnBytes is the size of the kernel's struct nf_conn (its slab's
	// object size in /proc/slabinfo), 0 if unknown.
	ConnBytes int

	// MaxWritable and BucketsWritable report whether the sysctl files are
	// writable in the watched namespace: outside the initial namespace
	// (the host's) the kernel makes both read-only.
	MaxWritable, BucketsWritable bool
	// HashsizeParam reports whether /sys/module/nf_conntrack/parameters/hashsize
	// exists: the other way to resize the hash table.
	HashsizeParam bool
	// Module reports whether nf_conntrack is a loadable module rather than
	// built into the kernel.
	Module bool
	// Policies are the nft ct timeout policies of the namespace (objects
	// that `ct timeout set` attaches to flows): the flows a rule gives one
	// keep its timeouts, not the sysctls'. PoliciesKnown says they could
	// be listed.
	Policies      []TimeoutPolicy
	PoliciesKnown bool

	// TCP are the namespace's TCP stack settings a SYN flood meets.
	TCP TCPSettings
}

// TimeoutPolicy is an nft ct timeout object: its name ("inet t long":
// family, table, object), protocol and timeouts in seconds, keyed by the
// sysctl each stands in for (nf_conntrack_tcp_timeout_established).
type TimeoutPolicy struct {
	Name     string
	Proto    uint8
	Timeouts map[string]int64
}

// TCPSettings are the settings of a namespace's TCP stack that decide how
// it weathers a SYN flood, read with the others (source.ReadTuning).
type TCPSettings struct {
	// Known is set when they were read.
	Known bool
	// SynCookies is net.ipv4.tcp_syncookies (0 off, 1 when a listener's
	// SYN queue overflows, 2 always), MaxSynBacklog
	// net.ipv4.tcp_max_syn_backlog (the SYN queue of a listener); -1 when
	// unreadable.
	SynCookies, MaxSynBacklog int64
}

// Input is everything the tuning advisor works from.
type Input struct {
	Settings Settings
	Table    model.Composition
	// States are the flows by protocol and state with their TTLs
	// (StatesOf): the composition and the timeout advice rest on them.
	States []StateFlows
	// Recent is what the drop counters did while cttop watched; advice
	// about drops rests on it, never on the counters since boot.
	Recent Recent
	// FlowsFrom says where the flows came from when it is not the live
	// table of the namespace the settings belong to, such as
	// "replay file capture.ctr" or "the demo"; "" for the live table.
	FlowsFrom string
	// HostSettings reports, when FlowsFrom is set, that the settings were
	// read from the host cttop runs on now rather than recorded with the
	// flows.
	HostSettings bool
	// SynProxyPorts are the TCP ports cttop has under SYNPROXY in the
	// namespace, when SynProxyKnown (its rules could be read).
	SynProxyPorts []uint16
	SynProxyKnown bool
	// NoActions says why cttop's action keys (b, n, P) do nothing where
	// the report is shown ("demo", "replay", "--read-only"): the report
	// then names them without offering them; "" where they act.
	NoActions string
}

// press offers the cttop key of keyText ("b on one of its flows") as
// "press b on one of its flows", or, where actions are unavailable, names
// it without offering it: "b on one of its flows; unavailable here: demo".
func (a *Advice) press(keyText string) string {
	if a.In.NoActions == "" {
		return "press " + keyText
	}
	return keyText + "; unavailable here: " + a.In.NoActions
}

// FindingKind classifies a finding.
type FindingKind string

// Finding kinds.
const (
	FindingOK           FindingKind = "ok"            // nothing needs changing
	FindingSize         FindingKind = "size"          // raise nf_conntrack_max (and buckets)
	FindingBelowDefault FindingKind = "below-default" // max lowered below the kernel's default
	FindingMemoryBound  FindingKind = "memory-bound"  // the table cannot grow within memory
	FindingOversized    FindingKind = "oversized"     // a full table would take much memory
	FindingBuckets      FindingKind = "buckets"       // hash chains too long
	FindingTimeout      FindingKind = "timeout"       // shorten a state's timeout
	FindingTimeoutFrom  FindingKind = "timeout-from"  // flows a longer timeout than the setting governs
	FindingNoTrack      FindingKind = "notrack"       // services worth NOTRACK
	FindingSource       FindingKind = "source"        // one source owns much of the table
	FindingNamespace    FindingKind = "namespace"     // where settings can be changed
	FindingModule       FindingKind = "module"        // boot-time ordering of a module
	FindingEvents       FindingKind = "events"        // nf_conntrack_events off
	FindingSynFlood     FindingKind = "syn-flood"     // half-open TCP flows fill the table
	FindingUDPFlood     FindingKind = "udp-flood"     // unreplied UDP flows to one service
)

// Finding is one observation or suggestion, as a paragraph of plain text.
type Finding struct {
	Kind FindingKind
	Text string
}

// SysctlChange is one suggested setting.
type SysctlChange struct {
	// Key is the sysctl's name without the net.netfilter. prefix.
	Key      string
	From, To int64
	// Why is a one-line reason, written as a comment in the snippet.
	Why string
	// Optional changes are not needed now; the snippet comments them out.
	Optional bool
	// HostOnly changes can only be made in the initial namespace; when the
	// watched namespace is another one the snippet comments them out.
	HostOnly bool
}

// DefaultSize is the table size the kernel picks at boot for some RAM.
type DefaultSize struct {
	Max, Buckets int64
	// Modern is set for kernels since 5.15 (max = buckets); older ones
	// used max = 4 * buckets with smaller caps.
	Modern bool
}

// Advice is the tuning advisor's result: the numbers it worked out and its
// findings, most important first.
type Advice struct {
	In Input

	// Count, Max and Buckets are the table's size; Fill is Count/Max.
	Count, Max, Buckets int64
	Fill                float64
	// Dropped is drop + early_drop since boot (or since the namespace
	// was made): packets refused because the table was full. It is shown,
	// labelled so, but no advice rests on it: RecentDrops does.
	Dropped uint64
	// RecentDrops is drop + early_drop while cttop watched (In.Recent),
	// 0 when it did not watch.
	RecentDrops uint64
	// Pressure is set when the table is half full or the kernel dropped
	// packets while cttop watched: the suggestions are needed now, not
	// optional.
	Pressure bool

	WordBits int
	// EntryBytes is the estimated memory of one entry, BucketBytes of one
	// hash bucket.
	EntryBytes, BucketBytes int64
	// Default is the kernel's default size for this host (Max 0 if the
	// RAM is unknown).
	Default DefaultSize

	States   []StateShare
	Findings []Finding
	Changes  []SysctlChange

	// floodService is the UDP service udpFloodFinding proposed NOTRACK
	// for, which noTrackFinding then leaves out.
	floodService model.ServiceCount
}

// Thresholds and constants of the advisor.
const (
	// extBytes is the memory of an entry's extension area: 128 bytes
	// (kmalloc-128) per entry measured on 6.18, with and without acct and
	// timestamps, on top of the nf_conn slab object.
	extBytes = 128
	// defaultConnBytes is sizeof(struct nf_conn) when /proc/slabinfo
	// cannot say (256 on 6.18 x86_64).
	defaultConnBytes = 256
	// memoryShare: a suggested table takes at most RAM/memoryShare.
	memoryShare = 32
	// fullFill: above this fill the table needs room.
	fullFill = 0.8
	// pressureFill: above this fill suggestions are needed now.
	pressureFill = 0.5
	pageSize     = 4096
)

// MinEvidence is the fewest flows a suggestion may rest on: a share of a
// handful of flows says nothing about a table (30 is the usual rule of
// thumb for a proportion to mean something). A timeout suggestion counts
// only the flows it would change; NOTRACK the flows of the services it
// names.
const MinEvidence = 30

// timeoutRules are the timeout suggestions: when the flows a state's
// setting governs, and that have more than to seconds left (those a
// shorter timeout would change), are at least share of the table and
// MinEvidence flows, suggest to.
var timeoutRules = []struct {
	sysctl string
	share  float64
	to     int64
	why    string
}{
	{"nf_conntrack_tcp_timeout_established", 0.25, 86400, "frees the idle ones sooner; NATed connections idle for longer break, so keep keepalives below it"},
	{"nf_conntrack_tcp_timeout_time_wait", 0.20, 30, "frees closed connections sooner; the sockets' own TIME_WAIT is not affected"},
	{"nf_conntrack_tcp_timeout_syn_sent", 0.10, 30, "forgets unanswered connection attempts sooner (scans, floods, dead backends)"},
	{"nf_conntrack_tcp_timeout_syn_recv", 0.10, 30, "forgets half-open connections sooner (a SYN flood leaves these)"},
	{"nf_conntrack_tcp_timeout_close_wait", 0.10, 60, "is the kernel's default: connections whose local end never closes are kept an hour at 3600, which Kubernetes' kube-proxy sets (--conntrack-tcp-timeout-close-wait)"},
	{"nf_conntrack_sctp_timeout_cookie_wait", 0.10, 3, "is the kernel's default: forgets unanswered INITs sooner (an INIT flood leaves these)"},
}

// KernelDefaultSize returns the table size nf_conntrack_init_start() picks
// for memTotal bytes of RAM: since 5.15 buckets = RAM/16384/pointer size,
// 262144 above 4 GiB on 64-bit, 65536 above 1 GiB, at least 1024, and
// max = buckets; before, 65536 above 4 GiB, 16384 above 1 GiB, at least 32,
// and max = 4 * buckets. The bucket count is rounded up to whole pages.
// release is uname -r ("" counts as modern).
func KernelDefaultSize(memTotal uint64, wordBits int, release string) DefaultSize {
	if wordBits == 0 {
		wordBits = 64
	}
	ptr := uint64(wordBits / 8)
	const gib = 1 << 30
	b := memTotal / 16384 / ptr
	d := DefaultSize{Modern: kernelAtLeast(release, 5, 15)}
	if d.Modern {
		switch {
		case wordBits >= 64 && memTotal > 4*gib:
			b = 262144
		case memTotal > gib:
			b = 65536
		}
		b = max(b, 1024)
	} else {
		switch {
		case memTotal > 4*gib:
			b = 65536
		case memTotal > gib:
			b = 16384
		}
		b = max(b, 32)
	}
	b = roundUp(b, pageSize/ptr)
	d.Buckets = int64(b)
	d.Max = d.Buckets
	if !d.Modern {
		d.Max = 4 * d.Buckets
	}
	return d
}

// kernelAtLeast reports whether release (6.18.44-foo) is at least
// major.minor; an unparsable release counts as recent.
func kernelAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return true
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return true
	}
	return ma > major || ma == major && mi >= minor
}

func roundUp(v, m uint64) uint64 {
	if m == 0 {
		return v
	}
	return (v + m - 1) / m * m
}

// pow2Ceil returns the smallest power of two >= v (v >= 1).
func pow2Ceil(v int64) int64 {
	p := int64(1)
	for p < v {
		p <<= 1
	}
	return p
}

// Advise works out the table's size, memory and composition and suggests
// concrete settings. It is a pure function of its input.
func Advise(in Input) Advice {
	s := in.Settings
	a := Advice{In: in, WordBits: s.WordBits}
	if a.WordBits == 0 {
		a.WordBits = 64
	}
	a.BucketBytes = int64(a.WordBits / 8)
	conn := int64(s.ConnBytes)
	if conn <= 0 {
		conn = defaultConnBytes
	}
	a.EntryBytes = conn + extBytes
	st := in.Table.Stats
	a.Max = s.Max
	if st.Valid && st.Max > 0 {
		a.Max = int64(st.Max)
	}
	a.Count = int64(in.Table.Flows)
	switch {
	case st.Valid:
		a.Count = int64(st.Count)
	case s.Known && s.Count >= 0 && in.FlowsFrom == "":
		a.Count = s.Count
	}
	if s.Known {
		a.Buckets = s.Buckets
	}
	if a.Max > 0 {
		a.Fill = float64(a.Count) / float64(a.Max)
	}
	if a.countersKnown() {
		a.Dropped = st.Drop + st.EarlyDrop
	}
	if in.Recent.Known {
		a.RecentDrops = in.Recent.Drops
	}
	a.Pressure = a.RecentDrops > 0 || a.Fill >= pressureFill
	if s.MemTotal > 0 {
		a.Default = KernelDefaultSize(s.MemTotal, a.WordBits, s.KernelRelease)
	}
	a.States = composition(in)
	a.sizeFindings()
	a.timeoutFindings()
	a.synFloodFinding()
	a.udpFloodFinding()
	a.noTrackFinding()
	a.sourceFinding()
	a.settingsFindings()
	if len(a.Findings) == 0 || !a.Pressure {
		a.Findings = append([]Finding{{FindingOK, a.okText()}}, a.Findings...)
	}
	for i := range a.Changes {
		if !a.Pressure {
			a.Changes[i].Optional = true
		}
	}
	return a
}

func (a *Advice) okText() string {
	if a.Max <= 0 {
		return fmt.Sprintf("The table holds %s; its limit is unknown, so cttop cannot say how close to full it is.", format.Plural(int(a.Count), "flow"))
	}
	if a.Pressure {
		return "Nothing stands out."
	}
	t := fmt.Sprintf("The table is %s full (%s of %s)%s: nothing needs changing now.",
		format.Percent(a.Fill), format.Int(a.Count), format.Int(a.Max), a.dropsNow())
	if len(a.Findings) > 0 {
		t += " The notes below matter if it fills up; the snippet lists them commented out."
	}
	return t
}

// cost returns the memory of a full table of max entries and buckets buckets.
func (a *Advice) cost(max, buckets int64) int64 { return max*a.EntryBytes + buckets*a.BucketBytes }

// bucketsFor returns the bucket count the kernel would allocate for max
// entries at its default ratio (one bucket per entry, whole pages).
func (a *Advice) bucketsFor(max int64) int64 {
	return int64(roundUp(uint64(max), uint64(pageSize/a.BucketBytes)))
}

func (a *Advice) memText(bytes int64) string {
	t := "about " + format.Bytes(bytes)
	if m := a.In.Settings.MemTotal; m > 0 {
		t += fmt.Sprintf(" at most, %s of %s", pctMem(bytes, m), format.Bytes(int64(m)))
	}
	return t
}

func (a *Advice) add(kind FindingKind, format string, args ...any) {
	a.Findings = append(a.Findings, Finding{kind, fmt.Sprintf(format, args...)})
}

// since says what the kernel's cumulative counters count from: boot in
// the initial namespace, the namespace's creation in another.
func (a *Advice) since() string {
	if s := a.In.Settings; s.Known && !s.MaxWritable {
		return "since the namespace was made"
	}
	return "since boot"
}

// dropsNow is what the drop counters say, as a clause after "The table is
// N% full": drops while cttop watched are evidence, the counters since
// boot are only named.
func (a *Advice) dropsNow() string {
	r := a.In.Recent
	switch {
	case r.Known && r.Drops > 0:
		return fmt.Sprintf(" and the kernel dropped %s packets for lack of room (drop + early_drop) in the %s cttop watched",
			format.Int(int64(r.Drops)), format.Elapsed(r.Span))
	case r.Known:
		return fmt.Sprintf(" and the kernel dropped nothing in the %s cttop watched", format.Elapsed(r.Span))
	case a.Dropped > 0:
		return fmt.Sprintf(" (the drop counters say %s %s; cttop did not watch, so it cannot say whether the kernel drops now)",
			format.Plural(int(a.Dropped), "packet"), a.since())
	case a.countersKnown():
		return " and the kernel has dropped nothing " + a.since()
	}
	return ""
}

// countersKnown reports whether the table's statistics carry the kernel's
// counters: a live table's do; a replay of a file that recorded no
// statistics (no max, no counter) has zeros that mean unknown.
func (a *Advice) countersKnown() bool {
	st := a.In.Table.Stats
	return st.Valid && !st.Unrecorded
}
