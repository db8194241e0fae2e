package interrupt

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// ErrTerminalGone is the read error of a TTY whose terminal went away.
var ErrTerminalGone = errors.New("the terminal went away (end of input)")

// ErrNoTerminal is returned by OpenTTY when cttop has no terminal at all.
var ErrNoTerminal = errors.New("no terminal: use --once or --headless, or run cttop in a terminal")

// TTY is the terminal input of the UI. It satisfies bubbletea's term.File
// (an *os.File underneath, so raw mode and the cancellable reader work on
// its descriptor) and fails reads with ErrTerminalGone on EOF or EIO.
type TTY struct {
	*os.File
	owned bool        // opened here (/dev/tty): Close closes it
	state *term.State // the settings before the UI, for Restore
}

// OpenTTY returns the terminal: standard input if it is one, else
// /dev/tty (standard input may carry a replay: --replay -).
func OpenTTY() (*TTY, error) {
	if term.IsTerminal(os.Stdin.Fd()) {
		return newTTY(os.Stdin, false), nil
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil || !term.IsTerminal(f.Fd()) {
		if f != nil {
			f.Close()
		}
		return nil, ErrNoTerminal
	}
	return newTTY(f, true), nil
}

func newTTY(f *os.File, owned bool) *TTY {
	st, _ := term.GetState(f.Fd())
	return &TTY{File: f, owned: owned, state: st}
}

// Read reads input; EOF and EIO, which a terminal only returns once it is
// gone, become ErrTerminalGone. A lone ESC is answered at once (escapeKey).
func (t *TTY) Read(p []byte) (int, error) {
	n, err := t.read(p)
	if n == 1 && p[0] == ansi.ESC && err == nil && len(p) >= len(escapeKey) {
		return t.loneESC(p)
	}
	return n, err
}

func (t *TTY) read(p []byte) (int, error) {
	n, err := t.File.Read(p)
	if n == 0 && (err == io.EOF || errors.Is(err, syscall.EIO)) {
		return 0, ErrTerminalGone
	}
	return n, err
}

// escWait is how long a read of a lone ESC waits for the rest of an escape
// sequence: tmux's default escape-time since tmux 3.5 (tmux/tmux#3844). A
// terminal writes a key's sequence at once; only a slow line (a serial
// console) spaces its bytes, about 1 ms apart at 9,600 baud and 8 ms at
// 1,200.
var escWait = 10 * time.Millisecond // a variable for tests

// escapeKey is the Escape key as the kitty keyboard protocol sends it (CSI
// 27 u), which bubbletea's input parser decodes as esc at once.
const escapeKey = "\x1b[27u"

// loneESC answers a read that returned the ESC byte alone, as the Escape
// key sends it. bubbletea v2.0.8's parser (ultraviolet's TerminalReader)
// waits 50 ms (DefaultEscTimeout, not settable through bubbletea) for the
// rest of a sequence that may follow, and only then takes ESC for the key:
// half of the 40 ms a key may take at a million flows (issue 17). Here the
// wait is escWait: if nothing follows, the read returns escapeKey, an
// Escape no parser can take for the start of another sequence; if more
// input comes, ESC and it are returned together (an arrow key split by a
// slow line, alt+key), as the parser would have read them.
func (t *TTY) loneESC(p []byte) (int, error) {
	fds := []unix.PollFd{{Fd: int32(t.File.Fd()), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(escWait/time.Millisecond))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 || fds[0].Revents&unix.POLLIN == 0 {
			// Nothing more (or a hang-up, which the next read reports).
			return copy(p, escapeKey), nil
		}
		break
	}
	m, err := t.read(p[1:])
	if m > 0 {
		// The error, if any, comes again with the next read.
		return 1 + m, nil
	}
	return 1, err
}

// Close closes the terminal if OpenTTY opened it.
func (t *TTY) Close() error {
	if t.owned {
		return t.File.Close()
	}
	return nil
}

// restoreSeq leaves what the UI turns on: the alternate screen, a hidden
// cursor, mouse and focus reports, bracketed paste, enhanced keyboards.
var restoreSeq = ansi.ResetModifyOtherKeys + ansi.KittyKeyboard(0, 1) +
	ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr +
	ansi.ResetModeFocusEvent + ansi.ResetModeBracketedPaste +
	ansi.ResetModeAltScreenSaveCursor + ansi.ShowCursor + "\r\n"

// Restore puts the terminal back as it was before the UI, for an exit
// that cannot wait for the UI to do it: the saved settings (canonical
// mode, echo) and the screen modes, written to out (the UI's output). It
// is safe to call when the terminal is gone.
func (t *TTY) Restore(out io.Writer) {
	if out != nil {
		io.WriteString(out, restoreSeq)
	}
	if t.state != nil {
		term.Restore(t.File.Fd(), t.state)
	}
}
