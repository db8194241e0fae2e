package firewall

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

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
	if _, err := tableExists(fw.conn()); err != nil {
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

// conn returns a fresh nftables connection. Every operation uses its own,
// because a Conn keeps unsent messages and serialization errors until its
// next Flush: reusing one after an error could send half a batch.
func (fw *Firewall) conn() *nftables.Conn {
	var opts []nftables.ConnOption
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
// timeout. Entries already in the sets stay; one added again is replaced,
// so it gets the plan's timeout. A new network also replaces the entries it
// contains; an address or network inside an existing network of the same
// set is an error wrapping ErrOverlap. The kernel applies the batch whole or
// not at all.
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
	c := fw.conn()
	st, err := read(c)
	if err != nil {
		return err
	}
	if err := st.conflict(); err != nil {
		return err
	}
	replaced, err := replacedBy(n, st.entries)
	if err != nil {
		return err
	}
	table := c.AddTable(cttopTable())
	byName := make(map[string]*nftables.Set, len(sets))
	for i, s := range sets {
		set := s.nftSet(table, uint32(i+1))
		if err := c.AddSet(set, nil); err != nil {
			return fmt.Errorf("add set %s: %w", s.name, err)
		}
		byName[s.name] = set
	}
	for _, cs := range chains {
		chain := c.AddChain(cs.nftChain(table))
		c.FlushChain(chain)
		for _, r := range cs.rules {
			c.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: r.exprs(byName[r.set])})
		}
	}
	for _, t := range replaced {
		if err := c.SetDeleteElements(byName[t.set()], elements(t, 0)); err != nil {
			return fmt.Errorf("remove %s: %w", t, err)
		}
	}
	for _, t := range n.Targets {
		if err := c.SetAddElements(byName[t.set()], elements(t, n.Duration)); err != nil {
			return fmt.Errorf("add %s: %w", t, err)
		}
	}
	if fw.beforeFlush != nil {
		fw.beforeFlush(c, table)
	}
	return classify(c.Flush())
}

// List returns the entries in cttop's table with their time left, drops
// first, then untracked addresses and services, each in address order.
// Without the table it returns no entries and no error.
func (fw *Firewall) List() ([]Entry, error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil, fmt.Errorf("list rules: %w", ErrClosed)
	}
	st, err := read(fw.conn())
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return st.entries, nil
}

// Remove deletes one entry from cttop's table. A target that is not there
// exactly as given (such as an address inside a blocked network) is an
// error wrapping ErrNotFound.
func (fw *Firewall) Remove(t Target) error {
	n, err := t.Normalize()
	if err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return fmt.Errorf("remove rule: %w", ErrClosed)
	}
	c := fw.conn()
	st, err := read(c)
	if err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	current := st.entries
	if !slices.ContainsFunc(current, func(e Entry) bool { return e.Target == n }) {
		for _, e := range current {
			if !n.IsService() && !e.Target.IsService() && e.Target.set() == n.set() && e.Target.Addr.Overlaps(n.Addr) {
				return fmt.Errorf("remove rule: %s: %w (it is part of %s)", n, ErrNotFound, e.Target)
			}
		}
		return fmt.Errorf("remove rule: %s: %w", n, ErrNotFound)
	}
	set := &nftables.Set{Table: cttopTable(), Name: n.set(), HasTimeout: true}
	if err := c.SetDeleteElements(set, elements(n, 0)); err != nil {
		return fmt.Errorf("remove rule: %w", err)
	}
	if err := c.Flush(); err != nil {
		if errors.Is(err, unix.ENOENT) { // expired meanwhile
			return fmt.Errorf("remove rule: %s: %w", n, ErrNotFound)
		}
		return fmt.Errorf("remove rule: %w", classify(err))
	}
	return nil
}
