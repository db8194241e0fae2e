package firewall

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cttop/cttop/action"
	"github.com/google/nftables"
)

// ErrConflict is wrapped by the errors of Apply when table inet cttop holds
// a set or chain with one of cttop's names but another definition (changed
// by hand). Apply changes nothing then; deleting the table fixes it.
var ErrConflict = errors.New("table inet " + TableName + " differs from cttop's layout " +
	"(nft delete table inet " + TableName + " resets it)")

// state is what table inet cttop holds.
type state struct {
	exists   bool
	sets     map[string]*nftables.Set   // by name
	chains   map[string]*nftables.Chain // by name
	counters map[string]bool            // the sets whose elements count
	elems    map[string]int             // entries (not interval ends) in each of the layout's sets
	synIn    map[uint16]bool            // the ports in SetSynProxyIn
	entries  []action.Entry
}

// tableExists reports whether table inet cttop exists.
func tableExists(c *nftables.Conn) (bool, error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return false, classify(fmt.Errorf("list tables: %w", err))
	}
	return slices.ContainsFunc(tables, func(t *nftables.Table) bool { return t.Name == TableName }), nil
}

// read reads the table's sets, chains and the entries of the layout's
// sets, through c, in the namespace netns (0: the calling thread's).
func read(c *nftables.Conn, netns int) (state, error) {
	st := state{sets: map[string]*nftables.Set{}, chains: map[string]*nftables.Chain{}, elems: map[string]int{}, synIn: map[uint16]bool{}}
	var err error
	if st.exists, err = tableExists(c); err != nil || !st.exists {
		return st, err
	}
	if st.counters, err = setCounters(netns); err != nil {
		return st, err
	}
	have, err := c.GetSets(cttopTable())
	if err != nil {
		return st, classify(fmt.Errorf("list sets: %w", err))
	}
	for _, s := range have {
		st.sets[s.Name] = s
	}
	chs, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return st, classify(fmt.Errorf("list chains: %w", err))
	}
	for _, ch := range chs {
		if ch.Table != nil && ch.Table.Name == TableName {
			st.chains[ch.Name] = ch
		}
	}
	for _, s := range sets {
		if st.sets[s.name] == nil {
			continue
		}
		elems, err := c.GetSetElements(&nftables.Set{Table: cttopTable(), Name: s.name})
		if err != nil {
			return st, classify(fmt.Errorf("list set %s: %w", s.name, err))
		}
		for _, e := range elems {
			if !e.IntervalEnd { // nft leaves an end at 0.0.0.0 or :: in an empty set
				st.elems[s.name]++
			}
		}
		es := entries(s, s.action(), elems)
		if s.name == SetSynProxyIn { // the same ports as SetSynProxy, not entries of their own
			for _, e := range es {
				st.synIn[e.Target.Port] = true
			}
			continue
		}
		slices.SortFunc(es, func(x, y action.Entry) int { return action.Compare(x.Target, y.Target) })
		st.entries = append(st.entries, es...)
	}
	return st, nil
}

// conflict returns an error wrapping ErrConflict if a set or chain of the
// layout exists with another definition.
func (st state) conflict() error {
	for _, s := range sets {
		have := st.sets[s.name]
		if have == nil {
			continue
		}
		want := s.nftSet(cttopTable(), 0)
		if have.KeyType.Name != want.KeyType.Name || have.Interval != want.Interval ||
			have.HasTimeout != want.HasTimeout || have.IsMap || have.Constant || have.Concatenation {
			return fmt.Errorf("%w: set %s is not { type %s; flags %s }", ErrConflict, s.name, s.key, s.flags())
		}
	}
	for _, cs := range append(chains[:], inputChain(SynProxyParams{})) {
		have := st.chains[cs.name]
		if have == nil {
			continue
		}
		want := cs.nftChain(cttopTable())
		if have.Hooknum == nil || have.Priority == nil || *have.Hooknum != *want.Hooknum ||
			*have.Priority != *want.Priority || have.Type != want.Type {
			return fmt.Errorf("%w: chain %s is not { type filter hook %s priority %s }", ErrConflict, cs.name, cs.hook, priorityName(cs.priority))
		}
	}
	return nil
}

// replacedBy returns the current entries that the plan's targets replace:
// the same targets, and networks and addresses inside the plan's networks.
// A current network that contains one of the plan's targets is an error.
// current must be sorted as read sorts it.
func replacedBy(targets []action.Target, current []action.Entry) ([]action.Target, error) {
	bySet := map[string][]action.Target{}
	var services []action.Target
	for _, e := range current {
		bySet[setOf(e.Target)] = append(bySet[setOf(e.Target)], e.Target)
		if e.Target.IsService() {
			services = append(services, e.Target)
		}
	}
	for _, t := range targets {
		if t.IsService() {
			if err := tcpClash(slices.Concat(services, []action.Target{t}), "already applied"); err != nil {
				return nil, err
			}
		}
	}
	var out []action.Target
	for _, t := range targets {
		cur := bySet[setOf(t)]
		if t.IsService() {
			if slices.Contains(cur, t) {
				out = append(out, t)
			}
			continue
		}
		// The entries from the first that starts at or after t's address.
		i, _ := slices.BinarySearchFunc(cur, t, action.Compare)
		if i > 0 && cur[i-1].Addr.Contains(t.Addr.Addr()) {
			return nil, overlapErr(t, cur[i-1])
		}
		for ; i < len(cur) && t.Addr.Contains(cur[i].Addr.Addr()); i++ {
			if cur[i].Addr.Bits() < t.Addr.Bits() {
				return nil, overlapErr(t, cur[i])
			}
			out = append(out, cur[i])
		}
	}
	return out, nil
}

func overlapErr(t, applied action.Target) error {
	return fmt.Errorf("%w: %s is inside %s, already applied: remove that first", ErrOverlap, t, action.PrefixString(applied.Addr))
}

// verify reads the table back after a batch that ended in err, and
// returns nil if every target of the plan n is in it as planned (merged
// into merged), or else an *ApplyError. before is what the table held
// before the batch: an entry that was there with the same timeout counts
// as applied only if its time left grew (the batch refreshed it).
func (fw *Firewall) verify(n Plan, merged []action.Target, before []action.Entry, err error) error {
	ae := &ApplyError{Err: err}
	st, rerr := read(fw.conn(nil), fw.netns)
	if rerr != nil {
		ae.Unknown, ae.ReadErr = n.Targets, rerr
		return ae
	}
	index := func(es []action.Entry) map[action.Target]action.Entry {
		m := make(map[action.Target]action.Entry, len(es))
		for _, e := range es {
			m[e.Target] = e
		}
		return m
	}
	was, is := index(before), index(st.entries)
	into := mergedInto(n.Targets, merged)
	for _, t := range n.Targets {
		m := into[t]
		e, in := is[m]
		old, had := was[m]
		in = in && e.Timeout == n.Duration && (n.Duration == 0 || !had || e.Expires > old.Expires)
		if in {
			ae.In = append(ae.In, t)
		} else {
			ae.NotIn = append(ae.NotIn, t)
		}
	}
	if len(ae.NotIn) == 0 {
		return nil
	}
	return ae
}
