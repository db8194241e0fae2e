package firewall

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/cttop/cttop/action"
	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// Firewall installs plans into table inet cttop of one network namespace
// through nftables netlink. Its methods are safe for concurrent use and run
// one at a time; each opens its own netlink socket, so a failed call leaves
// nothing behind for the next.
type Firewall struct {
	mu     sync.Mutex
	netns  int // a duplicate of the namespace file descriptor, or 0
	closed bool

	// beforeFlush, if set, runs just before Apply sends its batch (tests
	// use it to make the kernel reject a batch).
	beforeFlush func(*nftables.Conn, *nftables.Table)
	// recvBuf, if set, is the receive buffer of Apply's socket (tests make
	// the acknowledgements overflow it).
	recvBuf int
}

// Open returns a Firewall for the network namespace netnsFd refers to (an
// open /run/netns/NAME), or for the calling thread's namespace if netnsFd
// is 0. Open keeps a duplicate of the descriptor: the caller may close
// its own. It checks that nftables answers, so missing privileges show
// here as an error wrapping ErrPermission.
func Open(netnsFd int) (*Firewall, error) {
	fw := &Firewall{}
	if netnsFd != 0 {
		fd, err := unix.FcntlInt(uintptr(netnsFd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			return nil, fmt.Errorf("open firewall: %w", err)
		}
		fw.netns = fd
	}
	if _, err := tableExists(fw.conn(nil)); err != nil {
		fw.Close()
		return nil, fmt.Errorf("open firewall: %w", err)
	}
	return fw, nil
}

// Close releases the namespace descriptor. The rules stay in the kernel.
func (fw *Firewall) Close() error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil
	}
	fw.closed = true
	if fw.netns != 0 {
		return unix.Close(fw.netns)
	}
	return nil
}

// conn returns a fresh nftables connection whose sockets are sized for the
// batch b counts (nil for reading). Every operation uses its own Conn,
// because a Conn keeps unsent messages and serialization errors until its
// next Flush: reusing one after an error could send half a batch.
func (fw *Firewall) conn(b *batchSize) *nftables.Conn {
	opts := []nftables.ConnOption{nftables.WithSockOptions(b.set)}
	if fw.netns != 0 {
		opts = append(opts, nftables.WithNetNSFd(fw.netns))
	}
	c, _ := nftables.New(opts...) // fails only for lasting connections
	return c
}

// classify wraps the errors of the kernel with ErrPermission or
// ErrUnsupported when they mean that.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: %w", ErrPermission, err)
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EPROTONOSUPPORT), errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return err
}

// Apply installs the plan in one batch: it creates table inet cttop, its
// sets and its chains if missing, rebuilds the chains' rules (so applying
// twice never duplicates them), and adds the plan's entries with the plan's
// timeout, sibling networks merged into their parent (merge). Entries
// already in the sets stay; one added again is replaced, so it gets the
// plan's timeout. A new network also replaces the entries it contains; an
// address or network inside an existing network of the same set is an
// error wrapping ErrOverlap. The kernel applies the batch whole or not at
// all, whatever its size.
//
// Errors found before sending (the plan, the table's layout) mean nothing
// was sent. An error from the kernel or the socket afterwards is followed
// by reading the table back: if every target is in it as planned, Apply
// returns nil; otherwise it returns an *ApplyError that says which targets
// are in the kernel's table and which are not.
func (fw *Firewall) Apply(p Plan) error {
	n, err := p.normalize()
	if err != nil {
		return fmt.Errorf("apply rules: %w", err)
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return fmt.Errorf("apply rules: %w", ErrClosed)
	}
	err = fw.apply(n)
	if errors.Is(err, unix.ENOENT) {
		// An entry being replaced expired between reading and deleting it.
		err = fw.apply(n)
	}
	if err != nil {
		return fmt.Errorf("apply rules: %w", err)
	}
	return nil
}

// apply makes one attempt to install the normalized plan n.
func (fw *Firewall) apply(n Plan) error {
	size := batchSize{recvBuf: fw.recvBuf}
	c := fw.conn(&size)
	st, err := read(c, fw.netns)
	if err != nil {
		return err
	}
	if err := st.conflict(); err != nil {
		return err
	}
	merged := merge(n.Targets)
	replaced, err := replacedBy(merged, st.entries)
	if err != nil {
		return err
	}
	var proxy *SynProxyParams
	if n.has(action.SynProxy) {
		proxy = &n.SynProxy
	}
	byName, err := queueLayout(c, st, proxy)
	if err != nil {
		return err
	}
	for _, s := range sets {
		del, add := ofSet(replaced, s.name), ofSet(merged, s.name)
		if s.name == SetSynProxyIn { // mirrors SetSynProxy; re-add the ports it has
			add, del = ofSet(merged, SetSynProxy), nil
			for _, t := range add {
				if st.synIn[t.Port] {
					del = append(del, t)
				}
			}
		}
		if err := queueElements(c, byName[s.name], del, 0, true, &size); err != nil {
			return fmt.Errorf("remove replaced entries: %w", err)
		}
		if err := queueElements(c, byName[s.name], add, n.Duration, false, &size); err != nil {
			return fmt.Errorf("add entries: %w", err)
		}
	}
	if fw.beforeFlush != nil {
		fw.beforeFlush(c, byName[SetBlocked4].Table)
	}
	if err := c.Flush(); err != nil {
		return fw.verify(n, merged, st.entries, classify(err))
	}
	return nil
}

// queueLayout queues the table, its sets, and its chains emptied and
// refilled with their rules. It returns the sets by name.
//
// A set made by an older cttop has no counters, and the kernel refuses to
// add a set over one with another definition. Such a set is deleted and
// made anew with counters if it is empty (after emptying the chains, which
// refer to it); if it holds entries it stays as it is, and List reports
// their counts as unknown, until it is empty at a later Apply.
//
// With proxy set, the SYNPROXY chain is rebuilt too, with those options;
// otherwise it stays as it is (or missing).
func queueLayout(c *nftables.Conn, st state, proxy *SynProxyParams) (map[string]*nftables.Set, error) {
	table := c.AddTable(cttopTable())
	counted := func(s setSpec) bool { return st.sets[s.name] == nil || st.counters[s.name] || st.elems[s.name] == 0 }
	var remake []string
	for _, s := range sets {
		if s.counter && st.sets[s.name] != nil && !st.counters[s.name] && st.elems[s.name] == 0 {
			remake = append(remake, s.name)
		}
	}
	if len(remake) > 0 {
		for _, cs := range chains {
			if st.chains[cs.name] != nil {
				c.FlushChain(&nftables.Chain{Table: table, Name: cs.name})
			}
		}
		for _, name := range remake {
			c.DelSet(&nftables.Set{Table: table, Name: name})
		}
	}
	byName := make(map[string]*nftables.Set, len(sets))
	for i, s := range sets {
		set := s.nftSet(table, uint32(i+1))
		set.Counter = s.counter && counted(s)
		if err := c.AddSet(set, nil); err != nil {
			return nil, fmt.Errorf("add set %s: %w", s.name, err)
		}
		byName[s.name] = set
	}
	rebuild := chains[:]
	if proxy != nil {
		rebuild = append(rebuild, inputChain(*proxy))
	}
	for _, cs := range rebuild {
		chain := c.AddChain(cs.nftChain(table))
		c.FlushChain(chain)
		for _, r := range cs.rules {
			c.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: r.exprs(byName[r.set])})
		}
	}
	return byName, nil
}

// ofSet returns the targets that belong in set name.
func ofSet(ts []action.Target, name string) []action.Target {
	var out []action.Target
	for _, t := range ts {
		if setOf(t) == name {
			out = append(out, t)
		}
	}
	return out
}

// List returns the entries in cttop's table with their time left, drops
// first, then untracked addresses and services, each in address order.
// Without the table it returns no entries and no error.
func (fw *Firewall) List() ([]action.Entry, error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil, fmt.Errorf("list rules: %w", ErrClosed)
	}
	st, err := read(fw.conn(nil), fw.netns)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return st.entries, nil
}

// Remove deletes one entry from cttop's table. A target that is not there
// exactly as given (such as an address inside a blocked network) is an
// error wrapping ErrNotFound.
func (fw *Firewall) Remove(t action.Target) error {
	n, err := t.Normalize()
	if err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return fmt.Errorf("remove rule: %w", ErrClosed)
	}
	c := fw.conn(&batchSize{msgs: 1, elems: 2})
	st, err := read(c, fw.netns)
	if err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	current := st.entries
	if !slices.ContainsFunc(current, func(e action.Entry) bool { return e.Target == n }) {
		for _, e := range current {
			if !n.IsService() && !e.Target.IsService() && setOf(e.Target) == setOf(n) && e.Target.Addr.Overlaps(n.Addr) {
				return fmt.Errorf("remove rule: %s: %w (it is part of %s)", n, ErrNotFound, e.Target)
			}
		}
		return fmt.Errorf("remove rule: %s: %w", n, ErrNotFound)
	}
	set := &nftables.Set{Table: cttopTable(), Name: setOf(n), HasTimeout: true}
	if err := c.SetDeleteElements(set, elements(n, 0)); err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	if n.Action == action.SynProxy && st.synIn[n.Port] {
		in := &nftables.Set{Table: cttopTable(), Name: SetSynProxyIn, HasTimeout: true}
		if err := c.SetDeleteElements(in, elements(n, 0)); err != nil {
			return fmt.Errorf("remove rule: %w", err)
		}
	}
	if err := c.Flush(); err != nil {
		if errors.Is(err, unix.ENOENT) { // expired meanwhile
			return fmt.Errorf("remove rule: %s: %w", n, ErrNotFound)
		}
		return fmt.Errorf("remove rule: %w", classify(err))
	}
	return nil
}
