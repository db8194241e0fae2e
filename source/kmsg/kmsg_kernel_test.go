package kmsg_test

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/kmsg"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestKernelTableFullLine fills a test namespace's table to a lowered
// nf_conntrack_max and sends UDP on its loopback: the kernel logs "table
// full in netns N" and the reader classifies it with the namespace's
// inode.
func TestKernelTableFullLine(t *testing.T) {
	const max = 64
	netnstest.SetConntrackMax(t, max)
	ns := netnstest.New(t)
	fi, err := os.Stat(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino

	r, err := kmsg.Open(kmsg.Path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lines := make(chan model.LogLine, 100)
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, 0, func(l model.LogLine) {
			select {
			case lines <- l:
			default:
			}
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// Fill the table through ctnetlink (creations beyond max fail).
	_ = sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, max, "198.51.100.1", 80)
	// net_ratelimit lets about 10 messages through per 5 s: keep sending
	// new flows until the line shows.
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case l := <-lines:
			if l.Kind == model.LogTableFull && l.NetNS == ino {
				if l.Buffered || l.Time.IsZero() || time.Since(l.Time) > time.Minute || time.Until(l.Time) > time.Minute {
					t.Errorf("line %+v: buffered or its time is off", l)
				}
				return
			}
		case <-tick.C:
			ns.Do(t, func() {
				for i := 0; i < 5; i++ {
					c, err := net.Dial("udp", "127.0.0.1:9")
					if err != nil {
						t.Fatal(err)
					}
					c.Write([]byte("x"))
					c.Close()
				}
			})
		case <-deadline:
			t.Fatalf("no table full line for netns %d", ino)
		}
	}
}

// TestKernelPermission: a missing device (PrivateDevices=yes) is
// ErrPermission; a refused open is tested by the systemd unit's test,
// which runs cttop as another user.
func TestKernelPermission(t *testing.T) {
	netnstest.Require(t)
	if _, err := kmsg.Open("/nonexistent/kmsg"); err == nil || !errors.Is(err, kmsg.ErrPermission) {
		t.Errorf("missing device: %v", err)
	}
}

// TestKernelNotKmsg: a file that is not the kernel log (/dev/null bound
// over it) ends Run with an error instead of a busy loop.
func TestKernelNotKmsg(t *testing.T) {
	netnstest.Require(t)
	r, err := kmsg.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), time.Minute, func(model.LogLine) {}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("no error from a file that ends")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end on a file that ends")
	}
}
