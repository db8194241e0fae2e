package app

import (
	"fmt"

	"github.com/cttop/cttop/source/hostns"
)

// resolveNetNS turns --netns into a path that opens the namespace and the
// name the header shows: an ip netns name or a path as given; an inode
// (as the kernel log prints it), pid:N, a container or a pod as discovery
// names it. An unknown or ambiguous name is a one-line error that lists
// the candidates.
func resolveNetNS(spec string) (path, label string, err error) {
	if spec == "" {
		return "", "", nil
	}
	t, err := (&hostns.Discoverer{}).Resolve(spec)
	if err != nil {
		return "", "", fmt.Errorf("--netns: %w", err)
	}
	label = spec
	if t.NS != nil && t.NS.Name != spec {
		label = fmt.Sprintf("%s (%d)", t.NS.Name, t.NS.Inode)
	}
	return t.Path, label, nil
}
