package model

import (
	"testing"
	"time"
)

// TestReadAside: a read aside sees the table as it was when it started,
// and Apply waits for it.
func TestReadAside(t *testing.T) {
	tab, flows := loadTable(3000)
	release := make(chan struct{})
	var seen int
	done := tab.ReadAside(func() {
		<-release
		seen = tab.Len()
	})
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		b := &Batch{Time: t0.Add(time.Second)}
		b.Add(&Event{Type: EventDestroy, Flow: flows[0]})
		tab.Apply(b)
	}()
	select {
	case <-applied:
		t.Fatal("Apply did not wait for the read aside")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	<-applied
	if seen != 3000 || tab.Len() != 2999 {
		t.Fatalf("the read saw %d flows, the table holds %d; want 3000 and 2999", seen, tab.Len())
	}
}
