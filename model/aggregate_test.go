package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestGroupsIncremental checks groups kept up to date through churn against
// a rebuild, for every key. (That each key's drill-down filter selects
// exactly its flows is filter's TestKey.)
func TestGroupsIncremental(t *testing.T) {
	for by := BySrc; by <= ByProto; by++ {
		t.Run(by.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(by), 77))
			tab := NewTable(0)
			live := NewGroups(tab)
			live.SetBy(by)
			live.Len()
			var known []Flow
			for round := 0; round < 30; round++ {
				b := &Batch{Time: t0.Add(time.Duration(round) * time.Second)}
				for i := 0; i < 60; i++ {
					switch {
					case len(known) > 0 && r.IntN(4) == 0:
						j := r.IntN(len(known))
						b.Add(&Event{Type: EventDestroy, Flow: known[j]})
						known = slices.Delete(known, j, j+1)
					case len(known) > 0 && r.IntN(3) == 0:
						j := r.IntN(len(known))
						known[j].SetProtoState(uint8(1 + r.IntN(8)))
						known[j].Status ^= StatusSeenReply
						known[j].Attrs |= HasCounters
						b.Add(&Event{Type: EventUpdate, Flow: known[j], Counters: Counters{OrigBytes: 100, OrigPackets: 1}})
					default:
						f := randFlow(r, r.Uint32())
						known = append(known, f)
						b.Add(&Event{Type: EventNew, Flow: f})
					}
				}
				live.Update(tab.Apply(b))
			}
			fresh := NewGroups(tab)
			fresh.SetBy(by)
			got, want := live.Top(0, live.Len(), nil), fresh.Top(0, fresh.Len(), nil)
			if !slices.EqualFunc(got, want, groupEqual) || live.Matched() != tab.Len() {
				t.Fatalf("incremental groups differ from rebuilt (%d vs %d groups, matched %d of %d)", len(got), len(want), live.Matched(), tab.Len())
			}
			total := 0
			for i, g := range want {
				total += g.Flows
				if i > 0 && compareGroups(&want[i-1], &want[i]) >= 0 {
					t.Fatal("groups out of order")
				}
			}
			if total != tab.Len() {
				t.Fatalf("groups hold %d flows, table %d", total, tab.Len())
			}
			// A partial ranking agrees with the full one.
			part := NewGroups(tab)
			part.SetBy(by)
			if top := part.Top(2, 5, nil); len(want) > 7 && !slices.EqualFunc(top, want[2:7], groupEqual) {
				t.Fatal("partial ranking differs")
			}
			if len(want) > 3 && part.Rank(want[3].Key, 0, 10) != 3 {
				t.Fatal("Rank")
			}
		})
	}
}

// groupEqual compares groups as their users see them.
func groupEqual(a, b Group) bool {
	return a.Key == b.Key && a.Flows == b.Flows && a.Counted == b.Counted && a.Bytes == b.Bytes &&
		a.Packets == b.Packets && slices.Equal(a.States(), b.States())
}

func TestGroupsFilterAndMix(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0}
	for i := 0; i < 6; i++ {
		f := tcpFlow(uint32(i+1), "203.0.113.7", uint16(1000+i), "192.0.2.1", 80)
		if i < 4 {
			f.SetProtoState(TCPSynRecv)
		}
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	b.Add(&Event{Type: EventNew, Flow: tcpFlow(99, "198.51.100.1", 5, "192.0.2.1", 443)})
	tab.Apply(b)
	g := NewGroups(tab)
	g.SetFilter(matchFunc(func(f *Flow) bool { return f.Orig.DstPort == 80 }))
	top := g.Top(0, 10, nil)
	if len(top) != 1 || top[0].Flows != 6 || g.Matched() != 6 || top[0].Key.String() != "203.0.113.7" {
		t.Fatalf("top %+v", top)
	}
	mix := top[0].States()
	if len(mix) != 2 || mix[0] != (StateCount{"SYN_RECV", 4}) || mix[1] != (StateCount{"ESTABLISHED", 2}) {
		t.Fatalf("mix %+v", mix)
	}
	if _, err := ParseGroupBy("nope"); err == nil {
		t.Fatal("bad group accepted")
	}
}
