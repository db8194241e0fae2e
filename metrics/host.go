package metrics

import (
	"sort"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// NamespaceSample is one network namespace's table, for the per-namespace
// metrics (cttop --metrics-netns N).
type NamespaceSample struct {
	// Name is the namespace's name, Kind where it comes from ("netns",
	// "pod", "container", "process", "host", "mount"), Inode its inode.
	Name, Kind string
	Inode      uint64
	// Known is false when its statistics could not be read; then only
	// its existence is reported.
	Known   bool
	Entries uint64
	// The kernel's counters, summed over CPUs.
	Drop, EarlyDrop, InsertFailed uint64
}

// LogCount counts the kernel log lines of one kind cttop read.
type LogCount struct {
	Kind              string
	Lines, Suppressed uint64
}

// HostSnapshot is the state of the whole host a scrape reports: a bounded
// number of namespaces, fullest first, and the kernel log counts.
type HostSnapshot struct {
	// Namespaces are at most the limit NewHostSnapshot was given.
	Namespaces []NamespaceSample
	// Total counts every namespace discovered; Others those left out of
	// Namespaces and OtherEntries their entries.
	Total, Others int
	OtherEntries  uint64
	// KernelLog holds the kernel log counts when cttop reads the log
	// (nil: it does not, or may not).
	KernelLog []LogCount
}

// NewHostSnapshot keeps the limit fullest namespaces of all (most entries
// first, then by inode), so the exported series stay bounded however many
// containers come and go; the rest are summed.
func NewHostSnapshot(all []NamespaceSample, limit int) HostSnapshot {
	sorted := append([]NamespaceSample(nil), all...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := &sorted[i], &sorted[j]
		if a.Entries != b.Entries {
			return a.Entries > b.Entries
		}
		return a.Inode < b.Inode
	})
	if limit < 0 {
		limit = 0
	}
	h := HostSnapshot{Total: len(all)}
	if len(sorted) > limit {
		for _, ns := range sorted[limit:] {
			h.OtherEntries += ns.Entries
		}
		h.Others = len(sorted) - limit
		sorted = sorted[:limit]
	}
	h.Namespaces = sorted
	return h
}

// hostCollector reports the published HostSnapshot, if any.
type hostCollector struct{ snap atomic.Pointer[HostSnapshot] }

// PublishHost makes h the host state of the next scrapes (the Exporter
// keeps h). Before the first call no host metrics are reported.
func (e *Exporter) PublishHost(h HostSnapshot) { e.host.snap.Store(&h) }

var (
	nsLabels        = []string{"netns", "inode", "kind"}
	descNSEntries   = desc("cttop_netns_entries", "Entries in a network namespace's conntrack table (its stat/nf_conntrack); every namespace counts against the one nf_conntrack_max. Only the --metrics-netns fullest namespaces.", nsLabels...)
	descNSDrop      = desc("cttop_netns_drops_total", "Packets a namespace's table dropped (drop, summed over CPUs).", nsLabels...)
	descNSEarly     = desc("cttop_netns_early_drops_total", "Flows a namespace's table evicted early (early_drop).", nsLabels...)
	descNSInsFail   = desc("cttop_netns_insert_failed_total", "Insertions that failed in a namespace's table (insert_failed).", nsLabels...)
	descNSTotal     = desc("cttop_netns_namespaces", "Network namespaces cttop discovered.")
	descNSOthers    = desc("cttop_netns_others", "Namespaces left out of the per-namespace series (beyond --metrics-netns).")
	descNSOtherEnt  = desc("cttop_netns_other_entries", "Entries of the namespaces left out of the per-namespace series.")
	descLogLines    = desc("cttop_kernel_log_lines_total", "Kernel log lines about the table cttop read since it started, by kind (table full, SYN flood, ...).", "kind")
	descLogSuppress = desc("cttop_kernel_log_suppressed_total", "Messages net_ratelimit suppressed next to the kernel log lines of a kind.", "kind")
)

// Describe implements prometheus.Collector.
func (c *hostCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNSEntries, descNSDrop, descNSEarly, descNSInsFail, descNSTotal,
		descNSOthers, descNSOtherEnt, descLogLines, descLogSuppress} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *hostCollector) Collect(ch chan<- prometheus.Metric) {
	h := c.snap.Load()
	if h == nil {
		return
	}
	metric := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, t, v, labels...)
	}
	metric(descNSTotal, prometheus.GaugeValue, float64(h.Total))
	metric(descNSOthers, prometheus.GaugeValue, float64(h.Others))
	metric(descNSOtherEnt, prometheus.GaugeValue, float64(h.OtherEntries))
	for _, ns := range h.Namespaces {
		if !ns.Known {
			continue
		}
		l := []string{ns.Name, strconv.FormatUint(ns.Inode, 10), ns.Kind}
		metric(descNSEntries, prometheus.GaugeValue, float64(ns.Entries), l...)
		metric(descNSDrop, prometheus.CounterValue, float64(ns.Drop), l...)
		metric(descNSEarly, prometheus.CounterValue, float64(ns.EarlyDrop), l...)
		metric(descNSInsFail, prometheus.CounterValue, float64(ns.InsertFailed), l...)
	}
	for _, lc := range h.KernelLog {
		metric(descLogLines, prometheus.CounterValue, float64(lc.Lines), lc.Kind)
		metric(descLogSuppress, prometheus.CounterValue, float64(lc.Suppressed), lc.Kind)
	}
}
