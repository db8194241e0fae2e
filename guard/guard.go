package guard

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

var loopbacks = [...]netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// DefaultSSHPort is the port assumed for sshd when no listening sshd is
// found in the namespace acted on.
const DefaultSSHPort = 22

// Guard checks rule targets against what would cut off the operator or
// the host, for one network namespace: the one being acted on.
type Guard struct {
	// Operator is where the person running cttop comes from (FindOperator).
	Operator Operator
	// NetNS is the inode of the namespace acted on (0: unknown), to say
	// when the operator's SSH server runs in another one.
	NetNS uint64
	// Local are the namespace's own addresses.
	Local []netip.Addr
	// SSHPorts are the TCP ports sshd listens on in that namespace
	// (ListeningSSH); empty means DefaultSSHPort.
	SSHPorts []uint16
}

// Warning is one reason a target would lock the operator out or break the
// host. Every Warning needs a typed confirmation.
type Warning struct {
	// Text says what would happen, for the dialog: "10.0.0.5 is the address
	// your SSH session comes from: you would lock yourself out".
	Text string
	// Evidence names how cttop knows ("TCP peer of sshd (pid 812), ...",
	// "utmp login record of pts/0", "SSH_CONNECTION", "loopback",
	// "address of this namespace").
	Evidence []string
}

// String is the text with its evidence: "TEXT (found by: A; B)".
func (w Warning) String() string {
	if len(w.Evidence) == 0 {
		return w.Text
	}
	return w.Text + " (found by: " + strings.Join(w.Evidence, "; ") + ")"
}

// normalize unmaps an IPv4-mapped prefix (one shorter than /96 maps no
// IPv4 network and is left as it is) and masks it.
func normalize(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// Check returns the warnings for dropping or untracking the traffic of
// address or network p: it contains an address the operator's session
// comes from or connects to, a loopback address, or an address of the
// namespace. None means it looks safe. IPv4-mapped forms count as IPv4.
func (g *Guard) Check(p netip.Prefix) []Warning {
	if !p.IsValid() {
		return nil
	}
	p = normalize(p)
	var out []Warning
	for _, peer := range g.Operator.Peers {
		if p.Contains(peer.Client) {
			out = append(out, Warning{
				Text:     what(p, peer.Client) + " your SSH session comes from" + g.elsewhere(peer) + ": you would lock yourself out",
				Evidence: peer.Evidence,
			})
		}
	}
	for _, lo := range loopbacks {
		if p.Overlaps(lo) {
			out = append(out, Warning{
				Text:     prefixString(p) + " overlaps loopback " + prefixString(lo) + ": local programs would stop reaching each other",
				Evidence: []string{"loopback"},
			})
		}
	}
	for _, peer := range g.Operator.Peers {
		if s := peer.Server; s.IsValid() && p.Contains(s) && !slices.Contains(g.Local, s) {
			out = append(out, Warning{
				Text:     what(p, s) + " your SSH session connects to" + g.elsewhere(peer) + ": you would lock yourself out",
				Evidence: peer.Evidence,
			})
		}
	}
	for _, a := range g.Local {
		if a = a.Unmap().WithZone(""); a.IsValid() && p.Contains(a) {
			out = append(out, Warning{
				Text:     what(p, a) + " of this host: the host would stop reaching itself",
				Evidence: []string{"address of the namespace acted on"},
			})
			break
		}
	}
	return out
}

// elsewhere says so when the SSH server of a session runs in another
// namespace than the one acted on.
func (g *Guard) elsewhere(peer Peer) string {
	if peer.NetNS != 0 && g.NetNS != 0 && peer.NetNS != g.NetNS {
		return " (to an SSH server in network namespace " + strconv.FormatUint(peer.NetNS, 10) + ")"
	}
	return ""
}

// CheckTarget returns the warnings for a rule: Check for an address or
// network, CheckService for a local service.
func (g *Guard) CheckTarget(t action.Target) []Warning {
	if t.IsService() {
		return g.checkService(t.Action, t.Proto, t.Port)
	}
	return g.Check(t.Addr)
}

// CheckService returns the warnings for untracking the local service
// proto/port: the port of the operator's SSH session, or a port sshd
// listens on in the namespace, whose packets a ruleset that accepts only
// established traffic would then drop.
func (g *Guard) CheckService(proto uint8, port uint16) []Warning {
	return g.checkService(action.NoTrack, proto, port)
}

// checkService is CheckService for NOTRACK or SYNPROXY (which untracks
// the SYNs of new sessions and answers them itself: the sessions under way
// go on, new ones need it to work).
func (g *Guard) checkService(kind action.Kind, proto uint8, port uint16) []Warning {
	if proto != model.ProtoTCP {
		return nil
	}
	p := "tcp port " + strconv.Itoa(int(port))
	risk := map[bool]string{
		true:  "if your ruleset accepts only established traffic, untracking it",
		false: "under SYNPROXY every new SSH session depends on it working (those under way go on); if it fails, it",
	}[kind != action.SynProxy]
	for _, peer := range g.Operator.Peers {
		if peer.Port == port {
			return []Warning{{Text: p + " carries your SSH session: " + risk + " locks you out", Evidence: peer.Evidence}}
		}
	}
	if slices.Contains(g.sshPorts(), port) {
		return []Warning{{
			Text:     "sshd listens on " + p + " here: " + risk + " cuts off SSH to this host",
			Evidence: []string{"listening sshd of the namespace acted on"},
		}}
	}
	return nil
}

// Ports returns the ports sshd listens on in the namespace, DefaultSSHPort
// when none was found.
func (g *Guard) Ports() []uint16 { return g.sshPorts() }

func (g *Guard) sshPorts() []uint16 {
	if len(g.SSHPorts) == 0 {
		return []uint16{DefaultSSHPort}
	}
	return g.SSHPorts
}

// what starts a warning: "10.0.0.5 is the address" or
// "10.0.0.0/24 contains 10.0.0.5, the address".
func what(p netip.Prefix, a netip.Addr) string {
	if p.IsSingleIP() {
		return a.String() + " is the address"
	}
	return prefixString(p) + " contains " + a.String() + ", the address"
}

// prefixString formats p, leaving out the length of a single address.
func prefixString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}
