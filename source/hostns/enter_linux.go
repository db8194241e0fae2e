package hostns

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// readEntering reads /proc/thread-self/net/FILE on a thread that has
// entered the namespace at path, then leaves it. It is how a namespace
// with no process (only a bind mount) is read; it needs CAP_SYS_ADMIN.
// A thread that cannot go back stays locked and dies with its goroutine,
// so no other goroutine ever runs in the wrong namespace.
func readEntering(path, file string) ([]byte, error) {
	target, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer target.Close()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("enter network namespace: %w", err)}
			return
		}
		b, rerr := os.ReadFile("/proc/thread-self/net/" + file)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{err: fmt.Errorf("leave network namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{b, rerr}
	}()
	r := <-done
	return r.b, r.err
}
