package main

import (
	binenc "encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

var updateConformance = flag.Bool("update-conformance", false,
	"TestConformanceKernel: rewrite testdata/conformance with the captures of the table it makes (root)")

// conformanceFiles are the captures of one table, in TestConformanceKernel's
// order, by file name in testdata/conformance.
var conformanceFiles = []struct {
	file string
	args []string // the command (the first word "cttop" is the binary)
}{
	{"cttop-once.json", []string{"cttop", "--once", "--format", "json"}},
	{"conntrack-L-extended-id.txt", []string{"conntrack", "-L", "-o", "extended,id"}},
	{"proc-nf_conntrack.txt", []string{"cat", "/proc/net/nf_conntrack"}},
	{"conntrack-L.xml", []string{"conntrack", "-L", "-o", "xml,id"}},
	{"conntrack-L-save.txt", []string{"conntrack", "-L", "-o", "save"}},
	{"conntrack-L.txt", []string{"conntrack", "-L"}},
}

// TestConformanceKernel makes, in one namespace, a flow of every protocol
// and feature this kernel tracks, captures the table in every format
// within a second, and checks that cttop's live --once --format json and
// its replays of the captures agree field by field (conformanceCheck,
// which TestConformanceCaptures runs on the saved captures without root).
//
// The table: TCP by traffic (ESTABLISHED, TIME_WAIT, a SYN_SENT to a port
// that drops) and by ctnetlink in SYN_RECV, FIN_WAIT, CLOSE_WAIT, LAST_ACK
// and CLOSE; UDP replied and unreplied; UDP-Lite; ICMP and ICMPv6 echoes;
// SCTP (COOKIE_WAIT and ESTABLISHED); GRE; protocol 253 (generic); DCCP,
// which this kernel (6.18, without DCCP) tracks as a generic protocol;
// DNAT, SNAT and both by nft rules; zones of both directions, of the
// original and of the reply direction; marks; flows made before and after
// nf_conntrack_acct and nf_conntrack_timestamp were turned on (counters
// and timestamps off and on); the ftp helper (nft "ct helper set"); a
// label (nft "ct label set 5"). Not here: security contexts (no SELinux),
// offloaded flows (no flowtables in this kernel): the replay tests cover
// those from real output.
func TestConformanceKernel(t *testing.T) {
	netnstest.Require(t, "conntrack", "nft")
	bin := binary(t)
	ns := netnstest.New(t)
	keep := makeConformanceTable(t, ns)
	defer func() {
		for _, c := range keep {
			c.Close()
		}
	}()
	time.Sleep(1100 * time.Millisecond) // ages of a second: delta-time=1

	caps := map[string][]byte{}
	start := time.Now()
	for _, c := range conformanceFiles {
		name, args := c.args[0], c.args[1:]
		if name == "cttop" {
			name, args = bin, append([]string{"--netns", ns.Name}, args...)
		}
		cmd := ns.Command(name, args...)
		if name == bin {
			cmd = exec.Command(bin, args...) // cttop enters the namespace itself
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(c.args, " "), err)
		}
		caps[c.file] = out
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Logf("captures took %v: timeouts may differ by a second more", d)
	}
	if *updateConformance {
		dir := filepath.Join("testdata", "conformance")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range caps {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	conformanceCheck(t, caps)
}

// makeConformanceTable fills ns and returns the sockets that keep its
// connections open.
func makeConformanceTable(t *testing.T, ns *netnstest.NS) []io.Closer {
	t.Helper()
	// Counters and timestamps off first.
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "0")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_timestamp", "0")
	for _, args := range [][]string{
		{"-p", "tcp", "-s", "192.0.2.1", "-d", "198.51.100.1", "--sport", "41000", "--dport", "443", "--state", "SYN_RECV", "-t", "60", "-u", "SEEN_REPLY"},
		{"-p", "udp", "-s", "192.0.2.2", "-d", "198.51.100.53", "--sport", "5353", "--dport", "53", "-t", "30", "-m", "42"},
		{"-p", "icmp", "-s", "192.0.2.3", "-d", "198.51.100.1", "--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "7", "-t", "30"},
	} {
		ns.Run(t, "conntrack", append([]string{"-I"}, args...)...)
	}
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "1")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_timestamp", "1")
	for _, args := range [][]string{
		{"-p", "tcp", "-s", "192.0.2.10", "-d", "198.51.100.1", "--sport", "41001", "--dport", "80", "--state", "FIN_WAIT", "-t", "120", "-u", "SEEN_REPLY,ASSURED"},
		{"-p", "tcp", "-s", "192.0.2.11", "-d", "198.51.100.1", "--sport", "41002", "--dport", "80", "--state", "CLOSE_WAIT", "-t", "120", "-u", "SEEN_REPLY,ASSURED", "-m", "7"},
		{"-p", "tcp", "-s", "192.0.2.12", "-d", "198.51.100.1", "--sport", "41003", "--dport", "80", "--state", "LAST_ACK", "-t", "30", "-u", "SEEN_REPLY,ASSURED"},
		{"-p", "tcp", "-s", "192.0.2.13", "-d", "198.51.100.1", "--sport", "41004", "--dport", "80", "--state", "CLOSE", "-t", "10", "-u", "SEEN_REPLY"},
		{"-p", "tcp", "-s", "2001:db8::1", "-d", "2001:db8::2", "--sport", "41005", "--dport", "443", "--state", "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED", "-w", "5"},
		{"-p", "udplite", "-s", "192.0.2.20", "-d", "198.51.100.2", "--sport", "1000", "--dport", "2000", "-t", "30", "-u", "SEEN_REPLY"},
		{"-p", "icmpv6", "-s", "2001:db8::1", "-d", "2001:db8::3", "--icmpv6-type", "128", "--icmpv6-code", "0", "--icmpv6-id", "9", "-t", "30"},
		{"-p", "sctp", "-s", "192.0.2.22", "-d", "198.51.100.10", "--sport", "36002", "--dport", "38412", "--state", "COOKIE_WAIT", "--orig-vtag", "1", "--reply-vtag", "2", "-t", "30", "-u", "UNSET"},
		{"-p", "sctp", "-s", "192.0.2.23", "-d", "198.51.100.10", "--sport", "36003", "--dport", "38412", "--state", "ESTABLISHED", "--orig-vtag", "3", "--reply-vtag", "4", "-t", "210", "-u", "SEEN_REPLY,ASSURED"},
		{"-p", "gre", "-s", "192.0.2.30", "-d", "198.51.100.30", "--srckey", "1", "--dstkey", "2", "-t", "100", "-u", "SEEN_REPLY"},
		{"-p", "253", "-s", "192.0.2.31", "-d", "198.51.100.31", "-t", "100", "-u", "SEEN_REPLY"},
		{"-p", "dccp", "-s", "192.0.2.32", "-d", "198.51.100.32", "--sport", "5", "--dport", "6", "--state", "OPEN", "--role", "client", "-t", "100", "-u", "SEEN_REPLY"},
	} {
		ns.Run(t, "conntrack", append([]string{"-I"}, args...)...)
	}
	// Rules: zones of one direction and of both (before conntrack), a
	// helper and a label (after it), DNAT, SNAT and both, a mark, a drop
	// on input (after the flow is confirmed) that leaves a SYN_SENT.
	ns.NFT(t, `table inet conf {
	ct helper ftph { type "ftp" protocol tcp; }
	chain pre {
		type filter hook output priority -300;
		udp dport 6000 ct original zone set 7
		udp dport 6001 ct reply zone set 9
		udp dport 6003 ct zone set 11
	}
	chain late {
		type filter hook output priority 0;
		udp dport 6002 ct label set 5
		tcp dport 2122 ct helper set "ftph"
		udp dport 6004 ct mark set 0x10
	}
	chain in {
		type filter hook input priority 0;
		tcp dport 7999 drop
	}
}
table ip confnat {
	chain out { type nat hook output priority -100; tcp dport 8081 dnat to 127.0.0.1:8080; tcp dport 8082 dnat to 127.0.0.1:8080; }
	chain post {
		type nat hook postrouting priority 100;
		ip daddr 127.0.0.3 udp dport 9999 snat to 127.0.0.2
		meta l4proto tcp ct original proto-dst 8082 snat to 127.0.0.2
	}
}`)
	var keep []io.Closer
	ns.Do(t, func() {
		var err error
		if keep, err = conformanceTraffic(); err != nil {
			t.Fatal(err)
		}
	})
	return keep
}

// conformanceTraffic makes the flows that need packets, inside the
// namespace; the sockets it returns keep the connections open.
func conformanceTraffic() ([]io.Closer, error) {
	var keep []io.Closer
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "127.0.0.1:2122"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return keep, err
		}
		keep = append(keep, ln)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { io.Copy(c, c); c.Close() }()
			}
		}()
	}
	echo := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		msg := []byte("conformance")
		if _, err := c.Write(msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, make([]byte, len(msg)))
		return err
	}
	// TCP: ESTABLISHED (plain, DNAT, DNAT+SNAT, IPv6, to the ftp helper)
	// and one closed first by the client (TIME_WAIT).
	for i, addr := range []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082", "[::1]:8080", "127.0.0.1:2122", "127.0.0.1:8080"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return keep, err
		}
		if err := echo(c); err != nil {
			return keep, fmt.Errorf("tcp %s: %w", addr, err)
		}
		if i == 5 {
			c.Close()
			time.Sleep(200 * time.Millisecond)
			continue
		}
		keep = append(keep, c)
	}
	// SYN_SENT: a SYN the rules drop.
	d := net.Dialer{Timeout: 300 * time.Millisecond}
	if c, err := d.Dial("tcp", "127.0.0.1:7999"); err == nil {
		c.Close()
	}
	// UDP: through SNAT with an echo server; one datagram each to the zone,
	// label and mark ports (no listener: unreplied).
	srv, err := net.ListenPacket("udp", "127.0.0.3:9999")
	if err != nil {
		return keep, err
	}
	keep = append(keep, srv)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			srv.WriteTo(buf[:n], from)
		}
	}()
	u, err := net.Dial("udp", "127.0.0.3:9999")
	if err != nil {
		return keep, err
	}
	keep = append(keep, u)
	if err := echo(u); err != nil {
		return keep, fmt.Errorf("udp: %w", err)
	}
	for _, port := range []string{"6000", "6001", "6002", "6003", "6004"} {
		c, err := net.Dial("udp", "127.0.0.1:"+port)
		if err != nil {
			return keep, err
		}
		c.Write([]byte("x"))
		c.Close()
	}
	if err := conformancePing("ip4:icmp", "0.0.0.0", "127.0.0.1", 8, 0x4242); err != nil {
		return keep, err
	}
	return keep, conformancePing("ip6:ipv6-icmp", "::", "::1", 128, 0x4343)
}

// conformancePing sends one echo request of type typ and waits for the
// reply.
func conformancePing(network, local, addr string, typ byte, id uint16) error {
	c, err := net.ListenPacket(network, local)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{typ, 0, 0, 0, byte(id >> 8), byte(id), 0, 1, 'p', 'i', 'n', 'g'}
	if typ == 8 { // the kernel checksums ICMPv6 itself
		var sum uint32
		for i := 0; i < len(msg); i += 2 {
			sum += uint32(binenc.BigEndian.Uint16(msg[i:]))
		}
		sum = sum>>16 + sum&0xffff
		sum += sum >> 16
		binenc.BigEndian.PutUint16(msg[2:], ^uint16(sum))
	}
	if _, err := c.WriteTo(msg, &net.IPAddr{IP: net.ParseIP(addr)}); err != nil {
		return err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("ping %s: %w", addr, err)
		}
		if n >= 8 && (buf[0] == 0 || buf[0] == 129) && binenc.BigEndian.Uint16(buf[4:]) == id {
			return nil
		}
	}
}
