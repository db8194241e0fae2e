package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The proof of issue 11, items 3 and 4: replay input that never ends,
// never comes, or would fill the memory ends within a second of SIGINT or
// with a one-line error naming the limit, and cttop's peak RSS stays under
// 200 MB.

const dupLine = "tcp      6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 use=1\n"

// repeat is an endless reader of a pattern after a prefix.
type repeat struct {
	prefix, pattern []byte
	off             int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	for n < len(p) {
		k := copy(p[n:], r.pattern[r.off:])
		r.off = (r.off + k) % len(r.pattern)
		n += k
	}
	return n, nil
}

// stall is a reader that never returns: a writer that went quiet.
type stall struct{}

func (stall) Read([]byte) (int, error) { select {} }

// replayRun is one run of cttop --once --replay.
type replayRun struct {
	code   int
	stderr string
	peakMB int64         // peak RSS (ru_maxrss)
	after  time.Duration // from the signal to the exit; 0 without a signal
}

// runReplay runs cttop with args and stdin; with sig != 0 it sends sig
// after wait and measures how long cttop takes to end. It fails the test
// if cttop is still running 20s after it started (or 1s after the signal).
func runReplay(t *testing.T, args []string, stdin io.Reader, sig syscall.Signal, wait time.Duration) replayRun {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, io.Discard
	if stdin != nil {
		pw, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() { io.Copy(pw, stdin); pw.Close() }()
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	var res replayRun
	limit := 20 * time.Second
	if sig != 0 {
		select {
		case <-done:
			t.Fatalf("cttop ended before the signal: %s", stderr.String())
		case <-time.After(wait):
		}
		start := time.Now()
		cmd.Process.Signal(sig)
		select {
		case <-done:
			res.after = time.Since(start)
		case <-time.After(time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("still running 1s after %v", sig)
		}
	} else {
		select {
		case <-done:
		case <-time.After(limit):
			cmd.Process.Kill()
			<-done
			t.Fatalf("still running after %v", limit)
		}
	}
	res.code = cmd.ProcessState.ExitCode()
	res.stderr = stderr.String()
	res.peakMB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10
	return res
}

func TestReplayHostileInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(dir, "bomb.gz")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	io.CopyN(zw, &repeat{pattern: []byte(dupLine)}, 5_000_000*int64(len(dupLine)))
	zw.Close()
	if err := os.WriteFile(bomb, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("gzip bomb: %d MB of 5 million lines in %d KB", 5_000_000*len(dupLine)>>20, gz.Len()>>10)
	for _, c := range []struct {
		name  string
		args  []string
		stdin io.Reader
		sig   syscall.Signal
		code  int
		want  string // in the one line on stderr; "" with a signal
	}{
		{"/dev/zero", []string{"--replay", "/dev/zero"}, nil, 0, 1,
			"cttop: replay: /dev/zero: line 1 is longer than 1 MiB (raise the limit with --replay-limits line=4MiB)"},
		{"/dev/zero, SIGINT", []string{"--replay", "/dev/zero", "--replay-limits", "line=1000GiB"}, nil, syscall.SIGINT, 130, ""},
		{"FIFO without writer", []string{"--replay", fifo}, nil, syscall.SIGINT, 130, ""},
		{"FIFO without writer, SIGTERM", []string{"--replay", fifo}, nil, syscall.SIGTERM, 143, ""},
		{"endless token on stdin", []string{"--replay", "-"}, &repeat{prefix: []byte(`{"x":"`), pattern: []byte("AAAA")}, 0, 1,
			"cttop: replay: stdin: a JSON value is larger than 1 MiB (raise the limit with --replay-limits token=4MiB)"},
		{"a token on stdin that stalls, SIGINT", []string{"--replay", "-"},
			io.MultiReader(io.LimitReader(&repeat{prefix: []byte(`{"x":"`), pattern: []byte("AAAA")}, 512<<10), stall{}), syscall.SIGINT, 130, ""},
		{"gzip bomb", []string{"--replay", bomb}, nil, 0, 1,
			"cttop: replay: " + bomb + ": gzip data decompresses to more than 100 times its size"},
		{"gzip bomb, SIGINT", []string{"--replay", bomb, "--replay-limits", "gzip-ratio=100000"}, nil, syscall.SIGINT, 130, ""},
		{"5 million duplicates", []string{"--replay", "-"}, io.LimitReader(&repeat{pattern: []byte(dupLine)}, 5_000_000*int64(len(dupLine))), 0, 0,
			"cttop: replay: stdin: 4999999 duplicate records of flows read before"},
		{"5 million duplicates, SIGINT", []string{"--replay", "-"}, io.LimitReader(&repeat{pattern: []byte(dupLine)}, 5_000_000*int64(len(dupLine))), syscall.SIGINT, 130, ""},
		{"5 million duplicates over the records limit", []string{"--replay", "-", "--replay-limits", "records=1000000"},
			io.LimitReader(&repeat{pattern: []byte(dupLine)}, 5_000_000*int64(len(dupLine))), 0, 1,
			"cttop: replay: stdin: more than 1000000 records (raise the limit with --replay-limits records=2000000)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runReplay(t, append([]string{"--once"}, c.args...), c.stdin, c.sig, 500*time.Millisecond)
			line := strings.TrimSuffix(res.stderr, "\n")
			switch {
			case res.code != c.code:
				t.Errorf("exit %d, want %d; stderr %q", res.code, c.code, res.stderr)
			case c.want != "" && (!strings.HasPrefix(line, c.want) || strings.Contains(line, "\n")):
				t.Errorf("stderr %q, want one line starting %q", res.stderr, c.want)
			case c.want == "" && res.stderr != "":
				t.Errorf("stderr %q after a signal, want nothing", res.stderr)
			}
			if res.peakMB >= 200 {
				t.Errorf("peak RSS %d MB, want under 200", res.peakMB)
			}
			t.Logf("exit %d, peak RSS %d MB, %v after the signal", res.code, res.peakMB, res.after.Round(time.Millisecond))
		})
	}
}

// TestReplayStdinTerminal: --replay - on a terminal would wait for the
// user to type a table; cttop says so at once.
func TestReplayStdinTerminal(t *testing.T) {
	tm := newTmux(t, 80, 24, binary(t)+" --replay -; echo CTTOP-EXIT=$?; sleep 60")
	s := tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT="))
	if !strings.Contains(s, "standard input is a terminal") || !strings.Contains(s, "CTTOP-EXIT=1") {
		t.Errorf("screen:\n%s", s)
	}
}
