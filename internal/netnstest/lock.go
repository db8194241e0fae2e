package netnstest

import (
	"os"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// LockPath is the machine-wide lock of kernel tests: shared while a test
// uses the kernel, exclusive while one changes a global setting.
const LockPath = "/run/cttop-kernel-tests.lock"

// held maps a test's name to its lock: one open file per test, since
// flock locks belong to the open file. A subtest uses its parent's.
var (
	heldMu sync.Mutex
	held   = map[string]*heldLock{}
)

type heldLock struct {
	f         *os.File
	exclusive bool
}

// lockOf returns the lock held by t or by a test t runs inside.
func lockOf(name string) *heldLock {
	for {
		if l, ok := held[name]; ok {
			return l
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return nil
		}
		name = name[:i]
	}
}

// lockShared takes the machine-wide lock shared for the rest of t, unless
// t (or its parent) holds it already.
func lockShared(t testing.TB) {
	t.Helper()
	heldMu.Lock()
	l := lockOf(t.Name())
	heldMu.Unlock()
	if l != nil {
		return
	}
	f, err := os.OpenFile(LockPath, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		t.Fatalf("kernel test lock: %v", err)
	}
	if err := flock(f, unix.LOCK_SH); err != nil {
		f.Close()
		t.Fatalf("kernel test lock: %v", err)
	}
	heldMu.Lock()
	held[t.Name()] = &heldLock{f: f}
	heldMu.Unlock()
	t.Cleanup(func() {
		heldMu.Lock()
		delete(held, t.Name())
		heldMu.Unlock()
		f.Close() // releases the lock
	})
}

// lockExclusive turns t's shared lock into an exclusive one; it waits for
// every other kernel test of the machine to end. Only the test that took
// the lock may do it, not a subtest: a subtest would wait for its parent.
func lockExclusive(t testing.TB) {
	t.Helper()
	heldMu.Lock()
	l, own := held[t.Name()]
	heldMu.Unlock()
	switch {
	case !own:
		t.Fatalf("kernel test lock: %s changes a global setting inside a test that holds the lock: call it from the test that called Require", t.Name())
	case l.exclusive:
		return
	}
	// The conversion releases the shared lock first (flock(2)), so two
	// tests converting at once cannot deadlock.
	if err := flock(l.f, unix.LOCK_EX); err != nil {
		t.Fatalf("kernel test lock: %v", err)
	}
	l.exclusive = true
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
