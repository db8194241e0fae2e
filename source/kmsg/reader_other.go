//go:build !linux

package kmsg

import (
	"context"
	"errors"
	"time"

	"github.com/cttop/cttop/model"
)

// Path is the kernel log device.
const Path = "/dev/kmsg"

// ErrPermission means the kernel log may not be read.
var ErrPermission = errors.New("cannot read the kernel log (/dev/kmsg is Linux only)")

// Reader reads /dev/kmsg (Linux only).
type Reader struct {
	boot  time.Time
	start time.Duration
}

// Open fails outside Linux.
func Open(path string) (*Reader, error) { return nil, ErrPermission }

// Time converts a time since boot to the wall clock.
func (r *Reader) Time(since time.Duration) time.Time { return r.boot.Add(since) }

// Run fails outside Linux.
func (r *Reader) Run(ctx context.Context, backlog time.Duration, fn func(model.LogLine)) error {
	return ErrPermission
}

// Close does nothing.
func (r *Reader) Close() error { return nil }
