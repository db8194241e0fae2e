package app

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/sourcetest"
)

// syslogSocket binds a datagram socket in place of /dev/log and returns
// its path and a function that reads the next record.
func syslogSocket(t *testing.T) (string, func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return path, func() string {
		t.Helper()
		buf := make([]byte, 8192)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no audit record: %v", err)
		}
		return string(buf[:n])
	}
}

// TestActionsAudit makes every kind of change through the actions adapter
// in a namespace and reads one system log record per change; a deletion
// cut short by the end of the run says how far it got.
func TestActionsAudit(t *testing.T) {
	ns := netnstest.New(t)
	conn := sourcetest.Dial(t, ns.Path)
	if err := sourcetest.Fill(conn, 0, 600, "192.0.2.80", 80); err != nil {
		t.Fatal(err)
	}
	k, err := source.NewKernel(source.KernelConfig{NetNS: ns.Name, Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	run, stop := context.WithCancel(context.Background())
	defer stop()
	a := newKernelActions(run, k, slog.New(slog.DiscardHandler))
	defer a.close()
	path, next := syslogSocket(t)
	a.audit.Path = path
	tab, _, err := k.Snapshot(t.Context())
	if err != nil || tab.Len() != 600 {
		t.Fatalf("table: %d flows, %v", tab.Len(), err)
	}
	var flows []model.Flow
	for s := int32(0); s < tab.Slots(); s++ {
		if tab.Live(s) {
			flows = append(flows, *tab.At(s))
		}
	}
	want := func(rec string, parts ...string) {
		t.Helper()
		if !strings.HasPrefix(rec, "<8") || !strings.Contains(rec, " cttop[") {
			t.Errorf("record %q is not a syslog line of cttop", rec)
		}
		for _, p := range append(parts, "netns="+ns.Name, "netns_inode=", "user=") {
			if !strings.Contains(rec, p) {
				t.Errorf("record %q lacks %q", rec, p)
			}
		}
	}

	// A deletion cut short: the run ends after the first batch.
	res, err := a.Delete(context.Background(), flows[:500], func(int) {
		stop()
		time.Sleep(100 * time.Millisecond) // the run's end reaches the action through context.AfterFunc's goroutine
	})
	if err == nil || res.Deleted != 256 {
		t.Fatalf("interrupted delete: %+v, %v; want 256 deleted and an error", res, err)
	}
	want(next(), "<84>", "action=delete count=500 deleted=256 gone=0", "result=interrupted")
	if cut := a.wait(); cut != "deleting flows was interrupted: 256 of 500 flows deleted, 0 already gone, 244 left" {
		t.Errorf("interrupted: %q", cut)
	}

	// Whole.
	run, stop = context.WithCancel(context.Background())
	defer stop()
	a.ctx = run
	if res, err := a.Delete(context.Background(), flows, nil); err != nil || res.Deleted+res.Gone != 600 {
		t.Fatalf("delete: %+v, %v", res, err)
	}
	want(next(), "<85>", "action=delete count=600 deleted=344 gone=256", "result=ok")
	if err := a.Flush(context.Background(), action.KernelSelector{Mark: 7, MarkMask: 0xff, HasMark: true}); err != nil {
		t.Fatal(err)
	}
	want(next(), "action=flush", `selector="mark 0x7/0xff"`, "result=ok")

	targets := []action.Target{
		action.Host(action.Drop, netip.MustParseAddr("198.51.100.7")),
		action.Source(action.Drop, netip.MustParsePrefix("203.0.113.0/24")),
		action.Service(model.ProtoUDP, 53),
	}
	if err := a.Apply(context.Background(), targets, time.Hour); err != nil {
		t.Fatal(err)
	}
	want(next(), "action=block count=2", "198.51.100.7", "203.0.113.0/24", "timeout=1h0m0s", "result=ok")
	want(next(), "action=untrack count=1", "udp port 53", "timeout=1h0m0s", "result=ok")
	if err := a.Remove(context.Background(), targets[0]); err != nil {
		t.Fatal(err)
	}
	want(next(), "action=unblock count=1", "198.51.100.7", "result=ok")
	if err := a.Remove(context.Background(), targets[0]); err == nil {
		t.Fatal("removing a rule twice succeeded")
	}
	want(next(), "<84>", "action=unblock count=1", "result=error", "error=")
	if cut := a.wait(); cut != "deleting flows was interrupted: 256 of 500 flows deleted, 0 already gone, 244 left" {
		t.Errorf("a later whole action changed what was cut short: %q", cut)
	}
}
