package source

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// TestZonesPerDirection: flows whose zone applies to one direction (nft's
// "ct original zone set 7", "ct reply zone set 9") are decoded as the
// kernel keeps them, a zone filter finds them, a helper and labels set by
// rules come with them, and each is deleted from the kernel: a delete
// sends the zone inside the tuple of its direction (CTA_TUPLE_ZONE), as
// the kernel gave it, and says "already gone" only when the kernel has no
// such flow.
func TestZonesPerDirection(t *testing.T) {
	netnstest.Require(t, "conntrack", "nft")
	ns := netnstest.New(t)
	ns.NFT(t, `table inet t {
	ct helper ftph { type "ftp" protocol tcp; }
	chain out {
		type filter hook output priority -300;
		udp dport 6000 ct original zone set 7
		udp dport 6001 ct reply zone set 9
		udp dport 6003 ct zone set 11
	}
	chain late {
		type filter hook output priority 0;
		udp dport 6002 ct label set 5
		tcp dport 2122 ct helper set "ftph"
	}
}`)
	ns.Do(t, func() {
		for _, port := range []string{"6000", "6001", "6002", "6003"} {
			c, err := net.Dial("udp", "127.0.0.1:"+port)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("x"))
			c.Close()
		}
	})
	var ftp net.Conn
	ns.Do(t, func() {
		ln, err := net.Listen("tcp", "127.0.0.1:2122")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		if ftp, err = net.Dial("tcp", "127.0.0.1:2122"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ftp.Close() })
	})

	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	tab := loadTable(t, k)
	byPort := map[uint16]model.Flow{}
	var ftpExt *model.Ext
	var labelExt *model.Ext
	for s := int32(0); s < tab.Slots(); s++ {
		if !tab.Live(s) {
			continue
		}
		f := *tab.At(s)
		byPort[f.Orig.DstPort] = f
		switch f.Orig.DstPort {
		case 2122:
			ftpExt = tab.ExtAt(s)
		case 6002:
			labelExt = tab.ExtAt(s)
		}
	}
	for port, want := range map[uint16]model.Zone{6000: {ID: 7, Dir: model.ZoneOrig}, 6001: {ID: 9, Dir: model.ZoneReply},
		6002: {}, 6003: {ID: 11}} {
		f, ok := byPort[port]
		if z, known := f.Zone(); !ok || !known || z != want {
			t.Errorf("port %d: zone %+v %v, want %+v", port, z, known, want)
		}
	}
	ftpFlow := byPort[2122]
	if h, ok := ftpFlow.Helper(ftpExt); !ok || h != "ftp" {
		t.Errorf("helper %q %v", h, ok)
	}
	lf := byPort[6002]
	if l, _, ok := lf.Labels(labelExt); !ok || !l.Has(5) || len(l.Bits()) != 1 {
		t.Errorf("labels %v %v", l.Bits(), ok)
	}
	for expr, want := range map[string][]uint16{"zone 7": {6000}, "zone 9": {6001}, "orig zone 9": nil,
		"reply zone 9": {6001}, "helper ftp": {2122}, "label 5": {6002}} {
		f, err := filter.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint16
		for s := int32(0); s < tab.Slots(); s++ {
			if tab.Live(s) && f.Match(tab.At(s), tab.ExtAt(s)) {
				got = append(got, tab.At(s).Orig.DstPort)
			}
		}
		if len(got) != len(want) || len(got) > 0 && got[0] != want[0] {
			t.Errorf("%q matches ports %v, want %v", expr, got, want)
		}
	}

	// Each zone flow is deleted from the kernel, and only it.
	for _, port := range []uint16{6000, 6001, 6003} {
		res, err := k.Delete(context.Background(), []model.Flow{byPort[port]}, nil)
		if err != nil || res != (action.DeleteResult{Deleted: 1}) {
			t.Errorf("delete the flow to %d: %+v %v", port, res, err)
		}
		if out := ns.Run(t, "conntrack", "-L"); strings.Contains(out, "dport="+strconv.Itoa(int(port))+" ") {
			t.Errorf("the flow to %d is still in the kernel:\n%s", port, out)
		}
		// Again: now the kernel has no such flow.
		if res, err := k.Delete(context.Background(), []model.Flow{byPort[port]}, nil); err != nil || res != (action.DeleteResult{Gone: 1}) {
			t.Errorf("delete the flow to %d again: %+v %v", port, res, err)
		}
	}
	if out := ns.Run(t, "conntrack", "-L"); !strings.Contains(out, "dport=6002 ") || !strings.Contains(out, "dport=2122 ") {
		t.Errorf("a delete took another flow:\n%s", out)
	}
}
