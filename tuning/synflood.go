package tuning

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// Floods: what half-open TCP flows and unreplied UDP flows to one service
// say, and what protects the table from them.

// floodShare is the share of the table half-open TCP flows (or unreplied
// UDP flows to one service) must hold for a flood finding, and floodMin
// the fewest flows.
const (
	floodShare = 0.2
	floodMin   = 100
)

// synFloodFinding explains a table that half-open TCP flows fill: their
// share and timeouts, where they go, SYNPROXY for that service, and the
// host's own SYN cookies and SYN queue.
func (a *Advice) synFloodFinding() {
	tb := a.In.Table
	recv, sent := a.halfOpen()
	half := recv + sent
	if tb.Flows == 0 || half < floodMin || float64(half) < floodShare*float64(tb.Flows) {
		return
	}
	var parts []string
	if recv > 0 {
		parts = append(parts, "SYN_RECV "+format.Int(int64(recv))+", kept "+a.keptText("nf_conntrack_tcp_timeout_syn_recv"))
	}
	if sent > 0 {
		parts = append(parts, "SYN_SENT "+format.Int(int64(sent))+", kept "+a.keptText("nf_conntrack_tcp_timeout_syn_sent"))
	}
	text := fmt.Sprintf("%s of flows (%s) are half-open TCP: %s.",
		format.Percent(float64(half)/float64(tb.Flows)), format.Int(int64(half)), strings.Join(parts, "; "))
	switch {
	case len(tb.HalfOpen) == 0:
		// Where they go is not known (a composition without it).
	case float64(tb.HalfOpen[0].Flows) >= 0.5*float64(half):
		sv := tb.HalfOpen[0]
		text += fmt.Sprintf(" %s of them (%s) go to %s: the mark of a SYN flood against it.",
			format.Percent(float64(sv.Flows)/float64(half)), format.Int(int64(sv.Flows)), sv)
		if sv.Proto == model.ProtoTCP {
			text += " " + a.synProxyText(sv.Port)
		}
	default:
		sv := tb.HalfOpen[0]
		text += fmt.Sprintf(" The most, to %s, are %s of them: a scan, or a flood spread over ports.",
			sv, format.Percent(float64(sv.Flows)/float64(half)))
	}
	a.add(FindingSynFlood, "%s %s", text, a.synCookiesText())
}

// halfOpen counts the SYN_RECV and the SYN_SENT (and SYN_SENT2) flows:
// from the flows by state when the input has them, else from the
// composition's TCP states.
func (a *Advice) halfOpen() (recv, sent int) {
	if len(a.In.States) == 0 {
		tb := &a.In.Table
		return tb.TCPStates[model.TCPSynRecv], tb.TCPStates[model.TCPSynSent] + tb.TCPStates[model.TCPSynSent2]
	}
	for _, sf := range a.In.States {
		switch sf.State {
		case model.TCPState(model.TCPSynRecv):
			recv += sf.Flows
		case model.TCPState(model.TCPSynSent), model.TCPState(model.TCPSynSent2):
			sent += sf.Flows
		}
	}
	return recv, sent
}

// keptText is a timeout for the prose: "1 minute (nf_..._syn_recv = 60)".
func (a *Advice) keptText(sysctl string) string {
	t, ok := a.In.Settings.Timeouts[sysctl]
	if !ok || t < 0 {
		return "for an unknown time (" + sysctl + " could not be read)"
	}
	return format.Duration(t) + " (" + sysctl + " = " + strconv.FormatInt(t, 10) + ")"
}

// synProxyText proposes SYNPROXY for TCP port, or says it is on already.
func (a *Advice) synProxyText(port uint16) string {
	svc := "tcp/" + strconv.Itoa(int(port))
	if a.In.SynProxyKnown && slices.Contains(a.In.SynProxyPorts, port) {
		return svc + " is under cttop's SYNPROXY already: its new SYNs take no entries, and these time out."
	}
	return "If this host serves " + svc + ", SYNPROXY for it (" + a.press("P on its row of the top view by port, 3, or on one of its flows") + ") " +
		"answers its SYNs with SYN cookies before conntrack sees them, so the flood takes no entries, spoofed sources or not; " +
		"a flood from a few prefixes can be blocked instead (6 lists them)."
}

// synCookiesText says what the host's own TCP stack does under a SYN flood.
func (a *Advice) synCookiesText() string {
	tcp := a.In.Settings.TCP
	if !tcp.Known || tcp.SynCookies < 0 {
		return "Whether the host answers SYN floods with SYN cookies is unknown (net.ipv4.tcp_syncookies could not be read)."
	}
	backlog := "a listener's SYN queue"
	if tcp.MaxSynBacklog >= 0 {
		backlog += " (net.ipv4.tcp_max_syn_backlog = " + format.Int(tcp.MaxSynBacklog) + ")"
	}
	switch tcp.SynCookies {
	case 0:
		return "net.ipv4.tcp_syncookies = 0: once " + backlog + " is full, the host's own services refuse new clients; " +
			"1 answers with SYN cookies then (sysctl -w net.ipv4.tcp_syncookies=1; not in the snippet below, which holds conntrack's settings)."
	case 1:
		return "net.ipv4.tcp_syncookies = 1: the host's own services answer with SYN cookies once " + backlog + " is full."
	}
	return "net.ipv4.tcp_syncookies = " + strconv.FormatInt(tcp.SynCookies, 10) + ": the host answers every SYN with a SYN cookie."
}

// udpFloodFinding explains a table that unreplied UDP flows to one service
// fill, and proposes NOTRACK for it when the service keeps no state.
func (a *Advice) udpFloodFinding() {
	tb := a.In.Table
	if tb.Flows == 0 || len(tb.UnrepliedUDP) == 0 {
		return
	}
	sv := tb.UnrepliedUDP[0]
	if sv.Flows < floodMin || float64(sv.Flows) < floodShare*float64(tb.Flows) {
		return
	}
	a.floodService = sv
	a.add(FindingUDPFlood, "%s of flows (%s) are UDP flows to %s that saw no reply, each kept %s: a flood against it, or a port nothing answers. "+
		"If the service keeps no state between packets (DNS, NTP, syslog), tracking gains it nothing: NOTRACK for %s (%s) "+
		"takes these flows out of the table; the filter rules must then accept untracked packets, or the service is cut off.",
		format.Percent(float64(sv.Flows)/float64(tb.Flows)), format.Int(int64(sv.Flows)), sv,
		a.keptText("nf_conntrack_udp_timeout"), sv, a.press("n on its row of the top view by port, 3"))
}
