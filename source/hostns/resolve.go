package hostns

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Target is a namespace Resolve found: a path that opens it, and what
// discovery knows of it (NS is nil for a path given as is).
type Target struct {
	Path string
	NS   *Namespace
}

// ErrUnknown and ErrAmbiguous are the errors of Resolve, wrapped in a
// one-line message that lists the candidates.
var (
	ErrUnknown   = errors.New("unknown network namespace")
	ErrAmbiguous = errors.New("ambiguous network namespace")
)

// maxCandidates is how many names an error lists.
const maxCandidates = 8

// Resolve finds the namespace a user named after --netns:
//   - an absolute or relative path (starting with / or .): as is;
//   - an inode number, as the kernel log prints it ("table full in netns
//     4026532177");
//   - pid:N, the namespace of process N;
//   - an `ip netns` name (/run/netns/NAME, without discovery);
//   - any name or alias discovery found: a container's name or ID (or a
//     prefix of 4 or more hex digits of one), a pod as NAMESPACE/NAME or
//     NAME, a Docker netns ID, "host".
//
// An unknown or ambiguous name is an error that lists candidates.
func (d *Discoverer) Resolve(spec string) (Target, error) {
	switch {
	case spec == "":
		return Target{}, fmt.Errorf("%w: empty name", ErrUnknown)
	case strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "."):
		return Target{Path: spec}, nil
	case strings.HasPrefix(spec, "pid:"):
		return d.resolvePID(spec)
	}
	if !strings.ContainsAny(spec, "/") {
		p := d.root() + "/run/netns/" + spec
		if _, err := os.Stat(p); err == nil {
			return Target{Path: p}, nil
		}
	}
	nss, err := d.Discover()
	if err != nil {
		return Target{}, err
	}
	if ino, err := strconv.ParseUint(spec, 10, 64); err == nil {
		for i := range nss {
			if nss[i].Inode == ino {
				return d.target(&nss[i]), nil
			}
		}
		return Target{}, fmt.Errorf("%w: no namespace has inode %d (%s)", ErrUnknown, ino, candidates(spec, nss, nil))
	}
	matches := match(spec, nss)
	switch len(matches) {
	case 1:
		return d.target(matches[0]), nil
	case 0:
		return Target{}, fmt.Errorf("%w %q (%s)", ErrUnknown, spec, candidates(spec, nss, nil))
	}
	return Target{}, fmt.Errorf("%w %q (%s)", ErrAmbiguous, spec, candidates(spec, nil, matches))
}

func (d *Discoverer) target(ns *Namespace) Target {
	return Target{Path: ns.Path(d.root()), NS: ns}
}

func (d *Discoverer) resolvePID(spec string) (Target, error) {
	pid, err := strconv.Atoi(strings.TrimPrefix(spec, "pid:"))
	if err != nil || pid <= 0 {
		return Target{}, fmt.Errorf("%w %q: want pid:N with a process ID", ErrUnknown, spec)
	}
	path := d.root() + "/proc/" + strconv.Itoa(pid) + "/ns/net"
	link, err := os.Readlink(path)
	if err != nil {
		return Target{}, fmt.Errorf("%w %q: no process %d (%v)", ErrUnknown, spec, pid, errors.Unwrap(err))
	}
	t := Target{Path: path}
	if ino, ok := parseNSLink(link); ok {
		if nss, err := d.Discover(); err == nil {
			for i := range nss {
				if nss[i].Inode == ino {
					t.NS = &nss[i]
				}
			}
		}
	}
	return t, nil
}

// match finds the namespaces whose name or an alias is spec, else those
// with a container ID that starts with spec (4 or more hex digits).
func match(spec string, nss []Namespace) []*Namespace {
	var exact, prefix []*Namespace
	for i := range nss {
		ns := &nss[i]
		if ns.Name == spec || contains(ns.Aliases, spec) {
			exact = append(exact, ns)
		} else if c := ns.Container; c != nil && len(spec) >= 4 && isHex(spec) && strings.HasPrefix(c.ID, spec) {
			prefix = append(prefix, ns)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return prefix
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// candidates lists up to maxCandidates namespaces as "NAME (netns N)":
// matches if given, else those of nss, the names that contain spec first,
// then the named ones, processes last.
func candidates(spec string, nss []Namespace, matches []*Namespace) string {
	if matches == nil {
		for i := range nss {
			matches = append(matches, &nss[i])
		}
		lower := strings.ToLower(spec)
		rank := func(ns *Namespace) int {
			switch {
			case strings.Contains(strings.ToLower(ns.Name), lower):
				return 0
			case ns.Kind == KindProcess:
				return 2
			}
			return 1
		}
		sort.SliceStable(matches, func(i, j int) bool {
			if ri, rj := rank(matches[i]), rank(matches[j]); ri != rj {
				return ri < rj
			}
			return matches[i].Name < matches[j].Name
		})
	}
	if len(matches) == 0 {
		return "no namespace found"
	}
	var parts []string
	for i, ns := range matches {
		if i == maxCandidates {
			parts = append(parts, fmt.Sprintf("and %d more", len(matches)-i))
			break
		}
		parts = append(parts, ns.String())
	}
	prefix := "known: "
	if nss == nil {
		prefix = "candidates: "
	}
	return prefix + strings.Join(parts, ", ")
}
