// Package interrupt ends cttop promptly and cleanly when it is told to
// stop from outside: SIGINT, SIGTERM and SIGHUP (kill, systemctl stop,
// timeout, a closed SSH session), or a terminal that disappears without a
// SIGHUP (a session killed under setsid, a hung-up pty whose SIGHUP was
// ignored: reads then return EOF or EIO).
//
// Watch installs the one signal handler of the process: the first signal
// cancels a context that every run mode works under (the loading of a
// replay included), and ExitCode gives the conventional status, 128 plus
// the signal's number. If the program has not stopped within Grace, or a
// second signal comes, the force function runs: by default it exits at
// once; the terminal UI sets one that restores the terminal first (TTY).
// bubbletea must then run with tea.WithoutSignalHandler: two handlers of
// the same signals race (bubbletea v2.0.8's handler sends its quit message
// without watching the program's context, and hangs the shutdown when the
// context ends first).
//
// TTY is the terminal input handed to bubbletea (tea.WithInput): it turns
// EOF and EIO into ErrTerminalGone, which ends the program, where
// bubbletea would take EOF for the end of input and run on without any.
// It also answers the Escape key within 10 ms instead of the 50 ms
// bubbletea's parser waits after a lone ESC (TTY.Read).
package interrupt
