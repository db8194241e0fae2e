package ui

import "strings"

// filterWord is a line of the filter's help: forms to type, each a whole
// filter that parses (TestFilterHelpParses), and what they match.
type filterWord struct {
	forms []string
	means string
}

// filterWords is the filter language in brief, for F1 in the filter
// prompt; docs/filter.md has every word.
var filterWords = []filterWord{
	{[]string{"host 192.0.2.1"}, "the address at any end of either direction"},
	{[]string{"src 192.0.2.1", "dst 192.0.2.1"}, "the original source, destination"},
	{[]string{"net 10.0.0.0/8"}, "an address in the network (src net, dst net)"},
	{[]string{"port 80", "port 1024-65535"}, "a port at any end (sport, dport: one end)"},
	{[]string{"tcp", "udp", "icmp", "proto 47"}, "a protocol (ip, ip6: a family)"},
	{[]string{"state syn_recv"}, "a state: ESTABLISHED, TIME_WAIT, UNREPLIED..."},
	{[]string{"assured", "unreplied", "nat"}, "a status flag (snat, dnat, offload, dying...)"},
	{[]string{"mark 0x10/0xff", "zone 3"}, "connmark, with a mask; zone (also orig zone N)"},
	{[]string{"helper ftp", "label 5"}, "the conntrack helper, a label"},
	{[]string{"not tcp", "tcp and port 80 or udp"}, "also !, &&, ||, ( ); not binds tightest"},
	{[]string{"80", "192.0.2.1", "10.0.0.0/8"}, "a bare value: port, host, net"},
}

// filterHelpTitle heads the filter's help, over the prompt.
const filterHelpTitle = "  (esc returns to the filter, j/k scroll)"

// filterHelpBody lays filterWords out for width w: the forms, then what
// they match, wrapped under itself when the line is too narrow.
func (m *Model) filterHelpBody(w int) []string {
	formsW := 0
	for _, fw := range filterWords {
		formsW = max(formsW, len(strings.Join(fw.forms, ", ")))
	}
	formsW = min(formsW, w/2)
	st := m.help.Styles
	out := wrapLines([]string{"tcpdump's filter syntax with conntrack's words (docs/filter.md has them all):", ""}, w)
	for _, fw := range filterWords {
		l := st.FullKey.Render(pad(strings.Join(fw.forms, ", "), formsW)) + "  " + st.FullDesc.Render(fw.means)
		out = append(out, wrapIndent(l, w, formsW+2)...)
	}
	return out
}
