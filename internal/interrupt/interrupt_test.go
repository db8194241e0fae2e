package interrupt

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestExitCode(t *testing.T) {
	for s, want := range map[os.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129, os.Interrupt: 130} {
		if got := ExitCode(s); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", s, got, want)
		}
	}
}

// watch starts a Watcher whose force function reports instead of exiting.
func watch(t *testing.T) (*Watcher, chan os.Signal) {
	w := Watch(context.Background())
	forced := make(chan os.Signal, 1)
	w.SetForce(func(s os.Signal) { forced <- s })
	t.Cleanup(w.Stop)
	return w, forced
}

func TestWatchCancels(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			w, forced := watch(t)
			if w.Signal() != nil {
				t.Fatal("a signal before any was sent")
			}
			if FromContext(w.Context()) != w || FromContext(context.Background()) != nil {
				t.Fatal("FromContext does not find the Watcher")
			}
			syscall.Kill(os.Getpid(), sig)
			select {
			case <-w.Context().Done():
			case <-time.After(time.Second):
				t.Fatal("context not cancelled within a second")
			}
			if w.Signal() != sig || !errors.Is(context.Cause(w.Context()), ErrSignal) {
				t.Errorf("signal %v, cause %v; want %v and ErrSignal", w.Signal(), context.Cause(w.Context()), sig)
			}
			w.Stop() // stopped in time: no force
			select {
			case s := <-forced:
				t.Errorf("forced (%v) although stopped within the grace period", s)
			case <-time.After(Grace + 200*time.Millisecond):
			}
		})
	}
}

func TestWatchForces(t *testing.T) {
	t.Run("grace", func(t *testing.T) {
		_, forced := watch(t)
		start := time.Now()
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case s := <-forced:
			if s != syscall.SIGTERM || time.Since(start) < Grace {
				t.Errorf("forced with %v after %v, want SIGTERM after %v", s, time.Since(start), Grace)
			}
		case <-time.After(Grace + time.Second):
			t.Fatal("not forced after the grace period")
		}
	})
	t.Run("second signal", func(t *testing.T) {
		w, forced := watch(t)
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-w.Context().Done()
		start := time.Now()
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case s := <-forced:
			if s != syscall.SIGINT || time.Since(start) > Grace/2 {
				t.Errorf("forced with %v after %v, want the first signal (SIGINT) at once", s, time.Since(start))
			}
		case <-time.After(Grace):
			t.Fatal("a second signal did not force")
		}
	})
}

// openPty returns both ends of a new pseudo-terminal.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestTTYGone closes the terminal's master side under a blocked read: the
// read must fail with ErrTerminalGone, not wait forever or report EOF.
func TestTTYGone(t *testing.T) {
	m, s := openPty(t)
	tty := newTTY(s, true)
	defer tty.Close()
	if _, err := m.Write([]byte("q\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := tty.Read(buf); err != nil || string(buf[:n]) != "q\n" {
		t.Fatalf("Read = %q, %v; want the key", buf[:n], err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := tty.Read(buf)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	m.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrTerminalGone) {
			t.Errorf("Read after hang-up = %v, want ErrTerminalGone", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Read still blocked after the terminal went away")
	}
}

// TestTTYRestore: Restore puts back canonical mode and echo after raw mode.
func TestTTYRestore(t *testing.T) {
	m, s := openPty(t)
	defer m.Close()
	tty := newTTY(s, true)
	defer tty.Close()
	raw, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	raw.Lflag &^= unix.ICANON | unix.ECHO
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, raw); err != nil {
		t.Fatal(err)
	}
	go func() { // drain what Restore writes
		buf := make([]byte, 256)
		for {
			if _, err := m.Read(buf); err != nil {
				return
			}
		}
	}()
	tty.Restore(s)
	got, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lflag&unix.ICANON == 0 || got.Lflag&unix.ECHO == 0 {
		t.Errorf("after Restore: lflag %#x, want ICANON and ECHO", got.Lflag)
	}
}
