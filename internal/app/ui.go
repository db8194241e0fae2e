package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cttop/cttop/audit"
	"github.com/cttop/cttop/internal/interrupt"
	"github.com/cttop/cttop/metrics"
	"github.com/cttop/cttop/ui"
)

// runUI runs the terminal UI on the source the flags ask for, with the
// actions of a live kernel table (unless --read-only) and, with --metrics,
// the exporter fed from the UI's goroutine. On a live kernel it watches
// the whole host too (the namespaces view, the kernel log) and lets the
// namespaces view switch the table shown.
func runUI(ctx context.Context, cfg Config, log *slog.Logger) error {
	src, closeSrc, err := openSource(ctx, cfg, log, screenWait)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tabs := &tables{ctx: ctx, cfg: cfg, log: log}
	defer tabs.stop()
	w := tabs.start(src, closeSrc)

	uc := ui.Config{
		Batches: w.Batches, Done: w.Done, Sort: cfg.Sort, Reverse: cfg.Reverse,
		Filter: cfg.Filter, Group: cfg.Group, Share: cfg.Share, TopView: cfg.HasGroup, StartView: cfg.StartView, Yes: cfg.Yes,
		Tuning: w.Tuning, Actions: w.Actions, ReadOnly: w.ReadOnly,
		History: cfg.History, StartAll: cfg.All, Watching: w.Inode,
	}
	if w.Actions != nil {
		if err := (&audit.Log{}).Check(); err != nil {
			log.Warn("audit", "err", err)
			uc.Status = "no system log at " + audit.DevLog + ": changes go unrecorded"
		}
	}
	terminalConfig(&uc)
	if _, live := src.(actionSource); live {
		uc.Host = feedHost(ctx, log)
		uc.Watch = tabs.watch
	}
	if h, ok := src.(historySource); ok {
		uc.ReplayHistory = h.History()
	}
	if cfg.MetricsAddr != "" {
		ln, err := metrics.Listen(ctx, cfg.MetricsAddr, cfg.MetricsPublic)
		if err != nil {
			return err
		}
		pub := newPublisher(cfg)
		served := pub.serve(ctx, ln, log)
		uc.Status = joinNotes("metrics on "+metricsURL(ln), uc.Status)
		if uc.Host != nil {
			defer func(hostDone <-chan struct{}) { cancel(); <-hostDone }(watchHost(ctx, cfg, log, pub.exp))
		}
		defer func() {
			cancel()
			if err := <-served; err != nil {
				log.Error("metrics", "err", err)
			}
		}()
		uc.AfterBatch = pub.poll
	}
	m := ui.New(uc)
	var root tea.Model = m
	if cfg.LogFile != "" {
		root = newTracer(m, log)
	}
	runErr := runProgram(ctx, root)
	cancel()
	if cut := tabs.interrupted(); cut != "" {
		return &InterruptedError{What: cut} // printed once the terminal is restored
	}
	if err := m.Err(); err != nil {
		return err
	}
	if errors.Is(runErr, interrupt.ErrTerminalGone) {
		return interrupt.ErrTerminalGone
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

// joinNotes joins the notes that are not empty.
func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "  •  ")
}

// runProgram runs the bubbletea program on the terminal until it quits or
// ctx ends. Signals are cttop's (interrupt.Watch), not bubbletea's: two
// handlers race and can hang the shutdown with the terminal left raw. The
// input ends the program when the terminal goes away without a SIGHUP.
// Should the program not stop within interrupt.Grace of a signal, the
// watcher restores the terminal itself and exits.
func runProgram(ctx context.Context, root tea.Model) error {
	tty, err := interrupt.OpenTTY()
	if err != nil {
		return err
	}
	defer tty.Close()
	if w := interrupt.FromContext(ctx); w != nil {
		w.SetForce(func(s os.Signal) {
			tty.Restore(os.Stdout)
			os.Exit(interrupt.ExitCode(s))
		})
	}
	// bubbletea writes a panic report to a file of the working directory
	// when TEA_DEBUG is set: cttop writes no file unless asked.
	os.Unsetenv("TEA_DEBUG")
	p := tea.NewProgram(root, tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithInput(tty))
	_, err = p.Run()
	return err
}
