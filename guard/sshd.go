package guard

import (
	"fmt"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// ListeningSSH returns the TCP ports sshd listens on in the network
// namespace with inode netns: the LISTEN sockets held by processes named
// sshd whose namespace is that one. proc is "/proc" unless testing. An
// sshd started by socket activation (the listening socket held by systemd)
// is not seen: the caller falls back to DefaultSSHPort.
func ListeningSSH(proc string, netns uint64) []uint16 {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return nil
	}
	var ports []uint16
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || netNSInode(proc, pid) != netns {
			continue
		}
		st, err := readStat(proc, pid)
		if err != nil || !isSSHD(st.comm) {
			continue
		}
		inodes := socketInodes(proc, pid)
		socks, err := readTCP(proc, pid)
		if err != nil {
			continue
		}
		for _, s := range socks {
			if s.state == tcpListen && inodes[s.inode] && !slices.Contains(ports, s.local.Port()) {
				ports = append(ports, s.local.Port())
			}
		}
	}
	slices.Sort(ports)
	return ports
}

// NetNSInode returns the inode of the network namespace open as fd, or of
// the process's own when fd is 0 or less: the number the kernel log and
// /proc/PID/ns/net name a namespace by.
func NetNSInode(fd int) (uint64, error) {
	var st unix.Stat_t
	var err error
	if fd > 0 {
		err = unix.Fstat(fd, &st)
	} else {
		err = unix.Stat("/proc/self/ns/net", &st)
	}
	if err != nil {
		return 0, fmt.Errorf("network namespace inode: %w", err)
	}
	return st.Ino, nil
}
