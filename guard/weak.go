package guard

import (
	"net/netip"
	"slices"

	"github.com/cttop/cttop/model"
)

// SSHClients returns the source addresses of the ESTABLISHED TCP flows to
// a local sshd among flows: the reply comes from one of the SSH ports (so
// a DNAT to this host counts) and, when the namespace's addresses are
// known, from one of them. That is weak evidence: during an SSH brute
// force every attacker has such a flow, so it is counted, never a reason
// to demand a typed confirmation.
func (g *Guard) SSHClients(flows func(yield func(*model.Flow) bool)) map[netip.Addr]bool {
	ports := g.sshPorts()
	local := map[netip.Addr]bool{}
	for _, a := range g.Local {
		local[a.Unmap().WithZone("")] = true
	}
	out := map[netip.Addr]bool{}
	for f := range flows {
		if s, ok := f.State(); f.Proto != model.ProtoTCP || !ok || s != model.TCPState(model.TCPEstablished) {
			continue
		}
		if !slices.Contains(ports, f.Reply.SrcPort) || (len(local) > 0 && !local[f.Reply.Src.In(f.Family)]) {
			continue
		}
		out[f.Orig.Src.In(f.Family)] = true
	}
	return out
}

// CountSSH returns how many of the targets contain at least one of the
// clients (SSHClients), and those targets.
func CountSSH(targets []netip.Prefix, clients map[netip.Addr]bool) (int, []netip.Prefix) {
	var hit []netip.Prefix
	for _, t := range targets {
		t = normalize(t)
		if t.IsSingleIP() {
			if clients[t.Addr()] {
				hit = append(hit, t)
			}
			continue
		}
		for c := range clients {
			if t.Contains(c) {
				hit = append(hit, t)
				break
			}
		}
	}
	return len(hit), hit
}
