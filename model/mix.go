package model

import (
	"cmp"
	"slices"
	"strings"
)

// Mix counts a group's flows by State (the state mix of a top-view row),
// exactly, in 76 bytes: the states of TCP, UNREPLIED, REPLIED and the
// unknown state, which nearly all flows are in, each have a counter; the
// SCTP and DCCP states share mixRare counters, taken by the first states
// that need them. A group whose flows are in more SCTP and DCCP states than
// that (it takes an SCTP association in five states at once) counts the
// rest together, as "other SCTP/DCCP states". A million groups (a spoofed
// flood grouped by source) cost 28 bytes more each than TCP's states did,
// not NumStates*4.
type Mix struct {
	common    [mixCommon]int32
	rareState [mixRare]State
	rare      [mixRare]int32
	rareOther int32
}

const (
	// mixCommon counts: TCP's 10 states, UNREPLIED, REPLIED, unknown.
	mixCommon      = 13
	mixUnreplied   = 10
	mixReplied     = 11
	mixUnknown     = 12
	mixRare        = 4
	otherRareLabel = "other SCTP/DCCP states"
)

// commonIndex returns the counter of state s, or -1 for a rare one.
func commonIndex(s State) int {
	switch {
	case s == StateUnknown:
		return mixUnknown
	case s == StateUnreplied:
		return mixUnreplied
	case s == StateReplied:
		return mixReplied
	case s.Proto() == ProtoTCP:
		return int(s.Number())
	}
	return -1
}

// Add counts d more flows (d < 0: fewer) in state s.
func (m *Mix) Add(s State, d int32) {
	if i := commonIndex(s); i >= 0 {
		m.common[i] += d
		return
	}
	free := -1
	for i := range m.rare {
		if m.rare[i] != 0 && m.rareState[i] == s {
			m.rare[i] += d
			return
		}
		if m.rare[i] == 0 && free < 0 {
			free = i
		}
	}
	if free >= 0 && d > 0 {
		m.rareState[free], m.rare[free] = s, d
		return
	}
	m.rareOther += d
}

// merge adds (d 1) or subtracts (d -1) the counts of o.
func (m *Mix) merge(o *Mix, d int32) {
	for i := range m.common {
		m.common[i] += d * o.common[i]
	}
	for i := range o.rare {
		if o.rare[i] != 0 {
			m.Add(o.rareState[i], d*o.rare[i])
		}
	}
	m.rareOther += d * o.rareOther
}

// Count returns the flows counted in state s (those counted together as
// other SCTP/DCCP states excluded).
func (m *Mix) Count(s State) int {
	if i := commonIndex(s); i >= 0 {
		return int(m.common[i])
	}
	for i := range m.rare {
		if m.rare[i] != 0 && m.rareState[i] == s {
			return int(m.rare[i])
		}
	}
	return 0
}

// States returns the mix, largest first (ties by name): state labels
// (StateLabel) and flow counts. Every flow counted is in it.
func (m *Mix) States() []StateCount {
	var out []StateCount
	for i, n := range m.common {
		if n <= 0 {
			continue
		}
		var s State
		switch i {
		case mixUnknown:
			s = StateUnknown
		case mixUnreplied:
			s = StateUnreplied
		case mixReplied:
			s = StateReplied
		default:
			s = TCPState(uint8(i))
		}
		out = append(out, StateCount{StateLabel(s), int(n)})
	}
	for i, n := range m.rare {
		if n > 0 {
			out = append(out, StateCount{StateLabel(m.rareState[i]), int(n)})
		}
	}
	if m.rareOther > 0 {
		out = append(out, StateCount{otherRareLabel, int(m.rareOther)})
	}
	slices.SortFunc(out, func(a, b StateCount) int {
		if c := cmp.Compare(b.Flows, a.Flows); c != 0 {
			return c
		}
		return strings.Compare(a.State, b.State)
	})
	return out
}

// StateCount is one entry of a state mix.
type StateCount struct {
	State string
	Flows int
}

// StateLabel names state s where flows of several protocols are counted
// together (groups, the state mix, metrics): as String, with the protocol
// before SCTP and DCCP states ("sctp ESTABLISHED" is not TCP's), and "-"
// for the unknown state.
func StateLabel(s State) string {
	switch p := s.Proto(); {
	case s == StateUnknown:
		return "-"
	case p == ProtoSCTP || p == ProtoDCCP:
		return ProtoName(p) + " " + s.String()
	}
	return s.String()
}
