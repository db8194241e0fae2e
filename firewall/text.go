package firewall

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// notrackWarning explains why untracked packets need an accept rule of the
// user's own; it goes into the nft text, the iptables text and Explain.
const notrackWarning = `NOTRACK: untracked packets have ct state "untracked", neither new nor established.
A ruleset that accepts only established/related traffic and drops the rest drops
them: the service is cut off. cttop's table cannot accept them for you: an accept
ends only the base chain it is in, and every other base chain on the same hook
(yours) still sees the packet and may drop it, which is final. Add an accept for
untracked packets to YOUR input chain, before the rule or policy that drops (and
to your output chain if it drops too).`

// persistNote says where the rules live.
const persistNote = "The rules live in the running ruleset only and are gone after a reboot."

// NFT returns the nft script that Apply installs, runnable with `nft -f`.
// It creates table inet cttop, its sets and chains if missing, rebuilds the
// chains' rules, and adds the plan's entries; running it again keeps the
// entries already in the sets. Unlike Apply, nft refuses an entry that
// overlaps a different one already in its set. An invalid plan gives a
// script of comments that says why.
func (p Plan) NFT() string {
	n, note, err := p.merged()
	if err != nil {
		return "# cttop: " + err.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString("#!/usr/sbin/nft -f\n")
	b.WriteString(comment(n.summary() + note))
	b.WriteString(comment("\n" + persistNote + "\n" +
		"To keep them, save this file and include it from your nftables configuration.\n" +
		"Running it again is safe: it rebuilds cttop's chains and keeps the entries in its sets.\n" +
		"cttop touches no other table. Remove all it added: nft delete table inet " + TableName))
	if n.has(action.NoTrack) {
		b.WriteString(comment("\n" + notrackWarning + "\n" +
			"  ct state untracked accept\n" +
			"for example: nft insert rule inet filter input ct state untracked accept"))
	}
	if n.has(action.SynProxy) {
		b.WriteString(comment("\n" + synProxyNote))
	}
	b.WriteString("\nadd table inet " + TableName + "\n")
	for _, s := range sets {
		b.WriteString(s.nft() + "\n")
	}
	for _, c := range n.chains() {
		b.WriteString("\n" + c.nft())
	}
	b.WriteString("\n")
	for _, s := range sets {
		var elems []string
		for _, t := range n.Targets {
			if setOf(t) == s.name || (s.name == SetSynProxyIn && setOf(t) == SetSynProxy) {
				elems = append(elems, nftElement(t)+n.nftTimeout())
			}
		}
		if len(elems) > 0 {
			b.WriteString("add element inet " + TableName + " " + s.name + " { " + strings.Join(elems, ", ") + " }\n")
		}
	}
	return b.String()
}

// Entries returns how many set entries the plan's targets make once
// adjacent networks are merged as Apply merges them (eight adjacent /24s
// make one /21): fewer than its targets when some merge. It returns the
// number of targets when the plan does not normalize (Validate says why).
func (p Plan) Entries() int {
	m, _, err := p.merged()
	if err != nil {
		return len(p.Targets)
	}
	return len(m.Targets)
}

// merged returns the plan normalized, its networks merged as Apply
// merges them, and a line that says so ("" if nothing merged).
func (p Plan) merged() (Plan, string, error) {
	n, err := p.normalize()
	if err != nil {
		return Plan{}, "", err
	}
	m := Plan{Targets: merge(n.Targets), Duration: n.Duration, SynProxy: n.SynProxy}
	note := ""
	if len(m.Targets) < len(n.Targets) {
		note = "\n" + plural(len(n.Targets), "target") + " merged into " + plural(len(m.Targets), "entry") +
			": adjacent addresses form one prefix."
	}
	return m, note, nil
}

// plural returns "1 target", "2 targets", "3 entries".
func plural(n int, word string) string {
	if n != 1 {
		if w, ok := strings.CutSuffix(word, "y"); ok {
			word = w + "ie"
		}
		word += "s"
	}
	return strconv.Itoa(n) + " " + word
}

// chains returns the chains the plan rebuilds: the SYNPROXY chain too if
// it has a SynProxy target.
func (p Plan) chains() []chainSpec {
	out := chains[:]
	if p.has(action.SynProxy) {
		out = append(out, inputChain(p.SynProxy))
	}
	return out
}

// nftElement formats t as an element of its set.
func nftElement(t action.Target) string {
	if t.Action == action.SynProxy {
		return strconv.Itoa(int(t.Port))
	}
	if t.IsService() {
		return model.ProtoName(t.Proto) + " . " + strconv.Itoa(int(t.Port))
	}
	return action.PrefixString(t.Addr)
}

// nftTimeout returns the element timeout clause, or "".
func (p Plan) nftTimeout() string {
	if p.Duration == 0 {
		return ""
	}
	return " timeout " + nftDuration(p.Duration)
}

// lifetime says how long the plan's entries last.
func (p Plan) lifetime() string {
	if p.Duration == 0 {
		return "until removed"
	}
	return "for " + nftDuration(p.Duration)
}

// summary is one line per target: "cttop: drop from 10.0.0.2 for 1h".
func (p Plan) summary() string {
	var b strings.Builder
	for _, t := range p.Targets {
		b.WriteString("cttop: " + t.String() + " " + p.lifetime() + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// families returns the iptables commands that handle t's traffic.
func families(t action.Target) []string {
	switch {
	case t.IsService():
		return []string{"iptables", "ip6tables"}
	case t.Addr.Addr().Is4():
		return []string{"iptables"}
	}
	return []string{"ip6tables"}
}

// iptRules returns the rule specifications (after "-I" or "-D") for t.
func iptRules(t action.Target) []string {
	if !t.IsService() {
		a := action.PrefixString(t.Addr)
		if t.Action == action.Drop {
			return []string{"-t raw %s PREROUTING -s " + a + " -j DROP"}
		}
		return []string{
			"-t raw %s PREROUTING -s " + a + " -j CT --notrack",
			"-t raw %s OUTPUT -d " + a + " -j CT --notrack",
		}
	}
	proto, port := model.ProtoName(t.Proto), strconv.Itoa(int(t.Port))
	dport, sport := "--dport "+port, "--sport "+port
	if t.Proto == model.ProtoUDPLite { // no udplite match: multiport knows it
		dport, sport = "-m multiport --dports "+port, "-m multiport --sports "+port
	}
	return []string{
		"-t raw %s PREROUTING -p " + proto + " " + dport + " -j CT --notrack",
		"-t raw %s OUTPUT -p " + proto + " " + sport + " -j CT --notrack",
	}
}

const untrackedAccept = "INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT"

// IPTables returns iptables and ip6tables commands with the same effect as
// NFT, for hosts that use iptables. iptables has no timeouts, so the
// commands to remove the rules follow as comments.
func (p Plan) IPTables() string {
	n, note, err := p.merged()
	if err != nil {
		return "# cttop: " + err.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString(comment(n.summary() + note + "\n\n" + persistNote + "\n" +
		"To keep them, save them with iptables-save and restore them at boot."))
	if n.has(action.Drop) {
		b.WriteString(comment("Drops happen in the raw table, before connection tracking, as in the nft rules."))
	}
	if n.Duration > 0 {
		b.WriteString(comment("iptables has no timeouts: remove the rules after " + nftDuration(n.Duration) +
			" with the -D commands below\n(for example from at(1))."))
	}
	drops, dropsDel, _ := n.iptCommands(action.Drop)
	notracks, notracksDel, fams := n.iptCommands(action.NoTrack)
	proxies, proxiesDel := n.iptSynProxy()
	if len(drops) > 0 {
		b.WriteString("\n" + strings.Join(drops, "\n") + "\n")
	}
	if len(notracks) > 0 {
		b.WriteString("\n" + comment(notrackWarning+"\nThe -C ... || -I ... line adds that accept once."))
		b.WriteString(strings.Join(notracks, "\n") + "\n")
		for _, fam := range fams {
			b.WriteString(fam + " -C " + untrackedAccept + " 2>/dev/null || " + fam + " -I " + untrackedAccept + "\n")
		}
	}
	if len(proxies) > 0 { // last: SYNPROXY must end up above any accept of untracked packets
		b.WriteString("\n" + comment(synProxyNote+"\nSYNPROXY goes first in INPUT (positions 1 and 2), above rules that accept or drop\n"+
			"untracked or invalid packets: run these commands after any that insert into INPUT."))
		b.WriteString(strings.Join(proxies, "\n") + "\n")
	}
	b.WriteString("\n# To remove the rules:\n" + strings.Join(slices.Concat(dropsDel, proxiesDel, notracksDel), "\n") + "\n")
	if len(fams) > 0 {
		b.WriteString("# and, once no NOTRACK rule needs it, the accept for untracked packets:\n")
		for _, fam := range fams {
			b.WriteString("#   " + fam + " -D " + untrackedAccept + "\n")
		}
	}
	return b.String()
}

// iptCommands returns the commands that add the rules of the targets with
// action a, the commented commands that delete them, and the iptables
// commands (families) involved.
func (p Plan) iptCommands(a action.Kind) (add, del, fams []string) {
	used := map[string]bool{}
	for _, t := range p.Targets {
		if t.Action != a {
			continue
		}
		for _, fam := range families(t) {
			for _, r := range iptRules(t) {
				add = append(add, fam+" "+strings.Replace(r, "%s", "-I", 1))
				del = append(del, "#   "+fam+" "+strings.Replace(r, "%s", "-D", 1))
			}
			used[fam] = true
		}
	}
	for _, fam := range []string{"iptables", "ip6tables"} {
		if used[fam] {
			fams = append(fams, fam)
		}
	}
	return add, del, fams
}

// iptSynProxy returns the commands that put the plan's SynProxy targets
// under SYNPROXY, for iptables and ip6tables, and the commented commands
// that remove them.
func (p Plan) iptSynProxy() (add, del []string) {
	for _, t := range p.Targets {
		if t.Action != action.SynProxy {
			continue
		}
		tcp := "-p tcp --dport " + strconv.Itoa(int(t.Port))
		for _, f := range []struct {
			cmd    string
			family uint8
		}{{"iptables", 4}, {"ip6tables", 6}} {
			rules := [...]struct{ table, chain, pos, spec string }{
				{"-t raw ", "PREROUTING", "", tcp + " --syn -j CT --notrack"},
				{"", "INPUT", " 1", tcp + " -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY " + p.SynProxy.iptOptions(f.family)},
				{"", "INPUT", " 2", tcp + " -m conntrack --ctstate INVALID -j DROP"},
			}
			for _, r := range rules {
				add = append(add, f.cmd+" "+r.table+"-I "+r.chain+r.pos+" "+r.spec)
				del = append(del, "#   "+f.cmd+" "+r.table+"-D "+r.chain+" "+r.spec)
			}
		}
	}
	return add, del
}

// Explain returns a few lines for a confirmation dialog: what the plan
// does, how long it lasts, that it lives in the running ruleset only, and
// for NOTRACK the accept rule the user's own ruleset needs.
func (p Plan) Explain() string {
	n, note, err := p.merged()
	if err != nil {
		return "Cannot apply: " + err.Error() + "\n"
	}
	var b strings.Builder
	if note != "" {
		b.WriteString(strings.TrimPrefix(note, "\n") + "\n")
	}
	if addrs := n.list(action.Drop, false); addrs != "" {
		b.WriteString("Drop all packets from " + addrs + " " + n.lifetime() +
			", before connection tracking: they take no conntrack entry (forwarded traffic too).\n")
	}
	if addrs := n.list(action.NoTrack, false); addrs != "" {
		b.WriteString("Stop tracking packets from and to " + addrs + " " + n.lifetime() + ".\n")
	}
	if svcs := n.list(action.NoTrack, true); svcs != "" {
		b.WriteString("Stop tracking " + svcs + " of this host (requests and replies) " + n.lifetime() + ".\n")
	}
	if svcs := n.list(action.SynProxy, true); svcs != "" {
		sp := n.SynProxy
		b.WriteString("Protect " + svcs + " of this host with SYNPROXY " + n.lifetime() + ": the kernel answers SYNs\n" +
			"with SYN cookies (" + sp.options(4) + "; IPv6 mss " + strconv.Itoa(int(sp.MSS6)) + "), untracked: only\n" +
			"clients that complete the handshake reach the service and the conntrack table. Invalid\n" +
			"packets to the port are dropped. It needs nf_conntrack_tcp_loose off (and tcp_timestamps\n" +
			"on for its options); cttop changes neither.\n")
	}
	b.WriteString("Existing conntrack entries stay until they time out: delete them to free the table now.\n")
	b.WriteString(persistNote + " cttop uses only table inet cttop; save the nft text to keep them.\n")
	if n.has(action.NoTrack) {
		b.WriteString("Warning: your own ruleset must accept untracked packets (nft: ct state untracked accept;\n" +
			"iptables: -m conntrack --ctstate UNTRACKED -j ACCEPT) if it accepts only established\n" +
			"traffic, or the service is cut off. cttop cannot do it for you: an accept in its table\n" +
			"does not stop another table's chain from dropping the packet.\n")
	}
	return b.String()
}

// list names the targets with action a (services or addresses), at most
// five, then "and N more".
func (p Plan) list(a action.Kind, services bool) string {
	var names []string
	for _, t := range p.Targets {
		if t.Action != a || t.IsService() != services {
			continue
		}
		if services {
			names = append(names, model.ProtoName(t.Proto)+" port "+strconv.Itoa(int(t.Port)))
		} else {
			names = append(names, action.PrefixString(t.Addr))
		}
	}
	const most = 5
	if len(names) > most {
		names = append(names[:most], "and "+strconv.Itoa(len(names)-most)+" more")
	}
	return strings.Join(names, ", ")
}
