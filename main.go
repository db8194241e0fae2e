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
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/internal/app"
	"github.com/cttop/cttop/internal/interrupt"
	"github.com/cttop/cttop/internal/outfile"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/replay"
	"github.com/cttop/cttop/ui"
)

// version and commit are set with -ldflags "-X main.version=... -X
// main.commit=..." (as .goreleaser.yaml and make build do); otherwise the
// build info's module version and VCS revision are used.
var version, commit = "", ""

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the run failed: permission, kernel, source
	exitUsage = 2 // the command line is wrong
)

// The bounds of --interval: below 10ms a refresh costs more than it shows;
// above 10s the first screen and the first metrics wait that long.
const (
	minInterval = 10 * time.Millisecond
	maxInterval = 10 * time.Second
)

// usageError is a command line mistake: exit 2.
type usageError struct{ error }

// Config is the command line, parsed: what the application runs, and
// --version, which main answers itself.
type Config struct {
	app.Config
	Version bool
}

// rawFlags are the flags parsed after the flag set: their text is
// checked into Config fields.
type rawFlags struct {
	sort, filter, group, replayLimits, startView, threshold string
}

// newFlagSet defines every flag on cfg. The man page is generated from it
// (writeManPage), so the two cannot drift.
func newFlagSet(cfg *Config) (*flag.FlagSet, *rawFlags) {
	raw := &rawFlags{}
	fs := flag.NewFlagSet("cttop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.NetNS, "netns", "", "watch the table of network namespace `NAME`: an ip netns name, a container or pod, an inode as the kernel log prints it, pid:N, or a PATH (e.g. /proc/PID/ns/net)")
	fs.BoolVar(&cfg.All, "all", false, "start in the namespaces view: every network namespace's table (with --once: list them, fullest first)")
	fs.DurationVar(&cfg.History, "history", model.DefaultHistoryWindow, "keep `D` of per-second history of the table (1m to 24h)")
	fs.BoolVar(&cfg.Demo, "demo", false, "play a built-in synthetic table with a flood (no root, no kernel needed)")
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed of --demo")
	fs.StringVar(&cfg.Replay, "replay", "", "show a saved table from `FILE` (- for stdin): conntrack -L (any -o: extended, id, xml, save...), /proc/net/nf_conntrack, or cttop's JSON")
	fs.StringVar(&raw.replayLimits, "replay-limits", "", "bound a --replay load: `LIST` of records=N (default 8388608, duplicates included), line=SIZE and token=SIZE (1MiB), gzip-ratio=N (100), e.g. records=20000000,line=4MiB")
	fs.DurationVar(&cfg.Interval, "interval", source.DefaultInterval, "refresh `interval`, 10ms to 10s: events are coalesced and shown at most once per interval")
	fs.StringVar(&raw.filter, "filter", "", "show only flows matching `EXPR` (tcpdump syntax plus conntrack words, see README)")
	fs.StringVar(&raw.group, "group", "", "start in the top view grouped by `KEY`: src, dst, dport, state, proto; "+
		"src/24 by prefix (src/24,48: IPv6 /48), src/auto by the heaviest prefixes; dst likewise (also groups --once)")
	fs.StringVar(&raw.threshold, "threshold", model.ShareText(model.DefaultShare), "with --group src/auto or dst/auto: list prefixes holding at least `PCT` percent of the matched flows (0.1 to 50)")
	fs.StringVar(&raw.startView, "start-view", "auto", "start in `VIEW`: flows, top, or auto (the top view by what concentrates the flows when the table is 80% full or the kernel drops at start, else flows)")
	fs.StringVar(&raw.sort, "sort", "src", "sort by `COLUMN`: "+strings.Join(columnNames(), ", "))
	fs.BoolVar(&cfg.Reverse, "reverse", false, "sort in descending order")
	fs.BoolVar(&cfg.Once, "once", false, "print one snapshot of the table and exit (like top -b -n 1)")
	fs.StringVar(&cfg.Format, "format", "text", "output `format` of --once: text or json")
	fs.IntVar(&cfg.Limit, "limit", 0, "print at most `N` flows (and groups) with --once (0: all)")
	fs.BoolVar(&cfg.Tune, "tune", false, "print the tuning advice (table size, timeouts, memory) and exit")
	fs.BoolVar(&cfg.ReadOnly, "read-only", false, "disable every action: no deleting flows, no rules")
	fs.BoolVar(&cfg.Yes, "yes", false, "delete without asking first (lock-out warnings are still asked)")
	fs.StringVar(&cfg.MetricsAddr, "metrics", "", "serve Prometheus metrics on `ADDR` (loopback only unless --metrics-public), e.g. 127.0.0.1:9163")
	fs.BoolVar(&cfg.MetricsPublic, "metrics-public", false, "allow --metrics on a non-loopback address")
	fs.IntVar(&cfg.TopN, "top", 10, "export the top `N` sources by flows as metrics")
	fs.IntVar(&cfg.MetricsNetNS, "metrics-netns", 0, "export entries and drops of the `N` fullest network namespaces as metrics (0: none, at most 1000)")
	fs.BoolVar(&cfg.Headless, "headless", false, "run without a terminal, serving --metrics (for systemd)")
	fs.StringVar(&cfg.LogFile, "log", "", "write diagnostics to `FILE` (default: none)")
	fs.BoolVar(&cfg.Version, "version", false, "print the version and exit")
	return fs, raw
}

func parseFlags(args []string, stdout io.Writer) (Config, error) {
	var cfg Config
	fs, raw := newFlagSet(&cfg)
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
	if err := checkFlags(&cfg, raw); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// checkFlags turns the raw flags into cfg and rejects what does not fit.
func checkFlags(cfg *Config, raw *rawFlags) error {
	f, err := filter.Parse(raw.filter)
	if err != nil {
		return err
	}
	cfg.Filter = f
	if raw.group != "" {
		gr, err := model.ParseGrouping(raw.group)
		if err != nil {
			return fmt.Errorf("--group: %w", err)
		}
		cfg.Group, cfg.HasGroup = gr, true
	}
	if cfg.Share, err = model.ParseShare(raw.threshold); err != nil {
		return fmt.Errorf("--threshold: %w", err)
	}
	if cfg.StartView, err = ui.ParseStartView(raw.startView); err != nil {
		return fmt.Errorf("--start-view: %w", err)
	}
	if cfg.Sort, err = model.ParseColumn(raw.sort); err != nil {
		return fmt.Errorf("--sort: %w", err)
	}
	if raw.replayLimits != "" {
		if cfg.ReplayLimits, err = replay.ParseLimits(raw.replayLimits); err != nil {
			return err
		}
	}
	sources := 0
	for _, on := range []bool{cfg.Demo, cfg.NetNS != "", cfg.Replay != ""} {
		if on {
			sources++
		}
	}
	switch {
	case cfg.Format != "text" && cfg.Format != "json":
		return fmt.Errorf("--format: unknown format %q (want text or json)", cfg.Format)
	case cfg.Interval < minInterval:
		return fmt.Errorf("--interval: %v is too short (%v to %v)", cfg.Interval, minInterval, maxInterval)
	case cfg.Interval > maxInterval:
		return fmt.Errorf("--interval: %v is too long (%v to %v): the screen and the metrics wait that long for their first data", cfg.Interval, minInterval, maxInterval)
	case cfg.Limit < 0:
		return errors.New("--limit: must not be negative")
	case cfg.TopN < 1 || cfg.TopN > 1000:
		return errors.New("--top: want 1 to 1000")
	case sources > 1:
		return errors.New("--demo, --netns and --replay exclude each other")
	case cfg.Headless && cfg.MetricsAddr == "":
		return app.ErrHeadlessNeedsMetrics
	case cfg.Headless && (cfg.Once || cfg.Tune):
		return errors.New("--headless runs until stopped: not with --once or --tune")
	case cfg.All && (cfg.Demo || cfg.Replay != ""):
		return errors.New("--all shows the host's namespaces: not with --demo or --replay")
	case cfg.All && cfg.Tune:
		return errors.New("--all and --tune exclude each other: --tune advises on one table (--netns)")
	case cfg.History < time.Minute || cfg.History > 24*time.Hour:
		return fmt.Errorf("--history: %v is out of range (1m to 24h)", cfg.History)
	case cfg.MetricsNetNS < 0 || cfg.MetricsNetNS > 1000:
		return errors.New("--metrics-netns: want 0 to 1000")
	case cfg.MetricsNetNS > 0 && cfg.MetricsAddr == "":
		return errors.New("--metrics-netns needs --metrics ADDR")
	}
	return nil
}

func columnNames() []string {
	var names []string
	for _, c := range model.Columns() {
		names = append(names, c.String())
	}
	return names
}

// groupNames lists the --group keys: every GroupBy, and for addresses a
// prefix grouping and the heavy hitters.
func groupNames() []string {
	var names []string
	for _, g := range model.GroupBys() {
		names = append(names, g.String())
		if gr := model.Plain(g); gr.IsAddr() {
			names = append(names, g.String()+"/24", g.String()+"/auto")
		}
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

// commitString is the commit cttop was built from: the ldflags', else the
// build info's vcs.revision (with "-dirty" for uncommitted changes), else
// "unknown" (go build -buildvcs=false, or no git).
func commitString() string {
	if commit != "" {
		return commit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "unknown"
	}
	return rev + dirty
}

// versionLine is what --version prints: version, commit, Go version.
func versionLine() string {
	return fmt.Sprintf("cttop %s (commit %s, %s %s/%s)", versionString(), commitString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	tuneGC()
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, format.Printable("cttop: "+err.Error()))
		return exitUsage
	}
	if cfg.Version {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	log, closeLog, err := openLog(cfg.LogFile)
	if err != nil {
		fmt.Fprintln(stderr, format.Printable("cttop: "+err.Error()))
		return exitError
	}
	defer closeLog()
	if cfg.Headless && cfg.LogFile == "" {
		// No terminal: diagnostics go to stderr, which systemd journals.
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}

	// The one handler of SIGINT, SIGTERM and SIGHUP: the run ends when it
	// cancels the context (the UI sets how to restore the terminal should
	// that take too long).
	sigs := interrupt.Watch(context.Background())
	defer sigs.Stop()
	if cfg.Headless {
		sigs.SetForce(func(os.Signal) { os.Exit(exitOK) })
	}
	cfg.Config.Version, cfg.Config.Commit = versionString(), commitString()
	err = app.Run(sigs.Context(), cfg.Config, log, stdout)
	code := exitCode(cfg, sigs.Signal(), err)
	if err != nil && !quietError(sigs.Signal(), err) {
		if cfg.LogFile != "" {
			log.Error("exit", "err", err) // a headless run without --log logs to stderr: once is enough
		}
		fmt.Fprintln(stderr, format.Printable(userError(err)))
	}
	return code
}

// exitCode is the status of a run that ended with err, or by signal s
// (nil if none): 128 plus the signal's number (130 SIGINT, 143 SIGTERM,
// 129 SIGHUP), as shells report a program a signal ended, since the user
// did not get what the run was for; but 0 for --headless, where a stop is
// how a service ends (systemd counts 143 as a failure). A terminal that
// went away counts as SIGHUP. Else 1 for an error, 0 for none or for an
// action cut short by quitting (its line is printed).
func exitCode(cfg Config, s os.Signal, err error) int {
	if s == nil && errors.Is(err, interrupt.ErrTerminalGone) {
		s = syscall.SIGHUP
	}
	var cut *app.InterruptedError
	switch {
	case s != nil && cfg.Headless:
		return exitOK
	case s != nil:
		return interrupt.ExitCode(s)
	case errors.As(err, &cut):
		return exitOK // the user quit during an action: the line says how far it got
	case err != nil:
		return exitError
	}
	return exitOK
}

// quietError reports whether err needs no line: the run was cancelled by
// signal s, and err says only that. An error that says more (a delete cut
// short and how far it got) is printed.
func quietError(s os.Signal, err error) bool {
	return s != nil && (errors.Is(err, context.Canceled) || errors.Is(err, replay.ErrCancelled)) ||
		errors.Is(err, interrupt.ErrTerminalGone)
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
	f, err := outfile.Append(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), func() { f.Close() }, nil
}
