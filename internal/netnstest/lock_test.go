package netnstest

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestExclusiveWaitsForShared: a test that changes a global setting waits
// until another process's kernel test (here an open file holding the lock
// shared) ends, and a kernel test started meanwhile waits for it in turn.
func TestExclusiveWaitsForShared(t *testing.T) {
	Require(t)
	other, err := os.OpenFile(LockPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := flock(other, unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		lockExclusive(t)
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("exclusive lock taken while another holder had it shared")
	case <-time.After(300 * time.Millisecond):
	}
	other.Close() // the other test ends
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("exclusive lock not taken after the other holder let go")
	}
	late, err := os.OpenFile(LockPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := unix.Flock(int(late.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("a shared lock while one test holds it exclusively: %v, want EWOULDBLOCK", err)
	}
}
