package tuning

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// Names of the timeout settings that are not a state's own.
const (
	sysctlUnacknowledged = "nf_conntrack_tcp_timeout_unacknowledged"
	sysctlGeneric        = "nf_conntrack_generic_timeout"
)

// tcpTimeoutSysctl names each TCP state's timeout setting (SYN_SENT2 shares
// SYN_SENT's; NONE has none).
var tcpTimeoutSysctl = [...]string{
	model.TCPNone:        "",
	model.TCPSynSent:     "nf_conntrack_tcp_timeout_syn_sent",
	model.TCPSynRecv:     "nf_conntrack_tcp_timeout_syn_recv",
	model.TCPEstablished: "nf_conntrack_tcp_timeout_established",
	model.TCPFinWait:     "nf_conntrack_tcp_timeout_fin_wait",
	model.TCPCloseWait:   "nf_conntrack_tcp_timeout_close_wait",
	model.TCPLastAck:     "nf_conntrack_tcp_timeout_last_ack",
	model.TCPTimeWait:    "nf_conntrack_tcp_timeout_time_wait",
	model.TCPClose:       "nf_conntrack_tcp_timeout_close",
	model.TCPSynSent2:    "nf_conntrack_tcp_timeout_syn_sent",
}

// TimeoutSysctl names the setting of the timeout the kernel gives flows
// of protocol proto in state s, as in /proc/sys/net/netfilter: the TCP,
// SCTP and DCCP states' own (nf_conntrack_sctp_timeout_cookie_wait), UDP
// and UDP-Lite's nf_conntrack_udp_timeout (UNREPLIED) and
// nf_conntrack_udp_timeout_stream (REPLIED), GRE's nf_conntrack_gre_timeout
// and _gre_timeout_stream, ICMP's and ICMPv6's, and
// nf_conntrack_generic_timeout for every other protocol. "" for a state
// without a timeout of its own (TCP, SCTP and DCCP's NONE, DCCP's IGNORE
// and INVALID) and for the unknown state.
func TimeoutSysctl(proto uint8, s model.State) string {
	if s == model.StateUnknown {
		return ""
	}
	replied := s == model.StateReplied
	switch proto {
	case model.ProtoTCP:
		if n := s.Number(); s.Proto() == model.ProtoTCP && int(n) < len(tcpTimeoutSysctl) {
			return tcpTimeoutSysctl[n]
		}
		return ""
	case model.ProtoSCTP:
		// Every SCTP state but NONE has one (heartbeat_acked only
		// before 6.1, where the kernel dropped the state's timeout).
		if s.Proto() != model.ProtoSCTP || s.Number() == model.SCTPNone {
			return ""
		}
		return "nf_conntrack_sctp_timeout_" + strings.ToLower(s.String())
	case model.ProtoDCCP:
		if s.Proto() != model.ProtoDCCP || s.Number() == model.DCCPNone || s.Number() >= model.DCCPIgnore {
			return ""
		}
		return "nf_conntrack_dccp_timeout_" + strings.ToLower(s.String())
	case model.ProtoUDP, model.ProtoUDPLite:
		if replied {
			return "nf_conntrack_udp_timeout_stream"
		}
		return "nf_conntrack_udp_timeout"
	case model.ProtoGRE:
		if replied {
			return "nf_conntrack_gre_timeout_stream"
		}
		return "nf_conntrack_gre_timeout"
	case model.ProtoICMP:
		return "nf_conntrack_icmp_timeout"
	case model.ProtoICMPv6:
		return "nf_conntrack_icmpv6_timeout"
	}
	return sysctlGeneric
}

// TimeoutFrom says where the timeout of a composition row comes from.
type TimeoutFrom uint8

// Where timeouts come from.
const (
	// FromNone: no timeout is known to apply: offloaded flows (the
	// flowtable keeps them), or flows whose state is unknown.
	FromNone TimeoutFrom = iota
	// FromSetting: the state's sysctl, and no flow's TTL is above it.
	FromSetting
	// FromCap: the kernel's cap below the state's setting: TCP flows
	// picked up mid-stream get at most nf_conntrack_tcp_timeout_unacknowledged.
	FromCap
	// FromTTLs: the flows' TTLs are above the setting of the namespace
	// they are in, so something else governs them (an nft ct timeout
	// policy, or the setting was lowered after their last packet): at
	// least the largest TTL.
	FromTTLs
	// FromRecorded: flows from a file or the demo, whose host's settings
	// are not known: at least the largest TTL. Setting is then this
	// host's, for comparison only.
	FromRecorded
	// FromPolicyOrSetting: TTLs no longer than what an nft ct timeout
	// policy of the namespace gives the state (Timeout, shorter than the
	// setting): that policy, if a rule attached it, or the setting for
	// flows idle for long; the TTLs cannot tell which.
	FromPolicyOrSetting
)

// StateShare is one row of the table's composition: the flows of a
// protocol in a state that one timeout governs, and where it comes from.
type StateShare struct {
	// Label names the row in the one state model's words: "tcp
	// ESTABLISHED", "udp REPLIED", "sctp COOKIE_WAIT", "tcp ESTABLISHED
	// (mid-stream)" (no reply seen: picked up mid-stream), "udp
	// (offloaded)".
	Label string
	Proto uint8
	State model.State
	Flows int
	Share float64
	// Offloaded rows are flows in a flowtable: no timeout applies.
	Offloaded bool
	// Sysctl names the state's timeout setting ("" if it has none);
	// Setting is its value where the settings were read, -1 if unknown
	// or absent on that kernel.
	Sysctl  string
	Setting int64
	// Timeout is the timeout that governs the row's flows, in seconds, -1
	// if unknown; AtLeast says it is a floor (the largest TTL seen), not
	// a value read. From says where it comes from; for FromCap, Cap names
	// the cap's setting; Policies name the nft ct timeout policies that
	// may govern the row (FromTTLs, FromPolicyOrSetting).
	Timeout  int64
	AtLeast  bool
	From     TimeoutFrom
	Cap      string
	Policies []string
	// MaxTTL is the largest TTL of the row's flows, -1 if none is known;
	// TTLs are the known TTLs, ascending.
	MaxTTL int64
	TTLs   []uint32
}

// Longer counts the row's flows with more than sec seconds left.
func (r *StateShare) Longer(sec int64) int { return longer(r.TTLs, sec) }

// longer counts the TTLs (ascending) above sec.
func longer(ttls []uint32, sec int64) int {
	switch {
	case sec < 0:
		return len(ttls)
	case sec >= math.MaxUint32:
		return 0
	}
	i, _ := slices.BinarySearch(ttls, uint32(sec)+1)
	return len(ttls) - i
}

// settingsOwn reports whether the settings are those of the flows' own
// table: read live in the flows' namespace, or recorded with them.
func (in *Input) settingsOwn() bool {
	return in.Settings.Known && (in.FlowsFrom == "" || !in.HostSettings)
}

// composition groups the flows by the timeout that governs them: a row
// per protocol and state, split where the flows' TTLs contradict the
// setting (TTLs above it: another timeout governs those), largest first.
func composition(in Input) []StateShare {
	c := composer{in: &in, own: in.settingsOwn()}
	for _, sf := range in.States {
		c.total += sf.Flows
	}
	if c.total == 0 {
		return nil
	}
	for i := range in.States {
		c.state(&in.States[i])
	}
	slices.SortStableFunc(c.out, func(a, b StateShare) int { return b.Flows - a.Flows })
	return c.out
}

// composer builds the rows of a composition.
type composer struct {
	in    *Input
	own   bool // the settings are the flows' own table's
	total int  // flows in every state
	out   []StateShare
}

// timeout is the setting name has here, -1 if none.
func (c *composer) timeout(name string) int64 {
	if v, ok := c.in.Settings.Timeouts[name]; ok && name != "" {
		return v
	}
	return -1
}

// add appends the row r of the flows whose TTLs (sorted) are ttls.
func (c *composer) add(r StateShare, ttls []uint32) {
	if r.Flows <= 0 {
		return
	}
	r.Share = float64(r.Flows) / float64(c.total)
	r.TTLs = ttls
	r.MaxTTL = -1
	if len(ttls) > 0 {
		r.MaxTTL = int64(ttls[len(ttls)-1])
	}
	if r.AtLeast {
		r.Timeout = r.MaxTTL
	}
	c.out = append(c.out, r)
}

// state adds the rows of one protocol and state: the flows its setting (or
// the kernel's cap) governs, those whose TTLs are above it, and those
// within a shorter policy's timeout.
func (c *composer) state(sf *StateFlows) {
	in := c.in
	name := TimeoutSysctl(sf.Proto, sf.State)
	r := StateShare{Label: stateLabel(sf), Proto: sf.Proto, State: sf.State, Flows: sf.Flows, Offloaded: sf.Offloaded,
		Sysctl: name, Setting: c.timeout(name), Timeout: -1}
	switch {
	case sf.Offloaded || sf.State == model.StateUnknown || name == "":
		r.From = FromNone
		c.add(r, sf.TTLs)
		return
	case !c.own:
		r.From, r.AtLeast = FromRecorded, len(sf.TTLs) > 0
		c.add(r, sf.TTLs)
		return
	}
	limit := r.Setting
	if sf.MidStream {
		if t := c.timeout(sysctlUnacknowledged); t >= 0 && (limit < 0 || t < limit) &&
			kernelAtLeast(in.Settings.KernelRelease, 5, 19) {
			limit, r.From, r.Cap = t, FromCap, sysctlUnacknowledged
		}
	}
	if limit < 0 {
		// No such setting here (DCCP after 6.16): the TTLs say.
		r.From, r.AtLeast = FromTTLs, len(sf.TTLs) > 0
		c.add(r, sf.TTLs)
		return
	}
	if r.From != FromCap {
		r.From = FromSetting
	}
	// TTLs above the limit: something longer governs those.
	i := len(sf.TTLs) - longer(sf.TTLs, limit)
	above := sf.TTLs[i:]
	if len(above) > 0 {
		hi := r
		hi.Flows, hi.From, hi.AtLeast, hi.Cap = len(above), FromTTLs, true, ""
		hi.Policies = policiesFor(in.Settings.Policies, sf.Proto, name, func(v int64) bool { return v >= int64(above[len(above)-1]) && v > limit })
		c.add(hi, above)
	}
	r.Flows -= len(above)
	r.Timeout = limit
	ttls := sf.TTLs[:i]
	// TTLs within a shorter policy's timeout: that policy, or the
	// setting for flows idle for long.
	short := policiesFor(in.Settings.Policies, sf.Proto, name, func(v int64) bool { return v < limit })
	if v := maxPolicy(in.Settings.Policies, short, name); v >= 0 {
		j := len(ttls) - longer(ttls, v)
		if j > 0 {
			lo := r
			lo.Flows, lo.From, lo.Timeout, lo.Cap, lo.Policies = j, FromPolicyOrSetting, v, "", short
			c.add(lo, ttls[:j])
			r.Flows -= j
			ttls = ttls[j:]
		}
	}
	c.add(r, ttls)
}

// stateLabel names a row: the protocol and the state, as the one state
// model words them, and why its flows are timed apart.
func stateLabel(sf *StateFlows) string {
	p := model.ProtoName(sf.Proto)
	switch {
	case sf.Offloaded:
		return p + " (offloaded)"
	case sf.State == model.StateUnknown:
		return p + " (state unknown)"
	case sf.MidStream:
		return p + " " + sf.State.String() + " (mid-stream)"
	}
	return p + " " + sf.State.String()
}

// policiesFor names the policies of protocol proto that set the timeout of
// sysctl name to a value keep accepts.
func policiesFor(ps []TimeoutPolicy, proto uint8, name string, keep func(int64) bool) []string {
	var out []string
	for _, p := range ps {
		if v, ok := p.Timeouts[name]; ok && p.Proto == proto && keep(v) {
			out = append(out, p.Name)
		}
	}
	return out
}

// maxPolicy returns the largest timeout of sysctl name among the named
// policies, -1 if none.
func maxPolicy(ps []TimeoutPolicy, names []string, name string) int64 {
	m := int64(-1)
	for _, p := range ps {
		if slices.Contains(names, p.Name) {
			m = max(m, p.Timeouts[name])
		}
	}
	return m
}

// policyText names policies and their value for sysctl name:
// "the nft ct timeout policy inet t long (1000000)".
func policyText(ps []TimeoutPolicy, names []string, name string) string {
	var parts []string
	for _, p := range ps {
		if slices.Contains(names, p.Name) {
			parts = append(parts, p.Name+" ("+strconv.FormatInt(p.Timeouts[name], 10)+")")
		}
	}
	if len(parts) == 1 {
		return "the nft ct timeout policy " + parts[0]
	}
	return "an nft ct timeout policy: " + strings.Join(parts, ", ")
}
