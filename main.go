// Command cttop is a live view of the Linux connection tracking table: how
// full it is, whether the kernel is dropping packets, and which flows fill
// it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/ui"
)

// version is set with -ldflags "-X main.version=..."; otherwise the module
// version from the build info is used.
var version = ""

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the run failed: permission, kernel, source
	exitUsage = 2 // the command line is wrong
)

// Config is the command line, parsed.
type Config struct {
	NetNS    string
	Demo     bool
	Seed     int64
	Interval time.Duration
	Once     bool
	Format   string
	Sort     model.Column
	Reverse  bool
	Limit    int
	LogFile  string
	Version  bool
	// Filter is the parsed --filter (nil: every flow); Group is --group,
	// and HasGroup says whether it was given.
	Filter   *model.Filter
	Group    model.GroupBy
	HasGroup bool
	// ReadOnly disables every action; Yes skips confirming deletions.
	ReadOnly bool
	Yes      bool
}

// usageError is a command line mistake: exit 2.
type usageError struct{ error }

func parseFlags(args []string, stdout io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("cttop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.NetNS, "netns", "", "watch the table of network namespace `NAME` (/run/netns/NAME) or PATH (e.g. /proc/PID/ns/net)")
	fs.BoolVar(&cfg.Demo, "demo", false, "play a built-in synthetic table with a flood (no root, no kernel needed)")
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed of --demo")
	fs.DurationVar(&cfg.Interval, "interval", source.DefaultInterval, "refresh `interval`: events are coalesced and shown at most once per interval")
	fs.BoolVar(&cfg.Once, "once", false, "print one snapshot of the table and exit (like top -b -n 1)")
	fs.StringVar(&cfg.Format, "format", "text", "output `format` of --once: text or json")
	sortName := fs.String("sort", "src", "sort by `COLUMN`: "+strings.Join(columnNames(), ", "))
	fs.BoolVar(&cfg.Reverse, "reverse", false, "sort in descending order")
	fs.IntVar(&cfg.Limit, "limit", 0, "print at most `N` flows with --once (0: all)")
	fs.StringVar(&cfg.LogFile, "log", "", "write diagnostics to `FILE` (default: none)")
	fs.BoolVar(&cfg.Version, "version", false, "print the version and exit")
	filterExpr := fs.String("filter", "", "show only flows matching `EXPR` (tcpdump syntax plus conntrack words, see README)")
	fs.BoolVar(&cfg.ReadOnly, "read-only", false, "disable every action: no deleting flows, no rules")
	fs.BoolVar(&cfg.Yes, "yes", false, "delete without asking first (lock-out warnings are still asked)")
	groupName := fs.String("group", "", "group the top view (and --once) by `KEY`: src, dst, dport, state, proto")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return cfg, err
		}
		msg := err.Error()
		if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + rest
		}
		return cfg, usageError{fmt.Errorf("%s (see cttop --help)", msg)}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("unexpected argument %q (see cttop --help)", fs.Arg(0))}
	}
	f, err := model.ParseFilter(*filterExpr)
	if err != nil {
		return cfg, usageError{err}
	}
	cfg.Filter = f
	if *groupName != "" {
		by, err := model.ParseGroupBy(*groupName)
		if err != nil {
			return cfg, usageError{fmt.Errorf("--group: %w", err)}
		}
		cfg.Group, cfg.HasGroup = by, true
	}
	col, err := model.ParseColumn(*sortName)
	if err != nil {
		return cfg, usageError{fmt.Errorf("--sort: %w", err)}
	}
	cfg.Sort = col
	if cfg.Format != "text" && cfg.Format != "json" {
		return cfg, usageError{fmt.Errorf("--format: unknown format %q (want text or json)", cfg.Format)}
	}
	if cfg.Interval < 10*time.Millisecond {
		return cfg, usageError{fmt.Errorf("--interval: %v is too short (at least 10ms)", cfg.Interval)}
	}
	if cfg.Limit < 0 {
		return cfg, usageError{errors.New("--limit: must not be negative")}
	}
	if cfg.Demo && cfg.NetNS != "" {
		return cfg, usageError{errors.New("--demo and --netns exclude each other")}
	}
	return cfg, nil
}

func columnNames() []string {
	var names []string
	for _, c := range model.Columns() {
		names = append(names, c.String())
	}
	return names
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `cttop %s: a live view of the Linux connection tracking table

Usage:
  sudo cttop [flags]           watch this host's conntrack table
  sudo cttop --netns NAME      watch a network namespace's table
  cttop --demo                 try it with synthetic data (no root needed)
  sudo cttop --filter 'dst port 80' --group src
  sudo cttop --once --format json --filter 'state syn_recv' --group src --limit 0

Flags:
`, versionString())
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "cttop:", err)
		return exitUsage
	}
	if cfg.Version {
		fmt.Fprintln(stdout, "cttop", versionString())
		return exitOK
	}
	log, closeLog, err := openLog(cfg.LogFile)
	if err != nil {
		fmt.Fprintln(stderr, "cttop:", err)
		return exitError
	}
	defer closeLog()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Once {
		err = runOnce(ctx, cfg, log, stdout)
	} else {
		err = runUI(ctx, cfg, log)
	}
	if err != nil {
		log.Error("exit", "err", err)
		fmt.Fprintln(stderr, userError(err))
		return exitError
	}
	return exitOK
}

// userError is the one line a user sees for a failed run: the kernel's
// refusals in plain words, the details in the log.
func userError(err error) string {
	switch {
	case errors.Is(err, source.ErrPermission):
		return source.ErrPermission.Error()
	case errors.Is(err, source.ErrNoConntrack):
		return "cttop: " + source.ErrNoConntrack.Error()
	}
	return "cttop: " + err.Error()
}

func openLog(path string) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil)), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), func() { f.Close() }, nil
}

// openSource returns the source the flags ask for.
func openSource(cfg Config, log *slog.Logger) (source.Source, func(), error) {
	if cfg.Demo {
		return source.NewDemo(source.DemoConfig{Seed: cfg.Seed, Interval: cfg.Interval}), func() {}, nil
	}
	k, err := source.NewKernel(source.KernelConfig{NetNS: cfg.NetNS, Interval: cfg.Interval, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return k, func() { k.Close() }, nil
}

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
	switch k, ok := src.(*source.Kernel); {
	case cfg.ReadOnly:
		uc.ReadOnly = "--read-only"
	case !ok:
		uc.ReadOnly = "not a live kernel table"
		if cfg.Demo {
			uc.ReadOnly = "demo"
		}
	default:
		a := newKernelActions(k)
		defer a.close()
		uc.Actions = a
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
