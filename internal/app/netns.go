package app

import (
	"fmt"

	"github.com/cttop/cttop/source/hostns"
)

// resolveNetNS turns --netns into a path that opens the namespace and the
// name the header shows: an ip netns name or a path as given; an inode
// (as the kernel log prints it), pid:N, a container or a pod as discovery
// names it. An unknown or ambiguous name is a one-line error that lists
// the candidates. Without --netns the path is "" (cttop's own namespace)
// and the name is ownNetNS's.
func resolveNetNS(spec string) (path, label string, err error) {
	if spec == "" {
		return "", ownNetNS(), nil
	}
	t, err := (&hostns.Discoverer{}).Resolve(spec)
	if err != nil {
		return "", "", fmt.Errorf("--netns: %w", err)
	}
	label = spec
	if t.NS != nil {
		label = t.NS.Name // what --netns 4026532177 or pid:N found
	}
	return t.Path, label, nil
}

// ownNetNS names cttop's own namespace when it is not the host's (cttop run
// under ip netns exec, in a container) as --netns would name it, so that
// the header and the tuning report do not call it the host's table; "" in
// the initial namespace, or when /proc cannot say.
func ownNetNS() string {
	ns, initial, err := (&hostns.Discoverer{}).Own()
	if err != nil || initial || ns == nil {
		return ""
	}
	return ns.Label()
}
