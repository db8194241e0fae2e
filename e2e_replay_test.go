package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// replayLines is n lines of a conntrack -L table from flow from on.
func replayLines(from, n int) []byte {
	var b []byte
	for i := from; i < from+n; i++ {
		b = fmt.Appendf(b, "tcp      6 431999 ESTABLISHED src=10.%d.%d.%d dst=198.51.100.1 sport=%d dport=443 src=198.51.100.1 dst=10.%d.%d.%d sport=443 dport=%d [ASSURED] mark=0 use=1\n",
			i>>16&0xff, i>>8&0xff, i&0xff, 1024+i%60000, i>>16&0xff, i>>8&0xff, i&0xff, 1024+i%60000)
	}
	return b
}

// TestTmuxReplayLoading: a replay whose file takes long to read (a FIFO
// the test writes to) shows at once that the file is loading, with the
// bytes and flows read so far and the rows, never "0 flows" nor the
// kernel; once the file ends, its flows, and the loading words go.
func TestTmuxReplayLoading(t *testing.T) {
	bin := binary(t)
	fifo := filepath.Join(t.TempDir(), "table.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tm := newTmux(t, 80, 24, bin+" --replay "+fifo+"; echo CTTOP-EXIT=$?; sleep 60")
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(replayLines(0, 10000)); err != nil {
		t.Fatal(err)
	}
	s := tm.waitFor("loading with rows", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "8,192 flows so far") && strings.Contains(s, "1/8,192")
	})
	for _, want := range []string{"replay of", "LOADING the file: 1.", "MiB read", "loading", "? help"} {
		if !strings.Contains(s, want) {
			t.Errorf("loading screen lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"kernel", "0 flows", "waiting for data"} {
		if strings.Contains(s, bad) {
			t.Errorf("loading screen says %q:\n%s", bad, s)
		}
	}
	if _, err := w.Write(replayLines(10000, 2000)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s = tm.waitFor("loaded", 10*time.Second, contains("1/12,000"))
	if strings.Contains(s, "LOADING") || strings.Contains(s, "loading") {
		t.Errorf("still loading after the end of the file:\n%s", s)
	}
	tm.keys("q")
	if s := tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT=")); !strings.Contains(s, "CTTOP-EXIT=0") {
		t.Errorf("exit:\n%s", s)
	}
}
