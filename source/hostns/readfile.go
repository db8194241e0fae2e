package hostns

import (
	"errors"
	"os"
	"syscall"
)

// readFile reads a small file into d's reusable buffer with three system
// calls (open, read until EOF, close), where os.ReadFile adds an fstat
// and allocates: discovery reads thousands of /proc files per refresh.
// The result is valid until the next call.
func (d *Discoverer) readFile(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if d.buf == nil {
		d.buf = make([]byte, 4096)
	}
	n := 0
	for {
		if n == len(d.buf) {
			if len(d.buf) >= 1<<20 {
				return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("file too large")}
			}
			d.buf = append(d.buf, make([]byte, len(d.buf))...)
		}
		m, err := syscall.Read(fd, d.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			return d.buf[:n], nil
		}
		n += m
	}
}
