package hostns

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchTree builds a /proc-like tree of n namespaces with two processes
// each, half of them Docker containers and a tenth pods, every one with a
// stat/nf_conntrack of two CPUs.
func benchTree(b *testing.B, n int) string {
	b.Helper()
	root := b.TempDir()
	stat := "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
		strings.Repeat("00000010  00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000 00000000  00000000 00000000 00000000 00000000\n", 2)
	mkproc(b, root, 1, 4026531840, "systemd", "0::/init.scope\n")
	for i := 0; i < n; i++ {
		ino := uint64(4026532000 + i)
		cg := "0::/system.slice/app.service\n"
		switch {
		case i%10 == 0:
			cg = fmt.Sprintf("0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_4111_8222_%012x.slice/cri-containerd-%064x.scope\n", i, i)
		case i%2 == 0:
			cg = fmt.Sprintf("0::/system.slice/docker-%064x.scope\n", i)
		}
		for p := 0; p < 2; p++ {
			pid := 1000 + 2*i + p
			mkproc(b, root, pid, ino, "app", cg)
			mkfile(b, root, fmt.Sprintf("proc/%d/net/stat/nf_conntrack", pid), stat)
		}
	}
	return root
}

// BenchmarkDiscover1000 is one refresh of the namespaces view's discovery
// at 1,000 namespaces (2,000 processes): /proc, cgroups, names.
func BenchmarkDiscover1000(b *testing.B) {
	d := &Discoverer{Root: benchTree(b, 1000)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nss, err := d.Discover()
		if err != nil || len(nss) != 1001 {
			b.Fatalf("%d namespaces, %v", len(nss), err)
		}
	}
}

// BenchmarkSample1000 is a whole refresh: discovery and every
// namespace's statistics, with rates.
func BenchmarkSample1000(b *testing.B) {
	s := &Sampler{D: &Discoverer{Root: benchTree(b, 1000)}}
	t := time.Unix(0, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t = t.Add(time.Second)
		snap, err := s.Sample(t)
		if err != nil || len(snap.Rows) != 1001 {
			b.Fatalf("%d rows, %v", len(snap.Rows), err)
		}
	}
}

// BenchmarkSampleHost is a refresh on this machine's real /proc (root
// sees every process; the figure depends on what runs).
func BenchmarkSampleHost(b *testing.B) {
	s := &Sampler{D: &Discoverer{}}
	t := time.Unix(0, 0)
	for i := 0; i < b.N; i++ {
		t = t.Add(time.Second)
		if _, err := s.Sample(t); err != nil {
			b.Fatal(err)
		}
	}
}
