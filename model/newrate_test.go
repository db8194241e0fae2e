package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSpaceSavingBounds checks the algorithm's guarantees on a skewed
// stream of many more keys than counters: every key seen more than
// total/cap times has a counter, and every counter brackets the truth.
func TestSpaceSavingBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	z := rand.NewZipf(r, 1.2, 1, 100000)
	ss := newSpaceSaving[uint64](200)
	truth := map[uint64]uint32{}
	for i := 0; i < 200000; i++ {
		k := z.Uint64()
		truth[k]++
		ss.add(k, 1)
	}
	if ss.total != 200000 || len(ss.ents) != 200 || !ss.evicted {
		t.Fatalf("total %d, %d counters, evicted %v", ss.total, len(ss.ents), ss.evicted)
	}
	for k, n := range truth {
		c, e, ok := ss.get(k)
		if uint64(n) > ss.total/200 && !ok {
			t.Fatalf("key %d seen %d times (> %d) has no counter", k, n, ss.total/200)
		}
		if ok && (c < n || c-e > n) {
			t.Fatalf("key %d: count %d err %d, truth %d", k, c, e, n)
		}
		if !ok && n > ss.min() {
			t.Fatalf("absent key %d seen %d times, more than min %d", k, n, ss.min())
		}
	}
	for i := range ss.heap {
		if c := 2*i + 1; c < len(ss.heap) && ss.countAt(c) < ss.countAt(i) {
			t.Fatal("heap order broken")
		}
		if ss.pos[ss.heap[i]] != int32(i) {
			t.Fatalf("slot %d at %d thinks it is at %d", ss.heap[i], i, ss.pos[ss.heap[i]])
		}
	}
	for k, slot := range ss.idx {
		if ss.ents[slot].key != k {
			t.Fatalf("key %d points at slot %d of key %d", k, slot, ss.ents[slot].key)
		}
	}
}

// oldAndNew is a table where 10.0.0.0/24 holds 5,000 old flows, and a
// function that adds a batch in which 192.0.2.0/24 opens n new flows.
func oldAndNew(mode int) (*Table, func(at time.Time, n int) *Batch) {
	tab := NewTable(0)
	sn := &Snapshot{}
	for i := 0; i < 5000; i++ {
		f := tcpFlow(uint32(i+1), fmt.Sprintf("10.0.0.%d", i%250+1), uint16(1000+i), "198.51.100.1", 443)
		sn.Add(&f, nil)
	}
	info := SourceInfo{Kind: "kernel", EventMode: mode}
	tab.Apply(&Batch{Time: t0, Snapshot: sn, Info: info})
	id := uint32(100000)
	return tab, func(at time.Time, n int) *Batch {
		b := &Batch{Time: at, Info: info}
		for i := 0; i < n; i++ {
			f := tcpFlow(id, fmt.Sprintf("192.0.2.%d", 1+int(id)%200), uint16(id), "198.51.100.1", 80)
			f.SetProtoState(TCPSynRecv)
			b.Add(&Event{Type: EventNew, Flow: f})
			id++
		}
		return b
	}
}

func TestNewRateRanksTheCreatorFirst(t *testing.T) {
	tab, more := oldAndNew(EventsAuto)
	g := NewGroups(tab)
	gr, _ := ParseGrouping("src/24")
	g.SetGrouping(gr)
	g.TrackNew(0)
	g.Len()
	old := GroupKey{By: BySrc, Family: IPv4, Bits: 24, Addr: addr("10.0.0.0")}
	fresh := GroupKey{By: BySrc, Family: IPv4, Bits: 24, Addr: addr("192.0.2.0")}
	for i := 1; i <= 30; i++ {
		g.Update(tab.Apply(more(t0.Add(time.Duration(i)*100*time.Millisecond), 30)))
	}
	// The first batch starts the window: its events happened before.
	if m, w := g.NewWindow(); m != 2900*time.Millisecond || w != 10*time.Second {
		t.Fatalf("after 3 s: measured %v of %v", m, w)
	}
	if nr := g.NewRate(fresh); !nr.Known || math.Abs(nr.PerSec-300) > 1 {
		t.Fatalf("NEW/s of %s after 3 s: %+v, want 300", fresh, nr)
	}
	for i := 31; i <= 150; i++ {
		g.Update(tab.Apply(more(t0.Add(time.Duration(i)*100*time.Millisecond), 30)))
	}
	nr := g.NewRate(fresh)
	if !nr.Known || !nr.Exact || math.Abs(nr.PerSec-300) > 1 {
		t.Fatalf("NEW/s of %s: %+v, want 300", fresh, nr)
	}
	if nr := g.NewRate(old); !nr.Known || nr.PerSec != 0 || !nr.Exact {
		t.Fatalf("NEW/s of %s: %+v, want 0", old, nr)
	}
	if tot := g.NewTotal(); math.Abs(tot.PerSec-300) > 1 {
		t.Fatalf("total %+v", tot)
	}
	if top := g.Top(0, 1, nil); top[0].Key != old {
		t.Fatalf("by flows, first %s", top[0].Key)
	}
	g.SetOrder(ByNewRate)
	top := g.Top(0, 2, nil)
	if top[0].Key != fresh || top[1].Key != old || g.Rank(old, 0, 5) != 1 || g.Rank(fresh, 0, 5) != 0 {
		t.Fatalf("by NEW/s: %v", keys(top))
	}
	if top := g.Top(1, 1, nil); len(top) != 1 || top[0].Key != old {
		t.Fatalf("by NEW/s from rank 1: %v", keys(top))
	}
	// Another prefix length keeps the window: /16 and /21 sum the counts
	// of the /24 level, the plain addresses are at /32.
	for _, c := range []struct {
		gr   string
		key  GroupKey
		rate float64
	}{
		{"src/16", GroupKey{By: BySrc, Family: IPv4, Bits: 16, Addr: addr("192.0.0.0")}, 300},
		{"src/21", GroupKey{By: BySrc, Family: IPv4, Bits: 21, Addr: addr("192.0.0.0")}, 300},
		{"src", GroupKey{By: BySrc, Family: IPv4, Addr: addr("192.0.2.7")}, 1.5},
	} {
		gr, _ := ParseGrouping(c.gr)
		g.SetGrouping(gr)
		if nr := g.NewRate(c.key); !nr.Known || math.Abs(nr.PerSec-c.rate) > 0.2 {
			t.Fatalf("%s: NEW/s of %s: %+v, want %v", c.gr, c.key, nr, c.rate)
		}
		if top := g.Top(0, 1, nil); top[0].Key != c.key && c.gr != "src" {
			t.Fatalf("%s by NEW/s: first %s", c.gr, top[0].Key)
		}
	}
	// Another key starts measuring again.
	g.SetGrouping(Plain(ByDport))
	if nr := g.NewRate(GroupKey{By: ByDport, Proto: ProtoTCP, Port: 80}); nr.Known {
		t.Fatalf("rate kept across groupings: %+v", nr)
	}
}

// TestNewRateFromDumps: with nf_conntrack_events=0, flows new in each
// dump count, spread over the time since the previous dump.
func TestNewRateFromDumps(t *testing.T) {
	tab, _ := oldAndNew(EventsOff)
	g := NewGroups(tab)
	g.TrackNew(0)
	g.SetGrouping(Grouping{By: ByDport})
	g.Len()
	var flows []Flow
	id := uint32(200000)
	for i := 1; i <= 8; i++ {
		// 3 s between dumps, 300 new flows to port 80 each time.
		sn := &Snapshot{}
		for j := 0; j < 5000; j++ {
			f := tcpFlow(uint32(j+1), fmt.Sprintf("10.0.%d.%d", j/250, j%250+1), 1000, "198.51.100.1", 443)
			sn.Add(&f, nil)
		}
		for j := 0; j < 300; j++ {
			flows = append(flows, tcpFlow(id, "192.0.2.9", uint16(id), "198.51.100.1", 80))
			id++
		}
		for j := range flows {
			sn.Add(&flows[j], nil)
		}
		g.Update(tab.Apply(&Batch{Time: t0.Add(time.Duration(3*i) * time.Second), Snapshot: sn, Info: SourceInfo{EventMode: EventsOff}}))
	}
	nr := g.NewRate(GroupKey{By: ByDport, Proto: ProtoTCP, Port: 80})
	if !nr.Known || math.Abs(nr.PerSec-100) > 0.5 {
		t.Fatalf("NEW/s of tcp/80 from dumps: %+v, want 100", nr)
	}
	if nr := g.NewRate(GroupKey{By: ByDport, Proto: ProtoTCP, Port: 443}); nr.PerSec != 0 {
		t.Fatalf("tcp/443: %+v", nr)
	}
}

// TestNewRateBoundedAndEstimated: more creating keys than counters keeps
// the memory fixed and marks small keys' figures as estimates.
func TestNewRateBoundedAndEstimated(t *testing.T) {
	tab := NewTable(0)
	g := NewGroups(tab)
	g.TrackNew(0)
	g.Len()
	info := SourceInfo{EventMode: EventsOn}
	id := uint32(1)
	for i := 1; i <= 40; i++ {
		b := &Batch{Time: t0.Add(time.Duration(i) * 250 * time.Millisecond), Info: info}
		for j := 0; j < 1000; j++ {
			src := fmt.Sprintf("10.%d.%d.%d", id>>16&255, id>>8&255, id&255)
			if j%4 == 0 {
				src = "203.0.113.1"
			}
			f := tcpFlow(id, src, 1, "192.0.2.1", 80)
			b.Add(&Event{Type: EventNew, Flow: f})
			id++
		}
		g.Update(tab.Apply(b))
	}
	for _, b := range g.rates.ring {
		for _, ss := range b.ss {
			if ss != nil && len(ss.ents) > NewRateKeys {
				t.Fatalf("%d counters in a part", len(ss.ents))
			}
		}
	}
	// The heavy source kept its counter from the start: exact.
	heavy := g.NewRate(GroupKey{By: BySrc, Family: IPv4, Addr: addr("203.0.113.1")})
	if !heavy.Known || !heavy.Exact || math.Abs(heavy.PerSec-1000) > 1 {
		t.Fatalf("heavy source: %+v, want 1,000/s", heavy)
	}
	// A source that created one flow may have lost its counter.
	small := g.NewRate(GroupKey{By: BySrc, Family: IPv4, Addr: addr("10.0.39.5")})
	if !small.Known || small.Exact || small.PerSec > 1 {
		t.Fatalf("small source: %+v, want an estimate", small)
	}
	if g.Order(); g.Top(0, 1, nil)[0].Key.Addr != addr("203.0.113.1") {
		t.Fatal("heavy source not first")
	}
}

// TestNewRateAuto: in an Auto grouping new flows count under the longest
// heavy-hitter prefix that holds their source.
func TestNewRateAuto(t *testing.T) {
	tab, more := oldAndNew(EventsOn)
	g := NewGroups(tab)
	g.SetGrouping(Grouping{By: BySrc, Auto: true})
	g.TrackNew(0)
	g.Len()
	for i := 1; i <= 100; i++ {
		g.Update(tab.Apply(more(t0.Add(time.Duration(i)*100*time.Millisecond), 20)))
	}
	// 192.0.2.1 to .200 open 200 flows a second, one each; the rows
	// under 192.0.2.0/24 count those of their addresses.
	rows := g.Top(0, 100, nil)
	sum := 0.0
	for _, r := range rows {
		want := 0
		for a := 1; a <= 200; a++ {
			if r.Key.Contains(IPv4, addr(fmt.Sprintf("192.0.2.%d", a))) {
				want++
			}
		}
		nr := g.NewRate(r.Key)
		if !nr.Known || math.Abs(nr.PerSec-float64(want)) > 0.05*float64(want)+0.5 {
			t.Fatalf("%s: %+v, want %d", r.Key, nr, want)
		}
		sum += nr.PerSec
	}
	if sum < 150 || g.NewTotal().PerSec != 200 {
		t.Fatalf("rows create %v/s of %v", sum, g.NewTotal())
	}
}
