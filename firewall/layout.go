package firewall

import (
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
)

// Names of the base chains in table inet cttop.
const (
	ChainPrerouting = "prerouting"
	ChainOutput     = "output"
)

// priorityRaw is the priority of both chains: NF_IP_PRI_RAW, after
// defragmentation (-400) and before connection tracking (-200).
const priorityRaw = -300

// setSpec describes one set of the layout.
type setSpec struct {
	name     string
	family   uint8 // model.IPv4 or model.IPv6; 0 for the service set
	interval bool  // address sets hold networks as intervals
	counter  bool  // each element counts the packets it matched
}

// sets is the layout's sets, in creation order. Sets made by an older
// cttop, before element counters, have none (see Apply).
var sets = [...]setSpec{
	{SetBlocked4, 4, true, true},
	{SetBlocked6, 6, true, true},
	{SetNoTrack4, 4, true, true},
	{SetNoTrack6, 6, true, true},
	{SetNoTrackSvc, 0, false, true},
}

// keyType returns the set's type in nft syntax.
func (s setSpec) keyType() string {
	switch s.family {
	case 4:
		return "ipv4_addr"
	case 6:
		return "ipv6_addr"
	}
	return "inet_proto . inet_service"
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
	if s.name == SetBlocked4 || s.name == SetBlocked6 {
		return action.Drop
	}
	return action.NoTrack
}

// nft returns the statement that declares the set.
func (s setSpec) nft() string {
	counter := ""
	if s.counter {
		counter = " counter;"
	}
	return "add set inet " + TableName + " " + s.name + " { type " + s.keyType() + "; flags " + s.flags() + ";" + counter + " }"
}

// match is what a rule compares with a set.
type match int

const (
	matchSaddr    match = iota // the source address
	matchDaddr                 // the destination address
	matchSvcDport              // layer 4 protocol . destination port
	matchSvcSport              // layer 4 protocol . source port
)

// ruleSpec describes one rule of the layout.
type ruleSpec struct {
	chain   string
	family  uint8 // 4 or 6 for address matches, 0 for service matches
	match   match
	set     string
	notrack bool // the verdict: notrack, or else drop
}

// chainSpec describes one base chain of the layout and its rules.
type chainSpec struct {
	name    string
	hook    string // nft hook name
	comment string
	rules   []ruleSpec
}

// chains is the layout's chains. Drop rules come first, so an address that
// is both blocked and untracked is dropped.
var chains = [...]chainSpec{
	{
		name: ChainPrerouting, hook: "prerouting",
		comment: "Incoming and forwarded packets, before connection tracking sees them (raw = -300,\n" +
			"conntrack = -200): a dropped packet never takes a conntrack entry.",
		rules: []ruleSpec{
			{ChainPrerouting, 4, matchSaddr, SetBlocked4, false},
			{ChainPrerouting, 6, matchSaddr, SetBlocked6, false},
			{ChainPrerouting, 4, matchSaddr, SetNoTrack4, true},
			{ChainPrerouting, 6, matchSaddr, SetNoTrack6, true},
			{ChainPrerouting, 0, matchSvcDport, SetNoTrackSvc, true},
		},
	},
	{
		name: ChainOutput, hook: "output",
		comment: "Packets this host sends: replies to untracked peers and from untracked services\n" +
			"are untracked too, or each reply would create a new conntrack entry.",
		rules: []ruleSpec{
			{ChainOutput, 4, matchDaddr, SetNoTrack4, true},
			{ChainOutput, 6, matchDaddr, SetNoTrack6, true},
			{ChainOutput, 0, matchSvcSport, SetNoTrackSvc, true},
		},
	},
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
	}
	verdict := "drop"
	if r.notrack {
		verdict = "notrack"
	}
	return "add rule inet " + TableName + " " + r.chain + " " + sel + " @" + r.set + " " + verdict
}

// nft returns the statements that create the chain if needed, empty it and
// fill it with its rules.
func (c chainSpec) nft() string {
	var b strings.Builder
	b.WriteString(comment(c.comment))
	b.WriteString("add chain inet " + TableName + " " + c.name + " { type filter hook " + c.hook +
		" priority raw; policy accept; }\n")
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
