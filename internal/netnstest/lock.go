package netnstest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// LockPath is the machine-wide lock of kernel tests: shared while a test
// uses the kernel, exclusive while one changes a global setting.
const LockPath = "/run/cttop-kernel-tests.lock"

// JournalDir holds one file per global setting a test has changed and not
// yet restored: the setting's /proc/sys path, a NUL, its old value.
const JournalDir = "/run/cttop-kernel-tests.restore"

// lockPath and journalDir are LockPath and JournalDir but in this
// package's own tests.
// sysctlRoot is where recovery may write: /proc/sys, or a directory of
// this package's tests.
var (
	lockPath   = LockPath
	journalDir = JournalDir
	sysctlRoot = "/proc/sys/"
)

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
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		t.Fatalf("kernel test lock: %v", err)
	}
	if err := flock(f, unix.LOCK_SH); err != nil {
		f.Close()
		t.Fatalf("kernel test lock: %v", err)
	}
	// Holding the lock, nobody changes a global setting now: any left in
	// the journal belong to a test process that died before restoring.
	if err := recoverJournal(); err != nil {
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
	if err := recoverJournal(); err != nil {
		t.Fatalf("kernel test lock: %v", err)
	}
}

// journal records a global setting's old value before it changes and
// returns the record's path.
func journal(path string, old []byte) (string, error) {
	if err := os.MkdirAll(journalDir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(journalDir, "sysctl-")
	if err != nil {
		return "", err
	}
	_, err = f.Write(append(append([]byte(path), 0), old...))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// recoverJournal restores every setting of the journal and empties it.
// Call it holding the lock, shared or exclusive: no live test has a
// change in flight then.
func recoverJournal() error {
	entries, err := os.ReadDir(journalDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := filepath.Join(journalDir, e.Name())
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // another test restored it
		}
		if err != nil {
			return err
		}
		path, old, ok := bytes.Cut(b, []byte{0})
		if !ok || !strings.HasPrefix(string(path), sysctlRoot) {
			return fmt.Errorf("journal %s: not a record", name)
		}
		if err := os.WriteFile(string(path), old, 0o644); err != nil {
			return fmt.Errorf("restore %s from %s: %w", path, name, err)
		}
		fmt.Fprintf(os.Stderr, "netnstest: restored %s=%s left by a test that died\n", path, bytes.TrimSpace(old))
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
