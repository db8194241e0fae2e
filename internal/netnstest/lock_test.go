package netnstest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// isolate points the lock and the journal at files of t's own, so that the
// kernel tests of other packages running meanwhile do not take part.
func isolate(t *testing.T) {
	dir := t.TempDir()
	oldLock, oldJournal, oldRoot := lockPath, journalDir, sysctlRoot
	lockPath, journalDir = filepath.Join(dir, "lock"), filepath.Join(dir, "restore")
	sysctlRoot = filepath.Join(dir, "sys") + "/"
	t.Cleanup(func() { lockPath, journalDir, sysctlRoot = oldLock, oldJournal, oldRoot })
}

// TestExclusiveWaitsForShared: a test that changes a global setting waits
// until another process's kernel test (here an open file holding the lock
// shared) ends, and a kernel test started meanwhile waits for it in turn.
func TestExclusiveWaitsForShared(t *testing.T) {
	isolate(t)
	Require(t)
	other, err := os.OpenFile(lockPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := flock(other, unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		defer close(got)
		lockExclusive(t)
	}()
	// Whatever happens below, the goroutine ends before the test does.
	defer func() { other.Close(); <-got }()
	select {
	case <-got:
		t.Fatal("exclusive lock taken while another holder had it shared")
	case <-time.After(300 * time.Millisecond):
	}
	other.Close() // the other test ends
	select {
	case <-got:
	case <-time.After(time.Minute):
		t.Fatal("exclusive lock not taken after the other holder let go")
	}
	late, err := os.OpenFile(lockPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := unix.Flock(int(late.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Fatalf("a shared lock while one test holds it exclusively: %v, want EWOULDBLOCK", err)
	}
}

// TestJournalRestoresAfterDeath: a setting changed by a test process that
// died without its cleanups (SIGKILL) is restored by the next test to take
// the lock, and recovery writes nowhere but under the sysctl root.
func TestJournalRestoresAfterDeath(t *testing.T) {
	isolate(t)
	Require(t)
	path := filepath.Join(sysctlRoot, "net", "netfilter", "nf_conntrack_max")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// The dead process: journal, change, no restore.
	rec, err := journal(path, []byte("262144\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("1500"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("subtest", func(t *testing.T) {
		Require(t) // runs under its parent's lock: no recovery
		if _, err := os.Stat(rec); err != nil {
			t.Fatalf("record gone while its writer's test still holds the lock: %v", err)
		}
	})
	if err := recoverJournal(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "262144\n" {
		t.Fatalf("after recovery the setting is %q, want the journalled 262144", b)
	}
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Fatalf("record %s still there after recovery (%v)", rec, err)
	}
	outside := filepath.Join(t.TempDir(), "passwd")
	bogus := filepath.Join(journalDir, "sysctl-bogus")
	if err := os.WriteFile(bogus, []byte(outside+"\x00x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := recoverJournal(); err == nil {
		t.Fatal("recovery wrote outside the sysctl root")
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Fatalf("recovery created %s", outside)
	}
}

// TestSetGlobalSysctl: the value holds for the test, is journalled while it
// does, and the old one is back afterwards with the journal empty.
func TestSetGlobalSysctl(t *testing.T) {
	isolate(t)
	path := filepath.Join(sysctlRoot, "x")
	if err := os.MkdirAll(sysctlRoot, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("1"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("changes", func(t *testing.T) {
		SetGlobalSysctl(t, "x", "2")
		if b, _ := os.ReadFile(path); string(b) != "2" {
			t.Errorf("during the test: %q, want 2", b)
		}
		if recs, _ := os.ReadDir(journalDir); len(recs) != 1 {
			t.Errorf("journal holds %d records during the change, want 1", len(recs))
		}
	})
	if b, _ := os.ReadFile(path); string(b) != "1" {
		t.Errorf("after the test: %q, want 1", b)
	}
	if recs, _ := os.ReadDir(journalDir); len(recs) != 0 {
		t.Errorf("journal holds %d records after the test, want 0", len(recs))
	}
}
