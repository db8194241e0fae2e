package source

// The event half of the kernel source: the listener, and the reader that
// only receives, decodes and coalesces, so it keeps up with the kernel.
// Lost events (ENOBUFS, or a datagram too big for its slot) request a
// resync (resync_linux.go).
//
// The reader is written by hand rather than on the library's Listen: a
// batch of datagrams per system call (recvmmsg), the clock read and the
// lock taken once per batch, and the allocation-free decoder, where Listen
// costs a system call, 44 allocations and 2.1 us per event and stopped near
// 55,000 events/s. BenchmarkEventPath measures it without a kernel.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/cttop/cttop/model"
	"golang.org/x/sys/unix"
)

// listen opens an event socket: a large receive buffer, the NEW, UPDATE
// and DESTROY groups.
func (k *Kernel) listen() (*nlsock, error) {
	ev, err := dialSock(k.nsFd, 64<<10)
	if err != nil {
		return nil, err
	}
	if err := ev.setReadBuffer(k.cfg.ReadBuffer); err != nil {
		k.cfg.Log.Warn("raise event socket buffer", "err", err)
	}
	k.cfg.Log.Info("event socket", "rcvbuf", ev.readBuffer())
	if err := ev.joinGroups(groupNew, groupUpdate, groupDestroy); err != nil {
		ev.Close()
		return nil, err
	}
	k.evMu.Lock()
	k.ev = ev
	k.evMu.Unlock()
	return ev, nil
}

func (k *Kernel) closeListener() {
	k.evMu.Lock()
	defer k.evMu.Unlock()
	if k.ev != nil {
		k.ev.Close()
	}
}

// listenerRetries is how many listeners in a row may die or fail to open
// before the source gives up.
const listenerRetries = 5

// listenLoop keeps a listener alive: when one dies of anything but ENOBUFS
// (which readEvents handles itself), it says the view is stale, opens a new
// one, and asks for a resync, so the events in between are made up for by
// a dump. Only a listener that keeps failing ends the source.
func (k *Kernel) listenLoop(ctx context.Context, ev *nlsock, resync chan<- struct{}, errc chan<- error) {
	failures := 0
	for {
		start := time.Now()
		err := k.readEvents(ev, resync)
		ev.Close()
		if err == nil || ctx.Err() != nil {
			return
		}
		if time.Since(start) > 10*time.Second {
			failures = 0
		}
		failures++
		k.markMissed("event listener restarted", err.Error())
		if failures > listenerRetries {
			errc <- fmt.Errorf("read conntrack events: %w", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(failures) * 100 * time.Millisecond):
		}
		if ev, err = k.listen(); err != nil {
			errc <- err
			return
		}
		if ctx.Err() != nil {
			ev.Close()
			return
		}
		k.signal(resync)
	}
}

// markMissed records that events were missed, in the header's words (why):
// the view is stale until a resync. Only ENOBUFS, the kernel saying it
// dropped events, is "events lost".
func (k *Kernel) markMissed(why, detail string) {
	k.mu.Lock()
	k.overflows++
	k.info.Stale, k.info.StaleWhy = true, why
	k.mu.Unlock()
	k.cfg.Log.Warn("conntrack events missed, resyncing", "why", why, "detail", detail)
}

func (k *Kernel) signal(resync chan<- struct{}) {
	select {
	case resync <- struct{}{}:
	default:
	}
}

// readEvents reads one listener until it is closed (nil) or fails (the
// error).
func (k *Kernel) readEvents(ev *nlsock, resync chan<- struct{}) error {
	var e model.Event
	missed := func(why, detail string) {
		k.markMissed(why, detail)
		k.signal(resync)
	}
	var dst *model.Batch
	add := func(e *model.Event) {
		k.counts[e.Type]++
		switch e.Type {
		case model.EventNew:
			k.est++
		case model.EventDestroy:
			k.est--
		}
		e.Ext = cloneExt(e.Ext)
		dst.Add(e)
	}
	for {
		if k.beforeRecv != nil {
			k.beforeRecv()
		}
		n, err := ev.recvMany()
		if err == nil && k.recvErr != nil {
			err = k.recvErr()
		}
		if errors.Is(err, unix.ENOBUFS) {
			missed("events lost", "ENOBUFS: the kernel dropped events")
			continue
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || errors.Is(err, unix.EBADF) {
				return nil
			}
			return err
		}
		now := uint32(time.Now().Unix())
		truncated := false
		var bad error
		k.mu.Lock()
		dst = k.cur
		if k.post != nil {
			dst = k.post
		}
		for i := 0; i < n; i++ {
			b, err := ev.datagram(i)
			if err != nil {
				truncated = true
				continue
			}
			if err := ev.dec.decodeEvents(b, now, &e, add); err != nil && bad == nil {
				bad = err
			}
		}
		k.mu.Unlock()
		if bad != nil {
			k.cfg.Log.Warn("bad event", "err", bad)
		}
		if truncated {
			missed("event datagram cut short", "a datagram was bigger than its buffer")
		}
	}
}
