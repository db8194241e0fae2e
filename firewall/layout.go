package firewall

import (
	"strconv"
	"strings"

	"github.com/cttop/cttop/action"
)

// TableName is the name of cttop's own nftables table (family inet). cttop
// creates, changes and reads nothing outside it.
const TableName = "cttop"

// Names of the sets in table inet cttop.
const (
	SetBlocked4   = "blocked4"
	SetBlocked6   = "blocked6"
	SetNoTrack4   = "notrack4"
	SetNoTrack6   = "notrack6"
	SetNoTrackSvc = "notrack_svc"
	// SetSynProxy holds the TCP ports under SYNPROXY, with their timeouts
	// and counters (of the SYNs untracked for SYNPROXY); List reads it.
	SetSynProxy = "synproxy_svc"
	// SetSynProxyIn holds the same ports without counters, for the input
	// chain, so that each SYN counts once in SetSynProxy.
	SetSynProxyIn = "synproxy_in"
)

// Names of the base chains in table inet cttop.
const (
	ChainPrerouting = "prerouting"
	ChainOutput     = "output"
	// ChainInput holds the SYNPROXY rules; it exists once a plan with a
	// SynProxy target was applied.
	ChainInput = "input"
)

// Chain priorities: NF_IP_PRI_RAW, after defragmentation (-400) and before
// connection tracking (-200), for prerouting and output. Input runs after
// connection tracking, as SYNPROXY needs, just before the filter chains of
// other tables (NF_IP_PRI_FILTER, 0): a ruleset that accepts only tracked
// traffic would otherwise drop the untracked SYNs and the invalid ACKs
// before SYNPROXY sees them.
const (
	priorityRaw   = -300
	priorityInput = -1
)

// priorityName returns a priority as nft writes it.
func priorityName(p int) string {
	switch p {
	case priorityRaw:
		return "raw"
	case priorityInput:
		return "filter - 1"
	}
	return strconv.Itoa(p)
}

// setSpec describes one set of the layout.
type setSpec struct {
	name     string
	key      string // the key type in nft syntax
	interval bool   // address sets hold networks as intervals
	counter  bool   // each element counts the packets it matched
}

// sets is the layout's sets, in creation order. Sets made by an older
// cttop, before element counters, have none (see Apply).
var sets = [...]setSpec{
	{SetBlocked4, "ipv4_addr", true, true},
	{SetBlocked6, "ipv6_addr", true, true},
	{SetNoTrack4, "ipv4_addr", true, true},
	{SetNoTrack6, "ipv6_addr", true, true},
	{SetNoTrackSvc, "inet_proto . inet_service", false, true},
	{SetSynProxy, "inet_service", false, true},
	{SetSynProxyIn, "inet_service", false, false},
}

// flags returns the set's flags in nft syntax.
func (s setSpec) flags() string {
	if s.interval {
		return "interval, timeout"
	}
	return "timeout"
}

// action returns what the set's entries do.
func (s setSpec) action() action.Kind {
	switch s.name {
	case SetBlocked4, SetBlocked6:
		return action.Drop
	case SetSynProxy, SetSynProxyIn:
		return action.SynProxy
	}
	return action.NoTrack
}

// nft returns the statement that declares the set.
func (s setSpec) nft() string {
	counter := ""
	if s.counter {
		counter = " counter;"
	}
	return "add set inet " + TableName + " " + s.name + " { type " + s.key + "; flags " + s.flags() + ";" + counter + " }"
}

// match is what a rule compares with a set.
type match int

const (
	matchSaddr     match = iota // the source address
	matchDaddr                  // the destination address
	matchSvcDport               // layer 4 protocol . destination port
	matchSvcSport               // layer 4 protocol . source port
	matchSYNDport               // a SYN (no ACK, RST or FIN): its TCP destination port
	matchProxyPort              // an untracked or invalid packet's TCP destination port
	matchBadPort                // an invalid packet's TCP destination port
)

// verdict is what a rule does to a packet that matches.
type verdict int

const (
	verdictDrop verdict = iota
	verdictNoTrack
	verdictSynProxy
)

// ruleSpec describes one rule of the layout.
type ruleSpec struct {
	chain   string
	family  uint8 // 4 or 6: the rule checks meta nfproto first; 0: either
	match   match
	set     string
	verdict verdict
	proxy   SynProxyParams // for verdictSynProxy
}

// chainSpec describes one base chain of the layout and its rules.
type chainSpec struct {
	name     string
	hook     string // nft hook name
	priority int    // priorityRaw or priorityInput
	comment  string
	rules    []ruleSpec
}

// chains is the layout's chains that every Apply rebuilds. Drop rules come
// first, so an address that is both blocked and untracked is dropped.
// inputChain is the chain of SYNPROXY.
var chains = [...]chainSpec{
	{
		name: ChainPrerouting, hook: "prerouting", priority: priorityRaw,
		comment: "Incoming and forwarded packets, before connection tracking sees them (raw = -300,\n" +
			"conntrack = -200): a dropped packet never takes a conntrack entry.",
		rules: []ruleSpec{
			{chain: ChainPrerouting, family: 4, match: matchSaddr, set: SetBlocked4, verdict: verdictDrop},
			{chain: ChainPrerouting, family: 6, match: matchSaddr, set: SetBlocked6, verdict: verdictDrop},
			{chain: ChainPrerouting, family: 4, match: matchSaddr, set: SetNoTrack4, verdict: verdictNoTrack},
			{chain: ChainPrerouting, family: 6, match: matchSaddr, set: SetNoTrack6, verdict: verdictNoTrack},
			{chain: ChainPrerouting, match: matchSvcDport, set: SetNoTrackSvc, verdict: verdictNoTrack},
			{chain: ChainPrerouting, match: matchSYNDport, set: SetSynProxy, verdict: verdictNoTrack},
		},
	},
	{
		name: ChainOutput, hook: "output", priority: priorityRaw,
		comment: "Packets this host sends: replies to untracked peers and from untracked services\n" +
			"are untracked too, or each reply would create a new conntrack entry.",
		rules: []ruleSpec{
			{chain: ChainOutput, family: 4, match: matchDaddr, set: SetNoTrack4, verdict: verdictNoTrack},
			{chain: ChainOutput, family: 6, match: matchDaddr, set: SetNoTrack6, verdict: verdictNoTrack},
			{chain: ChainOutput, match: matchSvcSport, set: SetNoTrackSvc, verdict: verdictNoTrack},
		},
	},
}

// inputChain returns the chain of SYNPROXY with the options p: untracked
// SYNs and invalid packets (the handshake's last ACK) to the ports of
// SetSynProxyIn go to SYNPROXY, with the MSS of their family; what it lets
// through invalid is dropped, on those ports only.
func inputChain(p SynProxyParams) chainSpec {
	return chainSpec{
		name: ChainInput, hook: "input", priority: priorityInput,
		comment: "SYNPROXY: the kernel answers SYNs to the ports in synproxy_in with SYN cookies and\n" +
			"connects the client to the service only once it completes the handshake. After\n" +
			"connection tracking, before other tables' filter chains (filter = 0), which may drop\n" +
			"untracked and invalid packets. Only invalid packets to those ports are dropped.",
		rules: []ruleSpec{
			{chain: ChainInput, family: 4, match: matchProxyPort, set: SetSynProxyIn, verdict: verdictSynProxy, proxy: p},
			{chain: ChainInput, family: 6, match: matchProxyPort, set: SetSynProxyIn, verdict: verdictSynProxy, proxy: p},
			{chain: ChainInput, match: matchBadPort, set: SetSynProxyIn, verdict: verdictDrop},
		},
	}
}

// nft returns the rule's statement.
func (r ruleSpec) nft() string {
	var sel string
	ip := map[uint8]string{4: "ip", 6: "ip6"}[r.family]
	switch r.match {
	case matchSaddr:
		sel = ip + " saddr"
	case matchDaddr:
		sel = ip + " daddr"
	case matchSvcDport:
		sel = "meta l4proto . th dport"
	case matchSvcSport:
		sel = "meta l4proto . th sport"
	case matchSYNDport:
		sel = "tcp flags & (fin | syn | rst | ack) == syn tcp dport"
	case matchProxyPort:
		sel = "meta nfproto ipv" + strconv.Itoa(int(r.family)) + " ct state invalid,untracked tcp dport"
	case matchBadPort:
		sel = "ct state invalid tcp dport"
	}
	verdict := "drop"
	switch r.verdict {
	case verdictNoTrack:
		verdict = "notrack"
	case verdictSynProxy:
		verdict = "synproxy " + r.proxy.options(r.family)
	}
	return "add rule inet " + TableName + " " + r.chain + " " + sel + " @" + r.set + " " + verdict
}

// nft returns the statements that create the chain if needed, empty it and
// fill it with its rules.
func (c chainSpec) nft() string {
	prio := priorityName(c.priority)
	var b strings.Builder
	b.WriteString(comment(c.comment))
	b.WriteString("add chain inet " + TableName + " " + c.name + " { type filter hook " + c.hook +
		" priority " + prio + "; policy accept; }\n")
	b.WriteString("flush chain inet " + TableName + " " + c.name + "\n")
	for _, r := range c.rules {
		b.WriteString(r.nft() + "\n")
	}
	return b.String()
}

// comment turns lines of text into shell/nft comment lines.
func comment(text string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			b.WriteString("#\n")
			continue
		}
		b.WriteString("# " + line + "\n")
	}
	return b.String()
}
