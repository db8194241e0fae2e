package model

import "testing"

func TestHostSnapshotView(t *testing.T) {
	h := HostSnapshot{Rows: []NamespaceRow{
		{Inode: 1, Name: "host", Known: true, Entries: 100},
		{Inode: 2, Name: "idle", Known: true},
		{Inode: 3, Name: "web", Known: true, Entries: 900, Drop: 5},
		{Inode: 4, Name: "hidden"}, // unreadable: shown
		{Inode: 5, Name: "db", Known: true, Entries: 100, EarlyDrop: 1, RatesValid: true, EarlyDropRate: 2},
		{Inode: 6, Name: "clash", Known: true, ClashResolve: 1},
	}}
	rows, idle := h.View(SortByEntries, false)
	names := func(rows []NamespaceRow) (s []string) {
		for _, r := range rows {
			s = append(s, r.Name)
		}
		return s
	}
	if got := names(rows); idle != 1 || len(got) != 5 || got[0] != "web" || got[1] != "db" || got[2] != "host" || got[3] != "clash" || got[4] != "hidden" {
		t.Errorf("by entries: %v, idle %d", got, idle)
	}
	rows, _ = h.View(SortByDrops, false)
	if got := names(rows); got[0] != "db" || got[1] != "web" {
		t.Errorf("by drops: %v", got)
	}
	rows, idle = h.View(SortByEntries, true)
	if len(rows) != 6 || idle != 0 {
		t.Errorf("all: %d rows, %d idle", len(rows), idle)
	}
	if h.Entries() != 1100 {
		t.Errorf("entries %d", h.Entries())
	}
	if _, ok := h.Memory(); ok {
		t.Error("memory known without sizes")
	}
	h.Buckets, h.EntryBytes, h.BucketBytes = 1024, 384, 8
	if b, ok := h.Memory(); !ok || b != 1100*384+1024*8 {
		t.Errorf("memory %d", b)
	}
	if r, ok := h.Find(5); !ok || r.Name != "db" {
		t.Errorf("find: %+v", r)
	}
	if _, ok := h.Find(7); ok {
		t.Error("found a missing inode")
	}
}
