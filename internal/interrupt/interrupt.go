package interrupt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Signals are the signals that end cttop.
var Signals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Grace is how long the program has to stop after the first signal before
// the force function runs.
const Grace = 700 * time.Millisecond

// Watcher turns the first of Signals into a cancelled context.
type Watcher struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	ch     chan os.Signal
	stop   chan struct{}
	done   chan struct{}

	mu    sync.Mutex
	first os.Signal
	force func(os.Signal)
}

// ErrSignal is the cause of a context cancelled by a signal; the error
// wrapping it names the signal ("terminated", "interrupt").
var ErrSignal = errors.New("stopped by a signal")

// Watch starts watching for Signals. Call Stop when the program has
// stopped (or is about to exit) to uninstall the handler. The Watcher's
// Context carries it (FromContext), so that the part of the program that
// owns the terminal can set the force function.
func Watch(parent context.Context) *Watcher {
	w := &Watcher{ch: make(chan os.Signal, 4), stop: make(chan struct{}), done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancelCause(context.WithValue(parent, watcherKey{}, w))
	w.force = func(s os.Signal) { os.Exit(ExitCode(s)) }
	signal.Notify(w.ch, Signals...)
	go w.loop()
	return w
}

func (w *Watcher) loop() {
	defer close(w.done)
	var grace <-chan time.Time
	for {
		select {
		case s := <-w.ch:
			w.mu.Lock()
			first := w.first == nil
			if first {
				w.first = s
			}
			w.mu.Unlock()
			if first {
				w.cancel(fmt.Errorf("%w: %v", ErrSignal, s))
				grace = time.After(Grace)
				continue
			}
			w.runForce()
			return
		case <-grace:
			w.runForce()
			return
		case <-w.stop:
			return
		}
	}
}

func (w *Watcher) runForce() {
	w.mu.Lock()
	f, s := w.force, w.first
	w.mu.Unlock()
	f(s)
}

type watcherKey struct{}

// FromContext returns the Watcher whose Context ctx is or derives from,
// nil if none.
func FromContext(ctx context.Context) *Watcher {
	w, _ := ctx.Value(watcherKey{}).(*Watcher)
	return w
}

// Context is cancelled by the first signal, with a cause wrapping
// ErrSignal.
func (w *Watcher) Context() context.Context { return w.ctx }

// Signal returns the first signal received, nil if none.
func (w *Watcher) Signal() os.Signal {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

// SetForce replaces what runs when the program has not stopped within
// Grace of the first signal, or at the second: f gets the first signal and
// must not return (it exits the process).
func (w *Watcher) SetForce(f func(os.Signal)) {
	w.mu.Lock()
	w.force = f
	w.mu.Unlock()
}

// Stop uninstalls the handler and ends the grace period: the program has
// stopped. Signals after Stop have their default effect.
func (w *Watcher) Stop() {
	signal.Stop(w.ch)
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// ExitCode is the exit status of a program ended by s: 128 plus the
// signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), as
// shells report it. It is 1 for a signal without a number.
func ExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
