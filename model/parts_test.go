package model

import (
	"slices"
	"testing"
	"time"
)

// keysOf returns the sorted IDs of the table's flows.
func idsOf(tab *Table) []uint32 {
	var ids []uint32
	for s := int32(0); s < tab.Slots(); s++ {
		if tab.Live(s) {
			ids = append(ids, tab.At(s).id)
		}
	}
	slices.Sort(ids)
	return ids
}

func part(cont, more bool, flows ...Flow) *Snapshot {
	sn := &Snapshot{Continues: cont, More: more}
	for i := range flows {
		sn.Add(&flows[i], nil)
	}
	return sn
}

// TestDumpInParts applies a dump handed over in parts: until the last
// part the table holds the old flows and those read so far; after it,
// exactly the dump's flows, each once, however the parts were merged on
// the way (a receiver that took every batch, or one that took only the
// last, merged).
func TestDumpInParts(t *testing.T) {
	f := func(id uint32, port uint16) Flow { return tcpFlow(id, "192.0.2.1", port, "198.51.100.1", 443) }
	old := []Flow{f(1, 1001), f(2, 1002), f(3, 1003)}
	// The dump: flow 1 updated, 2 gone, 3 again, new 4 and 5; flow 3 twice
	// (a dump may return a flow that moved in the hash twice).
	f1 := f(1, 1001)
	f1.SetExpires(f1.expires + 50)
	parts := []*Snapshot{
		part(false, true, f1, f(3, 1003)),
		part(true, true, f(4, 1004)),
		part(true, true, f(3, 1003), f(5, 1005)),
		part(true, false),
	}
	wantDuring := [][]uint32{{1, 2, 3}, {1, 2, 3, 4}, {1, 2, 3, 4, 5}, {1, 3, 4, 5}}

	t.Run("each part", func(t *testing.T) {
		tab := NewTable(0)
		tab.Apply(&Batch{Time: t0, Snapshot: part(false, false, old...)})
		l := NewList(tab)
		l.Len()
		for i, p := range parts {
			l.Update(tab.Apply(&Batch{Time: t0.Add(time.Duration(i+1) * time.Second), Snapshot: p}))
			if got := idsOf(tab); !slices.Equal(got, wantDuring[i]) {
				t.Fatalf("after part %d: flows %v, want %v", i, got, wantDuring[i])
			}
			if l.Len() != tab.Len() {
				t.Fatalf("after part %d: list of %d, table of %d", i, l.Len(), tab.Len())
			}
		}
		if s := tab.Find(f1.Key()); s < 0 || tab.At(s).expires != f1.expires {
			t.Fatal("flow 1 not updated by the dump")
		}
	})
	t.Run("merged", func(t *testing.T) {
		tab := NewTable(0)
		tab.Apply(&Batch{Time: t0, Snapshot: part(false, false, old...)})
		b := &Batch{}
		for _, p := range []*Snapshot{
			part(false, true, f1, f(3, 1003)), part(true, true, f(4, 1004)),
			part(true, true, f(3, 1003), f(5, 1005)), part(true, false),
		} {
			b.Merge(&Batch{Snapshot: p})
		}
		b.Time = t0.Add(time.Second)
		tab.Apply(b)
		if got := idsOf(tab); !slices.Equal(got, []uint32{1, 3, 4, 5}) {
			t.Fatalf("flows %v, want [1 3 4 5]", got)
		}
	})
}

// TestSnapshotAppendChunks appends parts of whole chunks (moved, not
// copied) and of odd sizes (copied): every flow once, in order.
func TestSnapshotAppendChunks(t *testing.T) {
	var want []uint32
	sn := &Snapshot{}
	id := uint32(1)
	for _, n := range []int{chunkSize, chunkSize, 100, chunkSize, 7} {
		p := &Snapshot{Continues: true, More: true}
		for i := 0; i < n; i++ {
			f := tcpFlow(id, "192.0.2.1", uint16(id), "198.51.100.1", 443)
			p.Add(&f, nil)
			want = append(want, id)
			id++
		}
		sn.Append(p)
	}
	if sn.Len() != len(want) {
		t.Fatalf("%d flows, want %d", sn.Len(), len(want))
	}
	for i := range want {
		if f, _ := sn.At(i); f.id != want[i] {
			t.Fatalf("flow %d: ID %d, want %d", i, f.id, want[i])
		}
	}
}

// TestSnapshotPart: a source that keeps a whole dump hands it over in
// parts that share its storage (Snapshot.Part): merged on the way as a
// slow receiver merges them, they hold the dump's flows in order, and
// the source's own snapshot, which goes on adding flows meanwhile, keeps
// its flows.
func TestSnapshotPart(t *testing.T) {
	const n = 3*PartFlows + 5
	flowAt := func(i int) Flow {
		f := tcpFlow(uint32(i+1), "192.0.2.1", uint16(i%60000+1), "198.51.100.1", 443)
		f.Orig.DstPort = uint16(i / 60000)
		f.Attrs |= HasCounters
		return f
	}
	whole := &Snapshot{}
	b := &Batch{}
	handed := 0
	for i := 0; i < n; i++ {
		f := flowAt(i)
		c := Counters{OrigPackets: uint64(i)}
		whole.Add(&f, &c)
		if whole.Len()-handed == PartFlows {
			p := whole.Part(handed)
			p.Continues, p.More = handed > 0, true
			handed = whole.Len()
			if p.Len() != PartFlows {
				t.Fatalf("part of %d flows", p.Len())
			}
			b.Merge(&Batch{Snapshot: p})
		}
	}
	last := whole.Part(handed)
	last.Continues = true
	if last.Len() != 5 {
		t.Fatalf("last part of %d flows", last.Len())
	}
	b.Merge(&Batch{Snapshot: last})
	if b.Snapshot.Len() != n || b.Snapshot.More || b.Snapshot.Continues {
		t.Fatalf("merged parts: %d flows, more %v, continues %v", b.Snapshot.Len(), b.Snapshot.More, b.Snapshot.Continues)
	}
	for i := 0; i < n; i++ {
		want := flowAt(i)
		for _, sn := range []*Snapshot{b.Snapshot, whole} {
			f, c := sn.At(i)
			if !f.SameAs(&want) || c.OrigPackets != uint64(i) {
				t.Fatalf("flow %d: %+v %+v, want %+v", i, f, c, want)
			}
		}
	}
	tab := NewTable(0)
	tab.Apply(b)
	if tab.Len() != n {
		t.Errorf("table of %d flows", tab.Len())
	}
}
