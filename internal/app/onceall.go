package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/host"
	"github.com/cttop/cttop/tuning"
)

// entrySizes estimates the memory of an entry and of a hash bucket as the
// tuning report does (nf_conn's slab size plus its extensions); 0 when
// the settings cannot be read.
func entrySizes() (entry, bucket int64) {
	s, err := source.ReadTuning(0)
	if err != nil {
		return 0, 0
	}
	a := tuning.Advise(tuning.Input{Settings: s})
	return a.EntryBytes, a.BucketBytes
}

// nsJSON is one namespace of --once --all --format json (docs/json.md).
// Counters are null when the namespace's statistics could not be read.
type nsJSON struct {
	Name         string   `json:"name"`
	Inode        uint64   `json:"inode"`
	Kind         string   `json:"kind"`
	Active       bool     `json:"active"`
	Entries      *uint64  `json:"entries"`
	Share        *float64 `json:"share"`
	Drops        *uint64  `json:"drops"`
	Drop         *uint64  `json:"drop"`
	EarlyDrop    *uint64  `json:"early_drop"`
	InsertFailed *uint64  `json:"insert_failed"`
	Invalid      *uint64  `json:"invalid"`
	ClashResolve *uint64  `json:"clash_resolve"`
	ChainTooLong *uint64  `json:"chaintoolong"`
	PID          int      `json:"pid,omitempty"`
	Procs        int      `json:"procs"`
	Command      string   `json:"command,omitempty"`
	Error        string   `json:"error,omitempty"`
}

// hostJSON is the document of --once --all --format json.
type hostJSON struct {
	Max         *uint64  `json:"max"`
	Buckets     *uint64  `json:"buckets"`
	Entries     uint64   `json:"entries"`
	MemoryBytes *int64   `json:"memory_bytes"`
	Idle        int      `json:"idle"`
	Namespaces  []nsJSON `json:"namespaces"`
}

func known[T any](ok bool, v T) *T {
	if !ok {
		return nil
	}
	return &v
}

// runOnceAll prints the host's namespaces once, fullest first: in JSON
// every one (idle ones marked "active": false), as text the active ones
// and a count of the idle. --limit bounds the rows.
func runOnceAll(cfg Config, stdout io.Writer) error {
	entry, bucket := entrySizes()
	h, err := host.New(host.Config{KernelLog: host.NoKernelLog, EntryBytes: entry, BucketBytes: bucket}).Snapshot()
	if err != nil {
		return err
	}
	rows, idle := h.View(model.SortByEntries, cfg.Format == "json")
	if cfg.Format == "json" {
		_, idle = h.View(model.SortByEntries, false)
	}
	if cfg.Limit > 0 && cfg.Limit < len(rows) {
		rows = rows[:cfg.Limit]
	}
	w := bufio.NewWriter(stdout)
	if cfg.Format == "json" {
		doc := hostJSON{Max: known(h.Max > 0, h.Max), Buckets: known(h.Buckets > 0, h.Buckets), Entries: h.Entries(), Idle: idle,
			Namespaces: make([]nsJSON, 0, len(rows))}
		if mem, ok := h.Memory(); ok {
			doc.MemoryBytes = &mem
		}
		for i := range rows {
			doc.Namespaces = append(doc.Namespaces, namespaceJSON(&rows[i], h.Max))
		}
		enc := json.NewEncoder(w)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return w.Flush()
	}
	writeNamespacesText(w, &h, rows, idle)
	return w.Flush()
}

func namespaceJSON(r *model.NamespaceRow, max uint64) nsJSON {
	k := r.Known
	j := nsJSON{
		Name: r.Name, Inode: r.Inode, Kind: r.Kind, Active: r.Active(), PID: r.PID, Procs: r.Procs, Command: r.Command, Error: r.Error,
		Entries: known(k, r.Entries), Drops: known(k, r.Drops()), Drop: known(k, r.Drop), EarlyDrop: known(k, r.EarlyDrop),
		InsertFailed: known(k, r.InsertFailed), Invalid: known(k, r.Invalid), ClashResolve: known(k, r.ClashResolve),
		ChainTooLong: known(k, r.ChainTooLong),
	}
	if k && max > 0 {
		j.Share = known(true, float64(r.Entries)/float64(max))
	}
	return j
}

// writeNamespacesText prints a table of the namespaces with a summary.
func writeNamespacesText(w *bufio.Writer, h *model.HostSnapshot, rows []model.NamespaceRow, idle int) {
	fmt.Fprintf(w, "%s namespaces (%s idle not listed), %s entries", format.Commas(uint64(len(h.Rows))), format.Commas(uint64(idle)), format.Commas(h.Entries()))
	if h.Buckets > 0 {
		fmt.Fprintf(w, " in %s buckets", format.Commas(h.Buckets))
	}
	if mem, ok := h.Memory(); ok {
		fmt.Fprintf(w, ", ~%s", format.Bytes(mem))
	}
	if h.Max > 0 {
		fmt.Fprintf(w, "; nf_conntrack_max %s per namespace", format.Commas(h.Max))
	}
	w.WriteString("\n")
	fmt.Fprintf(w, "%-32s %-9s %10s %9s %6s %9s %13s %7s %12s\n", "NAMESPACE", "KIND", "INODE", "ENTRIES", "%MAX", "DROPS", "INSERT_FAILED", "CLASH", "CHAINTOOLONG")
	for i := range rows {
		r := &rows[i]
		num := func(v uint64) string {
			if !r.Known {
				return "?"
			}
			return format.Commas(v)
		}
		share := "?"
		if r.Known && h.Max > 0 {
			share = format.Percent(float64(r.Entries) / float64(h.Max))
		}
		fmt.Fprintf(w, "%-32s %-9s %10s %9s %6s %9s %13s %7s %12s\n", format.Name(r.Name), r.Kind, strconv.FormatUint(r.Inode, 10),
			num(r.Entries), share, num(r.Drops()), num(r.InsertFailed), num(r.ClashResolve), num(r.ChainTooLong))
	}
}
