package replay

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

const oneLine = "tcp      6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.2 sport=1 dport=2 src=198.51.100.2 dst=192.0.2.1 sport=2 dport=1 use=1\n"

func TestParseLimits(t *testing.T) {
	for in, want := range map[string]Limits{
		"records=100":                       {Records: 100},
		"line=4MiB,token=64KiB":             {Line: 4 << 20, Token: 64 << 10},
		"gzip-ratio=500, records=1_000_000": {GzipRatio: 500, Records: 1000000},
		"token=1GiB":                        {Token: 1 << 30},
		"line=4096":                         {Line: 4096},
	} {
		got, err := ParseLimits(in)
		if err != nil || got != want {
			t.Errorf("ParseLimits(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "records", "records=0", "records=-1", "lines=5", "line=4MB", "token=x", "gzip-ratio=1.5", "line=99999999GiB"} {
		if _, err := ParseLimits(in); err == nil || !strings.HasPrefix(err.Error(), LimitsFlag+": ") {
			t.Errorf("ParseLimits(%q) = %v, want an error naming %s", in, err, LimitsFlag)
		}
	}
}

// endless repeats a pattern forever after a prefix.
type endless struct {
	prefix, pattern []byte
	off             int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(e.prefix) > 0 {
			k := copy(p[n:], e.prefix)
			e.prefix = e.prefix[k:]
			n += k
			continue
		}
		k := copy(p[n:], e.pattern[e.off:])
		e.off = (e.off + k) % len(e.pattern)
		n += k
	}
	return n, nil
}

func gzipped(t *testing.T, r io.Reader, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := io.CopyN(zw, r, n); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// TestLimits: each limit ends its load with a *LimitError that names the
// limit and the flag that raises it, with the heap bounded.
func TestLimits(t *testing.T) {
	records := strings.Repeat(oneLine, 5) + strings.Replace(oneLine, "sport=1", "sport=7", 1)
	for _, tc := range []struct {
		name string
		in   func() io.Reader
		lim  Limits
		key  string
		what string
	}{
		{"endless line", func() io.Reader { return &endless{prefix: []byte(oneLine), pattern: []byte("x")} }, Limits{}, "line", "line 2 is longer than 1 MiB"},
		{"NUL bytes (/dev/zero)", func() io.Reader { return &endless{pattern: []byte{0}} }, Limits{}, "line", "line 1 is longer than 1 MiB"},
		{"endless JSON string", func() io.Reader { return &endless{prefix: []byte(`{"x":"`), pattern: []byte("AAAA")} }, Limits{}, "token", "a JSON value is larger than 1 MiB"},
		{"endless JSON flow", func() io.Reader {
			return &endless{prefix: []byte(`{"flows": [{"src": "192.0.2.1", "x": [`), pattern: []byte("1,")}
		}, Limits{}, "token", "a JSON value is larger than 1 MiB"},
		{"endless XML text", func() io.Reader {
			return &endless{prefix: []byte(`<?xml version="1.0"?><conntrack><flow><meta direction="original"><layer3><src>`), pattern: []byte("1")}
		}, Limits{}, "token", "an XML token is larger than 1 MiB"},
		{"records", func() io.Reader { return strings.NewReader(records) }, Limits{Records: 5}, "records", "more than 5 records"},
		{"gzip bomb", func() io.Reader {
			return bytes.NewReader(gzipped(t, &endless{pattern: []byte(oneLine)}, 8<<20))
		}, Limits{gzipFree: 1 << 20}, "gzip-ratio", "gzip data decompresses to more than 100 times its size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			done := make(chan error, 1)
			go func() {
				_, _, err := LoadLimits(in, replayNow, tc.lim)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("load did not end")
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			var le *LimitError
			if !errors.As(err, &le) || le.Key != tc.key || !strings.Contains(err.Error(), tc.what) ||
				!strings.Contains(err.Error(), "(raise the limit with --replay-limits "+tc.key+"=") {
				t.Fatalf("err %v, want the %s limit: %q", err, tc.key, tc.what)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; tc.key != "gzip-ratio" && grew > 64<<20 {
				t.Errorf("the load allocated %d MiB before it hit the limit", grew>>20)
			}
		})
	}
	// Raised, the same inputs pass.
	if sn, rep, err := LoadLimits(strings.NewReader(records), replayNow, Limits{Records: 6}); err != nil || sn.Len() != 2 || rep.Duplicates != 4 {
		t.Errorf("records=6: %v, %d flows, %+v", err, sn.Len(), rep)
	}
}

// TestDuplicates: half a million copies of one flow are one flow and
// 499,999 duplicates, never a count of half a million. (The real binary
// loads five million in TestReplayHostileInput.)
func TestDuplicates(t *testing.T) {
	const n = 500_000
	in := io.LimitReader(&endless{pattern: []byte(oneLine)}, int64(n*len(oneLine)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sn, rep, err := Load(in, replayNow)
	runtime.ReadMemStats(&after)
	if err != nil || sn.Len() != 1 || rep.Lines != n || rep.Duplicates != n-1 {
		t.Fatalf("%v: %d flows, %+v", err, sn.Len(), rep)
	}
	if want := "499999 duplicate records of flows read before"; rep.String() != want {
		t.Errorf("report %q, want %q", rep, want)
	}
	if heap := int64(after.HeapInuse) - int64(before.HeapInuse); heap > 32<<20 {
		t.Errorf("heap grew by %d MiB for one flow", heap>>20)
	}
}

// TestLoadCancelled: a load blocked on a pipe nobody writes to ends when
// its context does, and so does one reading an endless input.
func TestLoadCancelled(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	for name, in := range map[string]io.Reader{"silent pipe": pr, "endless blank lines": &endless{pattern: []byte("\n")}} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			src := New("test", in)
			done := make(chan error, 1)
			go func() { done <- src.Load(ctx) }()
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, ErrCancelled) {
					t.Errorf("Load = %v, want ErrCancelled", err)
				}
				if d := time.Since(start); d > 500*time.Millisecond {
					t.Errorf("Load ended %v after the cancel", d)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Load still running 2s after its context ended")
			}
		})
	}
}
