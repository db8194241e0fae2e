package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/demo"
	"github.com/cttop/cttop/source/replay"
)

// openReplay opens and loads a saved table (- is stdin), so that a bad
// file is reported before any screen is drawn.
func openReplay(name string) (*replay.Source, func(), error) {
	in, closeFile := io.Reader(os.Stdin), func() {}
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("replay: %w", err)
		}
		in, closeFile = f, func() { f.Close() }
	}
	r := replay.New(name, in)
	if err := r.Load(context.Background()); err != nil {
		closeFile()
		return nil, nil, err
	}
	return r, closeFile, nil
}

// openSource opens the source the flags ask for, for every mode: the demo,
// a replay (loaded now, so that a bad file is reported before any screen
// is drawn), or the kernel's table of cfg.NetNS. The caller runs close when
// done with it.
func openSource(cfg Config, log *slog.Logger) (src source.Source, close func(), err error) {
	if cfg.Demo {
		return demo.New(demo.Config{Seed: cfg.Seed, Interval: cfg.Interval}), func() {}, nil
	}
	if cfg.Replay != "" {
		r, closeFile, err := openReplay(cfg.Replay)
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
