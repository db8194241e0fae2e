package app

import (
	"context"
	"errors"
	"log/slog"

	tea "charm.land/bubbletea/v2"

	"github.com/cttop/cttop/metrics"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/ui"
)

// runUI runs the terminal UI on the source the flags ask for, with the
// actions of a live kernel table (unless --read-only) and, with --metrics,
// the exporter fed from the UI's goroutine.
func runUI(ctx context.Context, cfg Config, log *slog.Logger) error {
	src, closeSrc, err := openSource(cfg, log)
	if err != nil {
		return err
	}
	defer closeSrc()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *model.Batch)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, batches) }()

	uc := ui.Config{
		Batches: batches, Done: done, Sort: cfg.Sort, Reverse: cfg.Reverse,
		Filter: cfg.Filter, Group: cfg.Group, TopView: cfg.HasGroup, Yes: cfg.Yes,
	}
	uc.Tuning = tuningReader(src)
	k, ok := src.(actionSource)
	switch {
	case cfg.ReadOnly:
		uc.ReadOnly = "--read-only"
	case !ok:
		uc.ReadOnly = "not a live kernel table"
		switch {
		case cfg.Demo:
			uc.ReadOnly = "demo"
		case cfg.Replay != "":
			uc.ReadOnly = "replay"
		}
	default:
		a := newKernelActions(k)
		defer a.close()
		uc.Actions = a
	}
	if cfg.MetricsAddr != "" {
		ln, err := metrics.Listen(ctx, cfg.MetricsAddr, cfg.MetricsPublic)
		if err != nil {
			return err
		}
		pub := newPublisher(cfg)
		served := pub.serve(ctx, ln, log)
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
	p := tea.NewProgram(root, tea.WithContext(ctx))
	_, runErr := p.Run()
	cancel()
	if err := m.Err(); err != nil {
		return err
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}
