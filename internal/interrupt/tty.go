package interrupt

import (
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
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
// gone, become ErrTerminalGone.
func (t *TTY) Read(p []byte) (int, error) {
	n, err := t.File.Read(p)
	if n == 0 && (err == io.EOF || errors.Is(err, syscall.EIO)) {
		return 0, ErrTerminalGone
	}
	return n, err
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
