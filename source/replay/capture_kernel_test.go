package replay

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// Kernel tests for the replay source: real tables in a fresh namespace.

var (
	replayCapture = flag.Bool("replay-capture", false,
		"TestReplayCapture: regenerate the captures in testdata (root; then update the expectations in replay_test.go)")
	replayCaptureCttop = flag.String("replay-capture-cttop", "",
		"TestReplayCapture: also save `CTTOP`'s --once --format json (a built cttop binary)")
)

// envTrafficHelper makes the test binary, started inside a namespace, run
// TestReplayTrafficHelper: loopback traffic that stays open until stdin
// closes.
const envTrafficHelper = "CTTOP_REPLAY_TRAFFIC_HELPER"

// replayFixtureFlows are made with conntrack -I: every kind of flow the
// parsers must get right, with fixed tuples.
var replayFixtureFlows = [][]string{
	// TCP ESTABLISHED, ASSURED.
	{"-s", "192.0.2.1", "-d", "198.51.100.2", "-p", "tcp", "--sport", "40000", "--dport", "80",
		"--state", "ESTABLISHED", "-t", "300", "-u", "SEEN_REPLY,ASSURED"},
	// UDP, unreplied, mark 42.
	{"-s", "192.0.2.1", "-d", "198.51.100.3", "-p", "udp", "--sport", "5353", "--dport", "53",
		"-t", "30", "-m", "42"},
	// ICMP echo request.
	{"-s", "192.0.2.1", "-d", "198.51.100.2", "-p", "icmp", "--icmp-type", "8", "--icmp-code", "0",
		"--icmp-id", "7", "-t", "30"},
	// IPv6 UDP in zone 5 with mark 42.
	// (conntrack 1.4.7 sets the mark to the status bits when -u follows -m.)
	{"-s", "2001:db8::1", "-d", "2001:db8::2", "-p", "udp", "--sport", "5353", "--dport", "53",
		"-t", "60", "-w", "5", "-u", "SEEN_REPLY", "-m", "42"},
	// IPv6 ICMP echo request.
	{"-s", "2001:db8::1", "-d", "2001:db8::2", "-p", "icmpv6", "--icmpv6-type", "128",
		"--icmpv6-code", "0", "--icmpv6-id", "9", "-t", "30"},
	// DNAT: the reply comes from another address and port.
	{"-s", "10.0.0.1", "-d", "10.0.0.2", "-p", "tcp", "--sport", "1234", "--dport", "80",
		"-r", "10.0.0.9", "-q", "10.0.0.1", "--reply-port-src", "8080", "--reply-port-dst", "1234",
		"--state", "SYN_SENT", "-t", "100"},
	// SNAT: the reply goes to another address and port.
	{"-s", "10.0.0.1", "-d", "10.0.0.2", "-p", "tcp", "--sport", "1235", "--dport", "80",
		"-r", "10.0.0.2", "-q", "203.0.113.7", "--reply-port-src", "80", "--reply-port-dst", "61000",
		"--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-t", "200"},
	// GRE, SCTP, and a protocol without ports that conntrack calls "unknown".
	{"-s", "10.0.0.1", "-d", "10.0.0.2", "-p", "gre", "--srckey", "1", "--dstkey", "2", "-t", "100",
		"-u", "SEEN_REPLY"},
	{"-s", "10.0.0.1", "-d", "10.0.0.2", "-p", "sctp", "--sport", "1", "--dport", "2",
		"--orig-vtag", "5", "--reply-vtag", "6", "--state", "ESTABLISHED", "-t", "100", "-u", "SEEN_REPLY"},
	{"-s", "10.0.0.1", "-d", "10.0.0.2", "-p", "2", "-t", "100"},
}

// makeReplayTable fills a fresh namespace's table: the fixture flows and,
// with traffic, real loopback flows with counters (the returned function
// ends the traffic's connections).
func makeReplayTable(t *testing.T, traffic bool) (*netnstest.NS, func()) {
	t.Helper()
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "1")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_timestamp", "1")
	for _, args := range replayFixtureFlows {
		ns.Run(t, "conntrack", append([]string{"-I"}, args...)...)
	}
	if !traffic {
		return ns, func() {}
	}
	// Real NAT on loopback: TCP to port 8081 goes to 8080 (DNAT), UDP to
	// 127.0.0.3:9999 leaves from 127.0.0.2 (SNAT).
	ns.NFT(t, `table ip cttopnat {
	chain out { type nat hook output priority -100; tcp dport 8081 dnat to 127.0.0.1:8080; }
	chain post { type nat hook postrouting priority 100; ip daddr 127.0.0.3 udp dport 9999 snat to 127.0.0.2; }
}`)
	cmd := ns.Command(os.Args[0], "-test.run=^TestReplayTrafficHelper$", "-test.v")
	cmd.Env = append(os.Environ(), envTrafficHelper+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if sc.Text() == "traffic ready" {
				ready <- ""
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- out.String()
	}()
	select {
	case out := <-ready:
		if out != "" {
			cmd.Wait()
			t.Fatalf("traffic helper failed:\n%s%s", out, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("traffic helper hangs: %s", stderr.String())
	}
	stop := func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("traffic helper: %v: %s", err, stderr.String())
		}
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return ns, stop
}

// TestReplayTrafficHelper is not a test: run by makeReplayTable inside a
// namespace, it makes loopback traffic, says "traffic ready", and keeps its
// connections open until stdin closes.
func TestReplayTrafficHelper(t *testing.T) {
	if os.Getenv(envTrafficHelper) != "1" {
		t.Skip("helper process for the replay kernel tests")
	}
	closers, err := replayTraffic()
	if err != nil {
		fmt.Println("traffic failed:", err)
		t.Fatal(err)
	}
	fmt.Println("traffic ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range closers {
		c.Close()
	}
}

func replayTraffic() ([]io.Closer, error) {
	var keep []io.Closer
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		keep = append(keep, ln)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					io.Copy(c, c)
					c.Close()
				}()
			}
		}()
	}
	echo := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		msg := []byte("hello, conntrack")
		if _, err := c.Write(msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, make([]byte, len(msg)))
		return err
	}
	// TCP: two connections that stay ESTABLISHED (one through DNAT), one
	// over IPv6, and one closed (TIME_WAIT).
	for i, addr := range []string{"127.0.0.1:8080", "127.0.0.1:8081", "[::1]:8080", "127.0.0.1:8080"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if err := echo(c); err != nil {
			return nil, fmt.Errorf("tcp %s: %w", addr, err)
		}
		if i == 3 {
			// Closed first by the client: TIME_WAIT once the
			// server has closed too.
			c.Close()
			time.Sleep(200 * time.Millisecond)
		} else {
			keep = append(keep, c)
		}
	}
	// UDP through SNAT, with an echo server; and one unreplied.
	srv, err := net.ListenPacket("udp", "127.0.0.3:9999")
	if err != nil {
		return nil, err
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
		return nil, err
	}
	keep = append(keep, u)
	if err := echo(u); err != nil {
		return nil, fmt.Errorf("udp: %w", err)
	}
	u2, err := net.Dial("udp", "[::1]:9")
	if err != nil {
		return nil, err
	}
	u2.Write([]byte("nobody listens"))
	u2.Close()
	// ICMP and ICMPv6 echo.
	if err := ping("ip4:icmp", "127.0.0.1", 8, 0x4242); err != nil {
		return nil, err
	}
	if err := ping("ip6:ipv6-icmp", "::1", 128, 0x4343); err != nil {
		return nil, err
	}
	return keep, nil
}

// ping sends one echo request of type typ and waits for the reply.
func ping(network, addr string, typ byte, id uint16) error {
	local := "0.0.0.0"
	if typ != 8 {
		local = "::"
	}
	c, err := net.ListenPacket(network, local)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{typ, 0, 0, 0, byte(id >> 8), byte(id), 0, 1, 'p', 'i', 'n', 'g'}
	if typ == 8 { // the kernel checksums ICMPv6 itself
		var sum uint32
		for i := 0; i < len(msg); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(msg[i:]))
		}
		sum = sum>>16 + sum&0xffff
		sum += sum >> 16
		binary.BigEndian.PutUint16(msg[2:], ^uint16(sum))
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
		if n >= 8 && (buf[0] == 0 || buf[0] == 129) && binary.BigEndian.Uint16(buf[4:]) == id {
			return nil
		}
	}
}

// TestReplayKernel checks Load against a live table: the count the
// kernel reports, the tuples created, and agreement between the formats.
func TestReplayKernel(t *testing.T) {
	ns, stop := makeReplayTable(t, true)
	defer stop()

	count, err := strconv.Atoi(strings.TrimSpace(lastLine(ns.Run(t, "conntrack", "-C"))))
	if err != nil {
		t.Fatalf("conntrack -C: %v", err)
	}
	if count < len(replayFixtureFlows)+8 {
		t.Fatalf("conntrack -C = %d, want at least %d", count, len(replayFixtureFlows)+8)
	}
	now := time.Unix(1_800_000_000, 0)
	load := func(name, out string) *model.Snapshot {
		t.Helper()
		sn, rep, err := Load(strings.NewReader(out), now)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if rep.Skipped != 0 || sn.Len() != count {
			t.Fatalf("%s: %d flows, %s; the kernel has %d\n%s", name, sn.Len(), rep, count, out)
		}
		return sn
	}
	// ns.Run returns stdout and stderr together: the summary line is in.
	text := load("conntrack -L -o extended,id", ns.Run(t, "conntrack", "-L", "-o", "extended,id"))
	xml := load("conntrack -L -o xml,id", ns.Run(t, "conntrack", "-L", "-o", "xml,id"))
	proc := load("/proc/net/nf_conntrack", ns.Run(t, "cat", "/proc/net/nf_conntrack"))

	// Every fixture flow is there, as conntrack -I made it.
	type protoTuple struct {
		proto uint8
		orig  model.Tuple
	}
	byOrig := map[protoTuple]*model.Flow{}
	for i := 0; i < text.Len(); i++ {
		f, _ := text.At(i)
		byOrig[protoTuple{f.Proto, f.Orig}] = f
	}
	want := []struct {
		src, dst     string
		proto        uint8
		sport, dport uint16
		zone         uint16
		mark         uint32
		nat          model.Status
	}{
		{"192.0.2.1", "198.51.100.2", model.ProtoTCP, 40000, 80, 0, 0, 0},
		{"192.0.2.1", "198.51.100.3", model.ProtoUDP, 5353, 53, 0, 42, 0},
		{"192.0.2.1", "198.51.100.2", model.ProtoICMP, 7, 8 << 8, 0, 0, 0},
		{"2001:db8::1", "2001:db8::2", model.ProtoUDP, 5353, 53, 5, 42, 0},
		{"2001:db8::1", "2001:db8::2", model.ProtoICMPv6, 9, 128 << 8, 0, 0, 0},
		{"10.0.0.1", "10.0.0.2", model.ProtoTCP, 1234, 80, 0, 0, model.StatusDstNAT},
		{"10.0.0.1", "10.0.0.2", model.ProtoTCP, 1235, 80, 0, 0, model.StatusSrcNAT},
		{"10.0.0.1", "10.0.0.2", model.ProtoGRE, 1, 2, 0, 0, 0},
		{"10.0.0.1", "10.0.0.2", model.ProtoSCTP, 1, 2, 0, 0, 0},
		{"10.0.0.1", "10.0.0.2", 2, 0, 0, 0, 0, 0},
	}
	for _, w := range want {
		tu := model.Tuple{Src: mustAddr(t, w.src), Dst: mustAddr(t, w.dst), SrcPort: w.sport, DstPort: w.dport}
		f := byOrig[protoTuple{w.proto, tu}]
		if f == nil {
			t.Errorf("flow %s -> %s proto %d ports %d/%d missing", w.src, w.dst, w.proto, w.sport, w.dport)
			continue
		}
		if zoneOf(f) != w.zone || markOf(f) != w.mark || f.Status&(model.StatusSrcNAT|model.StatusDstNAT) != w.nat {
			t.Errorf("flow %s -> %s: zone %d mark %d status %v, want %d %d %v",
				w.src, w.dst, zoneOf(f), markOf(f), f.Status.Names(), w.zone, w.mark, w.nat.Names())
		}
		if f.Attrs&model.HasID == 0 || f.Attrs&model.HasCounters == 0 || f.Attrs&model.HasTimeout == 0 {
			t.Errorf("flow %s -> %s: attrs %b", w.src, w.dst, f.Attrs)
		}
	}

	// The three formats agree: XML by id (it has no ICMP fields), /proc
	// by tuple (it has no ids).
	byID := map[uint32]int{}
	for i := 0; i < xml.Len(); i++ {
		f, _ := xml.At(i)
		byID[idOf(f)] = i
	}
	byKey := map[model.Key]int{}
	for i := 0; i < proc.Len(); i++ {
		f, _ := proc.At(i)
		byKey[f.Key()] = i
	}
	seen := map[uint8]int{}
	for i := 0; i < text.Len(); i++ {
		f, c := text.At(i)
		seen[f.Proto]++
		j, ok := byID[idOf(f)]
		if !ok {
			t.Errorf("id %d not in the XML", idOf(f))
			continue
		}
		g, gc := xml.At(j)
		fx := *f
		if model.IsICMP(f.Proto) {
			// XML has no type, code or id: unknown.
			fx.Orig.SrcPort, fx.Orig.DstPort, fx.Reply.SrcPort, fx.Reply.DstPort = 0, 0, 0, 0
			fx.Attrs |= model.ICMPUnknown
		}
		if !sameFlow(&fx, g) || c != gc {
			t.Errorf("text and XML differ:\n%+v %+v\n%+v %+v", fx, c, *g, gc)
		}
		k := f.Key()
		k.ID = 0
		j, ok = byKey[k]
		if !ok {
			t.Errorf("%+v not in /proc", k)
			continue
		}
		g, gc = proc.At(j)
		fx = *f
		fx.Forget(model.HasID | model.HasHelper) // /proc has no ids, no helpers
		if !sameFlow(&fx, g) || c != gc {
			t.Errorf("text and /proc differ:\n%+v %+v\n%+v %+v", fx, c, *g, gc)
		}
	}
	// Real traffic: TCP, UDP, ICMP and ICMPv6 flows with counters.
	for _, p := range []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, model.ProtoICMPv6} {
		if seen[p] < 2 {
			t.Errorf("%d flows of protocol %d, want the traffic's too", seen[p], p)
		}
	}
}

// sameFlow compares flows but for what changes between two captures a
// second apart: the expiry and the first-seen time.
func sameFlow(a, b *model.Flow) bool {
	x, y := *a, *b
	if d := int64(expiresOf(&x)) - int64(expiresOf(&y)); d >= -2 && d <= 2 && y.Attrs&model.HasTimeout != 0 {
		y.SetExpires(expiresOf(&x))
	}
	if d := int64(startOf(&x)) - int64(startOf(&y)); d >= -2 && d <= 2 && y.Attrs&model.HasStart != 0 {
		y.SetStart(startOf(&x))
	}
	return x.SameAs(&y)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func mustAddr(t testing.TB, s string) model.Addr {
	t.Helper()
	a, _, ok := ctparse.Addr([]byte(s))
	if !ok {
		t.Fatalf("bad address %q", s)
	}
	return a
}

// TestReplayCapture regenerates the captures in testdata from a live
// table, as root:
//
//	go build -o /tmp/cttop . && go test ./source/ -run TestReplayCapture -replay-capture -replay-capture-cttop /tmp/cttop
func TestReplayCapture(t *testing.T) {
	if !*replayCapture {
		t.Skip("regenerates testdata with -replay-capture")
	}
	ns, stop := makeReplayTable(t, true)
	defer stop()
	time.Sleep(2 * time.Second) // so that the flows have an age
	captures := []struct {
		file string
		cmd  []string
	}{
		{"conntrack-L.txt", []string{"conntrack", "-L"}},
		{"conntrack-L-extended.txt", []string{"conntrack", "-L", "-o", "extended"}},
		{"conntrack-L-id.txt", []string{"conntrack", "-L", "-o", "id"}},
		{"conntrack-L-timestamp.txt", []string{"conntrack", "-L", "-o", "timestamp"}},
		{"conntrack-L-ktimestamp.txt", []string{"conntrack", "-L", "-o", "extended,id,ktimestamp"}},
		{"conntrack-L.xml", []string{"conntrack", "-L", "-o", "xml,id"}},
		{"proc-nf_conntrack.txt", []string{"cat", "/proc/net/nf_conntrack"}},
	}
	if *replayCaptureCttop != "" {
		captures = append(captures, struct {
			file string
			cmd  []string
		}{"cttop-once.json", []string{*replayCaptureCttop, "--once", "--format", "json"}})
	}
	for _, c := range captures {
		cmd := ns.Command(c.cmd[0], c.cmd[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(c.cmd, " "), err, stderr.String())
		}
		if err := os.WriteFile(filepath.Join("testdata", c.file), out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes (%s)", c.file, len(out), strings.TrimSpace(stderr.String()))
	}
	if err := os.WriteFile(filepath.Join("testdata", "conntrack-version.txt"),
		[]byte(ns.Run(t, "conntrack", "--version")), 0o644); err != nil {
		t.Fatal(err)
	}
}
