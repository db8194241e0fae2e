package firewall

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

var loopbacks = [...]netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// sshSession returns the addresses and port of the operator's SSH session
// from SSH_CONNECTION ("client port server port") or, failing that,
// SSH_CLIENT ("client port serverport"). Missing parts are zero.
func sshSession(env func(string) string) (client, server netip.Addr, port uint16) {
	if f := strings.Fields(env("SSH_CONNECTION")); len(f) == 4 {
		client, server = parseAddr(f[0]), parseAddr(f[2])
		if n, err := strconv.ParseUint(f[3], 10, 16); err == nil {
			port = uint16(n)
		}
		return client, server, port
	}
	if f := strings.Fields(env("SSH_CLIENT")); len(f) == 3 {
		client = parseAddr(f[0])
		if n, err := strconv.ParseUint(f[2], 10, 16); err == nil {
			port = uint16(n)
		}
	}
	return client, server, port
}

// parseAddr parses an address, unmapped and without zone; the zero Addr
// if s is not one.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// Danger says why dropping or untracking addr could lock the operator out
// or break the host, or returns "" if it looks safe. It flags the
// operator's own address from SSH_CONNECTION or SSH_CLIENT (read with env,
// such as os.Getenv), the SSH server's address, loopback addresses and the
// host's own addresses (local, such as from LocalAddrs), and any network
// that contains one of them. IPv4-mapped forms count as IPv4.
func Danger(addr netip.Prefix, env func(string) string, local []netip.Addr) string {
	t, err := Source(Drop, addr).Normalize()
	if err != nil {
		return ""
	}
	p := t.Addr
	client, server, _ := sshSession(env)
	if client.IsValid() && p.Contains(client) {
		return what(p, client) + " your SSH session comes from (SSH_CONNECTION): you would lock yourself out"
	}
	for _, lo := range loopbacks {
		if p.Overlaps(lo) {
			return prefixString(p) + " overlaps loopback " + prefixString(lo) + ": local programs would stop reaching each other"
		}
	}
	if server.IsValid() && p.Contains(server) {
		return what(p, server) + " your SSH session connects to: you would lock yourself out"
	}
	for _, a := range local {
		if a = a.Unmap().WithZone(""); a.IsValid() && p.Contains(a) {
			return what(p, a) + " of this host: the host would stop reaching itself"
		}
	}
	return ""
}

// what starts a danger message: "10.0.0.5 is the address" or
// "10.0.0.0/24 contains 10.0.0.5, the address".
func what(p netip.Prefix, a netip.Addr) string {
	if p.IsSingleIP() {
		return a.String() + " is the address"
	}
	return prefixString(p) + " contains " + a.String() + ", the address"
}

// ServiceDanger says why untracking the local service proto/port could lock
// the operator out, or returns "" if it looks safe: it flags the port of
// the operator's SSH session (from SSH_CONNECTION or SSH_CLIENT), whose
// packets a ruleset that accepts only established traffic would drop.
func ServiceDanger(proto uint8, port uint16, env func(string) string) string {
	if _, _, sshPort := sshSession(env); proto == model.ProtoTCP && sshPort != 0 && port == sshPort {
		return "tcp port " + strconv.Itoa(int(port)) + " carries your SSH session: if your ruleset accepts only " +
			"established traffic, untracking it locks you out"
	}
	return ""
}

// LocalAddrs returns the addresses of the interfaces of the calling
// thread's network namespace, unmapped and without zones.
func LocalAddrs() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list local addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, addr.Unmap())
		}
	}
	return out, nil
}
