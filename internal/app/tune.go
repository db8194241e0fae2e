package app

import (
	"bufio"
	"context"
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

// tuningInput loads the table once and reads the settings of its namespace.
// With --demo or --replay the flows are the demo's or the file's, and the
// settings, if this host has conntrack, this host's (the report says so).
func tuningInput(ctx context.Context, cfg Config, log *slog.Logger) (tuning.Input, error) {
	var set tuning.Input
	snap, err := loadOnce(ctx, cfg, log, func(src source.Source) error {
		var err error
		set, err = tuningSettings(src)
		return err
	})
	if err != nil {
		return tuning.Input{}, err
	}
	in := tuning.InputFromTable(snap.table, tuneTopN)
	in.Table.Stats = snap.stats
	in.Settings, in.HostSettings = set.Settings, set.HostSettings
	return in, nil
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
	return in, nil
}

// tuningReader is what the UI's tuning view (T) calls, off its goroutine,
// for the settings; the UI adds the table's composition.
func tuningReader(src source.Source) func() (tuning.Input, error) {
	return func() (tuning.Input, error) { return tuningSettings(src) }
}
