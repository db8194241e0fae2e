// Package hostns finds every network namespace of the host and reads each
// one's conntrack statistics without subscribing to its events.
//
// Discovery walks /proc/*/ns/net (one namespace per distinct inode) and the
// directories where `ip netns` and container runtimes keep bind mounts of
// namespaces that may have no process in them (/run/netns, Docker's
// /run/docker/netns). It names each namespace by what a sysadmin knows it
// by: its `ip netns` name; else the container or pod that the cgroup of a
// process in it points to (Docker, containerd, CRI-O, Podman, LXC and
// kubepods cgroup paths; pod names from /var/log/pods, Docker names from
// its container configs); else the command and PID. Every namespace keeps
// its inode, the number the kernel prints in "table full in netns N".
//
// Statistics come from the namespace's /proc/PID/net/stat/nf_conntrack, the
// kernel's per-CPU counter table (entries, drop, early_drop,
// insert_failed, clash_resolve, chaintoolong...), read from the host
// without entering the namespace. A namespace that only a bind mount keeps
// alive has no /proc/PID: its table is read by a thread that enters it
// (setns(2), which needs CAP_SYS_ADMIN) and leaves again.
//
// Resolve turns what a user types after --netns (a name, an inode, pid:N,
// a container or pod name, a path) into one namespace, or a one-line error
// that lists the candidates.
//
// Nothing here opens a conntrack event socket: a listener changes what the
// kernel does in the namespace it listens to (with nf_conntrack_events=2
// it attaches the event extension to every new flow there).
package hostns
