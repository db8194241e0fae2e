package guard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
)

// probeArg makes the test binary act as the probe program (see TestMain).
const probeArg = "guard-probe"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == probeArg {
		os.Exit(probe(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// probeResult is what the probe prints: the guard's findings as cttop's
// actions adapter builds them.
type probeResult struct {
	Operator Operator
	SSHPorts []uint16
	Warnings map[string][]string // target -> warnings with their evidence
	SSH      []string            // targets with an ESTABLISHED flow to sshd
	Env      []string
}

// probe builds the guard as cttop does in its own namespace, dumps the
// conntrack table, and prints JSON on one line.
func probe(targets []string) int {
	g := &Guard{Operator: FindOperator(Probe{})}
	ino, err := NetNSInode(0)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	g.NetNS, g.SSHPorts = ino, ListeningSSH("/proc", ino)
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			ip, _ := netip.AddrFromSlice(n.IP)
			g.Local = append(g.Local, ip.Unmap())
		}
	}
	k, err := source.NewKernel(source.KernelConfig{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer k.Close()
	table := model.NewTable(0)
	if err := k.Load(table); err != nil {
		fmt.Println(err)
		return 1
	}
	clients := g.SSHClients(func(yield func(*model.Flow) bool) {
		for s := range table.Slots() {
			if table.Live(s) && !yield(table.At(s)) {
				return
			}
		}
	})
	res := probeResult{Operator: g.Operator, SSHPorts: g.SSHPorts, Warnings: map[string][]string{}, Env: os.Environ()}
	var prefixes []netip.Prefix
	for _, t := range targets {
		p := netip.MustParsePrefix(t)
		prefixes = append(prefixes, p)
		for _, w := range g.Check(p) {
			res.Warnings[t] = append(res.Warnings[t], w.String())
		}
	}
	_, hit := CountSSH(prefixes, clients)
	for _, p := range hit {
		res.SSH = append(res.SSH, p.String())
	}
	b, _ := json.Marshal(res)
	fmt.Printf("%s\n", b)
	return 0
}

// TestGuardOverSSH logs in over a real SSH session (sshd in one namespace,
// ssh from another) and runs the probe there with an emptied environment,
// as sudo leaves it. The client's address must be flagged with the
// evidence of the process ancestry and utmp; an address that only has an
// ESTABLISHED flow to sshd (a brute-forcer between password tries) must
// only be counted.
func TestGuardOverSSH(t *testing.T) {
	srv, cli := netnstest.New(t), netnstest.NewBare(t)
	netnstest.Veth(t, srv, "10.201.0.1/24", cli, "10.201.0.2/24", "10.201.0.3/24")
	sshd := netnstest.StartSSHD(t, srv, "10.201.0.1")

	// The other address: a TCP connection to sshd that never logs in.
	var other net.Conn
	cli.Do(t, func() {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("10.201.0.3")}, Timeout: 5 * time.Second}
		var err error
		if other, err = d.Dial("tcp", "10.201.0.1:22"); err != nil {
			t.Fatalf("connect to sshd: %v", err)
		}
	})
	defer other.Close()
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	if banner, err := bufio.NewReader(other).ReadString('\n'); err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
		t.Fatalf("sshd banner %q: %v", banner, err)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	targets := "10.201.0.2/32 10.201.0.3/32 10.201.0.0/24 10.201.0.9/32"
	for _, c := range []struct {
		name, env string
		evidence  []string // evidence the client's warning must name
	}{
		{"empty environment", "env -i", []string{"TCP peer of sshd (pid ", "utmp login record of pts/"}},
		{"malformed SSH_CONNECTION", "env -i SSH_CONNECTION='10.9.9.9 1 2'", []string{"TCP peer of sshd (pid ", "utmp login record of pts/"}},
		{"environment kept", "env", []string{"TCP peer of sshd (pid ", "utmp login record of pts/", "SSH_CONNECTION", "SSH_CLIENT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := sshd.Command(cli, c.env+" "+self+" "+probeArg+" "+targets).CombinedOutput()
			if err != nil {
				t.Fatalf("ssh: %v: %s", err, out)
			}
			var res probeResult
			i := bytes.IndexByte(out, '{')
			if i < 0 || json.Unmarshal(bytes.TrimSpace(out[i:]), &res) != nil {
				t.Fatalf("probe printed %q", out)
			}
			if c.env != "env" && len(res.Env) > 1 {
				t.Errorf("probe ran with environment %q, want an emptied one", res.Env)
			}
			client := strings.Join(res.Warnings["10.201.0.2/32"], "\n")
			t.Logf("client: %s; user %s from %s", client, res.Operator.User, res.Operator.UserFrom)
			if !strings.Contains(client, "10.201.0.2 is the address your SSH session comes from: you would lock yourself out") {
				t.Errorf("client's warnings %q, want the lock-out warning", client)
			}
			for _, e := range c.evidence {
				if !strings.Contains(client, e) {
					t.Errorf("client's warnings %q do not name the evidence %q", client, e)
				}
			}
			if w := res.Warnings["10.201.0.0/24"]; len(w) == 0 || !strings.Contains(w[0], "contains 10.201.0.2") {
				t.Errorf("network's warnings %q, want the client's address named", w)
			}
			for _, quiet := range []string{"10.201.0.3/32", "10.201.0.9/32"} {
				if w := res.Warnings[quiet]; len(w) != 0 {
					t.Errorf("%s: warnings %q, want none", quiet, w)
				}
			}
			if want := []string{"10.201.0.2/32", "10.201.0.3/32", "10.201.0.0/24"}; strings.Join(res.SSH, " ") != strings.Join(want, " ") {
				t.Errorf("targets with an SSH flow %v, want %v", res.SSH, want)
			}
			if len(res.SSHPorts) != 1 || res.SSHPorts[0] != 22 {
				t.Errorf("listening sshd ports %v, want [22]", res.SSHPorts)
			}
			if res.Operator.User != "root" {
				t.Errorf("operator %q from %q, want root", res.Operator.User, res.Operator.UserFrom)
			}
		})
	}
}
