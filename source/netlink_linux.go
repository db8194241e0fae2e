package source

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/cttop/cttop/model"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ErrPermission is returned when the kernel refuses cttop for lack of
// privilege.
var ErrPermission = errors.New("cttop needs CAP_NET_ADMIN (run as root, or try --demo)")

// ErrNoConntrack is returned when the kernel has no connection tracking or
// no ctnetlink.
var ErrNoConntrack = errors.New("this kernel has no connection tracking over netlink (nf_conntrack, nf_conntrack_netlink)")

// Conntrack multicast groups (NFNLGRP_CONNTRACK_*).
const (
	groupNew     = 1
	groupUpdate  = 2
	groupDestroy = 3
)

// nlsock is a raw NETLINK_NETFILTER socket on which cttop does its own
// receiving into a reused buffer. The mdlayher/netlink Conn only opens it
// (in the right namespace) and plugs it into Go's poller.
type nlsock struct {
	c   *netlink.Conn
	raw syscall.RawConn
	seq uint32
	buf []byte
}

func dialSock(netns int, bufSize int) (*nlsock, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, mapErr(fmt.Errorf("open netlink socket: %w", err))
	}
	raw, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	return &nlsock{c: c, raw: raw, buf: make([]byte, bufSize)}, nil
}

func (s *nlsock) Close() error { return s.c.Close() }

// setReadBuffer raises the socket's receive buffer to n bytes; as root it
// uses SO_RCVBUFFORCE so net.core.rmem_max does not cap it.
func (s *nlsock) setReadBuffer(n int) error {
	var serr error
	err := s.raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
		if serr != nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// readBuffer returns the socket's effective receive buffer size.
func (s *nlsock) readBuffer() int {
	var n int
	_ = s.raw.Control(func(fd uintptr) {
		n, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	return n
}

func (s *nlsock) joinGroups(groups ...uint32) error {
	for _, g := range groups {
		if err := s.c.JoinGroup(g); err != nil {
			return mapErr(fmt.Errorf("subscribe to conntrack events: %w", err))
		}
	}
	return nil
}

// recv reads one datagram into the socket's buffer, waiting for it.
func (s *nlsock) recv() ([]byte, error) {
	var n int
	var rerr error
	err := s.raw.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), s.buf, 0)
		return rerr != unix.EAGAIN && rerr != unix.EWOULDBLOCK
	})
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return s.buf[:n], nil
}

func (s *nlsock) send(msg []byte) error {
	var serr error
	err := s.raw.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		return serr != unix.EAGAIN && serr != unix.EWOULDBLOCK
	})
	if err != nil {
		return err
	}
	return serr
}

// request builds a ctnetlink request header of message type typ.
func (s *nlsock) request(typ uint16, flags uint16, family uint8) []byte {
	s.seq++
	b := make([]byte, nlmsgHdrLen+nfgenHdrLen)
	binary.NativeEndian.PutUint32(b[0:4], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:6], nfnlSubsysCTNetlink<<8|typ)
	binary.NativeEndian.PutUint16(b[6:8], flags)
	binary.NativeEndian.PutUint32(b[8:12], s.seq)
	b[16] = family
	return b
}

// dump streams every flow of the table (IPv4 and IPv6) to fn, decoding in
// place: fn's arguments are only valid during the call. now is the Unix
// time that timeouts count from.
func (s *nlsock) dump(now uint32, fn func(*model.Flow, *model.Counters)) error {
	req := s.request(ctMsgGet, nlmFRequest|nlmFDump, 0)
	seq := s.seq
	if err := s.send(req); err != nil {
		return mapErr(fmt.Errorf("dump flows: %w", err))
	}
	var f model.Flow
	var c model.Counters
	for {
		b, err := s.recv()
		if err != nil {
			return mapErr(fmt.Errorf("dump flows: %w", err))
		}
		for len(b) > 0 {
			m, rest, err := nextMsg(b)
			if err != nil {
				return fmt.Errorf("dump flows: %w", err)
			}
			b = rest
			if m.seq != seq {
				continue
			}
			switch m.typ {
			case nlmsgDone:
				if e := msgErrno(m.body); e != 0 {
					return mapErr(fmt.Errorf("dump flows: %w", unix.Errno(e)))
				}
				return nil
			case nlmsgError:
				if e := msgErrno(m.body); e != 0 {
					return mapErr(fmt.Errorf("dump flows: %w", unix.Errno(e)))
				}
				continue
			}
			if m.typ>>8 != nfnlSubsysCTNetlink || len(m.body) < nfgenHdrLen {
				continue
			}
			if err := decodeFlow(m.body[nfgenHdrLen:], m.body[0], now, &f, &c); err != nil {
				return fmt.Errorf("dump flows: %w", err)
			}
			fn(&f, &c)
		}
	}
}

// mapErr turns the kernel's refusals into errors a user can act on.
func mapErr(err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w: %v", ErrPermission, err)
	case errors.Is(err, unix.EPROTONOSUPPORT), errors.Is(err, unix.EOPNOTSUPP),
		errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Errorf("%w: %v", ErrNoConntrack, err)
	}
	return err
}

// openNetNS opens a namespace by name (/run/netns/NAME) or path; "" is the
// current namespace (returns nil).
func openNetNS(spec string) (*os.File, error) {
	if spec == "" {
		return nil, nil
	}
	path := spec
	if !strings.Contains(spec, "/") {
		path = "/run/netns/" + spec
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("network namespace %q: %w", spec, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil || (st.Type != unix.NSFS_MAGIC && st.Type != unix.PROC_SUPER_MAGIC) {
		f.Close()
		return nil, fmt.Errorf("network namespace %q: %s is not a namespace file", spec, path)
	}
	return f, nil
}
