package source

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"unsafe"

	"github.com/cttop/cttop/model"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Conntrack multicast groups (NFNLGRP_CONNTRACK_*).
const (
	groupNew     = 1
	groupUpdate  = 2
	groupDestroy = 3
)

// nlsock is a raw NETLINK_NETFILTER socket on which cttop does its own
// receiving into reused buffers. The mdlayher/netlink Conn only opens it
// (in the right namespace) and plugs it into Go's poller.
//
// Why not the library's Receive: it allocates a []netlink.Message per
// datagram and one Go slice per message, and its event workers decode with
// Event.Unmarshal (2.1 us and 44 allocations per event); a consumer built on
// it topped out near 55,000 events/s. Here events come in batches of up to
// eventBatch datagrams per recvmmsg call into one reused buffer, and the
// dump streams datagrams to the decoder from a second goroutine.
type nlsock struct {
	c   *netlink.Conn
	raw syscall.RawConn
	seq uint32
	buf []byte
	dec decoder // dumps and events read on this socket

	// recvmmsg state (events): one iovec and header per slot of buf.
	msgs []mmsghdr
	iovs []unix.Iovec
}

// mmsghdr is struct mmsghdr (linux/socket.h), which x/sys/unix lacks.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// Event datagrams hold one ctnetlink message each, a few hundred bytes;
// eventSlot leaves room for the largest (labels, helper, security context)
// and a truncated one is reported, not decoded.
const (
	eventBatch = 64
	eventSlot  = 4096
)

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
func (s *nlsock) recv() ([]byte, error) { return s.recvInto(s.buf) }

// recvInto reads one datagram into buf, waiting for it.
func (s *nlsock) recvInto(buf []byte) ([]byte, error) {
	var n int
	var rerr error
	err := s.raw.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
		return rerr != unix.EAGAIN && rerr != unix.EWOULDBLOCK
	})
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return buf[:n], nil
}

// errTruncated reports a datagram larger than its receive slot.
var errTruncated = errors.New("event datagram truncated")

// recvMany waits for datagrams and reads as many as are queued, up to
// eventBatch, with one recvmmsg call instead of a recvfrom per event. It
// returns how many it read; they stay valid until the next call.
func (s *nlsock) recvMany() (int, error) {
	if s.msgs == nil {
		s.buf = make([]byte, eventBatch*eventSlot)
		s.msgs = make([]mmsghdr, eventBatch)
		s.iovs = make([]unix.Iovec, eventBatch)
		for i := range s.msgs {
			s.iovs[i].Base = &s.buf[i*eventSlot]
			s.iovs[i].SetLen(eventSlot)
			s.msgs[i].hdr.Iov = &s.iovs[i]
			s.msgs[i].hdr.SetIovlen(1)
		}
	}
	var n int
	var rerr error
	err := s.raw.Read(func(fd uintptr) bool {
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&s.msgs[0])),
			uintptr(len(s.msgs)), unix.MSG_DONTWAIT, 0, 0)
		if errno != 0 {
			rerr = errno
			return errno != unix.EAGAIN && errno != unix.EWOULDBLOCK
		}
		n, rerr = int(r), nil
		return true
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}

// datagram returns datagram i of the last recvMany, or errTruncated if it
// did not fit its slot.
func (s *nlsock) datagram(i int) ([]byte, error) {
	m := &s.msgs[i]
	if m.hdr.Flags&unix.MSG_TRUNC != 0 {
		return nil, errTruncated
	}
	return s.buf[i*eventSlot : i*eventSlot+int(m.len)], nil
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
// place: fn's arguments are only valid during the call (clone the Ext, nil
// for most flows, to keep it). now is the Unix time that timeouts count
// from.
//
// A second goroutine receives while this one decodes and calls fn: the
// kernel's share of a dump (about 1.5 us a flow, in recvfrom) and cttop's
// (decoding, inserting) then run on two CPUs at once instead of in turn.
func (s *nlsock) dump(now uint32, fn func(*model.Flow, *model.Counters, *model.Ext)) error {
	req := s.request(ctMsgGet, nlmFRequest|nlmFDump, 0)
	seq := s.seq
	if err := s.send(req); err != nil {
		return mapErr(fmt.Errorf("dump flows: %w", err))
	}
	type datagram struct {
		b   []byte
		err error
	}
	const nbuf = 4
	free := make(chan []byte, nbuf)
	full := make(chan datagram, nbuf)
	for i := 0; i < nbuf; i++ {
		free <- make([]byte, dumpBufSize)
	}
	// The receiver stops after the datagram that ends the dump (or an
	// error, as when the socket is closed); this goroutine reads full to
	// the end whatever happens, so that no receiver outlives its dump and
	// steals the next dump's datagrams.
	go func() {
		defer close(full)
		for {
			buf := <-free
			n := 0
			for n+dumpRecvSize <= len(buf) {
				b, err := s.recvInto(buf[n : n+dumpRecvSize])
				if err != nil {
					full <- datagram{buf[:n], err}
					return
				}
				last := lastOfDump(b, seq)
				// Datagrams hold whole messages; the next starts aligned.
				n = (n + len(b) + 3) &^ 3
				if last {
					full <- datagram{buf[:n], nil}
					return
				}
			}
			full <- datagram{buf[:n], nil}
		}
	}()
	var f model.Flow
	var c model.Counters
	var result error
	stopped := false
	for d := range full {
		if !stopped {
			done, err := s.dec.decodeDump(d.b, seq, now, &f, &c, fn)
			result, stopped = err, done || err != nil
		}
		if !stopped && d.err != nil {
			result, stopped = mapErr(fmt.Errorf("dump flows: %w", d.err)), true
		}
		free <- d.b[:cap(d.b)]
	}
	return result
}

// A dump datagram is at most 32 KiB (netlink's max_recvmsg_len); the
// receiver reads dumpPerChunk of them into one chunk before it hands the
// chunk to the decoder: a handoff (a futex wake-up when the decoder
// waits) per datagram made a million-flow --once about 3% slower.
const (
	dumpRecvSize = 32 << 10
	dumpPerChunk = 4
	dumpBufSize  = dumpPerChunk * dumpRecvSize
)

// lastOfDump reports whether datagram b ends dump seq (NLMSG_DONE or an
// error), reading only the message headers.
func lastOfDump(b []byte, seq uint32) bool {
	for len(b) > 0 {
		m, rest, err := nextMsg(b)
		if err != nil {
			return true
		}
		b = rest
		if m.seq != seq {
			continue
		}
		if m.typ == nlmsgDone || (m.typ == nlmsgError && msgErrno(m.body) != 0) {
			return true
		}
	}
	return false
}

// decodeDump decodes the flows of one dump datagram for fn and reports
// whether the dump is done.
func (dec *decoder) decodeDump(b []byte, seq, now uint32, f *model.Flow, c *model.Counters, fn func(*model.Flow, *model.Counters, *model.Ext)) (bool, error) {
	for len(b) > 0 {
		m, rest, err := nextMsg(b)
		if err != nil {
			return true, fmt.Errorf("dump flows: %w", err)
		}
		b = rest
		if m.seq != seq {
			continue
		}
		switch m.typ {
		case nlmsgDone:
			if e := msgErrno(m.body); e != 0 {
				return true, mapErr(fmt.Errorf("dump flows: %w", unix.Errno(e)))
			}
			return true, nil
		case nlmsgError:
			if e := msgErrno(m.body); e != 0 {
				return true, mapErr(fmt.Errorf("dump flows: %w", unix.Errno(e)))
			}
			continue
		}
		if m.typ>>8 != nfnlSubsysCTNetlink || len(m.body) < nfgenHdrLen {
			continue
		}
		x, err := dec.flow(m.body[nfgenHdrLen:], m.body[0], now, knownInDump, f, c)
		if err != nil {
			return true, fmt.Errorf("dump flows: %w", err)
		}
		fn(f, c, x)
	}
	return false, nil
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
