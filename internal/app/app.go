package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/replay"
	"github.com/cttop/cttop/ui"
)

// Config is what the command line asks for, parsed and checked by main.
type Config struct {
	NetNS  string
	Demo   bool
	Seed   int64
	Replay string
	// ReplayLimits bound the load of Replay (--replay-limits).
	ReplayLimits replay.Limits
	Interval     time.Duration
	Once         bool
	Format       string
	Sort         model.Column
	Reverse      bool
	Limit        int
	LogFile      string
	// Filter is the parsed --filter (nil: every flow); Group is --group,
	// and HasGroup says whether it was given; Share is --threshold, the
	// share of the matched flows a heavy-hitter prefix holds (src/auto).
	Filter   *filter.Filter
	Group    model.Grouping
	HasGroup bool
	// StartView is --start-view: the view the UI starts in.
	StartView ui.StartView
	Share     float64
	// ReadOnly disables every action; Yes skips confirming deletions.
	ReadOnly bool
	Yes      bool
	// Metrics (--metrics ADDR, --metrics-public, --top N), --headless, --tune.
	MetricsAddr   string
	MetricsPublic bool
	TopN          int
	Headless      bool
	Tune          bool
	// Version and Commit are cttop's version and the commit it was built
	// from, for the metrics' build info.
	Version, Commit string
	// All starts in the namespaces view (with --once: lists the host's
	// namespaces); History is how far back the history reaches;
	// MetricsNetNS is how many namespaces get series of their own in the
	// metrics (0: none).
	All          bool
	History      time.Duration
	MetricsNetNS int
}

// ErrHeadlessNeedsMetrics: without a terminal and without --metrics, cttop
// would have nothing to show anyone.
var ErrHeadlessNeedsMetrics = errors.New("--headless needs --metrics ADDR: without a terminal the metrics are all cttop shows")

// InterruptedError says what an action the end of the run cut short had
// done ("deleting flows was interrupted: 256 of 500 flows deleted, ...").
// The run itself ended as asked (q, a signal).
type InterruptedError struct{ What string }

func (e *InterruptedError) Error() string { return e.What }

// Run runs the mode cfg asks for until it ends or ctx does (SIGINT,
// SIGTERM): the tuning report, the headless exporter, one snapshot, or the
// terminal UI. Its error is the run's; main turns it into a line and an
// exit code.
func Run(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	switch {
	case cfg.Tune:
		return runTune(ctx, cfg, stdout)
	case cfg.Headless:
		return runHeadless(ctx, cfg, log)
	case cfg.Once && cfg.All:
		return runOnceAll(cfg, stdout)
	case cfg.Once:
		return runOnce(ctx, cfg, log, stdout)
	}
	return runUI(ctx, cfg, log)
}
