package interrupt

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"golang.org/x/sys/unix"
)

// rawPty returns a pseudo-terminal in raw mode, as the UI runs it: each
// read returns what has arrived, a byte at a time if need be.
func rawPty(t *testing.T) (master *os.File, tty *TTY) {
	t.Helper()
	m, s := openPty(t)
	t.Cleanup(func() { m.Close(); s.Close() })
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag &^= unix.ICANON | unix.ECHO | unix.ISIG | unix.IEXTEN
	tio.Iflag &^= unix.ICRNL | unix.IXON
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, newTTY(s, false)
}

// parse decodes input as bubbletea's parser does and returns the keys.
func parse(t *testing.T, in []byte) []string {
	t.Helper()
	r := uv.NewTerminalReader(bytes.NewReader(in), "xterm-256color")
	ev := make(chan uv.Event, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	go func() { r.StreamEvents(ctx, ev); close(ev) }()
	var keys []string
	for e := range ev {
		if k, ok := e.(uv.KeyPressEvent); ok {
			keys = append(keys, k.String())
		}
	}
	return keys
}

// TestLoneESC: the Escape key (a lone ESC byte) is read as an Escape the
// parser decodes at once, not after its 50 ms wait for a sequence; an
// escape sequence whose bytes come apart (a slow serial line) or alt+key
// (ESC and the key together) are read whole, as before.
func TestLoneESC(t *testing.T) {
	t.Run("Escape", func(t *testing.T) {
		m, tty := rawPty(t)
		if _, err := m.Write([]byte{0x1b}); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := tty.Read(buf)
		if err != nil || string(buf[:n]) != escapeKey {
			t.Fatalf("Read = %q, %v; want %q", buf[:n], err, escapeKey)
		}
		if keys := parse(t, buf[:n]); len(keys) != 1 || keys[0] != "esc" {
			t.Fatalf("parsed as %q, want [esc]", keys)
		}
	})
	t.Run("split sequence", func(t *testing.T) {
		defer func(d time.Duration) { escWait = d }(escWait)
		escWait = 2 * time.Second // the rest comes 50 ms later, well within it
		m, tty := rawPty(t)
		go func() {
			m.Write([]byte{0x1b})
			time.Sleep(50 * time.Millisecond)
			m.Write([]byte("[A"))
		}()
		var got []byte
		buf := make([]byte, 64)
		for len(got) < 3 {
			n, err := tty.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "\x1b[A" {
			t.Fatalf("read %q, want the up arrow's sequence", got)
		}
		if keys := parse(t, got); len(keys) != 1 || keys[0] != "up" {
			t.Fatalf("parsed as %q, want [up]", keys)
		}
	})
	t.Run("alt+key", func(t *testing.T) {
		m, tty := rawPty(t)
		if _, err := m.Write([]byte("\x1bx")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := tty.Read(buf)
		if err != nil || string(buf[:n]) != "\x1bx" {
			t.Fatalf("Read = %q, %v; want alt+x's bytes", buf[:n], err)
		}
	})
}
