//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// This file speaks raw ctnetlink: many requests per datagram and one
// acknowledgement per datagram, so that the load generator costs the kernel
// what the flows cost and little more. The library's Create (one request,
// one ack, about 40 allocations) tops out at 23k-41k flows/s here, short of
// the 50,000 creates/s plus 50,000 deletes/s the storm needs.

const (
	nlmsgHdrLen = 16
	nlmsgError  = 2

	nlmFRequest = 0x1
	nlmFAck     = 0x4
	nlmFExcl    = 0x200
	nlmFCreate  = 0x400

	nfnlSubsysCTNetlink = 1
	ctMsgNew            = 0
	ctMsgDelete         = 2

	nlaFNested = 0x8000

	ctaTupleOrig  = 1
	ctaTupleReply = 2
	ctaStatus     = 3
	ctaProtoinfo  = 4
	ctaTimeout    = 7

	ctaTupleIP    = 1
	ctaTupleProto = 2
	ctaIPv4Src    = 1
	ctaIPv4Dst    = 2
	ctaProtoNum   = 1
	ctaProtoSrc   = 2
	ctaProtoDst   = 3

	ctaProtoinfoTCP      = 1
	ctaProtoinfoTCPState = 1

	statusSeenReply = 1 << 1
	statusAssured   = 1 << 2
	statusConfirmed = 1 << 3
)

// flow4 is the key of one synthetic IPv4 TCP flow.
type flow4 struct {
	src, dst     [4]byte
	sport, dport uint16
}

// conn is a blocking NETLINK_NETFILTER socket in a namespace.
type conn struct {
	fd  int
	seq uint32
	out []byte
	in  []byte
}

// dialNS opens a socket in the namespace at path: the socket belongs to
// the namespace it was created in, whatever thread uses it later.
func dialNS(path string) (*conn, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread dies with the goroutine instead of
		// going back to the pool in the wrong namespace.
		ns, err := os.Open(path)
		if err != nil {
			ch <- result{-1, err}
			return
		}
		defer ns.Close()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			ch <- result{-1, err}
			return
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{-1, fmt.Errorf("setns %s: %w", path, err)}
			return
		}
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err == nil {
			err = unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, r.err
	}
	_ = unix.SetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20)
	return &conn{fd: r.fd, in: make([]byte, 1<<20)}, nil
}

func (c *conn) Close() error { return unix.Close(c.fd) }

func put16(b []byte, v uint16) { binary.NativeEndian.PutUint16(b, v) }
func put32(b []byte, v uint32) { binary.NativeEndian.PutUint32(b, v) }

// attr appends an attribute header and value, padded to 4 bytes.
func attr(b []byte, typ uint16, val []byte) []byte {
	var h [4]byte
	put16(h[0:], uint16(4+len(val)))
	put16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// nest opens a nested attribute; end closes it.
func nest(b []byte, typ uint16) ([]byte, int) {
	at := len(b)
	var h [4]byte
	put16(h[2:], typ|nlaFNested)
	return append(b, h[:]...), at
}

func end(b []byte, at int) []byte {
	put16(b[at:], uint16(len(b)-at))
	return b
}

func tuple(b []byte, typ uint16, src, dst [4]byte, sport, dport uint16) []byte {
	b, t := nest(b, typ)
	b, ip := nest(b, ctaTupleIP)
	b = attr(b, ctaIPv4Src, src[:])
	b = attr(b, ctaIPv4Dst, dst[:])
	b = end(b, ip)
	b, p := nest(b, ctaTupleProto)
	b = attr(b, ctaProtoNum, []byte{6})
	b = attr(b, ctaProtoSrc, binary.BigEndian.AppendUint16(nil, sport))
	b = attr(b, ctaProtoDst, binary.BigEndian.AppendUint16(nil, dport))
	b = end(b, p)
	return end(b, t)
}

// header opens a ctnetlink request; finish sets its length.
func (c *conn) header(typ, flags uint16) int {
	c.seq++
	at := len(c.out)
	var h [nlmsgHdrLen + 4]byte
	put16(h[4:], nfnlSubsysCTNetlink<<8|typ)
	put16(h[6:], flags)
	put32(h[8:], c.seq)
	h[16] = unix.AF_INET
	c.out = append(c.out, h[:]...)
	return at
}

func (c *conn) finish(at int) { put32(c.out[at:], uint32(len(c.out)-at)) }

// addCreate queues the creation of an ESTABLISHED TCP flow.
func (c *conn) addCreate(f *flow4, timeout uint32) {
	c.addCreateState(f, timeout, 3, statusConfirmed|statusSeenReply|statusAssured)
}

// addCreateState queues the creation of a TCP flow in TCP state state
// (2 SYN_RECV, 3 ESTABLISHED...) with status bits status.
func (c *conn) addCreateState(f *flow4, timeout uint32, state byte, status uint32) {
	at := c.header(ctMsgNew, nlmFRequest|nlmFCreate|nlmFExcl)
	c.out = tuple(c.out, ctaTupleOrig, f.src, f.dst, f.sport, f.dport)
	c.out = tuple(c.out, ctaTupleReply, f.dst, f.src, f.dport, f.sport)
	c.out = attr(c.out, ctaStatus, binary.BigEndian.AppendUint32(nil, status))
	c.out = attr(c.out, ctaTimeout, binary.BigEndian.AppendUint32(nil, timeout))
	var pi, tcp int
	c.out, pi = nest(c.out, ctaProtoinfo)
	c.out, tcp = nest(c.out, ctaProtoinfoTCP)
	c.out = attr(c.out, ctaProtoinfoTCPState, []byte{state})
	c.out = end(c.out, tcp)
	c.out = end(c.out, pi)
	c.finish(at)
}

// addDelete queues the deletion of a flow by its original tuple.
func (c *conn) addDelete(f *flow4) {
	at := c.header(ctMsgDelete, nlmFRequest)
	c.out = tuple(c.out, ctaTupleOrig, f.src, f.dst, f.sport, f.dport)
	c.finish(at)
}

// flush sends the queued requests in one datagram with an acknowledgement
// asked for the last one, and waits for it. The kernel handles the requests
// in order inside the send; only failures and the last ack come back. It
// returns the number of failed requests and the first failure.
func (c *conn) flush() (failed int, first error, err error) {
	if len(c.out) == 0 {
		return 0, nil, nil
	}
	// Ask for an ack on the last message only.
	last := 0
	for off := 0; off < len(c.out); {
		last = off
		off += int(binary.NativeEndian.Uint32(c.out[off:]))
	}
	binary.NativeEndian.PutUint16(c.out[last+6:], binary.NativeEndian.Uint16(c.out[last+6:])|nlmFAck)
	lastSeq := binary.NativeEndian.Uint32(c.out[last+8:])
	if err := unix.Sendto(c.fd, c.out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, nil, fmt.Errorf("send: %w", err)
	}
	c.out = c.out[:0]
	for {
		n, _, err := unix.Recvfrom(c.fd, c.in, 0)
		if err != nil {
			return failed, first, fmt.Errorf("recv: %w", err)
		}
		b := c.in[:n]
		for len(b) >= nlmsgHdrLen {
			l := int(binary.NativeEndian.Uint32(b[0:]))
			if l < nlmsgHdrLen || l > len(b) {
				return failed, first, fmt.Errorf("bad reply length %d", l)
			}
			typ := binary.NativeEndian.Uint16(b[4:])
			seq := binary.NativeEndian.Uint32(b[8:])
			if typ == nlmsgError && l >= nlmsgHdrLen+4 {
				if e := -int32(binary.NativeEndian.Uint32(b[nlmsgHdrLen:])); e != 0 {
					failed++
					if first == nil {
						first = unix.Errno(e)
					}
				}
				if seq == lastSeq {
					return failed, first, nil
				}
			}
			b = b[(l+3)&^3:]
		}
	}
}
