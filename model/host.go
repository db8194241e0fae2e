package model

import (
	"sort"
	"time"
)

// NamespaceRow is one network namespace's table, as the namespaces view,
// --once --all and the metrics show it.
type NamespaceRow struct {
	// Inode identifies the namespace ("table full in netns N").
	Inode uint64
	// Name is what a sysadmin knows it by; Kind where that comes from
	// ("host", "netns", "pod", "container", "process", "mount").
	Name, Kind string
	// PID is a process in it (0: none, only a bind mount), Procs how many,
	// Command PID's command.
	PID, Procs int
	Command    string
	// Since is the earliest time it is known to have existed (zero:
	// unknown). The kernel gives the inode of a namespace gone to the
	// next one made: a kernel log line older than Since may be another
	// namespace's.
	Since time.Time
	// Known says whether its statistics were read; Error says why not.
	Known bool
	Error string
	// Entries is its table's size; the counters are the kernel's, summed
	// over CPUs.
	Entries                                uint64
	Drop, EarlyDrop, InsertFailed, Invalid uint64
	ClashResolve, ChainTooLong             uint64
	// Rates are per second since the previous snapshot (RatesValid).
	RatesValid                                      bool
	EntriesRate, DropRate, EarlyDropRate            float64
	InsertFailedRate, ClashResolveRate, InvalidRate float64
}

// Active reports whether conntrack did anything in the namespace: entries
// or a counter; a row that could not be read counts as active (unknown is
// shown, never hidden).
func (r *NamespaceRow) Active() bool {
	return !r.Known || r.Entries > 0 || r.Drop+r.EarlyDrop+r.InsertFailed+r.Invalid+r.ClashResolve+r.ChainTooLong > 0
}

// Drops is drop + early_drop: flows refused or evicted for lack of room.
func (r *NamespaceRow) Drops() uint64 { return r.Drop + r.EarlyDrop }

// HostSnapshot is every network namespace of the host at one moment.
type HostSnapshot struct {
	Time time.Time
	// Rows are the namespaces, by inode.
	Rows []NamespaceRow
	// Max is nf_conntrack_max, the limit of every namespace's table;
	// Buckets nf_conntrack_buckets, the one hash they share (0: unknown).
	Max, Buckets uint64
	// EntryBytes and BucketBytes estimate the memory of an entry (nf_conn
	// and its extensions) and of a bucket (0: unknown).
	EntryBytes, BucketBytes int64
}

// Memory estimates what the entries of every namespace and the shared
// hash take; ok is false when the sizes are unknown.
func (h *HostSnapshot) Memory() (bytes int64, ok bool) {
	if h.EntryBytes <= 0 || h.BucketBytes <= 0 {
		return 0, false
	}
	return int64(h.Entries())*h.EntryBytes + int64(h.Buckets)*h.BucketBytes, true
}

// Entries sums the entries of the namespaces that could be read: what the
// shared hash holds.
func (h *HostSnapshot) Entries() uint64 {
	var n uint64
	for i := range h.Rows {
		if h.Rows[i].Known {
			n += h.Rows[i].Entries
		}
	}
	return n
}

// Find returns the row of inode ino.
func (h *HostSnapshot) Find(ino uint64) (*NamespaceRow, bool) {
	i := sort.Search(len(h.Rows), func(i int) bool { return h.Rows[i].Inode >= ino })
	if i < len(h.Rows) && h.Rows[i].Inode == ino {
		return &h.Rows[i], true
	}
	return nil, false
}

// NamespaceSort orders the namespaces view.
type NamespaceSort uint8

// Orders of the namespaces view: fullest first, or most drops first
// (drop + early_drop per second, then in total).
const (
	SortByEntries NamespaceSort = iota
	SortByDrops
)

func (s NamespaceSort) String() string {
	if s == SortByDrops {
		return "drops"
	}
	return "entries"
}

// View returns the rows to show, sorted by, and how many idle namespaces
// (no conntrack activity) were left out; all keeps them. Ties go by name,
// then inode, so rows never swap places between refreshes.
func (h *HostSnapshot) View(by NamespaceSort, all bool) (rows []NamespaceRow, idle int) {
	for _, r := range h.Rows {
		if all || r.Active() {
			rows = append(rows, r)
		} else {
			idle++
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if by == SortByDrops {
			ar, br := a.DropRate+a.EarlyDropRate, b.DropRate+b.EarlyDropRate
			if ar != br {
				return ar > br
			}
			if a.Drops() != b.Drops() {
				return a.Drops() > b.Drops()
			}
		}
		if a.Entries != b.Entries {
			return a.Entries > b.Entries
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Inode < b.Inode
	})
	return rows, idle
}
