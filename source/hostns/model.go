package hostns

import (
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// readLimits reads nf_conntrack_max and nf_conntrack_buckets, global
// settings every namespace shares (0: unknown).
func (d *Discoverer) readLimits() (max, buckets uint64) {
	read := func(name string) uint64 {
		b, err := d.readFile(d.root() + "/proc/sys/net/netfilter/" + name)
		if err != nil {
			return 0
		}
		v, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return v
	}
	return read("nf_conntrack_max"), read("nf_conntrack_buckets")
}

// Model returns the snapshot as the views, --once and the metrics take it.
func (s *Snapshot) Model() model.HostSnapshot {
	h := model.HostSnapshot{Time: s.At, Max: s.Max, Buckets: s.Buckets, Rows: make([]model.NamespaceRow, len(s.Rows))}
	for i := range s.Rows {
		r := &s.Rows[i]
		m := &h.Rows[i]
		*m = model.NamespaceRow{
			Inode: r.Inode, Name: r.Name, Kind: r.Kind.String(),
			PID: r.PID, Procs: r.Procs, Command: r.Command, Since: r.Since,
		}
		if r.Err != nil {
			m.Error = r.Err.Error()
			continue
		}
		c := &r.Stat.Total
		m.Known, m.Entries = true, r.Stat.Entries
		m.Drop, m.EarlyDrop, m.InsertFailed, m.Invalid = c.Drop, c.EarlyDrop, c.InsertFailed, c.Invalid
		m.ClashResolve, m.ChainTooLong = c.ClashResolve, c.ChainTooLong
		if q := &r.Rates; q.Valid {
			m.RatesValid = true
			m.EntriesRate, m.DropRate, m.EarlyDropRate = q.Entries, q.Drop, q.EarlyDrop
			m.InsertFailedRate, m.ClashResolveRate, m.InvalidRate = q.InsertFailed, q.ClashResolve, q.Invalid
		}
	}
	return h
}
