package firewall

import (
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// TestKernelDropCounts sends packets from a blocked address and reads the
// entry's count with List as it rises; nft -j reads the same count.
func TestKernelDropCounts(t *testing.T) {
	server, client := pair(t)
	// pair's readiness checks connect from 10.99.0.2 and .3, and a late
	// packet of those connections (a FIN retransmitted under load) may
	// reach the set after Apply: block an address that never sent one.
	dev := strings.Fields(client.Run(t, "ip", "-o", "-4", "addr", "show", "to", "10.99.0.2"))[1]
	client.Run(t, "ip", "addr", "add", "10.99.0.4/24", "dev", dev)
	fw := openFW(t, server)
	blocked := host(action.Drop, "10.99.0.4")
	if err := fw.Apply(Plan{Targets: []action.Target{blocked}, Duration: time.Hour}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	count := func() action.Counter {
		t.Helper()
		es, err := fw.List()
		if err != nil || len(es) != 1 || es[0].Target != blocked {
			t.Fatalf("List = %+v, %v", es, err)
		}
		return es[0].Counter
	}
	if c := count(); !c.Known || c.Packets != 0 || c.Bytes != 0 {
		t.Fatalf("fresh entry counts %+v, want known zero", c)
	}
	var last uint64
	for i := range 3 {
		mustNotConnect(t, client, "10.99.0.4")
		mustConnect(t, client, "10.99.0.3") // not blocked: not counted
		c := count()
		if !c.Known || c.Packets <= last || c.Bytes < 40*c.Packets {
			t.Fatalf("after attempt %d the entry counts %+v, want more than %d packets of 40 bytes or more", i+1, c, last)
		}
		last = c.Packets
		elems := nftListSet(t, server, SetBlocked4)
		if len(elems) != 1 || elems[0].counter == nil || elems[0].counter.Packets != c.Packets || elems[0].counter.Bytes != c.Bytes {
			t.Fatalf("nft -j counts %+v, List %+v", elems, c)
		}
	}
	t.Logf("3 refused connection attempts: %d packets dropped", last)
}

// TestKernelOldTable applies over a table made by an older cttop, whose
// sets have no counters. An empty set is made anew with counters; a set
// holding entries is kept as it is, and its entries' counts are unknown,
// never zero, until it is empty at a later Apply.
func TestKernelOldTable(t *testing.T) {
	ns := netnstest.New(t)
	old := strings.ReplaceAll(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2"), host(action.NoTrack, "10.99.0.9")}, Duration: time.Hour}.NFT(), " counter;", "")
	if out, err := nftLoad(ns, old, false); err != nil {
		t.Fatalf("nft -f: %v\n%s", err, out)
	}
	if out := ns.Run(t, "nft", "list", "table", "inet", TableName); strings.Contains(out, "counter") {
		t.Fatalf("the old table has counters:\n%s", out)
	}
	fw := openFW(t, ns)
	p := Plan{Targets: []action.Target{host(action.Drop, "10.99.0.3"), action.Service(model.ProtoTCP, 80)}, Duration: time.Hour}
	for range 2 { // the second time changes nothing
		if err := fw.Apply(p); err != nil {
			t.Fatalf("Apply over the old table: %v", err)
		}
		known := map[string]bool{}
		es, err := fw.List()
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, e := range es {
			known[e.Target.String()] = e.Counter.Known
		}
		want := map[string]bool{"drop from 10.99.0.2": false, "drop from 10.99.0.3": false, "notrack from and to 10.99.0.9": false, "notrack to tcp port 80": true}
		if len(known) != len(want) {
			t.Fatalf("List = %+v", es)
		}
		for k, v := range want {
			if got, ok := known[k]; !ok || got != v {
				t.Errorf("%s: counted %v (listed %v), want %v", k, got, ok, v)
			}
		}
		for set, counted := range map[string]bool{SetBlocked4: false, SetNoTrack4: false, SetBlocked6: true, SetNoTrackSvc: true} {
			if got := strings.Contains(ns.Run(t, "nft", "list", "set", "inet", TableName, set), "counter"); got != counted {
				t.Errorf("set %s has counters: %v, want %v", set, got, counted)
			}
		}
	}
	// Emptied, the old set is made anew with counters at the next Apply.
	for _, tg := range []action.Target{host(action.Drop, "10.99.0.2"), host(action.Drop, "10.99.0.3")} {
		if err := fw.Remove(tg); err != nil {
			t.Fatalf("Remove(%s): %v", tg, err)
		}
	}
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.4")}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	es, err := fw.List()
	if err != nil || len(es) != 3 || es[0].Target != host(action.Drop, "10.99.0.4") || !es[0].Counter.Known {
		t.Fatalf("List = %+v, %v; want 10.99.0.4 counted first", es, err)
	}
	if !strings.Contains(ns.Run(t, "nft", "list", "set", "inet", TableName, SetBlocked4), "counter") {
		t.Error("emptied set blocked4 not made anew with counters")
	}
}
