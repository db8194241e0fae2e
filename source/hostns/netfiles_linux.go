package hostns

import (
	"fmt"
	"io"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// NetFiles are a namespace's stat/nf_conntrack and nf_conntrack_expect,
// opened once inside it and re-read from anywhere afterwards: an open proc
// net file keeps its namespace, so the watched table's counters cost a
// read per refresh and no setns(2). It is not safe for concurrent use.
type NetFiles struct {
	stat, expect *os.File
	buf          []byte

	prev   Stat
	total  Counters
	primed bool
}

// OpenNetFiles opens the files of the namespace nsFd refers to (0: the
// caller's own). Entering another namespace needs CAP_SYS_ADMIN. A missing
// nf_conntrack_expect is not an error (ExpectCount then fails).
func OpenNetFiles(nsFd int) (*NetFiles, error) {
	open := func(dir string) (*NetFiles, error) {
		stat, err := os.Open(dir + "/stat/nf_conntrack")
		if err != nil {
			return nil, err
		}
		expect, _ := os.Open(dir + "/nf_conntrack_expect")
		return &NetFiles{stat: stat, expect: expect}, nil
	}
	if nsFd <= 0 {
		return open("/proc/self/net")
	}
	type result struct {
		f   *NetFiles
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
		if err := unix.Setns(nsFd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("enter network namespace: %w", err)}
			return
		}
		f, ferr := open("/proc/thread-self/net")
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine.
			done <- result{f, fmt.Errorf("leave network namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{f, ferr}
	}()
	r := <-done
	if r.err != nil && r.f != nil {
		r.f.Close()
		r.f = nil
	}
	return r.f, r.err
}

// reread reads f from its start.
func (n *NetFiles) reread(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	n.buf = n.buf[:0]
	for {
		if len(n.buf) == cap(n.buf) {
			n.buf = append(n.buf, make([]byte, 4096)...)[:len(n.buf)]
		}
		m, err := f.Read(n.buf[len(n.buf):cap(n.buf)])
		n.buf = n.buf[:len(n.buf)+m]
		if err == io.EOF || (err == nil && m == 0) {
			return n.buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Stat reads the namespace's statistics now. total holds the counters
// summed over CPUs and made cumulative across the 32-bit wrap of each
// per-CPU counter since the first call (a CPU coming online restarts the
// sum from the kernel's values).
func (n *NetFiles) Stat() (st Stat, total Counters, err error) {
	b, err := n.reread(n.stat)
	if err != nil {
		return Stat{}, Counters{}, fmt.Errorf("read stat/nf_conntrack: %w", err)
	}
	if st, err = ParseStat(b); err != nil {
		return Stat{}, Counters{}, err
	}
	d, ok := st.Since(&n.prev)
	switch {
	case !n.primed || !ok:
		n.total = st.Total
	default:
		n.total.add(&d)
	}
	n.prev, n.primed = st, true
	return st, n.total, nil
}

// ExpectCount counts the namespace's expectations now (one line each in
// nf_conntrack_expect).
func (n *NetFiles) ExpectCount() (int, error) {
	if n.expect == nil {
		return 0, fmt.Errorf("nf_conntrack_expect: %w", os.ErrNotExist)
	}
	b, err := n.reread(n.expect)
	if err != nil {
		return 0, fmt.Errorf("read nf_conntrack_expect: %w", err)
	}
	lines := 0
	for _, c := range b {
		if c == '\n' {
			lines++
		}
	}
	return lines, nil
}

// Close closes the files.
func (n *NetFiles) Close() error {
	if n.expect != nil {
		n.expect.Close()
	}
	return n.stat.Close()
}
