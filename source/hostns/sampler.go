package hostns

import (
	"sort"
	"time"
)

// Rates are per-second changes of a namespace's table between two
// samples.
type Rates struct {
	// Valid is false for a namespace's first sample and when a CPU came
	// online between samples: then nothing here is known.
	Valid bool
	// Span is the time between the two samples.
	Span time.Duration
	// Entries is the net change of entries per second (negative while the
	// table drains); new and gone flows per second need events, which
	// only the watched namespace has.
	Entries float64
	// Drop, EarlyDrop, InsertFailed, ClashResolve, ChainTooLong and
	// Invalid are the growth of the kernel's counters per second.
	Drop, EarlyDrop, InsertFailed, ClashResolve, ChainTooLong, Invalid float64
}

// Row is one namespace with its latest statistics.
type Row struct {
	Namespace
	// Stat is valid when Err is nil.
	Stat  Stat
	Err   error
	Rates Rates
}

// Active reports whether the row's table has done anything (entries or
// counters), or could not be read: an unknown is shown, never hidden.
func (r *Row) Active() bool { return r.Err != nil || r.Stat.Active() }

// Snapshot is the host's namespaces at one moment.
type Snapshot struct {
	At time.Time
	// Rows are every namespace discovered, sorted by inode.
	Rows []Row
	// Max is nf_conntrack_max and Buckets nf_conntrack_buckets, global
	// settings (0: unknown).
	Max, Buckets uint64
}

// Active returns the rows with conntrack activity (see Row.Active) and
// how many namespaces were left out.
func (s *Snapshot) Active() (rows []Row, inactive int) {
	for i := range s.Rows {
		if s.Rows[i].Active() {
			rows = append(rows, s.Rows[i])
		} else {
			inactive++
		}
	}
	return rows, inactive
}

// Entries sums the entries of every namespace that could be read: the
// number the kernel keeps in the one hash all namespaces share.
func (s *Snapshot) Entries() uint64 {
	var n uint64
	for i := range s.Rows {
		if s.Rows[i].Err == nil {
			n += s.Rows[i].Stat.Entries
		}
	}
	return n
}

// Find returns the row of the namespace with inode ino.
func (s *Snapshot) Find(ino uint64) (*Row, bool) {
	i := sort.Search(len(s.Rows), func(i int) bool { return s.Rows[i].Inode >= ino })
	if i < len(s.Rows) && s.Rows[i].Inode == ino {
		return &s.Rows[i], true
	}
	return nil, false
}

// Sampler discovers the namespaces and reads their statistics on each
// call, with rates against the previous call. Namespaces that vanished
// are forgotten. It is not safe for concurrent use.
type Sampler struct {
	D    *Discoverer
	prev map[uint64]sample
	// since is each namespace's Since as far as every sample saw it: a
	// namespace a sample found existed at that sample's time.
	since map[uint64]time.Time
}

type sample struct {
	at   time.Time
	stat Stat
}

// Sample takes one snapshot at time now (the caller's clock: rates use the
// times it is given).
func (s *Sampler) Sample(now time.Time) (Snapshot, error) {
	nss, err := s.D.Discover()
	if err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{At: now, Rows: make([]Row, len(nss))}
	snap.Max, snap.Buckets = s.D.readLimits()
	next := make(map[uint64]sample, len(nss))
	since := make(map[uint64]time.Time, len(nss))
	for i := range nss {
		r := &snap.Rows[i]
		r.Namespace = nss[i]
		r.existedBy(s.since[r.Inode])
		r.existedBy(now)
		since[r.Inode] = r.Since
		r.Stat, r.Err = s.D.ReadStat(&r.Namespace)
		if r.Err != nil {
			continue
		}
		if p, ok := s.prev[r.Inode]; ok {
			r.Rates = rates(p, sample{now, r.Stat})
		}
		next[r.Inode] = sample{now, r.Stat}
	}
	s.prev, s.since = next, since
	return snap, nil
}

// rates derives per-second rates from two samples of one namespace.
func rates(prev, cur sample) Rates {
	span := cur.at.Sub(prev.at)
	d, ok := cur.stat.Since(&prev.stat)
	if span <= 0 || !ok {
		return Rates{}
	}
	sec := span.Seconds()
	per := func(v uint64) float64 { return float64(v) / sec }
	return Rates{
		Valid: true, Span: span,
		Entries:      (float64(cur.stat.Entries) - float64(prev.stat.Entries)) / sec,
		Drop:         per(d.Drop),
		EarlyDrop:    per(d.EarlyDrop),
		InsertFailed: per(d.InsertFailed),
		ClashResolve: per(d.ClashResolve),
		ChainTooLong: per(d.ChainTooLong),
		Invalid:      per(d.Invalid),
	}
}
