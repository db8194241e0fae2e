package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cttop/cttop/ctjson"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/replay"
)

// snapshot is one loaded table with its statistics, for --once and --tune.
type snapshot struct {
	table *model.Table
	stats model.TableStats
	// now is the Unix time TTLs and ages count from: the table's time, or
	// when it was read for a table without one (a dump).
	now uint32
	// info describes the source (its kind, and the namespace's name).
	info model.SourceInfo
}

// infoer is a source that describes itself (the kernel's names its
// namespace).
type infoer interface{ Info() model.SourceInfo }

// loadOnce opens the source the flags ask for and reads its table once,
// without following it. with, if not nil, runs on the open source before it
// is closed, to read more of the same namespace.
func loadOnce(ctx context.Context, cfg Config, log *slog.Logger, with func(source.Source) error) (*snapshot, error) {
	src, closeSrc, err := openSource(ctx, cfg, log, 0)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	if r, ok := src.(skipReporter); ok {
		if rep := r.Report(); rep.Notable() {
			log.Warn("replay", "skipped", rep.String())
			fmt.Fprintln(os.Stderr, "cttop: replay: "+format.Name(r.Name())+": "+format.Printable(rep.String()))
		}
	}
	t, st, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if with != nil {
		if err := with(src); err != nil {
			return nil, err
		}
	}
	now := t.Now()
	if now == 0 {
		now = uint32(time.Now().Unix())
	}
	info := t.Info()
	if i, ok := src.(infoer); ok {
		info = i.Info()
	}
	return &snapshot{table: t, stats: st, now: now, info: info}, nil
}

// skipReporter is a source that read a file and may have skipped records
// of it (a replay).
type skipReporter interface {
	Name() string
	Report() replay.Report
}

func runOnce(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	snap, err := loadOnce(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	l := model.NewList(snap.table)
	l.SetSort(cfg.Sort, cfg.Reverse)
	l.SetFilter(cfg.Filter)
	n := l.Len()
	if cfg.Limit > 0 && cfg.Limit < n {
		n = cfg.Limit
	}
	var groups []model.Group
	var gr ctjson.Grouping
	if cfg.HasGroup {
		groups, gr = onceGroups(snap.table, cfg)
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	if cfg.Format == "json" {
		ctjson.Write(w, ctjson.Document{Stats: snap.stats, Matched: l.Len(), Groups: groups, Grouping: gr, Now: snap.now,
			Flows: func(yield func(ctjson.Row) bool) {
				for i := range n {
					slot := l.Slot(i)
					c, _ := snap.table.CountersAt(slot)
					if !yield(ctjson.Row{Flow: snap.table.At(slot), Counters: c, Ext: snap.table.ExtAt(slot)}) {
						return
					}
				}
			}})
	} else {
		writeGroupsText(w, groups, gr, l.Len())
		writeText(w, snap, l, n)
	}
	return w.Flush()
}

// onceGroups ranks the groups of --group over the matched flows, at most
// --limit of them, and describes the grouping.
func onceGroups(t *model.Table, cfg Config) ([]model.Group, ctjson.Grouping) {
	g := model.NewGroups(t)
	g.SetGrouping(cfg.Group)
	g.SetShare(cfg.Share)
	g.SetFilter(cfg.Filter)
	depth := g.Len()
	if cfg.Limit > 0 {
		depth = min(depth, cfg.Limit)
	}
	groups := g.Top(0, depth, nil)
	gr := ctjson.Grouping{By: g.Grouping()}
	if gr.By.Auto {
		gr.Threshold, gr.Addresses = g.Share(), g.Addresses()
		gr.PrefixFlows = make([]int, len(groups))
		for i := range groups {
			gr.PrefixFlows[i] = g.Total(groups[i].Key)
		}
	}
	return groups, gr
}

// writeGroupsText prints the top groups before the flows; heavy hitters
// with the flows under their prefix and the threshold.
func writeGroupsText(w *bufio.Writer, groups []model.Group, gr ctjson.Grouping, matched int) {
	if groups == nil {
		return
	}
	if gr.By.Auto {
		fmt.Fprintf(w, "%s: the most specific prefixes holding at least %s of the %d matched flows (from %d addresses),\n"+
			"each without the flows of those listed beneath it (PREFIX: all the flows under it)\n",
			gr.By, model.ShareText(gr.Threshold), matched, gr.Addresses)
		fmt.Fprintf(w, "%-43s %9s %6s %9s  %s\n", "KEY", "FLOWS", "SHARE", "PREFIX", "STATES")
	} else {
		fmt.Fprintf(w, "%-43s %9s %6s  %s\n", "KEY", "FLOWS", "SHARE", "STATES")
	}
	for i, g := range groups {
		var mix []string
		for _, sc := range g.States() {
			mix = append(mix, fmt.Sprintf("%s %d", sc.State, sc.Flows))
		}
		share := 100 * float64(g.Flows) / float64(max(matched, 1))
		if i < len(gr.PrefixFlows) {
			fmt.Fprintf(w, "%-43s %9d %5.1f%% %9d  %s\n", g.Key, g.Flows, share, gr.PrefixFlows[i], strings.Join(mix, " "))
			continue
		}
		fmt.Fprintf(w, "%-43s %9d %5.1f%%  %s\n", g.Key, g.Flows, share, strings.Join(mix, " "))
	}
	w.WriteByte('\n')
}
