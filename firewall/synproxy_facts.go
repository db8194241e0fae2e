package firewall

import (
	"fmt"
	"math/bits"
	"strconv"
)

// SynProxyFacts are the settings of a network namespace that SYNPROXY
// depends on, read by ReadSynProxyFacts (or filled in by any other
// reader). A sysctl that could not be read is -1: unknown.
type SynProxyFacts struct {
	SynCookies    int // net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue overflows, 2 always
	Timestamps    int // net.ipv4.tcp_timestamps: 0 off, 1 or 2 on
	SACK          int // net.ipv4.tcp_sack: 0 off, 1 on
	WindowScaling int // net.ipv4.tcp_window_scaling: 0 off, 1 on
	TCPLoose      int // net.netfilter.nf_conntrack_tcp_loose: 1 picks up flows mid-stream
	TCPRmemMax    int // the third (maximum) field of net.ipv4.tcp_rmem, bytes
	CoreRmemMax   int // net.core.rmem_max, bytes
	// MTU is the smallest MTU of the namespace's interfaces that are up,
	// loopback aside, and MTUDevice the interface that has it; 0 and ""
	// without such an interface.
	MTU       int
	MTUDevice string
}

// Params returns the options SYNPROXY should offer, as this host's TCP
// stack would offer them itself:
//
//   - MSS4 = MTU - 40 and MSS6 = MTU - 60 (the IPv4 or IPv6 header and the
//     TCP header, without options), from the smallest MTU of the
//     interfaces that are up: the MSS the kernel announces on that
//     interface. A route with a smaller MTU of its own is not seen.
//   - WScale = max(tcp_rmem[2], rmem_max) as a power of two, minus 15,
//     between 0 and 14: the window scale the kernel announces
//     (tcp_select_initial_window in net/ipv4/tcp_output.c) for a socket
//     that did not set SO_RCVBUF; a service that sets a smaller receive
//     buffer announces less, and SYNPROXY cannot know.
//   - Timestamp if tcp_timestamps is on; window scaling and SACK if their
//     sysctls are on and timestamps too, since SYN cookies carry them in
//     the timestamp (the kernel refuses a cookie that claims an option its
//     sysctl turns off).
//
// Its error says what is missing (no interface up besides loopback, a
// setting that could not be read).
func (f SynProxyFacts) Params() (SynProxyParams, error) {
	switch {
	case f.MTU < 1280:
		if f.MTU == 0 {
			return SynProxyParams{}, fmt.Errorf("no interface is up besides loopback: cannot tell SYNPROXY's MSS")
		}
		return SynProxyParams{}, fmt.Errorf("MTU %d of %s is below 1280: cannot tell SYNPROXY's MSS", f.MTU, f.MTUDevice)
	case f.Timestamps < 0 || f.SACK < 0 || f.WindowScaling < 0 || f.TCPRmemMax < 0:
		return SynProxyParams{}, fmt.Errorf("the TCP settings of the namespace could not be read")
	}
	p := SynProxyParams{
		MSS4:      uint16(min(f.MTU-40, 65495)),
		MSS6:      uint16(min(f.MTU-60, 65495)),
		Timestamp: f.Timestamps > 0,
	}
	p.SACKPerm = p.Timestamp && f.SACK > 0
	p.WindowScaling = p.Timestamp && f.WindowScaling > 0
	if p.WindowScaling {
		space := uint32(max(f.TCPRmemMax, f.CoreRmemMax, 1))
		p.WScale = uint8(min(max(bits.Len32(space)-1-15, 0), 14))
	}
	return p, nil
}

// SynProxyCheck is one setting SYNPROXY depends on, for the dialog.
type SynProxyCheck struct {
	Setting string // such as "net.ipv4.tcp_syncookies"
	Value   string // as read, or "unknown"
	OK      bool   // whether SYNPROXY works as cttop sets it up with this value
	Note    string // what the value means for SYNPROXY
}

// String returns "net.ipv4.tcp_syncookies = 1: ok, SYN cookies on".
func (c SynProxyCheck) String() string {
	verdict := "ok"
	if !c.OK {
		verdict = "PROBLEM"
	}
	return c.Setting + " = " + c.Value + ": " + verdict + ", " + c.Note
}

// Checks returns the settings SYNPROXY depends on and whether each is as
// it needs: tcp_timestamps on (for the options), nf_conntrack_tcp_loose
// off; tcp_syncookies is reported, though SYNPROXY makes its own cookies.
// cttop changes none of them; the notes say what to run.
func (f SynProxyFacts) Checks() []SynProxyCheck {
	value := func(v int) string {
		if v < 0 {
			return "unknown"
		}
		return strconv.Itoa(v)
	}
	cookies := SynProxyCheck{"net.ipv4.tcp_syncookies", value(f.SynCookies), true,
		"SYN cookies on for every port"}
	if f.SynCookies <= 0 {
		cookies.Note = "SYN cookies off or unknown: SYNPROXY makes its own, but other ports have no defence " +
			"against SYN floods (sysctl -w net.ipv4.tcp_syncookies=1)"
	}
	stamps := SynProxyCheck{"net.ipv4.tcp_timestamps", value(f.Timestamps), f.Timestamps > 0,
		"timestamps on: SYNPROXY's cookie carries window scaling and SACK"}
	if !stamps.OK {
		stamps.Note = "timestamps off or unknown: SYNPROXY offers no window scaling or SACK, so clients " +
			"get small windows (sysctl -w net.ipv4.tcp_timestamps=1)"
	}
	loose := SynProxyCheck{"net.netfilter.nf_conntrack_tcp_loose", value(f.TCPLoose), f.TCPLoose == 0,
		"off: the handshake's last ACK is invalid to conntrack and reaches SYNPROXY"}
	if !loose.OK {
		loose.Note = "conntrack may pick the handshake's last ACK up as a new flow, and that client's " +
			"connection hangs (sysctl -w net.netfilter.nf_conntrack_tcp_loose=0; then flows whose " +
			"entries are deleted are not picked up again either)"
	}
	return []SynProxyCheck{cookies, stamps, loose}
}
