package hostns

import (
	"strings"
)

// ParseCgroup reads the content of /proc/PID/cgroup and says which
// container, if any, the process runs in. It knows the paths that Docker,
// containerd, CRI-O, Podman and LXC give their containers, with the
// systemd and the cgroupfs drivers, and the kubepods hierarchy of the
// kubelet (the pod UID). A cgroup v2 line ("0::/...") wins over v1 lines.
func ParseCgroup(content string) (Container, bool) {
	var v1 []string
	for _, line := range strings.Split(content, "\n") {
		// hierarchy-ID:controller-list:cgroup-path (cgroups(7)).
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			if c, ok := parseCgroupPath(parts[2]); ok {
				return c, true
			}
			continue
		}
		v1 = append(v1, parts[2])
	}
	for _, p := range v1 {
		if c, ok := parseCgroupPath(p); ok {
			return c, true
		}
	}
	return Container{}, false
}

// scopePrefixes map a systemd scope's prefix to its runtime; the conmon
// scopes of CRI-O and Podman hold the monitor, not the container.
var scopePrefixes = []struct{ prefix, runtime string }{
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"nerdctl-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
}

// parseCgroupPath finds a container in one cgroup path.
func parseCgroupPath(path string) (Container, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var c Container
	found := false
	for i, seg := range segs {
		if uid, ok := podUID(seg); ok {
			c.PodUID = uid
			continue
		}
		if id, rt, ok := scopeID(seg); ok {
			c.ID, c.Runtime, found = id, rt, true
			continue
		}
		if name, ok := strings.CutPrefix(seg, "lxc.payload."); ok && name != "" {
			c = Container{Runtime: "lxc", ID: name, Name: name}
			found = true
			continue
		}
		if i == 0 || !isHex(seg) || len(seg) != 64 {
			continue
		}
		// cgroupfs drivers: /docker/ID, /kubepods/QOS/podUID/ID,
		// containerd's /NAMESPACE/ID (default, k8s.io, moby).
		switch prev := segs[i-1]; {
		case prev == "docker" || prev == "moby":
			c.ID, c.Runtime, found = seg, "docker", true
		case prev == "default" || prev == "k8s.io":
			c.ID, c.Runtime, found = seg, "containerd", true
		case c.PodUID != "":
			c.ID, found = seg, true
		}
	}
	if !found && c.PodUID != "" {
		// A pod cgroup without a container cgroup: the pod still names it.
		found = true
	}
	if len(segs) >= 2 && segs[0] == "lxc" && !found {
		return Container{Runtime: "lxc", ID: segs[1], Name: segs[1]}, true
	}
	return c, found
}

// scopeID parses "docker-ID.scope" and its kind.
func scopeID(seg string) (id, runtime string, ok bool) {
	rest, isScope := strings.CutSuffix(seg, ".scope")
	if !isScope {
		return "", "", false
	}
	if strings.Contains(rest, "-conmon-") {
		return "", "", false
	}
	for _, p := range scopePrefixes {
		if id, ok := strings.CutPrefix(rest, p.prefix); ok && isHex(id) && len(id) >= 12 {
			return id, p.runtime, true
		}
	}
	return "", "", false
}

// podUID parses "pod<UID>" (cgroupfs) and "kubepods-<qos>-pod<UID>.slice"
// (systemd, with underscores for the UID's dashes).
func podUID(seg string) (string, bool) {
	if rest, ok := strings.CutSuffix(seg, ".slice"); ok {
		i := strings.LastIndex(rest, "-pod")
		if !strings.HasPrefix(rest, "kubepods") || i < 0 {
			return "", false
		}
		uid := strings.ReplaceAll(rest[i+len("-pod"):], "_", "-")
		return uid, isUID(uid)
	}
	uid, ok := strings.CutPrefix(seg, "pod")
	return uid, ok && isUID(uid)
}

// isUID accepts a Kubernetes UID: 36 characters, hex digits and dashes
// (static pods use a 32-digit hash instead).
func isUID(s string) bool {
	if len(s) != 36 && len(s) != 32 {
		return false
	}
	return isHex(strings.ReplaceAll(s, "-", ""))
}
