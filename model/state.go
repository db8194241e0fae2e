package model

import "strconv"

// TCP states (nf_conntrack_tcp.h), the protocol state numbers of TCP flows
// (Flow.ProtoState); the conntrack library has no constants for them.
const (
	TCPNone uint8 = iota
	TCPSynSent
	TCPSynRecv
	TCPEstablished
	TCPFinWait
	TCPCloseWait
	TCPLastAck
	TCPTimeWait
	TCPClose
	TCPSynSent2
)

// SCTP states (enum sctp_conntrack).
const (
	SCTPNone uint8 = iota
	SCTPClosed
	SCTPCookieWait
	SCTPCookieEchoed
	SCTPEstablished
	SCTPShutdownSent
	SCTPShutdownRecd
	SCTPShutdownAckSent
	SCTPHeartbeatSent
	SCTPHeartbeatAcked
)

// DCCP states (enum ct_dccp_states).
const (
	DCCPNone uint8 = iota
	DCCPRequest
	DCCPRespond
	DCCPPartOpen
	DCCPOpen
	DCCPCloseReq
	DCCPClosing
	DCCPTimeWait
	DCCPIgnore
	DCCPInvalid
)

// The state names as the kernel's /proc/net/nf_conntrack and conntrack -L
// print them (conntrack -L says LISTEN for TCP's SYN_SENT2, its old name).
var (
	tcpStateNames = [...]string{
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	}
	sctpStateNames = [...]string{
		"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
		"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT",
		"HEARTBEAT_ACKED",
	}
	dccpStateNames = [...]string{
		"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING",
		"TIMEWAIT", "IGNORE", "INVALID",
	}
)

// State is a flow's state in the one state model of every protocol the
// kernel tracks: the protocol's own state for TCP, SCTP and DCCP, and for
// every other protocol the two situations its timeouts distinguish,
// UNREPLIED (no reply seen) and REPLIED. ASSURED is a status flag, never a
// state. Every grouping, count and filter by state uses it.
//
// States order TCP's in the kernel's order, then SCTP's, DCCP's, UNREPLIED
// and REPLIED. The zero State is StateUnknown: the kernel gives no state
// for offloaded flows. Arrays indexed by State ([NumStates]) count the
// unknown at index 0.
type State uint8

// States besides the protocol states (TCPState, SCTPState, DCCPState).
const (
	StateUnknown State = 0
	stateTCP     State = 1                                    // + TCP state: 1..10
	stateSCTP          = stateTCP + State(len(tcpStateNames)) // + SCTP state: 11..20
	stateDCCP          = stateSCTP + State(len(sctpStateNames))
	// StateUnreplied is a flow of a protocol without states that has seen
	// no reply: the kernel keeps it for its protocol's unreplied timeout
	// (nf_conntrack_udp_timeout, _gre_timeout, _icmp_timeout...).
	StateUnreplied = stateDCCP + State(len(dccpStateNames))
	// StateReplied is a flow of a protocol without states that has seen a
	// reply (its stream timeout applies once it is ASSURED).
	StateReplied = StateUnreplied + 1
	// NumStates is the number of States, StateUnknown included.
	NumStates = int(StateReplied) + 1
)

// TCPState returns the State of TCP state s (TCPSynSent...), StateUnknown
// for a number the kernel does not define.
func TCPState(s uint8) State { return protoState(stateTCP, s, len(tcpStateNames)) }

// SCTPState returns the State of SCTP state s.
func SCTPState(s uint8) State { return protoState(stateSCTP, s, len(sctpStateNames)) }

// DCCPState returns the State of DCCP state s.
func DCCPState(s uint8) State { return protoState(stateDCCP, s, len(dccpStateNames)) }

func protoState(base State, s uint8, n int) State {
	if int(s) >= n {
		return StateUnknown
	}
	return base + State(s)
}

// HasStates reports whether the kernel tracks protocol proto with states
// of its own (TCP, SCTP, DCCP).
func HasStates(proto uint8) bool {
	return proto == ProtoTCP || proto == ProtoSCTP || proto == ProtoDCCP
}

// State returns the flow's state in the one state model (see State):
// its protocol state for TCP, SCTP and DCCP (unknown when the source gave
// none, or a number the kernel does not define), UNREPLIED or REPLIED for
// the other protocols from the SEEN_REPLY flag. An offloaded flow (OFFLOAD,
// HW_OFFLOAD) has no state the kernel's timeouts apply to: unknown.
func (f *Flow) State() (State, bool) {
	var s State
	switch f.Proto {
	case ProtoTCP:
		s = TCPState(f.state)
	case ProtoSCTP:
		s = SCTPState(f.state)
	case ProtoDCCP:
		s = DCCPState(f.state)
	default:
		if f.Status&(StatusOffload|StatusHWOffload) != 0 {
			return StateUnknown, false
		}
		if f.Status&StatusSeenReply == 0 {
			return StateUnreplied, true
		}
		return StateReplied, true
	}
	if f.Attrs&HasState == 0 {
		return StateUnknown, false
	}
	return s, s != StateUnknown
}

// Proto returns the protocol whose state s is (ProtoTCP, ProtoSCTP,
// ProtoDCCP), 0 for UNREPLIED, REPLIED and the unknown state.
func (s State) Proto() uint8 {
	switch {
	case s == StateUnknown || s >= StateUnreplied:
		return 0
	case s >= stateDCCP:
		return ProtoDCCP
	case s >= stateSCTP:
		return ProtoSCTP
	}
	return ProtoTCP
}

// Number returns the protocol's own number of state s (as in TCPEstablished),
// 0 for states that are not a protocol's.
func (s State) Number() uint8 {
	switch s.Proto() {
	case ProtoTCP:
		return uint8(s - stateTCP)
	case ProtoSCTP:
		return uint8(s - stateSCTP)
	case ProtoDCCP:
		return uint8(s - stateDCCP)
	}
	return 0
}

// String returns the state's name as the kernel prints it
// (/proc/net/nf_conntrack, conntrack -L), UNREPLIED or REPLIED, and "" for
// StateUnknown. TCP, SCTP and DCCP share some names (ESTABLISHED, NONE):
// Proto tells them apart.
func (s State) String() string {
	switch {
	case s == StateUnknown:
		return ""
	case s == StateUnreplied:
		return "UNREPLIED"
	case s == StateReplied:
		return "REPLIED"
	case int(s) >= NumStates:
		return "state(" + strconv.Itoa(int(s)) + ")"
	}
	switch s.Proto() {
	case ProtoSCTP:
		return sctpStateNames[s.Number()]
	case ProtoDCCP:
		return dccpStateNames[s.Number()]
	}
	return tcpStateNames[s.Number()]
}

// States returns every known State in order, StateUnknown excluded.
func States() []State {
	out := make([]State, 0, NumStates-1)
	for s := State(1); int(s) < NumStates; s++ {
		out = append(out, s)
	}
	return out
}

// ParseState returns the states named name (case-insensitive, as String
// writes them; "LISTEN", conntrack -L's word for TCP's SYN_SENT2, too) of
// protocol proto, or of every protocol when proto is 0: "ESTABLISHED" is a
// TCP and an SCTP state.
func ParseState(proto uint8, name string) []State {
	var out []State
	for _, s := range States() {
		if (proto == 0 || s.Proto() == proto || s.Proto() == 0 && !HasStates(proto)) && equalFold(s.String(), name) {
			out = append(out, s)
		}
	}
	if len(out) == 0 && (proto == 0 || proto == ProtoTCP) && equalFold(name, "LISTEN") {
		out = append(out, TCPState(TCPSynSent2))
	}
	return out
}

// equalFold is strings.EqualFold for ASCII names.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// StateName names the protocol state number s of protocol proto as the
// kernel prints it, or returns "" for a protocol without states or a
// number the kernel does not define.
func StateName(proto, s uint8) string {
	switch proto {
	case ProtoTCP:
		return TCPState(s).String()
	case ProtoSCTP:
		return SCTPState(s).String()
	case ProtoDCCP:
		return DCCPState(s).String()
	}
	return ""
}
