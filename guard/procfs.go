package guard

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The /proc readers below are hand-written rather than taken from
// github.com/prometheus/procfs (already a dependency through the metrics
// client): that library parses /proc/net/tcp into net.IP without the socket
// inode's owner and reads a process's whole stat where three fields serve,
// and the guard needs /proc/PID/net/tcp of another process's namespace,
// which it cannot address. Each reader is a few lines over a fixed,
// documented format (proc(5)).

// procStat is what the guard needs of /proc/PID/stat.
type procStat struct {
	comm string
	ppid int
	tty  uint64 // tty_nr: the controlling terminal's device number, 0 if none
}

// readStat parses /proc/PID/stat. The command name sits in parentheses and
// may itself hold spaces and parentheses, so the fields after it are found
// from the last ')'.
func readStat(proc string, pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	// After ") ": state ppid pgrp session tty_nr ...
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 5 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: ppid %q", pid, f[1])
	}
	tty, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: tty_nr %q", pid, f[4])
	}
	return procStat{comm: string(b[open+1 : end]), ppid: ppid, tty: uint64(uint32(tty))}, nil
}

// ttyName names a terminal device number as utmp's ut_line does ("pts/3",
// "tty1", "ttyS0"), or "" for none or a device it does not know.
func ttyName(dev uint64) string {
	if dev == 0 {
		return ""
	}
	major := (dev >> 8) & 0xfff
	minor := (dev & 0xff) | ((dev >> 12) & 0xfff00)
	switch {
	case major >= 136 && major <= 143: // Unix98 pty slaves: (136, N) today; 137-143 in the old 8-bit-minor layout
		return "pts/" + strconv.FormatUint((major-136)<<8+minor, 10)
	case major == 4 && minor < 64:
		return "tty" + strconv.FormatUint(minor, 10)
	case major == 4:
		return "ttyS" + strconv.FormatUint(minor-64, 10)
	}
	return ""
}

// socketInodes returns the inodes of the sockets process pid holds open
// (/proc/PID/fd/N -> "socket:[INODE]").
func socketInodes(proc string, pid int) map[uint64]bool {
	dir := filepath.Join(proc, strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[uint64]bool{}
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(link, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out
}

// TCP socket states as /proc/net/tcp prints them (include/net/tcp_states.h).
const (
	tcpEstablished = 0x01
	tcpListen      = 0x0A
)

// tcpSocket is one row of /proc/net/tcp or tcp6.
type tcpSocket struct {
	local, remote netip.AddrPort
	state         uint8
	inode         uint64
}

// readTCP reads the TCP sockets of process pid's network namespace
// (/proc/PID/net/tcp and tcp6), unmapped. A missing tcp6 (IPv6 disabled)
// is not an error.
func readTCP(proc string, pid int) ([]tcpSocket, error) {
	var out []tcpSocket
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(filepath.Join(proc, strconv.Itoa(pid), "net", name))
		if err != nil {
			if name == "tcp6" && os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			if s, ok := parseTCPLine(sc.Text()); ok {
				out = append(out, s)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read /proc/%d/net/%s: %w", pid, name, err)
		}
	}
	return out, nil
}

// parseTCPLine parses "sl local rem st tx:rx tr:when retr uid timeout inode ...".
func parseTCPLine(line string) (tcpSocket, bool) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return tcpSocket{}, false
	}
	local, ok1 := parseHexAddrPort(f[1])
	remote, ok2 := parseHexAddrPort(f[2])
	st, err1 := strconv.ParseUint(f[3], 16, 8)
	inode, err2 := strconv.ParseUint(f[9], 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return tcpSocket{}, false
	}
	return tcpSocket{local: local, remote: remote, state: uint8(st), inode: inode}, true
}

// parseHexAddrPort parses "0100007F:0016": the address as the kernel's
// 32-bit words printed in host byte order (%08X each), the port as a
// number.
func parseHexAddrPort(s string) (netip.AddrPort, bool) {
	a, p, ok := strings.Cut(s, ":")
	port, err := strconv.ParseUint(p, 16, 16)
	if !ok || err != nil || (len(a) != 8 && len(a) != 32) {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(a)
	if err != nil {
		return netip.AddrPort{}, false
	}
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), true
}

// netNSInode returns the inode of process pid's network namespace
// ("net:[4026531840]"), 0 if it cannot be read.
func netNSInode(proc string, pid int) uint64 {
	link, err := os.Readlink(filepath.Join(proc, strconv.Itoa(pid), "ns", "net"))
	if err != nil {
		return 0
	}
	s, _ := strings.CutPrefix(link, "net:[")
	n, _ := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64)
	return n
}
