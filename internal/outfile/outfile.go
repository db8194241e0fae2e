package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Mode is the permission of every file cttop creates.
const Mode = 0o600

// ErrUnsafe is wrapped by the errors of Append for an existing file it will
// not write to (not regular, linked elsewhere, owned by someone else).
var ErrUnsafe = errors.New("refusing to write")

// Create creates a new file for writing. It fails (fs.ErrExist) if path
// exists, whatever it is: a file, a directory, a symlink, even a dangling
// one.
func Create(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, Mode)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, plain(err))
	}
	return f, nil
}

// WriteNew writes data to a new file (Create), and removes the file again
// if writing fails, so a partial file is never left behind.
func WriteNew(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Append opens path for appending, creating it (as Create does) if it does
// not exist. An existing path is used only if it is a regular file with a
// single link, owned by the effective user; anything else fails with an
// error wrapping ErrUnsafe, or the open error (a symlink fails with ELOOP).
func Append(path string) (*os.File, error) {
	for range 2 { // a second try if the file appears or vanishes between the two opens
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		switch {
		case err == nil:
			if err := checkExisting(f); err != nil {
				f.Close()
				return nil, fmt.Errorf("append to %s: %w", path, err)
			}
			// O_NONBLOCK means nothing for a regular file; clear it anyway
			// so the descriptor behaves as an ordinary one.
			if err := unix.SetNonblock(int(f.Fd()), false); err != nil {
				f.Close()
				return nil, fmt.Errorf("append to %s: %w", path, err)
			}
			return f, nil
		case errors.Is(err, fs.ErrNotExist):
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, Mode)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("create %s: %w", path, plain(err))
			}
			return f, nil
		default:
			return nil, fmt.Errorf("append to %s: %w", path, plain(err))
		}
	}
	return nil, fmt.Errorf("append to %s: %w: it keeps appearing and vanishing", path, ErrUnsafe)
}

// checkExisting refuses an opened file that is not a regular file of the
// effective user with one link.
func checkExisting(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: not a regular file (%v)", ErrUnsafe, fi.Mode().Type())
	case !ok:
		return fmt.Errorf("%w: cannot tell its owner", ErrUnsafe)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%w: owned by uid %d, not %d", ErrUnsafe, st.Uid, os.Geteuid())
	case st.Nlink != 1:
		return fmt.Errorf("%w: it has %d hard links", ErrUnsafe, st.Nlink)
	}
	return nil
}

// plain turns the kernel's answers to O_NOFOLLOW on a symlink (ELOOP, "too
// many levels of symbolic links") and to O_NONBLOCK on a FIFO (ENXIO) into
// words a user understands.
// It also drops the *fs.PathError around it: the caller names the path.
func plain(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	if errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("%w: it is a symlink (cttop never writes through one)", ErrUnsafe)
	}
	if errors.Is(err, unix.ENXIO) { // O_NONBLOCK on a FIFO without reader, or a socket
		return fmt.Errorf("%w: not a regular file", ErrUnsafe)
	}
	return err
}
