package firewall

import (
	"bufio"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// synFlood sends TCP SYNs with forged IPv4 sources from ns to dst:port
// through a raw socket, about rate per second, until stop is called; it
// returns how many it sent. Sources are random addresses of 198.18.0.0/15,
// which the victim routes back to ns (where they are not local, and ns
// does not forward: the SYN-ACKs die there, unanswered).
func synFlood(t *testing.T, ns *netnstest.NS, dst net.IP, port uint16, rate int) (stop func() int) {
	t.Helper()
	fd := -1
	err := inNS(t, ns, func() (err error) {
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW) // IP_HDRINCL implied
		return err
	})
	if err != nil {
		t.Fatalf("raw socket in %s: %v", ns.Name, err)
	}
	var sent atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		r := rand.New(rand.NewPCG(7, 7))
		to := &unix.SockaddrInet4{}
		copy(to.Addr[:], dst.To4())
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for range rate / 100 {
				src := [4]byte{198, 18 + byte(r.IntN(2)), byte(r.IntN(256)), byte(1 + r.IntN(254))}
				pkt := synPacket(src, [4]byte(dst.To4()), uint16(1024+r.IntN(60000)), port, r.Uint32())
				if unix.Sendto(fd, pkt, 0, to) == nil {
					sent.Add(1)
				}
			}
		}
	})
	var once sync.Once
	stop = func() int {
		once.Do(func() {
			close(done)
			wg.Wait()
			unix.Close(fd)
		})
		return int(sent.Load())
	}
	t.Cleanup(func() { stop() })
	return stop
}

// synPacket returns an IPv4 packet holding a TCP SYN (with an MSS option).
func synPacket(src, dst [4]byte, sport, dport uint16, seq uint32) []byte {
	p := make([]byte, 20+24)
	ip, tcp := p[:20], p[20:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(p)))
	ip[8], ip[9] = 64, unix.IPPROTO_TCP
	copy(ip[12:16], src[:])
	copy(ip[16:20], dst[:])
	binary.BigEndian.PutUint16(tcp[0:], sport)
	binary.BigEndian.PutUint16(tcp[2:], dport)
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12] = 6 << 4 // header length: 24 bytes
	tcp[13] = tcpSYN
	binary.BigEndian.PutUint16(tcp[14:], 64240)
	copy(tcp[20:], []byte{2, 4, 0x05, 0xb4}) // MSS 1460
	// The checksum covers a pseudo-header: addresses, protocol, length.
	sum := uint32(0)
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
	}
	add(src[:])
	add(dst[:])
	sum += unix.IPPROTO_TCP + uint32(len(tcp))
	add(tcp)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(tcp[16:], ^uint16(sum))
	return p
}

// halfOpen counts the server's conntrack entries of TCP flows in state
// SYN_SENT (a SYN seen, no answer yet) and SYN_RECV (answered).
func halfOpen(t *testing.T, ns *netnstest.NS) (synSent, synRecv int) {
	t.Helper()
	out, err := ns.Command("conntrack", "-L", "-p", "tcp").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		switch f := strings.Fields(line); {
		case len(f) < 4:
		case f[3] == "SYN_SENT":
			synSent++
		case f[3] == "SYN_RECV":
			synRecv++
		}
	}
	return synSent, synRecv
}

// serveHello listens on addr inside ns and writes "hello\n" to every
// connection: a client that reads it went through to the service, not
// only through SYNPROXY's handshake.
func serveHello(t *testing.T, ns *netnstest.NS, addr string) {
	t.Helper()
	var ln net.Listener
	if err := inNS(t, ns, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatalf("listen in %s: %v", ns.Name, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello\n"))
			c.Close()
		}
	}()
}

// hello connects from ns to addr and reads the service's greeting.
func hello(t *testing.T, ns *netnstest.NS, addr string) error {
	t.Helper()
	return inNS(t, ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = bufio.NewReader(c).ReadString('\n')
		return err
	})
}

// TestKernelSynProxy floods a server's port with SYNs from forged sources:
// before, half-open entries fill its conntrack table (SYN_RECV with SYN
// cookies on, SYN_SENT once the backlog is full without); after Apply puts
// the port under SYNPROXY (options read from the server's namespace), they
// stop growing, SYNPROXY's counter counts the SYNs, and legitimate clients
// still talk to the service, through a ruleset of the user's own that drops
// untracked and invalid packets. SYNPROXY works with tcp_syncookies off and
// offers no options with tcp_timestamps off (what synProxyNote says).
func TestKernelSynProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sysctls []string // pairs of key and value for the server
		options string   // of the IPv4 synproxy statement
	}{
		{"defaults", nil, "mss 1460 wscale "},
		{"no syncookies, no timestamps", []string{"net.ipv4.tcp_syncookies", "0", "net.ipv4.tcp_timestamps", "0"}, "mss 1460"},
	} {
		t.Run(tc.name, func(t *testing.T) { synProxyFlood(t, tc.sysctls, tc.options) })
	}
}

func synProxyFlood(t *testing.T, sysctls []string, options string) {
	netnstest.Require(t, "conntrack")
	server, attacker, client := netnstest.New(t), netnstest.NewBare(t), netnstest.NewBare(t)
	netnstest.Veth(t, server, "10.97.0.1/24", attacker, "10.97.0.2/24")
	netnstest.Veth(t, server, "10.96.0.1/24", client, "10.96.0.2/24")
	server.Run(t, "ip", "route", "add", "198.18.0.0/15", "via", "10.97.0.2")
	server.Sysctl(t, "net.netfilter.nf_conntrack_tcp_loose", "0")
	for i := 0; i+1 < len(sysctls); i += 2 {
		server.Sysctl(t, sysctls[i], sysctls[i+1])
	}
	server.NFT(t, `table inet usr {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid,untracked drop
		iif lo accept
		tcp dport 8080 ct state new accept
	}
}`)
	serveHello(t, server, "0.0.0.0:8080")
	deadline := time.Now().Add(5 * time.Second)
	for hello(t, client, "10.96.0.1:8080") != nil {
		if time.Now().After(deadline) {
			t.Fatal("veth not ready")
		}
	}

	facts, err := ReadSynProxyFacts(int(server.Open(t).Fd()))
	if err != nil {
		t.Fatalf("ReadSynProxyFacts: %v", err)
	}
	params, err := facts.Params()
	if err != nil || facts.MTU != 1500 || params.MSS6 != 1440 || facts.TCPLoose != 0 ||
		!strings.HasPrefix(params.options(4), options) || (options == "mss 1460") != (params.options(4) == options) {
		t.Fatalf("facts %+v, params %q, %v; want MTU 1500, IPv6 MSS 1440, tcp_loose 0 as set, options %q",
			facts, params.options(4), err, options)
	}
	t.Logf("facts %+v: %s", facts, params.options(4))

	stop := synFlood(t, attacker, net.ParseIP("10.97.0.1"), 8080, 2000)
	time.Sleep(time.Second)
	sent1, recv1 := halfOpen(t, server)
	time.Sleep(time.Second)
	sent2, recv2 := halfOpen(t, server)
	if sent2+recv2 < sent1+recv1+500 || (facts.SynCookies > 0 && recv2 < recv1+500) {
		t.Fatalf("half-open entries (SYN_SENT+SYN_RECV) %d+%d, a second later %d+%d: the flood does not fill the table",
			sent1, recv1, sent2, recv2)
	}

	fw := openFW(t, server)
	target := action.SynProxyService(8080)
	if err := fw.Apply(Plan{Targets: []action.Target{target}, Duration: time.Hour, SynProxy: params}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	sent3, recv3 := halfOpen(t, server)
	time.Sleep(1500 * time.Millisecond)
	sent4, recv4 := halfOpen(t, server)
	if sent4+recv4 > sent3+recv3 {
		t.Errorf("half-open entries still grow under SYNPROXY: %d+%d then %d+%d", sent3, recv3, sent4, recv4)
	}
	for i := range 3 {
		if err := hello(t, client, "10.96.0.1:8080"); err != nil {
			t.Fatalf("client %d cannot talk to the service under SYNPROXY during the flood: %v", i+1, err)
		}
	}
	sent := stop()
	es, err := fw.List()
	if err != nil || len(es) != 1 || es[0].Target != target || !es[0].Counter.Known {
		t.Fatalf("List = %+v, %v; want %s counted", es, err, target)
	}
	t.Logf("SYN_SENT+SYN_RECV before: %d+%d, %d+%d; under SYNPROXY: %d+%d, %d+%d; %d SYNs sent, %d counted by SYNPROXY's entry",
		sent1, recv1, sent2, recv2, sent3, recv3, sent4, recv4, sent, es[0].Counter.Packets)
	if es[0].Counter.Packets < 1000 {
		t.Errorf("SYNPROXY's entry counted %d SYNs, want the flood's (about 2000 a second)", es[0].Counter.Packets)
	}
}

// TestKernelSynProxyEntries checks the life of SYNPROXY entries: List
// reports them with their timeouts, applying again refreshes both sets,
// Remove takes a port out of both, a port cannot be both untracked and
// under SYNPROXY, and a SYNPROXY chain changed by hand is a conflict.
func TestKernelSynProxyEntries(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	params := SynProxyParams{MSS4: 1460, MSS6: 1440, WindowScaling: true, WScale: 7, Timestamp: true, SACKPerm: true}
	ports := func(set string) string {
		t.Helper()
		out := expiresRE.ReplaceAllString(ns.Run(t, "nft", "list", "set", "inet", TableName, set), "")
		m := elementsRE.FindStringSubmatch(out)
		if m == nil {
			return ""
		}
		return strings.Join(strings.Fields(countersRE.ReplaceAllString(m[1], "")), " ")
	}
	a, b := action.SynProxyService(443), action.SynProxyService(8443)
	if err := fw.Apply(Plan{Targets: []action.Target{a, b}, Duration: time.Hour, SynProxy: params}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{b}, Duration: 2 * time.Hour, SynProxy: params}); err != nil {
		t.Fatalf("Apply again: %v", err)
	}
	es, err := fw.List()
	if err != nil || len(es) != 2 || es[0].Target != a || es[0].Timeout != time.Hour || es[1].Target != b ||
		es[1].Timeout != 2*time.Hour || !es[1].Counter.Known {
		t.Fatalf("List = %+v, %v; want 443 (1h) and 8443 (2h), counted", es, err)
	}
	if got, want := ports(SetSynProxyIn), "443 timeout 1h, 8443 timeout 2h"; got != want {
		t.Errorf("%s holds %q, want %q", SetSynProxyIn, got, want)
	}
	if err := fw.Remove(a); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if got, want := ports(SetSynProxyIn)+" | "+ports(SetSynProxy), "8443 timeout 2h | 8443 counter timeout 2h"; got != want {
		t.Errorf("after Remove: %q, want %q", got, want)
	}
	if err := fw.Remove(a); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove again = %v, want ErrNotFound", err)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{action.Service(model.ProtoTCP, 8443)}}); !errors.Is(err, ErrOverlap) {
		t.Errorf("NOTRACK of a port under SYNPROXY = %v, want ErrOverlap", err)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{action.Service(model.ProtoUDP, 8443)}}); err != nil {
		t.Errorf("NOTRACK of udp on that port = %v", err)
	}
	ns.Run(t, "nft", "delete", "chain", "inet", TableName, ChainInput)
	ns.Run(t, "nft", "add", "chain", "inet", TableName, ChainInput, "{ type filter hook input priority 10; }")
	if err := fw.Apply(Plan{Targets: []action.Target{a}, SynProxy: params}); !errors.Is(err, ErrConflict) {
		t.Errorf("Apply over a changed input chain = %v, want ErrConflict", err)
	}
}
