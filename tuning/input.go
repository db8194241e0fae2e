package tuning

import (
	"slices"
	"time"

	"github.com/cttop/cttop/model"
)

// StateFlows are the flows of one protocol in one state (the one state
// model, model.State) with their TTLs: what the composition and the
// timeout advice rest on. TCP flows picked up mid-stream and offloaded
// flows are apart, because the kernel times them differently.
type StateFlows struct {
	Proto uint8
	// State is StateUnknown when the source gave none (Offloaded flows,
	// or an event without one).
	State model.State
	// MidStream marks TCP flows that are ESTABLISHED without a reply seen:
	// the kernel picked them up mid-stream (nf_conntrack_tcp_loose=1) and
	// keeps them no longer than nf_conntrack_tcp_timeout_unacknowledged
	// (since 5.19).
	MidStream bool
	// Offloaded marks flows in a flowtable (OFFLOAD, HW_OFFLOAD): the
	// kernel reports no timeout and no state for them.
	Offloaded bool
	// Flows is how many flows there are.
	Flows int
	// TTLs are the known TTLs of the flows, in seconds, ascending; the
	// others (Flows - len(TTLs)) have no known timeout.
	TTLs []uint32
}

// MaxTTL returns the largest TTL seen, -1 if none is known.
func (s *StateFlows) MaxTTL() int64 {
	if len(s.TTLs) == 0 {
		return -1
	}
	return int64(s.TTLs[len(s.TTLs)-1])
}

// Recent is what the kernel's counters did while cttop watched the table:
// the evidence for advice about drops, where the counters themselves count
// since boot (or since the namespace was made).
type Recent struct {
	// Known is set when cttop watched at all (not for a replay).
	Known bool
	// Span is how long cttop watched.
	Span time.Duration
	// Drops is drop + early_drop, InsertFailed insert_failed, over Span.
	Drops, InsertFailed uint64
}

// RecentFrom returns the counters' increase from first to last, read Span
// apart; not Known unless both are valid and in order.
func RecentFrom(first, last model.TableStats, span time.Duration) Recent {
	if !first.Valid || !last.Valid || span <= 0 {
		return Recent{}
	}
	d0, d1 := first.Drop+first.EarlyDrop, last.Drop+last.EarlyDrop
	if d1 < d0 || last.InsertFailed < first.InsertFailed {
		return Recent{} // the counters went back: another namespace, or a reset
	}
	return Recent{Known: true, Span: span, Drops: d1 - d0, InsertFailed: last.InsertFailed - first.InsertFailed}
}

// InputFromTable describes t for the advisor: its composition with the
// topN busiest destination services and sources (model.Compose), its flows
// by protocol and state with their TTLs at the Unix time now (the table's
// time, t.Now(), for a table fed by batches), and where its
// flows come from when it is a replay or the demo. It walks the table
// twice (Compose, then the states). The caller adds the Settings
// (source.ReadTuning), Recent, and for a live table loaded without batches
// the Stats of the same moment.
func InputFromTable(t *model.Table, topN int, now uint32) Input {
	in := Input{Table: model.Compose(t, topN), States: StatesOf(t, now)}
	switch info := t.Info(); info.Kind {
	case "replay":
		in.FlowsFrom = "replay file " + info.Name
	case "demo":
		in.FlowsFrom = "the demo (synthetic flows)"
	}
	return in
}

// StatesOf sorts t's flows by protocol and state (StateFlows), with their
// TTLs at the Unix time now; protocols in number order, states in
// model.State order.
func StatesOf(t *model.Table, now uint32) []StateFlows {
	type key struct {
		proto    uint8
		state    model.State
		mid, off bool
	}
	groups := make(map[key]*StateFlows)
	for slot := int32(0); slot < t.Slots(); slot++ {
		f := t.At(slot)
		if f.Family == 0 {
			continue
		}
		st, _ := f.State()
		k := key{proto: f.Proto, state: st,
			off: f.Status&(model.StatusOffload|model.StatusHWOffload) != 0}
		k.mid = f.Proto == model.ProtoTCP && st == model.TCPState(model.TCPEstablished) && f.Status&model.StatusSeenReply == 0
		g := groups[k]
		if g == nil {
			g = &StateFlows{Proto: k.proto, State: k.state, MidStream: k.mid, Offloaded: k.off}
			groups[k] = g
		}
		g.Flows++
		if ttl, ok := f.TTL(now); ok {
			g.TTLs = append(g.TTLs, ttl)
		}
	}
	out := make([]StateFlows, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g.TTLs)
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b StateFlows) int {
		switch {
		case a.Proto != b.Proto:
			return int(a.Proto) - int(b.Proto)
		case a.State != b.State:
			return int(a.State) - int(b.State)
		case a.MidStream != b.MidStream:
			return boolInt(a.MidStream) - boolInt(b.MidStream)
		}
		return boolInt(a.Offloaded) - boolInt(b.Offloaded)
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
