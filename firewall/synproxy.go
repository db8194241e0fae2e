package firewall

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/action"
)

// SynProxyParams are the TCP options SYNPROXY offers a client in its SYN
// cookie on the service's behalf. They must be what the service's own
// stack would offer, since the client keeps them for the whole connection:
// SynProxyFacts.Params reads them from the host. One set serves every port.
type SynProxyParams struct {
	// MSS4 and MSS6 are the maximum segment sizes offered to IPv4 and IPv6
	// clients, in bytes.
	MSS4, MSS6 uint16
	// WindowScaling says whether to offer window scaling, with factor
	// WScale (0 to 14).
	WindowScaling bool
	WScale        uint8
	// Timestamp and SACKPerm say whether to offer TCP timestamps and
	// selective acknowledgements. Without timestamps the cookie cannot
	// carry window scaling or SACK, and the kernel offers neither.
	Timestamp, SACKPerm bool
}

// validate checks the options: MSS from 536 (IPv4's minimum) or 1220
// (IPv6's) to 65495, a window scale up to 14. Errors wrap
// action.ErrInvalid.
func (p SynProxyParams) validate() error {
	switch {
	case p.MSS4 < 536 || p.MSS4 > 65495:
		return fmt.Errorf("%w: SYNPROXY MSS for IPv4 %d is outside 536 to 65495", action.ErrInvalid, p.MSS4)
	case p.MSS6 < 1220 || p.MSS6 > 65495:
		return fmt.Errorf("%w: SYNPROXY MSS for IPv6 %d is outside 1220 to 65495", action.ErrInvalid, p.MSS6)
	case p.WScale > 14:
		return fmt.Errorf("%w: SYNPROXY window scale %d is above 14", action.ErrInvalid, p.WScale)
	}
	return nil
}

// mss returns the MSS for family 4 or 6.
func (p SynProxyParams) mss(family uint8) uint16 {
	if family == 6 {
		return p.MSS6
	}
	return p.MSS4
}

// options returns the options of nft's synproxy statement for family 4 or
// 6: "mss 1460 wscale 7 timestamp sack-perm".
func (p SynProxyParams) options(family uint8) string {
	o := "mss " + strconv.Itoa(int(p.mss(family)))
	if p.WindowScaling {
		o += " wscale " + strconv.Itoa(int(p.WScale))
	}
	if p.Timestamp {
		o += " timestamp"
	}
	if p.SACKPerm {
		o += " sack-perm"
	}
	return o
}

// iptOptions returns the options of iptables' SYNPROXY target for family
// 4 or 6: "--sack-perm --timestamp --wscale 7 --mss 1460".
func (p SynProxyParams) iptOptions(family uint8) string {
	var o []string
	if p.SACKPerm {
		o = append(o, "--sack-perm")
	}
	if p.Timestamp {
		o = append(o, "--timestamp")
	}
	if p.WindowScaling {
		o = append(o, "--wscale "+strconv.Itoa(int(p.WScale)))
	}
	o = append(o, "--mss "+strconv.Itoa(int(p.mss(family))))
	return strings.Join(o, " ")
}

// synProxyNote says what SYNPROXY needs from the host; it goes into the
// texts. TestKernelSynProxy checks each claim on this kernel.
const synProxyNote = `SYNPROXY makes its own SYN cookies (net.ipv4.tcp_syncookies need not be on for it,
though ports without it have no other defence). It offers timestamps, window scaling
and SACK only where net.ipv4.tcp_timestamps and their own sysctls are on. The
handshake's last ACK must be "invalid" to conntrack to reach SYNPROXY: with
net.netfilter.nf_conntrack_tcp_loose=1 (the default) conntrack may pick it up as a
new flow, and that client's connection hangs; set it to 0 (then flows whose entries
were deleted are not picked up again either). cttop changes none of these settings.`
