package firewall

import (
	"fmt"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Large batches, and why this file works around github.com/google/nftables.
//
// The library (v0.3.0) queues one netlink message per call and Flush sends
// them all with one sendmsg, requesting an acknowledgement for each, then
// reads the acknowledgements one by one. Three things break with large
// plans, and the library offers no setting for any of them:
//
//   - The send buffer stays at the socket default (net.core.wmem_default,
//     about 208 KiB), and netlink refuses a message longer than the send
//     buffer: a batch of 2,000 addresses (one message each) failed with
//     "message too long". nft raises its send buffer to the batch's size
//     (mnl_set_sndbuffer, with SO_SNDBUFFORCE); so does batchSize.set.
//   - nfnetlink processes the whole batch inside that sendmsg and queues
//     every acknowledgement at its end, before Flush reads the first. With
//     the default receive buffer a few hundred acknowledgements overflow it
//     (about 1 KiB of buffer each): the kernel drops the rest and the next
//     read says "no buffer space available" (ENOBUFS), although the batch
//     was committed. nft sizes its receive buffer at 1 KiB per message
//     (mnl_batch_talk); so does batchSize.set, and queueElements sends up to
//     maxTargetsPerMsg targets per message instead of one message each,
//     which keeps a batch of 10,000 addresses at a few dozen messages.
//   - Flush waits for one acknowledgement per message with no deadline; a
//     kernel that sends fewer (it answers a batch it could not take in
//     memory with a single error) would block it forever. The sockets get a
//     deadline.
//
// The library also truncates an attribute longer than 64 KiB without an
// error (mdlayher/netlink MarshalAttributes casts the length to uint16), so
// the elements of one message must stay below that: maxTargetsPerMsg does.
// After any error Apply reads the table back to say what was applied
// (verify), since an error while reading acknowledgements says nothing
// about the batch, which the kernel applies whole or not at all.

// maxTargetsPerMsg is the most targets whose elements go into one netlink
// message: at most two elements each (an interval's start and end), each
// at most elemBytes long, so 512 targets take under 48 KiB, below the
// 64 KiB limit of the message's element list attribute.
const maxTargetsPerMsg = 512

// elemBytes bounds the netlink encoding of one set element: its nest
// header (4), flags (8), key (4 + 4 + 16 for IPv6) and timeout (12).
const elemBytes = 48

// socketDeadline bounds every netlink exchange of one operation. The
// kernel handles a batch within the sendmsg that carries it, so its
// acknowledgements are waiting by the time Flush reads them.
const socketDeadline = 30 * time.Second

// batchSize counts what one batch holds, to size the socket buffers that
// carry it.
type batchSize struct {
	msgs, elems int
	// recvBuf, if set, replaces the receive buffer's size (tests use it
	// to lose acknowledgements).
	recvBuf int
}

// set sizes the socket's buffers for the batch counted so far and gives it
// a deadline. Raising a buffer above net.core.wmem_max or rmem_max needs
// SO_SNDBUFFORCE or SO_RCVBUFFORCE, which need CAP_NET_ADMIN, as nftables
// does: without it the batch fails anyway.
func (b *batchSize) set(c *netlink.Conn) error {
	if err := c.SetDeadline(time.Now().Add(socketDeadline)); err != nil {
		return fmt.Errorf("set netlink deadline: %w", err)
	}
	if b == nil || b.msgs == 0 {
		return nil
	}
	// Ask the kernel not to copy a failed message into its error reply:
	// only the error code is read.
	_ = c.SetOption(netlink.CapAcknowledge, true)
	// The fixed part (table, sets, chains, rules) is under 16 KiB and 40
	// messages: allow 64 KiB and 64 more messages.
	send := 64<<10 + b.elems*elemBytes + b.msgs*256
	recv := 64<<10 + (b.msgs+64)*1024
	raw, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("size netlink buffers: %w", err)
	}
	var serr error
	err = raw.Control(func(fd uintptr) {
		serr = growBuffer(int(fd), unix.SO_SNDBUF, unix.SO_SNDBUFFORCE, send)
		switch {
		case serr != nil:
		case b.recvBuf > 0:
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, b.recvBuf)
		default:
			serr = growBuffer(int(fd), unix.SO_RCVBUF, unix.SO_RCVBUFFORCE, recv)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("size netlink buffers: %w", err)
	}
	return nil
}

// growBuffer raises a socket buffer to at least size bytes, forcing it
// past the system's maximum if need be. The kernel doubles the value it is
// given (for its bookkeeping), so the usable space is at least size.
func growBuffer(fd, opt, force, size int) error {
	if have, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, opt); err == nil && have >= 2*size {
		return nil
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, force, size); err == nil {
		return nil
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, size)
}

// queueElements queues messages that add (or, if del, delete) the elements
// of the targets, all of set s, at most maxTargetsPerMsg targets per
// message, never splitting an interval's start from its end, and counts
// them in b.
func queueElements(c *nftables.Conn, s *nftables.Set, ts []action.Target, timeout time.Duration, del bool, b *batchSize) error {
	for len(ts) > 0 {
		chunk := ts[:min(len(ts), maxTargetsPerMsg)]
		ts = ts[len(chunk):]
		els := make([]nftables.SetElement, 0, 2*len(chunk))
		for _, t := range chunk {
			els = append(els, elements(t, timeout)...)
		}
		queue := c.SetAddElements
		if del {
			queue = c.SetDeleteElements
		}
		if err := queue(s, els); err != nil {
			return fmt.Errorf("set %s: %w", s.Name, err)
		}
		b.msgs++
		b.elems += len(els)
	}
	return nil
}
