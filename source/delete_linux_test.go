package source

import (
	"context"
	"testing"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
)

// flowsOf lists the table's flows.
func flowsOf(tab *model.Table) []model.Flow {
	var out []model.Flow
	for s := int32(0); s < tab.Slots(); s++ {
		if tab.Live(s) {
			out = append(out, *tab.At(s))
		}
	}
	return out
}

// TestDeleteZonesAndIDs: deletion finds flows outside zone 0, leaves the
// same tuple in another zone alone, reports flows already gone, and does
// not delete a newer flow that reuses the tuple (another ID).
func TestDeleteZonesAndIDs(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	base := sourcetest.Spec{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 40000, DstPort: 80}
	zoned := base
	zoned.Zone = 5
	v6 := sourcetest.Spec{Src: "2001:db8::1", Dst: "2001:db8::2", SrcPort: 1, DstPort: 443, Zone: 5}
	icmp := sourcetest.Spec{Proto: 1, Src: "192.0.2.4", Dst: "198.51.100.1", ICMPType: 8, ICMPID: 77, Timeout: 60}
	sourcetest.Create(t, c, base, zoned, v6, icmp)
	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	tab := loadTable(t, k)
	var del []model.Flow
	for _, f := range flowsOf(tab) {
		if z, _ := f.Zone(); z.ID == 5 || f.Proto == model.ProtoICMP {
			del = append(del, f)
		}
	}
	if len(del) != 3 {
		t.Fatalf("%d flows to delete, want 3", len(del))
	}
	res, err := k.Delete(context.Background(), del, nil)
	if err != nil || res != (action.DeleteResult{Deleted: 3}) {
		t.Fatalf("Delete: %+v %v", res, err)
	}
	left := flowsOf(loadTable(t, k))
	if len(left) != 1 || zoneOf(&left[0]) != 0 || left[0].Proto != model.ProtoTCP {
		t.Fatalf("left %+v, want the zone 0 flow", left)
	}
	// Again: all three are gone already.
	if res, err := k.Delete(context.Background(), del, nil); err != nil || res != (action.DeleteResult{Gone: 3}) {
		t.Fatalf("second Delete: %+v %v", res, err)
	}
	// A wrong ID leaves the flow with that tuple alone.
	stale := left[0]
	stale.SetID(idOf(&stale) + 1)
	if res, err := k.Delete(context.Background(), []model.Flow{stale}, nil); err != nil || res.Gone != 1 {
		t.Fatalf("stale Delete: %+v %v", res, err)
	}
	if loadTable(t, k).Len() != 1 {
		t.Fatal("a flow with another ID was deleted")
	}
}

// TestDeleteManyInBatches deletes thousands of flows with progress.
func TestDeleteManyInBatches(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	if err := sourcetest.Fill(c, 0, 3000, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	flows := flowsOf(loadTable(t, k))
	var calls, last int
	res, err := k.Delete(context.Background(), flows[:2500], func(done int) { calls++; last = done })
	if err != nil || res.Deleted != 2500 || res.Gone != 0 {
		t.Fatalf("Delete: %+v %v", res, err)
	}
	if calls != (2500+deleteBatch-1)/deleteBatch || last != 2500 {
		t.Errorf("progress: %d calls, last %d", calls, last)
	}
	if n := loadTable(t, k).Len(); n != 500 {
		t.Fatalf("%d flows left, want 500", n)
	}
}

// TestFlushByMark: the kernel flushes by mark and zone in one request.
func TestFlushByMark(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	sourcetest.Create(t, c,
		sourcetest.Spec{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 1, DstPort: 80, Mark: 0x12},
		sourcetest.Spec{Src: "192.0.2.2", Dst: "198.51.100.1", SrcPort: 1, DstPort: 80, Mark: 0x13},
		sourcetest.Spec{Src: "192.0.2.3", Dst: "198.51.100.1", SrcPort: 1, DstPort: 80, Mark: 0x22, Zone: 4},
		sourcetest.Spec{Src: "192.0.2.4", Dst: "198.51.100.1", SrcPort: 1, DstPort: 80})
	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	f, _ := filter.Parse("mark 0x10/0xf0")
	sel, ok := f.KernelSelector()
	if !ok {
		t.Fatal("mark filter not kernel-expressible")
	}
	if err := k.Flush(sel); err != nil {
		t.Fatal(err)
	}
	left := flowsOf(loadTable(t, k))
	if len(left) != 2 {
		t.Fatalf("%d flows left after flushing mark 0x10/0xf0, want 2", len(left))
	}
	zf, _ := filter.Parse("zone 4")
	zsel, _ := zf.KernelSelector()
	if err := k.Flush(zsel); err != nil {
		t.Fatal(err)
	}
	left = flowsOf(loadTable(t, k))
	if len(left) != 1 || markOf(&left[0]) != 0 {
		t.Fatalf("after zone flush: %+v", left)
	}
}
