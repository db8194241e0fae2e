package main

import (
	"bufio"
	"io"
	"log/slog"

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
func runTune(cfg Config, stdout io.Writer) error {
	in, err := tuningInput(cfg, slog.New(slog.DiscardHandler))
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

// tuningInput loads the table once and reads the settings of its namespace.
// With --demo or --replay the flows are the demo's or the file's, and the
// settings, if this host has conntrack, this host's (the report says so).
func tuningInput(cfg Config, log *slog.Logger) (tuning.Input, error) {
	var set tuning.Input
	read := false
	snap, err := loadOnce(cfg, log, func(k *source.Kernel) error {
		var err error
		set, err = tuningSettings(cfg, k)
		read = true
		return err
	})
	if err != nil {
		return tuning.Input{}, err
	}
	if !read { // not a kernel source
		set, _ = tuningSettings(cfg, nil)
	}
	in := tuning.InputFromTable(snap.table, tuneTopN)
	in.Table.Stats = snap.stats
	in.Settings, in.HostSettings = set.Settings, set.HostSettings
	return in, nil
}

// tuningSettings reads the settings the advisor works from: the watched
// namespace's, or without a kernel source (demo, replay) this host's, if it
// has conntrack. Where the flows come from the model says itself
// (TuningInputFromTable reads the table's source).
func tuningSettings(cfg Config, k *source.Kernel) (tuning.Input, error) {
	var in tuning.Input
	if k == nil {
		if s, err := source.ReadTuning(0); err == nil {
			in.Settings, in.HostSettings = s, true
		}
		return in, nil
	}
	s, err := source.ReadTuning(k.NetNSFd())
	if err != nil {
		return in, err
	}
	s.NetNS = cfg.NetNS
	in.Settings = s
	return in, nil
}

// tuningReader is what the UI's tuning view (T) calls, off its goroutine,
// for the settings; the UI adds the table's composition.
func tuningReader(cfg Config, k *source.Kernel) func() (tuning.Input, error) {
	return func() (tuning.Input, error) { return tuningSettings(cfg, k) }
}
