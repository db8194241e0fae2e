package model

// chunkBits sets the size of a storage chunk: 4096 flows, 400 KiB. Chunks
// grow the store without ever copying it, so a million flows take a
// million flows' memory and not twice that while a slice doubles.
const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

type chunk struct {
	flows [chunkSize]Flow
	// ctrs is allocated on the first flow with counters in this chunk:
	// 32-bit counters, 16 bytes a flow, since nearly every flow's fit. A
	// flow whose don't is marked with bigCounters and kept in big.
	ctrs *[chunkSize]smallCounters
	// big and ext are keyed by the index in the chunk, not the slot, so
	// that a chunk keeps them when it moves (Snapshot.Append).
	big map[int32]Counters
	// ext is the side table of the rare attributes (see Ext), made on
	// the first flow of the chunk that has some.
	ext map[int32]*Ext
}

// smallCounters are counters that fit 32 bits each.
type smallCounters [4]uint32

// bigCounters marks a flow whose counters are in chunk.big.
var bigCounters = smallCounters{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}

func small(c *Counters) (smallCounters, bool) {
	const lim = uint64(^uint32(0))
	if c.OrigPackets >= lim || c.OrigBytes >= lim || c.ReplyPackets >= lim || c.ReplyBytes >= lim {
		return bigCounters, false
	}
	return smallCounters{uint32(c.OrigPackets), uint32(c.OrigBytes), uint32(c.ReplyPackets), uint32(c.ReplyBytes)}, true
}

// store is a growable array of flows addressed by slot, with counters kept
// apart and allocated only where some flow has them.
type store struct {
	chunks []*chunk
	n      int32 // slots in use, including free ones in a Table
}

func (s *store) flow(slot int32) *Flow {
	return &s.chunks[slot>>chunkBits].flows[slot&chunkMask]
}

func (s *store) counters(slot int32) Counters {
	ch := s.chunks[slot>>chunkBits]
	if ch.ctrs == nil {
		return Counters{}
	}
	c := ch.ctrs[slot&chunkMask]
	if c == bigCounters {
		return ch.big[slot&chunkMask]
	}
	return Counters{OrigPackets: uint64(c[0]), OrigBytes: uint64(c[1]), ReplyPackets: uint64(c[2]), ReplyBytes: uint64(c[3])}
}

func (s *store) setCounters(slot int32, c *Counters) {
	ch := s.chunks[slot>>chunkBits]
	if ch.ctrs == nil {
		if *c == (Counters{}) {
			return
		}
		ch.ctrs = new([chunkSize]smallCounters)
	}
	sc, ok := small(c)
	i := slot & chunkMask
	if !ok {
		if ch.big == nil {
			ch.big = make(map[int32]Counters)
		}
		ch.big[slot&chunkMask] = *c
	} else if ch.ctrs[i] == bigCounters {
		delete(ch.big, slot&chunkMask)
	}
	ch.ctrs[i] = sc
}

// ext returns the Ext of the flow at slot, nil if it has none.
func (s *store) ext(slot int32) *Ext {
	if s.flow(slot).Attrs&HasExt == 0 {
		return nil
	}
	return s.chunks[slot>>chunkBits].ext[slot&chunkMask]
}

// setExt keeps x (nil: none) as the Ext of the flow at slot; the flow's
// HasExt bit must say the same.
func (s *store) setExt(slot int32, x *Ext) {
	ch := s.chunks[slot>>chunkBits]
	if x == nil {
		if ch.ext != nil {
			delete(ch.ext, slot&chunkMask)
		}
		return
	}
	if ch.ext == nil {
		ch.ext = make(map[int32]*Ext)
	}
	ch.ext[slot&chunkMask] = x
}

// grow returns a new slot at the end.
func (s *store) grow() int32 {
	slot := s.n
	if int(slot>>chunkBits) == len(s.chunks) {
		s.chunks = append(s.chunks, new(chunk))
	}
	s.n++
	return slot
}

// Snapshot is a dump of a table, as a source reads it: complete, or one
// part of a dump handed over while the source reads the rest, so that a
// big table shows at once. A dump in parts is a first part (Continues
// false) with More set, parts that continue it, and a last part with More
// unset: flows in no part are gone once the last part is applied, and
// until then the table holds the flows read so far besides the old ones.
// A source that hands a dump over in parts holds the events that arrive
// meanwhile until its last part (Batch applies events after the part).
type Snapshot struct {
	s store
	// Continues says this part continues the dump of the previous one.
	Continues bool
	// More says parts of this dump follow.
	More bool
}

// PartFlows is the size of a storage chunk, in flows: a source that hands
// a dump over in parts (Snapshot) makes each part but the last this many
// flows, so that the parts join up without a copy.
const PartFlows = chunkSize

// Part returns the flows of sn from index from on as a snapshot of their
// own that shares sn's storage, without a copy, for a source that keeps a
// whole dump and hands it over in parts as it reads it (Continues and More
// are the caller's to set). from and, unless sn is complete, sn.Len() must
// be multiples of PartFlows: sn may go on adding flows, into chunks the
// part does not hold, but it must not change the part's flows, nor may
// the receiver.
func (sn *Snapshot) Part(from int) *Snapshot {
	first, n := int32(from)>>chunkBits, sn.s.n
	chunks := append([]*chunk(nil), sn.s.chunks[first:(n+chunkMask)>>chunkBits]...)
	return &Snapshot{s: store{chunks: chunks, n: n - first<<chunkBits}}
}

// Append adds the flows of the next part n to sn, which takes n's More.
// n must not be used afterwards: when sn ends on a whole chunk (a source's
// parts are whole chunks), n's storage joins sn's without a copy.
func (sn *Snapshot) Append(n *Snapshot) {
	if sn.s.n&chunkMask == 0 {
		sn.s.chunks = append(sn.s.chunks[:sn.s.n>>chunkBits], n.s.chunks...)
		sn.s.n += n.s.n
		sn.More = n.More
		return
	}
	for i := 0; i < n.Len(); i++ {
		f, c := n.At(i)
		sn.AddExt(f, &c, n.ExtAt(i))
	}
	sn.More = n.More
}

// Add appends a flow and its counters (nil when it has none).
func (sn *Snapshot) Add(f *Flow, c *Counters) { sn.AddExt(f, c, nil) }

// AddExt appends a flow, its counters (nil when it has none) and its Ext
// (nil when it has none; the snapshot keeps x, which must not change).
// The flow's HasExt bit follows x.
func (sn *Snapshot) AddExt(f *Flow, c *Counters, x *Ext) {
	slot := sn.s.grow()
	p := sn.s.flow(slot)
	*p = *f
	if c != nil && f.Attrs&HasCounters != 0 {
		sn.s.setCounters(slot, c)
	}
	if x.IsZero() {
		p.Attrs &^= HasExt
		return
	}
	p.Attrs |= HasExt
	sn.s.setExt(slot, x)
}

// Know marks the attributes in a (HasHelper, HasLabels, HasSecctx, HasMark,
// HasZone) known for every flow of the snapshot that does not say them:
// a saved table's format decides that its silence means none (conntrack -L
// prints every helper, so a line without one has none) only once the
// format is known. The values of such flows are none (Ext) or 0.
func (sn *Snapshot) Know(a Attr) {
	a &= HasHelper | HasLabels | HasSecctx | HasMark | HasZone
	for i := int32(0); i < sn.s.n; i++ {
		sn.s.flow(i).Attrs |= a
	}
}

// Len returns the number of flows.
func (sn *Snapshot) Len() int { return int(sn.s.n) }

// At returns flow i and its counters (zero when the flow has none: see
// HasCounters).
func (sn *Snapshot) At(i int) (*Flow, Counters) {
	return sn.s.flow(int32(i)), sn.s.counters(int32(i))
}

// ExtAt returns the Ext of flow i, nil when it has none.
func (sn *Snapshot) ExtAt(i int) *Ext { return sn.s.ext(int32(i)) }
