package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/firewall"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/tuning"
)

// tuneTopN is how many services and sources the tuning report names.
const tuneTopN = 5

// tuneWidth is the width of cttop --tune's report.
const tuneWidth = 100

// runTune prints the tuning report and a sysctl.d snippet to save
// (cttop --tune). It reads the table once and the settings, and changes
// nothing.
func runTune(ctx context.Context, cfg Config, stdout io.Writer) error {
	in, err := tuningInput(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	a := tuning.Advise(in)
	w := bufio.NewWriter(stdout)
	w.WriteString(a.Report().Text(tuneWidth))
	w.WriteString("\n")
	w.WriteString(a.SysctlSnippet())
	return w.Flush()
}

// tuneWatch is how long cttop --tune watches the kernel's drop counters:
// advice about drops rests on drops seen now, never on the counters since
// boot.
var tuneWatch = time.Second

// tuningInput loads the table once and reads the settings of its namespace.
// With --demo or --replay the flows are the demo's or the file's, and the
// settings, if this host has conntrack, this host's (the report says so).
// A live table's drop counters are read twice, tuneWatch apart.
func tuningInput(ctx context.Context, cfg Config, log *slog.Logger) (tuning.Input, error) {
	var set tuning.Input
	var recent tuning.Recent
	snap, err := loadOnce(ctx, cfg, log, func(src source.Source) error {
		var err error
		if set, err = tuningSettings(src); err != nil {
			return err
		}
		recent, err = watchDrops(ctx, src, tuneWatch)
		return err
	})
	if err != nil {
		return tuning.Input{}, err
	}
	in := tuning.InputFromTable(snap.table, tuneTopN, snap.now)
	in.Table.Stats = snap.stats
	in.Settings, in.HostSettings, in.Recent = set.Settings, set.HostSettings, recent
	in.SynProxyPorts, in.SynProxyKnown = set.SynProxyPorts, set.SynProxyKnown
	return in, nil
}

// statsReader is a source that reads its table's statistics on demand
// (the kernel's).
type statsReader interface {
	Stats() (model.TableStats, error)
}

// watchDrops reads the source's statistics twice, span apart, for what the
// drop counters did meanwhile; nothing for a source without statistics.
func watchDrops(ctx context.Context, src source.Source, span time.Duration) (tuning.Recent, error) {
	sr, ok := src.(statsReader)
	if !ok {
		return tuning.Recent{}, nil
	}
	first, err := sr.Stats()
	if err != nil {
		return tuning.Recent{}, err
	}
	start := time.Now()
	select {
	case <-time.After(span):
	case <-ctx.Done():
		return tuning.Recent{}, ctx.Err()
	}
	last, err := sr.Stats()
	if err != nil {
		return tuning.Recent{}, err
	}
	return tuning.RecentFrom(first, last, time.Since(start)), nil
}

// tuningSettings reads the settings the advisor works from: those of the
// source's namespace (a source.SettingsReader), or without one (demo,
// replay) this host's, if it has conntrack. Where the flows come from the
// table says itself (tuning.InputFromTable reads the table's source).
func tuningSettings(src source.Source) (tuning.Input, error) {
	var in tuning.Input
	sr, ok := src.(source.SettingsReader)
	if !ok {
		if s, err := source.ReadTuning(0); err == nil {
			in.Settings, in.HostSettings = s, true
		}
		return in, nil
	}
	s, err := sr.TuningSettings()
	if err != nil {
		return in, err
	}
	in.Settings = s
	if ns, ok := src.(source.Namespaced); ok {
		in.SynProxyPorts, in.SynProxyKnown = synProxyPorts(ns.NetNSFd())
	}
	return in, nil
}

// synProxyPorts lists the TCP ports cttop has under SYNPROXY in the
// namespace netnsFd, reading its nftables table (nothing is changed);
// false when that cannot be read.
func synProxyPorts(netnsFd int) ([]uint16, bool) {
	fw, err := firewall.Open(netnsFd)
	if err != nil {
		return nil, false
	}
	defer fw.Close()
	entries, err := fw.List()
	if err != nil {
		return nil, false
	}
	var ports []uint16
	for _, e := range entries {
		if e.Target.Action == action.SynProxy {
			ports = append(ports, e.Target.Port)
		}
	}
	return ports, true
}

// tuningReader is what the UI's tuning view (T) calls, off its goroutine,
// for the settings; the UI adds the table's composition.
func tuningReader(src source.Source) func() (tuning.Input, error) {
	return func() (tuning.Input, error) { return tuningSettings(src) }
}
