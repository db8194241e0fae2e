package hostns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultMountDirs are where `ip netns` (and so containerd's CRI plugin,
// CRI-O and Podman, which name theirs cni-UUID, UUID or netns-UUID) and
// Docker keep bind mounts of network namespaces. /var/run is usually a
// link to /run: a directory seen twice is read once.
var DefaultMountDirs = []string{"/run/netns", "/var/run/netns", "/run/docker/netns", "/var/run/docker/netns"}

// Discoverer finds the host's network namespaces. It keeps caches between
// calls (container names), so reuse one; it is not safe for concurrent use.
type Discoverer struct {
	// Root is the file system root to read under ("" or "/": the host's);
	// tests point it at a fixture tree.
	Root string
	// MountDirs are the bind mount directories (DefaultMountDirs if nil).
	MountDirs []string
	// Enter reads net/FILE inside the namespace at path, for namespaces
	// with no process (nil: a thread that enters it with setns(2)).
	Enter func(path, file string) ([]byte, error)

	docker map[string]string // container ID -> name, from config.v2.json
	buf    []byte            // readFile's buffer
	boot   time.Time         // bootTime's
}

// maxProbe is how many processes of a namespace discovery asks for a
// container cgroup before naming it by its first process.
const maxProbe = 3

// found is a namespace being discovered.
type found struct {
	ns   Namespace
	pids [maxProbe]int // the lowest PIDs, ascending
	// netns are its mounts' names in an `ip netns` directory; runtime the
	// names in a runtime's directory.
	netns, runtime []string
}

// Discover lists every network namespace it can see, sorted by inode.
// It fails only when /proc cannot be read; processes that exit meanwhile
// and unreadable entries are skipped. Without root (or with
// ProtectProc=invisible) /proc shows only cttop's own processes, and so
// their namespaces only.
func (d *Discoverer) Discover() ([]Namespace, error) {
	byIno := map[uint64]*found{}
	hostIno, err := d.scanProcs(byIno)
	if err != nil {
		return nil, err
	}
	d.scanMounts(byIno)
	pods := podNames{root: d.root()}
	out := make([]Namespace, 0, len(byIno))
	for _, f := range byIno {
		d.name(f, hostIno, &pods)
		out = append(out, f.ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inode < out[j].Inode })
	return out, nil
}

func (d *Discoverer) root() string {
	if d.Root == "/" {
		return ""
	}
	return strings.TrimSuffix(d.Root, "/")
}

// scanProcs reads /proc/*/ns/net; it returns the inode of the initial
// namespace: PID 1's, else kthreadd's (PID 2, the parent of every kernel
// thread, which lives in the initial namespaces; some sandboxes hide PID
// 1's namespaces even from root).
func (d *Discoverer) scanProcs(byIno map[uint64]*found) (uint64, error) {
	dir, err := os.Open(d.root() + "/proc")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	defer dir.Close()
	// File.ReadDir keeps the directory's order and does not stat entries.
	ents, err := dir.ReadDir(-1)
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	var hostIno, kthreadIno uint64
	var buf strings.Builder
	for _, e := range ents {
		name := e.Name()
		if name == "" || name[0] < '1' || name[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		buf.Reset()
		buf.WriteString(d.root())
		buf.WriteString("/proc/")
		buf.WriteString(name)
		buf.WriteString("/ns/net")
		link, err := os.Readlink(buf.String())
		if err != nil {
			continue // gone, or not ours to see
		}
		ino, ok := parseNSLink(link)
		if !ok {
			continue
		}
		switch pid {
		case 1:
			hostIno = ino
		case 2:
			if comm, err := d.readProc(2, "comm"); err == nil && comm == "kthreadd\n" {
				kthreadIno = ino
			}
		}
		f := byIno[ino]
		if f == nil {
			f = &found{ns: Namespace{Inode: ino}}
			byIno[ino] = f
		}
		f.ns.Procs++
		f.addPID(pid)
	}
	if hostIno == 0 {
		hostIno = kthreadIno
	}
	return hostIno, nil
}

// addPID keeps the lowest maxProbe PIDs.
func (f *found) addPID(pid int) {
	for i := range f.pids {
		if f.pids[i] == 0 || pid < f.pids[i] {
			copy(f.pids[i+1:], f.pids[i:len(f.pids)-1])
			f.pids[i] = pid
			return
		}
	}
}

// parseNSLink parses the target of /proc/PID/ns/net, "net:[4026531840]".
func parseNSLink(s string) (uint64, bool) {
	s, ok := strings.CutPrefix(s, "net:[")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "]")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// scanMounts adds the namespaces of the bind mount directories.
func (d *Discoverer) scanMounts(byIno map[uint64]*found) {
	dirs := d.MountDirs
	if dirs == nil {
		dirs = DefaultMountDirs
	}
	// A file that is not on nsfs is a stale mount point (ip netns add
	// that failed halfway); nsfs is where /proc/self/ns/net points. In a
	// fixture tree that link dangles and nothing is checked.
	var nsDev uint64
	var known bool
	if fi, err := os.Stat(d.root() + "/proc/self/ns/net"); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			nsDev, known = uint64(st.Dev), true
		}
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		real, err := filepath.EvalSymlinks(d.root() + dir)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		ents, err := os.ReadDir(real)
		if err != nil {
			continue
		}
		isRuntime := strings.Contains(dir, "docker")
		for _, e := range ents {
			fi, err := os.Stat(filepath.Join(real, e.Name()))
			if err != nil || fi.IsDir() {
				continue
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok || (known && uint64(st.Dev) != nsDev) {
				continue
			}
			f := byIno[st.Ino]
			if f == nil {
				f = &found{ns: Namespace{Inode: st.Ino}}
				byIno[st.Ino] = f
			}
			f.ns.Mounts = append(f.ns.Mounts, dir+"/"+e.Name())
			f.ns.existedBy(inodeTime(fi))
			if isRuntime {
				f.runtime = append(f.runtime, e.Name())
			} else {
				f.netns = append(f.netns, e.Name())
			}
		}
	}
}

// errGone is a process that exited during discovery.
var errGone = errors.New("process gone")

func (d *Discoverer) readProc(pid int, file string) (string, error) {
	b, err := d.readFile(d.root() + "/proc/" + strconv.Itoa(pid) + "/" + file)
	if errors.Is(err, os.ErrNotExist) {
		return "", errGone
	}
	return string(b), err
}
