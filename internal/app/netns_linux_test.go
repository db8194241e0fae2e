package app

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestNetNSByInode: --netns takes the inode the kernel log prints and
// opens that namespace's table, named in the header by discovery.
func TestNetNSByInode(t *testing.T) {
	ns := netnstest.New(t)
	sourcetest.Create(t, sourcetest.Dial(t, ns.Path), sourcetest.Spec{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 1000, DstPort: 80})
	fi, err := os.Stat(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	ino := strconv.FormatUint(fi.Sys().(*syscall.Stat_t).Ino, 10)
	path, label, err := resolveNetNS(ino)
	if err != nil || label != ns.Name {
		t.Fatalf("resolve %s: %q %q %v", ino, path, label, err)
	}
	src, closeSrc, err := openSource(context.Background(), Config{NetNS: ino, Interval: 50 * time.Millisecond}, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	tab, st, err := src.Snapshot(t.Context())
	if err != nil || tab.Len() != 1 || st.Count != 1 {
		t.Errorf("table of %s: %d flows, %+v, %v", ino, tab.Len(), st, err)
	}
	k, ok := src.(interface{ Info() model.SourceInfo })
	if !ok {
		t.Fatalf("%T has no Info", src)
	}
	if name := k.Info().Name; name != label {
		t.Errorf("header name %q, want %q", name, label)
	}
}
