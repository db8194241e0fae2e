package source

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/ti-mo/conntrack"
)

// TestCountsAgreeWhenFlowsExpireSilently: flows made before cttop
// subscribed (nf_conntrack_events=2) end without a DESTROY event, and a
// flow that traffic keeps alive renews its timeout without one. As the
// first expire and the second lives on, the rows, the state groups' sums
// and the header's count agree with conntrack -C: every disagreement ends
// within a few seconds (the flows are checked with the kernel when their
// timeout passes, model.Checker), well within the reconciliation period.
func TestCountsAgreeWhenFlowsExpireSilently(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "2")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_udp_timeout", "3")
	c, err := sourcetest.DialPath(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Before cttop: TIME_WAIT flows with timeouts of 3 to 8 s, and UDP
	// flows by traffic (3 s), one of which stays alive.
	const old = 3000
	for i := 0; i < old; i++ {
		src := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		f := conntrack.NewFlow(6, conntrack.StatusConfirmed|conntrack.StatusSeenReply|conntrack.StatusAssured,
			src, netip.MustParseAddr("198.51.100.1"), uint16(1024+i), 80, uint32(3+i%6), 0)
		f.ProtoInfo.TCP = &conntrack.ProtoInfoTCP{State: model.TCPTimeWait}
		if err := c.Create(f); err != nil {
			t.Fatal(err)
		}
	}
	var alive net.Conn
	ns.Do(t, func() {
		for port := 7000; port < 7050; port++ {
			u, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				t.Fatal(err)
			}
			u.Write([]byte("x"))
			if port == 7000 {
				alive = u
				continue
			}
			u.Close()
		}
	})
	defer alive.Close()
	done := make(chan struct{})
	defer close(done)
	go func() { // renews the live flow's timeout, without an event
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
				alive.Write([]byte("x"))
			}
		}
	}()

	r := startKernel(t, KernelConfig{NetNS: ns.Path}, nil)
	g := model.NewGroups(r.tab)
	g.SetBy(model.ByState)
	r.until(t, 100, "initial snapshot", func() bool { return r.tab.Len() >= old })
	start := time.Now()
	var worst time.Duration
	var since time.Time
	for time.Since(start) < 15*time.Second {
		b := r.next(t, 5*time.Second)
		g.Update(&model.Changes{Full: true})
		kernel := conntrackCount(t, ns)
		sum := 0
		for _, gr := range g.Top(0, g.Len(), nil) {
			sum += gr.Flows
		}
		agree := r.tab.Len() == kernel && sum == kernel && b.Stats.Count == uint64(kernel)
		switch {
		case agree && !since.IsZero():
			worst = max(worst, time.Since(since))
			since = time.Time{}
		case !agree && since.IsZero():
			since = time.Now()
		}
	}
	info := r.k.Info()
	t.Logf("rows %d, kernel %d; longest disagreement %v; %d flows found gone by a check (reconcile every %v, %d reconciles)",
		r.tab.Len(), conntrackCount(t, ns), worst, info.Vanished, info.DumpEvery, info.Reconciles)
	if !since.IsZero() {
		worst = max(worst, time.Since(since))
	}
	if worst > 5*time.Second || worst > info.DumpEvery {
		t.Errorf("rows and kernel disagreed for %v (reconcile every %v)", worst, info.DumpEvery)
	}
	if r.tab.Len() != 1 {
		t.Errorf("%d rows at the end, want the live flow alone", r.tab.Len())
	}
	if info.Vanished == 0 || info.Entries != model.CountKernel || info.Rows != model.CountDump {
		t.Errorf("info %+v: no flow found gone by a check, or no count sources", info)
	}
}

func conntrackCount(t *testing.T, ns *netnstest.NS) int {
	s := strings.TrimSpace(ns.Run(t, "conntrack", "-C"))
	n, err := strconv.Atoi(s[strings.LastIndexByte(s, '\n')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return n
}
