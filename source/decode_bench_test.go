package source

import (
	"encoding/binary"
	"testing"

	"github.com/cttop/cttop/model"
)

// The decoder benchmarks run over ctnetlink datagrams captured from a
// kernel (testdata/ctnetlink-*.bin, written by TestEventsAgreeWithLibrary
// -capture): a dump of 1,011 flows (IPv4, IPv6, ICMP, NAT, zones, marks,
// with counters and timestamps) and the events of their creation, update
// and destruction. They need no kernel.

// dumpSeq returns the sequence number of a captured dump.
func dumpSeq(b []byte) uint32 { return binary.NativeEndian.Uint32(b[8:12]) }

// BenchmarkDecodeDump decodes a captured dump: the hand-written decoder
// alone, per flow. It must not allocate.
func BenchmarkDecodeDump(b *testing.B) {
	dgs := readCapture(b, "ctnetlink-dump.bin")
	seq := dumpSeq(dgs[0])
	var f model.Flow
	var c model.Counters
	var dec decoder
	flows := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range dgs {
			if _, err := dec.decodeDump(d, seq, 1_700_000_000, &f, &c, func(*model.Flow, *model.Counters, *model.Ext) { flows++ }); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(flows), "ns/flow")
	b.ReportMetric(float64(flows)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkDecodeDumpInsert is what a dump costs cttop besides the kernel:
// decoding into a table (Table.Insert), as --once does, per flow. Every
// pass over the capture gets fresh conntrack IDs, so that the table grows
// as a real one, up to a million flows (then it starts again).
func BenchmarkDecodeDumpInsert(b *testing.B) {
	dgs := readCapture(b, "ctnetlink-dump.bin")
	seq := dumpSeq(dgs[0])
	var ids [][]int
	for _, d := range dgs {
		ids = append(ids, idOffsets(b, d))
	}
	var f model.Flow
	var c model.Counters
	var dec decoder
	flows, id := 0, uint32(0)
	t := model.NewTable(1 << 20)
	insert := func(f *model.Flow, c *model.Counters, x *model.Ext) {
		t.InsertExt(f, c, cloneExt(x))
		flows++
	}
	b.ReportAllocs()
	for b.Loop() {
		if t.Len() >= 1_000_000 {
			b.StopTimer()
			t = model.NewTable(1 << 20)
			b.StartTimer()
		}
		for i, d := range dgs {
			for _, off := range ids[i] {
				id++
				binary.BigEndian.PutUint32(d[off:], id)
			}
			if _, err := dec.decodeDump(d, seq, 1_700_000_000, &f, &c, insert); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(flows), "ns/flow")
}

// idOffsets returns the offsets of the CTA_ID values of the flow messages
// in datagram d.
func idOffsets(tb testing.TB, d []byte) []int {
	var out []int
	for off := 0; off+nlmsgHdrLen <= len(d); {
		l := int(binary.NativeEndian.Uint32(d[off:]))
		if typ := binary.NativeEndian.Uint16(d[off+4:]); typ>>8 == nfnlSubsysCTNetlink {
			out = append(out, off+idOffset(tb, d[off:off+l]))
		}
		off += (l + 3) &^ 3
	}
	return out
}

// BenchmarkDecodeEvents decodes captured event datagrams, per event.
func BenchmarkDecodeEvents(b *testing.B) {
	dgs := readCapture(b, "ctnetlink-events.bin")
	var e model.Event
	var dec decoder
	events := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range dgs {
			if err := dec.decodeEvents(d, 1_700_000_000, &e, func(*model.Event) { events++ }); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// idOffset returns the offset of the CTA_ID value in event datagram d.
func idOffset(tb testing.TB, d []byte) int {
	off := nlmsgHdrLen + nfgenHdrLen
	a := attrs{b: d[off:]}
	for {
		rest := len(a.b)
		if !a.next() {
			tb.Fatal("event without CTA_ID")
		}
		if a.typ == ctaID {
			return len(d) - rest + 4
		}
	}
}

// BenchmarkEventPath is the event reader's work per event without the
// system call: decode a datagram and coalesce it into the batch
// (Batch.Add), with a new batch every 10,000 events as a handoff every
// interval at 100,000 events/s would give. Each event gets a fresh
// conntrack ID, so that they are all distinct flows, as in a storm.
func BenchmarkEventPath(b *testing.B) {
	dgs := readCapture(b, "ctnetlink-events.bin")
	ids := make([]int, len(dgs))
	for i, d := range dgs {
		ids[i] = idOffset(b, d)
	}
	var e model.Event
	var dec decoder
	batch := &model.Batch{}
	events, id := 0, uint32(0)
	add := func(e *model.Event) {
		batch.Add(e)
		events++
		if events%10_000 == 0 {
			batch = &model.Batch{}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, d := range dgs {
			id++
			binary.BigEndian.PutUint32(d[ids[i]:], id)
			if err := dec.decodeEvents(d, 1_700_000_000, &e, add); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
