package hostns

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// fixture is a Discoverer over testdata/host, a /proc-like tree: the host,
// a Docker container, two pods (systemd and cgroupfs drivers, one named in
// /var/log/pods), CRI-O, Podman, LXC, a Docker v1 cgroup with no config,
// a process in a namespace of its own, and two bind mounts with no process
// (read through Enter from testdata/host/enter).
func fixture(t testing.TB) *Discoverer {
	t.Helper()
	root := "testdata/host"
	return &Discoverer{
		Root: root,
		Enter: func(path, file string) ([]byte, error) {
			if file != "stat/nf_conntrack" {
				return nil, os.ErrNotExist
			}
			return os.ReadFile(filepath.Join(root, "enter", filepath.Base(path)))
		},
	}
}

func inode(t testing.TB, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestDiscoverNames(t *testing.T) {
	d := fixture(t)
	nss, err := d.Discover()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		name  string
		kind  Kind
		pid   int
		procs int
	}
	wants := map[uint64]want{
		4026531840: {"host", KindHost, 1, 2},
		4026532300: {"web", KindContainer, 100, 2},
		4026532400: {"kube-system/coredns-5d78c9869d-x2x7q", KindPod, 200, 2},
		4026532500: {"pod-9a8b7c6d-1111-4222-8333-abcdefabcdef", KindPod, 300, 1},
		4026532600: {"cri-o:0123456789ab", KindContainer, 400, 1},
		4026532700: {"dnsmasq[500]", KindProcess, 500, 1},
		4026532800: {"db1", KindContainer, 600, 1},
		4026532900: {"podman:fedcba987654", KindContainer, 700, 1},
		4026533000: {"docker:000000000000", KindContainer, 800, 1},
		inode(t, "testdata/host/run/netns/lonely"):                                   {"lonely", KindNetns, 0, 0},
		inode(t, "testdata/host/run/netns/cni-2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1b"): {"cni-2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1b", KindNetns, 0, 0},
	}
	if len(nss) != len(wants) {
		t.Fatalf("found %d namespaces, want %d: %+v", len(nss), len(wants), nss)
	}
	for i, ns := range nss {
		if i > 0 && nss[i-1].Inode >= ns.Inode {
			t.Errorf("not sorted by inode at %d", i)
		}
		w, ok := wants[ns.Inode]
		if !ok {
			t.Errorf("unexpected namespace %v", ns.String())
			continue
		}
		if ns.Name != w.name || ns.Kind != w.kind || ns.PID != w.pid || ns.Procs != w.procs {
			t.Errorf("netns %d: got %q %v pid %d procs %d, want %q %v pid %d procs %d",
				ns.Inode, ns.Name, ns.Kind, ns.PID, ns.Procs, w.name, w.kind, w.pid, w.procs)
		}
	}
}

func TestDiscoverAliases(t *testing.T) {
	nss, err := fixture(t).Discover()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Namespace{}
	for _, ns := range nss {
		byName[ns.Name] = ns
	}
	web := byName["web"]
	if web.Command != "nginx" || web.Container == nil || web.Container.Runtime != "docker" {
		t.Fatalf("web: %+v", web)
	}
	wantAliases := []string{"3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899", "3f4e5d6c7b8a"}
	if !reflect.DeepEqual(web.Aliases, wantAliases) {
		t.Errorf("web aliases %q, want %q", web.Aliases, wantAliases)
	}
	pod := byName["kube-system/coredns-5d78c9869d-x2x7q"]
	if !contains(pod.Aliases, "coredns-5d78c9869d-x2x7q") || pod.Container.PodUID != "1b2c3d4e-0000-4111-8222-123456789abc" {
		t.Errorf("pod: %+v %+v", pod, pod.Container)
	}
	if got := byName["lonely"].Mounts; !reflect.DeepEqual(got, []string{"/run/netns/lonely"}) {
		t.Errorf("lonely mounts %q", got)
	}
	lonely := byName["lonely"]
	if p := lonely.Path("R"); p != "R/run/netns/lonely" {
		t.Errorf("lonely path %q", p)
	}
	if p := web.Path(""); p != "/proc/100/ns/net" {
		t.Errorf("web path %q", p)
	}
}

// TestDiscoverMountOfProcess: a bind mount and a process in the same
// namespace make one namespace, named by the `ip netns` name, whose
// statistics come from the process without entering.
func TestDiscoverMountOfProcess(t *testing.T) {
	root := t.TempDir()
	mkfile(t, root, "run/netns/web1", "")
	mkfile(t, root, "run/netns/cni-11111111-2222-4333-8444-555555555555", "")
	ino := inode(t, filepath.Join(root, "run/netns/web1"))
	cni := inode(t, filepath.Join(root, "run/netns/cni-11111111-2222-4333-8444-555555555555"))
	mkproc(t, root, 1, 4026531840, "systemd", "0::/init.scope\n")
	mkproc(t, root, 42, ino, "sleep", "0::/user.slice\n")
	mkproc(t, root, 43, cni, "pause", "0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_4111_8222_123456789abc.slice/cri-containerd-"+strings.Repeat("ab", 32)+".scope\n")
	mkfile(t, root, "proc/42/net/stat/nf_conntrack", "entries  drop\n0000000a  00000001\n0000000a  00000002\n")
	d := &Discoverer{Root: root, Enter: func(string, string) ([]byte, error) {
		t.Error("entered a namespace that has a process")
		return nil, os.ErrPermission
	}}
	nss, err := d.Discover()
	if err != nil {
		t.Fatal(err)
	}
	if len(nss) != 3 {
		t.Fatalf("want 3 namespaces, got %+v", nss)
	}
	for _, ns := range nss {
		switch ns.Inode {
		case ino:
			if ns.Name != "web1" || ns.Kind != KindNetns || ns.PID != 42 {
				t.Errorf("web1: %+v", ns)
			}
			st, err := d.ReadStat(&ns)
			if err != nil || st.Entries != 10 || st.Total.Drop != 3 {
				t.Errorf("web1 stat %+v, %v", st, err)
			}
		case cni:
			// A runtime's generated name yields to the pod.
			if ns.Name != "pod-1b2c3d4e-0000-4111-8222-123456789abc" || ns.Kind != KindPod ||
				!contains(ns.Aliases, "cni-11111111-2222-4333-8444-555555555555") {
				t.Errorf("pod: %+v", ns)
			}
		}
	}
}

func mkfile(t testing.TB, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkproc(t testing.TB, root string, pid int, ino uint64, comm, cgroup string) {
	t.Helper()
	dir := filepath.Join(root, "proc", itoa(pid))
	if err := os.MkdirAll(filepath.Join(dir, "ns"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("net:["+utoa(ino)+"]", filepath.Join(dir, "ns", "net")); err != nil {
		t.Fatal(err)
	}
	mkfile(t, dir, "comm", comm+"\n")
	mkfile(t, dir, "cgroup", cgroup)
}

func TestDiscoverNoProc(t *testing.T) {
	if _, err := (&Discoverer{Root: t.TempDir()}).Discover(); err == nil {
		t.Fatal("no error without /proc")
	}
}

func TestParseNSLink(t *testing.T) {
	for in, want := range map[string]uint64{"net:[4026531840]": 4026531840, "net:[]": 0, "mnt:[4026531840]": 0, "net:[12": 0, "net:[-1]": 0} {
		got, ok := parseNSLink(in)
		if got != want || ok != (want != 0) {
			t.Errorf("parseNSLink(%q) = %d, %v", in, got, ok)
		}
	}
}

// TestDiscoverHostWithoutPID1: where PID 1's namespaces are hidden (a
// sandbox), kthreadd's namespace is the host's; a PID 2 that is not
// kthreadd (a container's PID namespace) is not.
func TestDiscoverHostWithoutPID1(t *testing.T) {
	for comm, want := range map[string]Kind{"kthreadd": KindHost, "bash": KindProcess} {
		root := t.TempDir()
		mkproc(t, root, 2, 4026531840, comm, "0::/\n")
		nss, err := (&Discoverer{Root: root}).Discover()
		if err != nil || len(nss) != 1 || nss[0].Kind != want {
			t.Errorf("pid 2 %s: %+v, %v; want kind %v", comm, nss, err, want)
		}
	}
}
