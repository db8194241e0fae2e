package kmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/cttop/cttop/model"

	"golang.org/x/sys/unix"
)

// Path is the kernel log device.
const Path = "/dev/kmsg"

// ErrPermission means the kernel log may not be read: it needs root (or
// CAP_SYSLOG when kernel.dmesg_restrict=1), and systemd's
// ProtectKernelLogs=yes hides it.
var ErrPermission = errors.New("cannot read the kernel log")

// Reader reads /dev/kmsg.
type Reader struct {
	f *os.File
	// boot is the wall clock time the kernel's timestamps count from;
	// start the kernel's time when the reader opened.
	boot  time.Time
	start time.Duration
}

// Open opens path (Path in production) for reading, positioned at the
// oldest record still in the buffer after the last clear (SEEK_DATA, see
// Documentation/ABI/testing/dev-kmsg). A missing permission is
// ErrPermission.
func Open(path string) (*Reader, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("%w (%s: %v; it needs root or CAP_SYSLOG)", ErrPermission, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// SEEK_DATA: after the last syslog(SYSLOG_ACTION_CLEAR), so a buffer
	// the administrator cleared stays cleared for cttop too.
	if _, err := unix.Seek(fd, 0, unix.SEEK_DATA); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("seek %s: %w", path, err)
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		unix.Close(fd)
		return nil, err
	}
	now := time.Now()
	mono := time.Duration(ts.Nano())
	// A non-blocking file is pollable: Read waits in the runtime's
	// poller and Close ends a waiting Read.
	return &Reader{f: os.NewFile(uintptr(fd), path), boot: now.Add(-mono), start: mono}, nil
}

// Time converts a record's time since boot to the wall clock (the
// kernel's printk clock and CLOCK_MONOTONIC agree closely; neither counts
// a suspend).
func (r *Reader) Time(since time.Duration) time.Time { return r.boot.Add(since) }

// Run reads records until ctx ends, passing the lines that matter to fn,
// in order: the buffered ones no older than backlog, then every new one
// as the kernel writes it. It returns nil when ctx ends; it closes the
// reader.
func (r *Reader) Run(ctx context.Context, backlog time.Duration, fn func(model.LogLine)) error {
	stop := context.AfterFunc(ctx, func() { r.f.Close() })
	defer stop()
	defer r.f.Close()
	var c Classifier
	buf := make([]byte, 16<<10) // a record is at most 8 KiB (CONSOLE_EXT_LOG_MAX)
	for {
		n, err := r.f.Read(buf)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, syscall.EPIPE):
			continue // records were overwritten; the next read goes on after them
		case err != nil:
			return fmt.Errorf("read %s: %w", r.f.Name(), err)
		case n == 0:
			// /dev/kmsg blocks instead; a file that ends (something else
			// mounted over it) would make this loop spin.
			return fmt.Errorf("read %s: %w: not the kernel log", r.f.Name(), io.ErrUnexpectedEOF)
		}
		if rec, err := ParseRecord(buf[:n]); err == nil {
			r.handle(&c, rec, backlog, fn)
		}
	}
}

// Close ends the reader.
func (r *Reader) Close() error { return r.f.Close() }
