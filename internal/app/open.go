package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/demo"
	"github.com/cttop/cttop/source/replay"
)

// errStdinTerminal: --replay - with nothing piped in would wait for the
// user to type a table.
var errStdinTerminal = errors.New("replay: standard input is a terminal: pipe a saved table into cttop (conntrack -L | cttop --replay -)")

// screenWait is how long a replay's load may hold up the first screen: a
// file that loads within it is shown whole, and a bad one is an error
// before any screen is drawn, as ever; a longer load shows at once and
// fills the screen in parts as it reads (the first screen within 300 ms,
// issue 17), and an error it meets later ends the screen with it.
const screenWait = 50 * time.Millisecond

// openReplay opens and loads a saved table (- is stdin) within lim, so
// that a bad file is reported before any screen is drawn; with wait > 0 it
// loads for at most wait, and the rest loads as the source runs
// (replay.Source.Start). Opening and loading follow ctx: a FIFO nobody
// writes to, or a pipe that never ends, give up when ctx ends (a signal),
// and the error says what was waited for.
func openReplay(ctx context.Context, name string, lim replay.Limits, wait time.Duration) (*replay.Source, func(), error) {
	in, closeFile := io.Reader(os.Stdin), func() {}
	if name == "-" {
		if term.IsTerminal(os.Stdin.Fd()) {
			return nil, nil, errStdinTerminal
		}
	} else {
		f, err := openInput(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		in, closeFile = f, func() { f.Close() }
	}
	r := replay.New(name, in)
	r.SetLimits(lim)
	load := r.Load
	if wait > 0 {
		load = func(ctx context.Context) error { return r.Start(ctx, wait) }
	}
	if err := load(ctx); err != nil {
		closeFile()
		return nil, nil, err
	}
	return r, closeFile, nil
}

// openInput opens a replay file for reading. Opening a FIFO blocks until
// something writes to it, so it runs apart and gives up when ctx ends
// (the goroutine stays blocked in open until a writer comes or the process
// ends). A terminal device is refused: it would wait for typing.
func openInput(ctx context.Context, name string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOCTTY, 0)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			return nil, fmt.Errorf("replay: %w", o.err)
		}
		if term.IsTerminal(o.f.Fd()) {
			o.f.Close()
			return nil, fmt.Errorf("replay: %s is a terminal: give a saved table", format.Name(name))
		}
		return o.f, nil
	case <-ctx.Done():
		go func() { // close it if the open ever completes
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, fmt.Errorf("replay: %s: %w while waiting for a writer (a FIFO?)", format.Name(name), replay.ErrCancelled)
	}
}

// openSource opens the source the flags ask for, for every mode: the demo,
// a replay (loaded now, so that a bad file is reported before any screen
// is drawn; for at most wait if wait > 0, see openReplay), or the kernel's
// table of cfg.NetNS. The caller runs close when done with it. A replay's
// opening and loading end with ctx.
func openSource(ctx context.Context, cfg Config, log *slog.Logger, wait time.Duration) (src source.Source, close func(), err error) {
	if cfg.Demo {
		return demo.New(demo.Config{Seed: cfg.Seed, Interval: cfg.Interval}), func() {}, nil
	}
	if cfg.Replay != "" {
		r, closeFile, err := openReplay(ctx, cfg.Replay, cfg.ReplayLimits, wait)
		if err != nil {
			return nil, nil, err
		}
		return r, closeFile, nil
	}
	path, label, err := resolveNetNS(cfg.NetNS)
	if err != nil {
		return nil, nil, err
	}
	k, err := source.NewKernel(source.KernelConfig{NetNS: path, Label: label, Interval: cfg.Interval, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return k, func() { k.Close() }, nil
}
