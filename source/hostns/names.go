package hostns

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
)

// name gives f its name, kind, command and container, in the order a
// sysadmin knows a namespace by: the host; an `ip netns` name chosen by a
// person; the pod or container of a process in it; a runtime's generated
// netns name; a runtime's mount; the command and PID of its first process.
func (d *Discoverer) name(f *found, hostIno uint64, pods *podNames) {
	ns := &f.ns
	ns.PID = f.pids[0]
	sort.Strings(f.netns)
	sort.Strings(f.runtime)
	if ns.PID > 0 {
		if comm, err := d.readProc(ns.PID, "comm"); err == nil {
			ns.Command = strings.TrimSpace(comm)
		}
		ns.existedBy(d.procStart(ns.PID))
	}
	var aliases []string
	aliases = append(aliases, f.netns...)
	aliases = append(aliases, f.runtime...)
	var chosen, generated string
	for _, n := range f.netns {
		if isGeneratedName(n) {
			generated = n
		} else if chosen == "" {
			chosen = n
		}
	}
	if ns.Inode != hostIno {
		ns.Container = d.container(f, pods)
	}
	if c := ns.Container; c != nil {
		aliases = append(aliases, c.ID, c.ShortID(), c.Name, c.Pod)
		if _, name, ok := strings.Cut(c.Pod, "/"); ok {
			aliases = append(aliases, name)
		}
	}
	switch c := ns.Container; {
	case ns.Inode == hostIno && hostIno != 0:
		ns.Name, ns.Kind = "host", KindHost
	case chosen != "":
		ns.Name, ns.Kind = chosen, KindNetns
	case c != nil && c.Pod != "":
		ns.Name, ns.Kind = c.Pod, KindPod
	case c != nil && c.PodUID != "":
		ns.Name, ns.Kind = "pod-"+c.PodUID, KindPod
	case c != nil && c.Name != "":
		ns.Name, ns.Kind = c.Name, KindContainer
	case c != nil:
		ns.Name, ns.Kind = c.Runtime+":"+c.ShortID(), KindContainer
	case generated != "":
		ns.Name, ns.Kind = generated, KindNetns
	case len(f.runtime) > 0:
		ns.Name, ns.Kind = f.runtime[0], KindMount
	default:
		ns.Name, ns.Kind = processName(ns.Command, ns.PID), KindProcess
	}
	ns.Aliases = dedupe(aliases, ns.Name)
}

// processName is "nginx[1234]", as syslog names a process.
func processName(comm string, pid int) string {
	if comm == "" {
		comm = "pid"
	}
	return comm + "[" + strconv.Itoa(pid) + "]"
}

// container asks the cgroups of f's first processes for a container.
func (d *Discoverer) container(f *found, pods *podNames) *Container {
	for _, pid := range f.pids {
		if pid == 0 {
			break
		}
		cg, err := d.readProc(pid, "cgroup")
		if err != nil {
			continue
		}
		c, ok := ParseCgroup(cg)
		if !ok {
			continue
		}
		if c.PodUID != "" {
			c.Pod = pods.lookup(c.PodUID)
		}
		if c.Runtime == "docker" && c.Name == "" {
			c.Name = d.dockerName(c.ID)
		}
		return &c
	}
	return nil
}

// isGeneratedName recognises the names runtimes give the namespaces they
// put in /run/netns: cni-UUID (containerd's CRI plugin), netns-UUID
// (Podman), a bare UUID (CRI-O).
func isGeneratedName(n string) bool {
	for _, p := range []string{"cni-", "netns-"} {
		n = strings.TrimPrefix(n, p)
	}
	return len(n) == 36 && strings.Count(n, "-") == 4 && isHex(strings.ReplaceAll(n, "-", ""))
}

func dedupe(names []string, except string) []string {
	var out []string
	seen := map[string]bool{except: true, "": true}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// podNames maps pod UIDs to NAMESPACE/NAME from the kubelet's log
// directories, /var/log/pods/NAMESPACE_NAME_UID (neither a namespace nor
// a pod name may contain "_"). It reads the directory once, when first
// asked.
type podNames struct {
	root   string
	byUID  map[string]string
	loaded bool
}

func (p *podNames) lookup(uid string) string {
	if !p.loaded {
		p.loaded = true
		p.byUID = map[string]string{}
		ents, _ := os.ReadDir(p.root + "/var/log/pods")
		for _, e := range ents {
			parts := strings.Split(e.Name(), "_")
			if len(parts) == 3 && parts[0] != "" && parts[1] != "" {
				p.byUID[parts[2]] = parts[0] + "/" + parts[1]
			}
		}
	}
	return p.byUID[uid]
}

// dockerName reads a Docker container's name from its config
// (/var/lib/docker/containers/ID/config.v2.json, "Name": "/web"), once per
// container.
func (d *Discoverer) dockerName(id string) string {
	if name, ok := d.docker[id]; ok {
		return name
	}
	if d.docker == nil || len(d.docker) > 10000 {
		d.docker = map[string]string{}
	}
	var cfg struct{ Name string }
	name := ""
	if b, err := os.ReadFile(d.root() + "/var/lib/docker/containers/" + id + "/config.v2.json"); err == nil {
		if json.Unmarshal(b, &cfg) == nil {
			name = strings.TrimPrefix(cfg.Name, "/")
		}
	}
	d.docker[id] = name
	return name
}
