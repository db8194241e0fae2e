package hostns

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Own finds the network namespace cttop itself runs in (/proc/self/ns/net)
// and reports whether it is the initial one (PID 1's, else kthreadd's, as
// discovery decides which is the host's). When it is not (cttop run under `ip netns exec`, in
// a container), ns is what discovery knows of it, named as --netns names
// it; nil if discovery cannot see it.
func (d *Discoverer) Own() (ns *Namespace, initial bool, err error) { return d.ownAs("self") }

// ownAs is Own for process pid ("self" for cttop).
func (d *Discoverer) ownAs(pid string) (ns *Namespace, initial bool, err error) {
	self, err := d.nsInode(pid)
	if err != nil {
		return nil, false, err
	}
	host, err := d.nsInode("1")
	if err != nil {
		// Some sandboxes hide PID 1's namespaces even from root:
		// kthreadd (PID 2) lives in the initial ones.
		comm, cerr := d.readProc(2, "comm")
		if cerr != nil || comm != "kthreadd\n" {
			return nil, false, err
		}
		if host, err = d.nsInode("2"); err != nil {
			return nil, false, err
		}
	}
	if self == host {
		return nil, true, nil
	}
	nss, err := d.Discover()
	if err != nil {
		return nil, false, err
	}
	for i := range nss {
		if nss[i].Inode == self {
			return &nss[i], false, nil
		}
	}
	return &Namespace{Inode: self}, false, nil
}

// nsInode reads the inode of /proc/PID/ns/net.
func (d *Discoverer) nsInode(pid string) (uint64, error) {
	link, err := os.Readlink(d.root() + "/proc/" + pid + "/ns/net")
	if err != nil {
		return 0, fmt.Errorf("own network namespace: %w", err)
	}
	ino, ok := parseNSLink(link)
	if !ok {
		return 0, errors.New("own network namespace: unexpected link " + strconv.Quote(link))
	}
	return ino, nil
}

// Label names a namespace as the header shows it: its name and inode,
// "web (4026532177)", the way --netns names one found by inode or pid:N;
// "netns 4026532177" when it has no name.
func (n *Namespace) Label() string {
	if n.Name == "" {
		return "netns " + strconv.FormatUint(n.Inode, 10)
	}
	return fmt.Sprintf("%s (%d)", n.Name, n.Inode)
}
