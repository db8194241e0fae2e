package hostns

import (
	"fmt"
	"strconv"
	"time"
)

// Kind says where a namespace's name comes from.
type Kind uint8

// Kinds of names, from the most to the least specific.
const (
	// KindProcess: no better name than the command and PID of a process
	// in it ("nginx[1234]").
	KindProcess Kind = iota
	// KindHost: the initial namespace, the one of PID 1 ("host").
	KindHost
	// KindNetns: an `ip netns` name (/run/netns/NAME).
	KindNetns
	// KindContainer: a container, by its runtime's name or short ID.
	KindContainer
	// KindPod: a Kubernetes pod, as NAMESPACE/NAME.
	KindPod
	// KindMount: only a bind mount in a runtime's directory, with no
	// process in it and no better name (Docker's sandbox ID).
	KindMount
)

func (k Kind) String() string {
	switch k {
	case KindHost:
		return "host"
	case KindNetns:
		return "netns"
	case KindContainer:
		return "container"
	case KindPod:
		return "pod"
	case KindMount:
		return "mount"
	}
	return "process"
}

// Container is what the cgroup of a process says about the container it
// runs in.
type Container struct {
	// Runtime is "docker", "containerd", "cri-o", "podman" or "lxc".
	Runtime string
	// ID is the container ID (64 hex digits for most runtimes; the name
	// for LXC).
	ID string
	// Name is the runtime's name for it, "" when unknown.
	Name string
	// PodUID is the Kubernetes pod UID from a kubepods cgroup path, with
	// dashes ("" outside Kubernetes); Pod is NAMESPACE/NAME when known.
	PodUID, Pod string
}

// ShortID is the first 12 characters of the ID, as docker ps prints it.
func (c Container) ShortID() string {
	if len(c.ID) > 12 && isHex(c.ID) {
		return c.ID[:12]
	}
	return c.ID
}

// Namespace is one network namespace of the host.
type Namespace struct {
	// Inode identifies the namespace: the number in "net:[N]" and in the
	// kernel's "table full in netns N".
	Inode uint64
	// Name is what a sysadmin knows it by; Kind says where it comes from.
	Name string
	Kind Kind
	// Aliases are the other names Resolve accepts for it: every `ip netns`
	// name and runtime mount, the container's name and IDs, the pod.
	Aliases []string
	// Mounts are bind mounts that keep it alive (/run/netns/NAME, ...).
	Mounts []string
	// PID is the lowest process ID in it (0: no process, only mounts);
	// Procs counts its processes; Command is PID's command (comm).
	PID     int
	Procs   int
	Command string
	// Container is set when PID runs in a container.
	Container *Container
	// Since is the earliest time it is known to have existed (zero:
	// unknown): the time of its inode (a bind mount's; see inodeTime) or
	// the start of its lowest process (see procStart), whichever is
	// earlier. A kernel log line older than that may be of another
	// namespace that had the same inode before (see since.go).
	Since time.Time
}

// Path is a file that opens the namespace: its first bind mount, else
// /proc/PID/ns/net (root is the file system root discovery used).
func (n *Namespace) Path(root string) string {
	if len(n.Mounts) > 0 {
		return root + n.Mounts[0]
	}
	if n.PID > 0 {
		return root + "/proc/" + strconv.Itoa(n.PID) + "/ns/net"
	}
	return ""
}

// String is the name and inode, as errors and logs print a namespace.
func (n *Namespace) String() string {
	return fmt.Sprintf("%s (netns %d)", n.Name, n.Inode)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}
