package source

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cttop/cttop/model"
	"golang.org/x/sys/unix"
)

// Flows whose timeout has passed without a DESTROY (model.Checker): with
// nf_conntrack_events=2 a flow older than cttop's subscription ends without
// one, and the kernel sends no event when traffic renews a timeout. A
// periodic dump finds both out, but only as often as a dump's cost allows
// (every 15 s at 262,144 flows, every minute at most by default), and
// meanwhile the table held flows the kernel no longer had: the status line
// read 262,459 rows under a kernel count of 262,144. So every second the
// table hands over its overdue flows and the source asks the kernel about
// each (a GET, as conntrack -G does: a few microseconds in the kernel, on a
// socket of its own), and answers in the next batch: a DESTROY for a flow
// the kernel no longer has, the kernel's view of the others.

// checkBatch is how many GET requests go out before their answers are read.
const checkBatch = 256

// Check implements model.Checker: it takes the flows without waiting, or,
// when a check is still under way, asks for a reconciliation instead.
func (k *Kernel) Check(flows []model.Flow) {
	select {
	case k.checks <- flows:
	default:
		k.Reconcile()
	}
}

// checkLoop answers the checks until ctx ends.
func (k *Kernel) checkLoop(ctx context.Context) {
	var s *nlsock
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case flows := <-k.checks:
			if s == nil {
				var err error
				if s, err = dialSock(k.nsFd, 1<<20); err != nil {
					k.cfg.Log.Warn("check flows", "err", err)
					k.Reconcile()
					continue
				}
			}
			if err := k.check(ctx, s, flows); err != nil {
				k.cfg.Log.Warn("check flows", "err", err)
				s.Close()
				s = nil
				k.Reconcile()
			}
		}
	}
}

// check asks the kernel about flows and queues what it says.
func (k *Kernel) check(ctx context.Context, s *nlsock, flows []model.Flow) error {
	buf := make([]byte, 0, checkBatch*160)
	var gone, live int
	for start := 0; start < len(flows); start += checkBatch {
		if ctx.Err() != nil {
			return nil
		}
		end := min(start+checkBatch, len(flows))
		buf = buf[:0]
		first := s.seq + 1
		for i := start; i < end; i++ {
			s.seq++
			buf = appendFlowRequest(buf, ctMsgGet, nlmFRequest, s.seq, &flows[i])
		}
		if err := s.send(buf); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		g, l, err := k.readChecks(s, first, flows[start:end])
		if err != nil {
			return err
		}
		gone, live = gone+g, live+l
	}
	k.cfg.Log.Debug("checked overdue flows", "gone", gone, "live", live)
	return nil
}

// readChecks reads the answers to the GET requests of flows, numbered from
// first: a flow, or an error (ENOENT: the kernel no longer has it).
func (k *Kernel) readChecks(s *nlsock, first uint32, flows []model.Flow) (gone, live int, err error) {
	var f model.Flow
	var c model.Counters
	now := uint32(time.Now().Unix())
	for answered := 0; answered < len(flows); {
		b, err := s.recv()
		if err != nil {
			return gone, live, err
		}
		for len(b) > 0 {
			m, rest, err := nextMsg(b)
			if err != nil {
				return gone, live, err
			}
			b = rest
			if m.seq < first || m.seq >= first+uint32(len(flows)) {
				continue
			}
			asked := &flows[m.seq-first]
			switch {
			case m.typ == nlmsgError:
				answered++
				switch e := unix.Errno(msgErrno(m.body)); e {
				case 0:
				case unix.ENOENT:
					gone++
					k.vanished(asked)
				default:
					return gone, live, fmt.Errorf("get flow: %w", e)
				}
			case m.typ>>8 == nfnlSubsysCTNetlink && len(m.body) >= nfgenHdrLen:
				answered++
				x, err := s.dec.flow(m.body[nfgenHdrLen:], m.body[0], now, knownInDump, &f, &c)
				if err != nil {
					return gone, live, err
				}
				if _, ok := asked.ID(); ok && f.Key() != asked.Key() {
					// Another flow with the tuple now (a new ID): the
					// one asked about is gone.
					gone++
					k.vanished(asked)
					continue
				}
				live++
				k.addChecked(&model.Event{Type: model.EventRefresh, Flow: f, Counters: c, Ext: cloneExt(x)})
			}
		}
	}
	return gone, live, nil
}

// vanished queues the end of a flow the kernel no longer has. It ended
// without a DESTROY event, so the count of flows the events give (est)
// still holds it.
func (k *Kernel) vanished(f *model.Flow) {
	k.mu.Lock()
	k.est--
	k.info.Vanished++
	k.mu.Unlock()
	k.addChecked(&model.Event{Type: model.EventDestroy, Flow: *f})
}

// addChecked queues an event learned by a check, where events go.
func (k *Kernel) addChecked(e *model.Event) {
	k.mu.Lock()
	defer k.mu.Unlock()
	dst := k.cur
	if k.post != nil {
		dst = k.post
	}
	if dst != nil {
		dst.AddChecked(e)
	}
}

// appendFlowRequest appends a request of message type typ (ctMsgGet,
// ctMsgDelete) for f: its tuple and zone as the kernel gave them (see
// appendDelete), and its ID.
func appendFlowRequest(b []byte, typ uint16, flags uint16, seq uint32, f *model.Flow) []byte {
	start := len(b)
	b = binary.NativeEndian.AppendUint32(b, 0) // length, set below
	b = binary.NativeEndian.AppendUint16(b, nfnlSubsysCTNetlink<<8|typ)
	b = binary.NativeEndian.AppendUint16(b, flags)
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = binary.NativeEndian.AppendUint32(b, 0)
	fam := byte(afInet)
	if f.Family == model.IPv6 {
		fam = afInet6
	}
	b = append(b, fam, 0, 0, 0)
	b = appendIdentity(b, f)
	binary.NativeEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}
