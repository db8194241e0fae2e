package main

import (
	"bufio"
	"io"
	"log/slog"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
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
	a := model.Advise(in)
	w := bufio.NewWriter(stdout)
	w.WriteString(a.Text(tuneWidth))
	w.WriteString("\n")
	w.WriteString(a.SysctlSnippet())
	return w.Flush()
}

// tuningInput loads the table once and reads the settings of its namespace.
// With --demo or --replay the flows are the demo's or the file's, and the
// settings, if this host has conntrack, this host's (the report says so).
func tuningInput(cfg Config, log *slog.Logger) (model.TuningInput, error) {
	if cfg.Demo || cfg.Replay != "" {
		snap, err := loadOnce(cfg, log)
		if err != nil {
			return model.TuningInput{}, err
		}
		in := model.TuningInputFromTable(snap.table, tuneTopN)
		in.Table.Stats = snap.stats
		in.FlowsFrom = "the demo's synthetic table"
		if cfg.Replay != "" {
			in.FlowsFrom = "replay file " + cfg.Replay
		}
		if s, err := source.ReadTuning(0); err == nil {
			in.Settings, in.HostSettings = s, true
		}
		return in, nil
	}
	k, err := source.NewKernel(source.KernelConfig{NetNS: cfg.NetNS, Log: log})
	if err != nil {
		return model.TuningInput{}, err
	}
	defer k.Close()
	st, err := k.Stats()
	if err != nil {
		return model.TuningInput{}, err
	}
	t := model.NewTable(int(st.Count))
	if err := k.Load(t); err != nil {
		return model.TuningInput{}, err
	}
	if st2, err := k.Stats(); err == nil {
		st = st2
	}
	in := model.TuningInputFromTable(t, tuneTopN)
	in.Table.Stats = st
	s, err := source.ReadTuning(k.NetNSFd())
	if err != nil {
		return model.TuningInput{}, err
	}
	s.NetNS = cfg.NetNS
	in.Settings = s
	return in, nil
}

// tuningReader is what the UI's tuning view (T) calls, off its goroutine,
// for the settings: the watched namespace's, or for a replay or the demo
// the host's, said so in the report. The UI adds the table's composition.
func tuningReader(cfg Config, k *source.Kernel) func() (model.TuningInput, error) {
	return func() (model.TuningInput, error) {
		var in model.TuningInput
		if k != nil {
			s, err := source.ReadTuning(k.NetNSFd())
			if err != nil {
				return in, err
			}
			s.NetNS = cfg.NetNS
			in.Settings = s
			return in, nil
		}
		in.FlowsFrom = "the demo's synthetic table"
		if cfg.Replay != "" {
			in.FlowsFrom = "replay file " + cfg.Replay
		}
		if s, err := source.ReadTuning(0); err == nil {
			in.Settings, in.HostSettings = s, true
		}
		return in, nil
	}
}
