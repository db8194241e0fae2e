package model

import (
	"testing"
	"time"
)

type recordChecker struct{ got [][]Flow }

func (r *recordChecker) Check(flows []Flow) { r.got = append(r.got, flows) }

// TestCheckerAsksOnce: a flow whose timeout passed without an end is
// handed to the batch's Checker once (a second after the slack), a refresh
// makes it current again, a DESTROY of the check removes it, and a refresh
// never brings back a flow that ended meanwhile.
func TestCheckerAsksOnce(t *testing.T) {
	tab := NewTable(0)
	ck := &recordChecker{}
	soon := tcpFlow(1, "192.0.2.1", 1, "198.51.100.1", 80)
	soon.SetExpires(uint32(t0.Unix()) + 5)
	later := tcpFlow(2, "192.0.2.2", 1, "198.51.100.1", 80)
	later.SetExpires(uint32(t0.Unix()) + 100)
	gone := tcpFlow(3, "192.0.2.3", 1, "198.51.100.1", 80)
	gone.SetExpires(uint32(t0.Unix()) + 5)
	b := &Batch{Time: t0, Checker: ck}
	for _, f := range []Flow{soon, later, gone} {
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	tab.Apply(b)
	at := func(s int) *Batch { return &Batch{Time: t0.Add(time.Duration(s) * time.Second), Checker: ck} }
	for s := 1; s <= 6; s++ {
		tab.Apply(at(s))
	}
	if len(ck.got) != 0 {
		t.Fatalf("checked before the slack: %v", ck.got)
	}
	tab.Apply(at(8))
	tab.Apply(at(9))
	if len(ck.got) != 1 || len(ck.got[0]) != 2 || ck.got[0][0].Attrs&checking != 0 {
		t.Fatalf("checks %+v, want the two overdue flows once, clean copies", ck.got)
	}
	// The kernel's answers: soon lives on (renewed), gone has gone.
	renewed := soon
	renewed.SetExpires(uint32(t0.Unix()) + 300)
	b = at(10)
	b.AddChecked(&Event{Type: EventRefresh, Flow: renewed})
	b.AddChecked(&Event{Type: EventDestroy, Flow: gone})
	tab.Apply(b)
	if tab.Len() != 2 || tab.Find(gone.Key()) >= 0 || b.Gone != 0 {
		t.Fatalf("after the answers: %d flows, gone found %v, Gone %d", tab.Len(), tab.Find(gone.Key()) >= 0, b.Gone)
	}
	if e, _ := tab.At(tab.Find(soon.Key())).Expires(); e != uint32(t0.Unix())+300 {
		t.Errorf("refresh: expires %d", e)
	}
	// A refresh of a flow that a DESTROY removed brings nothing back, in
	// the same batch or later.
	b = at(11)
	b.Add(&Event{Type: EventDestroy, Flow: later})
	b.AddChecked(&Event{Type: EventRefresh, Flow: later})
	tab.Apply(b)
	b = at(12)
	b.AddChecked(&Event{Type: EventRefresh, Flow: later})
	tab.Apply(b)
	if tab.Find(later.Key()) >= 0 {
		t.Error("a refresh brought back a flow that had ended")
	}
	// An UPDATE after a DESTROY in one batch is late, not a new flow.
	b = at(13)
	f4 := tcpFlow(4, "192.0.2.4", 1, "198.51.100.1", 80)
	b.Add(&Event{Type: EventNew, Flow: f4})
	tab.Apply(b)
	b = at(14)
	b.Add(&Event{Type: EventDestroy, Flow: f4})
	b.Add(&Event{Type: EventUpdate, Flow: f4})
	tab.Apply(b)
	if tab.Find(f4.Key()) >= 0 {
		t.Error("an UPDATE delivered after the DESTROY brought the flow back")
	}
	// But a NEW after a DESTROY of the same key is a new flow.
	b = at(15)
	b.Add(&Event{Type: EventDestroy, Flow: soon})
	b.Add(&Event{Type: EventNew, Flow: soon})
	tab.Apply(b)
	if tab.Find(soon.Key()) < 0 {
		t.Error("a NEW after a DESTROY of the same key was lost")
	}
}
