package firewall

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestQueueElementsFit checks, without a kernel, that the element messages
// of a large plan stay below netlink's 64 KiB attribute limit (which the
// library would overflow silently) and carry every element.
func TestQueueElementsFit(t *testing.T) {
	var sent []netlink.Message
	c, err := nftables.New(nftables.WithTestDial(func(req []netlink.Message) ([]netlink.Message, error) {
		sent = append(sent, req...)
		return nil, io.EOF // no acknowledgements: Flush then reads none
	}))
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	var ts []action.Target
	a := netip.MustParseAddr("2001:db8::")
	for range n {
		ts = append(ts, action.Host(action.Drop, a))
		a = a.Next().Next() // never adjacent: each its own interval
	}
	table := c.AddTable(cttopTable())
	set := sets[1].nftSet(table, 2)
	var size batchSize
	if err := queueElements(c, set, ts, 10*time.Hour, false, &size); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	wantMsgs := (n + maxTargetsPerMsg - 1) / maxTargetsPerMsg
	if size.msgs != wantMsgs || size.elems != 2*n {
		t.Errorf("counted %d messages, %d elements; want %d, %d", size.msgs, size.elems, wantMsgs, 2*n)
	}
	elems, msgs := 0, 0
	for _, m := range sent {
		if m.Header.Type != netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_NEWSETELEM) {
			continue
		}
		msgs++
		if len(m.Data) >= 1<<16 {
			t.Fatalf("message of %d bytes: its element list overflows a netlink attribute", len(m.Data))
		}
		attrs, err := netlink.UnmarshalAttributes(m.Data[4:])
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range attrs {
			if at.Type&^unix.NLA_F_NESTED == unix.NFTA_SET_ELEM_LIST_ELEMENTS {
				list, err := netlink.UnmarshalAttributes(at.Data)
				if err != nil {
					t.Fatal(err)
				}
				elems += len(list)
			}
		}
	}
	if msgs != wantMsgs || elems != 2*n {
		t.Fatalf("sent %d element messages with %d elements, want %d with %d", msgs, elems, wantMsgs, 2*n)
	}
}
