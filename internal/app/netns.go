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
	if t.NS != nil {
		label = t.NS.Name // what --netns 4026532177 or pid:N found
	}
	return t.Path, label, nil
}
