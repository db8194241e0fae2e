package audit

import (
	"bufio"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen binds a datagram socket in place of /dev/log.
func listen(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return path, c
}

func read(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 64<<10)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("read the record: %v", err)
	}
	return string(buf[:n])
}

var at = time.Date(2026, 11, 30, 2, 6, 1, 0, time.Local)

func testLog(path string) *Log {
	return &Log{Path: path, NetNS: "web1", NetNSInode: 4026532246, User: "alice", UserFrom: "loginuid",
		Now: func() time.Time { return at }, PID: 4242}
}

func TestRecord(t *testing.T) {
	path, c := listen(t)
	l := testLog(path)
	const head = "<85>Nov 30 02:06:01 cttop[4242]: "
	const who = " netns=web1 netns_inode=4026532246 user=alice user_from=loginuid"
	for _, tt := range []struct {
		name string
		r    Record
		want string
	}{
		{"delete", Record{Action: Delete, Count: 1200, Done: 1180, Gone: 20, Selector: "src 10.0.0.5", Took: 1234 * time.Millisecond},
			head + `action=delete count=1200 deleted=1180 gone=20 selector="src 10.0.0.5"` + who + " took=1.234s result=ok"},
		{"flush", Record{Action: Flush, Count: -1, Done: -1, Selector: "mark 0x10"},
			head + `action=flush selector="mark 0x10"` + who + " took=0s result=ok"},
		{"block", Record{Action: Block, Count: 2, Targets: []string{"from 203.0.113.9", "from 198.51.100.0/24"}, Timeout: time.Hour, Took: 12 * time.Millisecond},
			head + `action=block count=2 targets="from 203.0.113.9, from 198.51.100.0/24" timeout=1h0m0s` + who + " took=12ms result=ok"},
		{"untrack", Record{Action: Untrack, Count: 1, Targets: []string{"tcp port 443"}},
			head + `action=untrack count=1 targets="tcp port 443" timeout=none` + who + " took=0s result=ok"},
		{"synproxy", Record{Action: SYNProxy, Count: 1, Targets: []string{"tcp port 443"}, Timeout: 30 * time.Minute},
			head + `action=synproxy count=1 targets="tcp port 443" timeout=30m0s` + who + " took=0s result=ok"},
		{"unblock", Record{Action: Unblock, Count: 1, Targets: []string{"from 203.0.113.9"}},
			head + `action=unblock count=1 targets="from 203.0.113.9"` + who + " took=0s result=ok"},
		{"failed", Record{Action: Block, Count: 1, Targets: []string{"from 203.0.113.9"}, Err: errors.New("netlink: permission denied")},
			"<84>Nov 30 02:06:01 cttop[4242]: " + `action=block count=1 targets="from 203.0.113.9" timeout=none` + who + ` took=0s result=error error="netlink: permission denied"`},
		{"interrupted", Record{Action: Delete, Count: 900, Done: 300, Interrupted: true},
			"<84>Nov 30 02:06:01 cttop[4242]: action=delete count=900 deleted=300 gone=0" + who + " took=0s result=interrupted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := l.Record(tt.r); err != nil {
				t.Fatal(err)
			}
			if got := read(t, c); got != tt.want {
				t.Errorf("record\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestRecordHostile: names a user or the namespace can hold must not forge
// a field or a line, and thousands of targets must not make a datagram too
// large for a syslog daemon.
func TestRecordHostile(t *testing.T) {
	path, c := listen(t)
	l := testLog(path)
	l.NetNS = "evil\nNov 30 02:06:01 cttop[1]: action=none"
	l.User = `bob" user=root`
	targets := make([]string, 5000)
	for i := range targets {
		targets[i] = "from 10.0.0.1"
	}
	if err := l.Record(Record{Action: Block, Count: len(targets), Targets: targets}); err != nil {
		t.Fatal(err)
	}
	got := read(t, c)
	f := fields(t, got)
	if strings.Contains(got, "\n") || f["user"] != l.User || f["netns"] != l.NetNS || f["action"] != "block" {
		t.Errorf("a value escaped its quotes: %q parses as %q", got, f)
	}
	if !strings.Contains(got, `netns="evil\nNov 30`) || !strings.Contains(got, "and 4984 more") || len(got) > 2048 {
		t.Errorf("record %q (%d bytes): want quoted names, 16 targets and a count of the rest, under 2 KiB", got, len(got))
	}
	if l := (&Log{}).Format(Record{Action: Delete}); !strings.Contains(l, "netns=host") || !strings.Contains(l, "user=unknown") {
		t.Errorf("zero Log formats %q, want netns=host user=unknown", l)
	}
}

// fields parses a record's key=value pairs (a value Go-quoted or bare),
// failing on a repeated key.
func fields(t *testing.T, rec string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(rec, "]: ")
	if !ok {
		t.Fatalf("no tag in %q", rec)
	}
	out := map[string]string{}
	for rest != "" {
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			t.Fatalf("no '=' in %q", rest)
		}
		if strings.HasPrefix(v, `"`) {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				t.Fatalf("bad quoting in %q", v)
			}
			rest = v[len(q):]
			v, _ = strconv.Unquote(q)
		} else {
			v, rest, _ = strings.Cut(v, " ")
			rest = " " + rest
		}
		if _, dup := out[k]; dup {
			t.Fatalf("key %s twice in %q", k, rec)
		}
		out[k] = v
		rest = strings.TrimPrefix(rest, " ")
	}
	return out
}

func TestRecordNoDaemon(t *testing.T) {
	l := testLog(filepath.Join(t.TempDir(), "missing"))
	if err := l.Check(); err == nil || !strings.Contains(err.Error(), "system log") {
		t.Errorf("Check without a daemon = %v, want an error naming the system log", err)
	}
	path, _ := listen(t)
	if err := testLog(path).Check(); err != nil {
		t.Errorf("Check with a daemon = %v", err)
	}
	err := l.Record(Record{Action: Delete, Count: 1})
	if err == nil || !strings.Contains(err.Error(), "system log") {
		t.Errorf("Record without a daemon = %v, want an error naming the system log", err)
	}
}

// TestRecordStream: a syslog daemon on a stream socket gets the record
// with a newline ending it.
func TestRecordStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
	}()
	if err := testLog(path).Record(Record{Action: Unblock, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if line := <-got; !strings.HasPrefix(line, "<85>Nov 30 02:06:01 cttop[4242]: action=unblock") || !strings.HasSuffix(line, "result=ok\n") {
		t.Errorf("stream record %q", line)
	}
}
