package firewall

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

func key(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

func TestElements(t *testing.T) {
	tests := []struct {
		target action.Target
		want   []nftables.SetElement
	}{
		{host(action.Drop, "10.0.0.2"), []nftables.SetElement{
			{Key: key("10.0.0.2"), Timeout: time.Hour}, {Key: key("10.0.0.3"), IntervalEnd: true}}},
		{network(action.Drop, "10.0.0.0/24"), []nftables.SetElement{
			{Key: key("10.0.0.0"), Timeout: time.Hour}, {Key: key("10.0.1.0"), IntervalEnd: true}}},
		{host(action.Drop, "255.255.255.255"), []nftables.SetElement{{Key: key("255.255.255.255"), Timeout: time.Hour}}},
		{network(action.NoTrack, "2001:db8::/32"), []nftables.SetElement{
			{Key: key("2001:db8::"), Timeout: time.Hour}, {Key: key("2001:db9::"), IntervalEnd: true}}},
		{action.Service(model.ProtoUDP, 0x1234), []nftables.SetElement{
			{Key: []byte{17, 0, 0, 0, 0x12, 0x34, 0, 0}, Timeout: time.Hour}}},
	}
	for _, tt := range tests {
		got := elements(tt.target, time.Hour)
		if !slices.EqualFunc(got, tt.want, func(a, b nftables.SetElement) bool {
			return bytes.Equal(a.Key, b.Key) && a.IntervalEnd == b.IntervalEnd && a.Timeout == b.Timeout
		}) {
			t.Errorf("elements(%s) = %+v, want %+v", tt.target, got, tt.want)
		}
	}
}

func TestEntries(t *testing.T) {
	// As the kernel dumps an interval set: in descending order, with nft's
	// end marker at 0.0.0.0, adjacent intervals sharing an address, and an
	// interval that reaches the end of the address space.
	elems := []nftables.SetElement{
		{Key: key("255.255.255.0"), Timeout: time.Hour, Expires: time.Minute},
		{Key: key("10.0.2.0"), IntervalEnd: true},
		{Key: key("10.0.1.0"), Timeout: 2 * time.Hour, Expires: 2 * time.Minute, Counter: &expr.Counter{Packets: 5, Bytes: 300}},
		{Key: key("10.0.1.0"), IntervalEnd: true},
		{Key: key("10.0.0.0")},
		{Key: key("0.0.0.0"), IntervalEnd: true},
	}
	got := entries(sets[0], action.Drop, elems)
	want := []action.Entry{
		{Target: network(action.Drop, "10.0.0.0/24")},
		{Target: network(action.Drop, "10.0.1.0/24"), Timeout: 2 * time.Hour, Expires: 2 * time.Minute, Counter: action.Counter{Known: true, Packets: 5, Bytes: 300}},
		{Target: network(action.Drop, "255.255.255.0/24"), Timeout: time.Hour, Expires: time.Minute},
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries = %+v\nwant %+v", got, want)
	}

	svc := entries(sets[4], action.NoTrack, []nftables.SetElement{
		{Key: []byte{6, 0, 0, 0, 0, 80, 0, 0}, Timeout: time.Hour, Expires: time.Second},
		{Key: []byte{6, 0, 0}}, // not cttop's: ignored
	})
	if len(svc) != 1 || svc[0] != (action.Entry{Target: action.Service(model.ProtoTCP, 80), Timeout: time.Hour, Expires: time.Second}) {
		t.Errorf("service entries = %+v", svc)
	}
}

// TestRoundTrip encodes targets into elements and decodes them back.
func TestRoundTrip(t *testing.T) {
	for _, tg := range []action.Target{
		host(action.Drop, "0.0.0.0"), network(action.Drop, "0.0.0.0/0"), host(action.Drop, "10.1.2.3"), network(action.Drop, "128.0.0.0/1"),
		network(action.Drop, "::/0"), host(action.Drop, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), network(action.Drop, "2001:db8:7::/48"),
		action.Service(model.ProtoSCTP, 65535),
	} {
		spec := sets[0]
		switch {
		case tg.IsService():
			spec = sets[4]
		case tg.Addr.Addr().Is6():
			spec = sets[1]
		}
		got := entries(spec, tg.Action, elements(tg, 0))
		if len(got) != 1 || got[0].Target != tg {
			t.Errorf("round trip of %s = %+v", tg, got)
		}
	}
}

// TestOpenWithoutRoot checks the error a user without CAP_NET_ADMIN gets.
func TestOpenWithoutRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("runs as root; TestKernelPermission covers this")
	}
	fw, err := Open(0)
	if err == nil {
		fw.Close()
		t.Skip("nftables answered without root (CAP_NET_ADMIN granted?)")
	}
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("Open = %v, want ErrPermission", err)
	}
}
