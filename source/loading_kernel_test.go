package source

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/ti-mo/conntrack"
)

// TestLoadingInParts loads a real 200,000-flow table: the first batch with
// flows arrives before the dump ends and says it is loading, with the
// kernel's count; nothing says stale meanwhile. Flows created and deleted
// during the dump are accounted for at its end, when the rows equal
// conntrack -C and a fresh dump, each flow once.
func TestLoadingInParts(t *testing.T) {
	const n = 200_000
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	// Events for every flow: with 2 (auto), flows made before cttop listened
	// end without a DESTROY, and only a later reconciliation removes them.
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "1")
	fillParallel(t, ns.Path, n)

	r := startKernel(t, KernelConfig{NetNS: ns.Path, Interval: 10 * time.Millisecond}, nil)
	c := sourcetest.Dial(t, ns.Path)
	partial := false
	for !partial {
		b := r.next(t, 10*time.Second)
		if b.Info.Stale {
			t.Fatalf("stale while loading: %q", b.Info.StaleWhy)
		}
		if r.tab.Len() == 0 {
			if !b.Info.Loading {
				t.Fatal("a batch without flows before the first dump ended does not say loading")
			}
			continue
		}
		if !b.Info.Loading || b.Snapshot == nil || !b.Snapshot.More {
			t.Fatalf("the first batch with flows (%d) came after the dump ended (loading %v)", r.tab.Len(), b.Info.Loading)
		}
		if !b.Stats.Valid || b.Stats.Count != n {
			t.Fatalf("loading batch: kernel count %d (valid %v), want %d", b.Stats.Count, b.Stats.Valid, n)
		}
		partial = true
		t.Logf("first batch: %d of %d flows", r.tab.Len(), n)
	}
	// Change the table during the dump: flows 0-999 leave, 1,000 arrive.
	for i := 0; i < 1000; i++ {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		f := conntrack.NewFlow(6, 0, src, netip.MustParseAddr("198.51.100.1"), uint16(1024+i%60000), 80, 0, 0)
		if err := c.Delete(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := sourcetest.Fill(c, n, 1000, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	loads := 0
	r.until(t, 2000, "the end of the first dump", func() bool {
		if r.tab.Info().Loading {
			loads++
		}
		return !r.tab.Info().Loading
	})
	// The events of the dump's time come with its last part or just after.
	want, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
	if err != nil {
		t.Fatal(err)
	}
	r.until(t, 100, fmt.Sprintf("rows equal conntrack -C (%d)", want), func() bool { return r.tab.Len() == want })
	if err := sameFlows(r.tab, loadTable(t, newKernel(t, KernelConfig{NetNS: ns.Path}))); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d loading batches after the first; %d rows at the end", loads, r.tab.Len())
}

// fillParallel creates n flows through two sockets.
func fillParallel(t *testing.T, path string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := sourcetest.DialPath(path)
			if err != nil {
				errs[w] = err
				return
			}
			defer c.Close()
			errs[w] = sourcetest.Fill(c, w*n/2, n/2, "198.51.100.1", 80)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
