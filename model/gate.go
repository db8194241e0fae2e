package model

import (
	"sync"
	"sync/atomic"
)

// readGate lets a background worker read a table while its owner is
// between changes, so that a rebuild's pass over a million flows (tens of
// milliseconds) leaves the frame that answers a key. The owner enters it
// for the worker before starting the worker (so no change can come between
// the key and the worker's read); the worker leaves it when it has read
// what it needs; every change to the table waits for the readers to leave
// first (Table.Apply, Table.InsertExt). Only the owner enters it and
// changes the table, so no reader can enter while a change runs.
// A sync.RWMutex is not tied to a goroutine: one may RLock and another
// RUnlock. The count spares each change the mutex when no worker reads.
type readGate struct {
	mu      sync.RWMutex
	readers atomic.Int32
}

// enter admits one reader; the owner calls it.
func (g *readGate) enter() {
	g.readers.Add(1)
	g.mu.RLock()
}

// leave lets the reader go; the reader calls it once, when it is done.
func (g *readGate) leave() {
	g.mu.RUnlock()
	g.readers.Add(-1)
}

// wait returns when no reader is in; the owner calls it before a change.
func (g *readGate) wait() {
	if g.readers.Load() != 0 {
		g.mu.Lock()
		g.mu.Unlock() //lint:ignore SA2001 an empty critical section: waiting for the readers is the point
	}
}

// ReadAside runs read on a goroutine of its own while the table does not
// change: Apply and InsertExt wait until read has returned. read must only
// read the table (At, ExtAt, CountersAt, Slots, Len). The owner calls it,
// for a pass over a big table that need not hold up a frame (a filter's
// match count as it is typed). The channel is closed when read returns.
func (t *Table) ReadAside(read func()) <-chan struct{} {
	done := make(chan struct{})
	t.gate.enter()
	go func() {
		defer close(done)
		defer t.gate.leave()
		read()
	}()
	return done
}
