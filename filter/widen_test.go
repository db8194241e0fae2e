package filter

import (
	"net/netip"
	"testing"

	"github.com/cttop/cttop/model"
)

// TestWidened: on a NAT gateway, the masqueraded flows have the public
// address as their reply destination: src host misses them, the widened
// filters find them.
func TestWidened(t *testing.T) {
	a := func(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }
	// Out through the gateway: 10.0.0.5 -> 198.51.100.7, replies to 203.0.113.1.
	masq := model.Flow{Proto: model.ProtoTCP, Family: model.IPv4,
		Orig: model.Tuple{Src: a("10.0.0.5"), Dst: a("198.51.100.7"), SrcPort: 40000, DstPort: 443}}
	masq.Reply = masq.Orig.Inverse()
	masq.Reply.Dst = a("203.0.113.1")
	// To the gateway itself.
	own := model.Flow{Proto: model.ProtoTCP, Family: model.IPv4,
		Orig: model.Tuple{Src: a("198.51.100.9"), Dst: a("203.0.113.1"), SrcPort: 50000, DstPort: 22}}
	own.Reply = own.Orig.Inverse()
	from := model.Flow{Proto: model.ProtoTCP, Family: model.IPv4,
		Orig: model.Tuple{Src: a("203.0.113.1"), Dst: a("198.51.100.9"), SrcPort: 50000, DstPort: 53}}
	from.Reply = from.Orig.Inverse()
	for _, c := range []struct {
		expr              string
		self, orig, every [3]bool // masq, own, from
		widened           bool
	}{
		{"src host 203.0.113.1", [3]bool{false, false, true}, [3]bool{false, true, true}, [3]bool{true, true, true}, true},
		{"src 203.0.113.1 and dst port 22", [3]bool{false, false, false}, [3]bool{false, true, false}, [3]bool{false, true, false}, true},
		{"dst net 203.0.113.0/24", [3]bool{false, true, false}, [3]bool{false, true, true}, [3]bool{true, true, true}, true},
		{"host 203.0.113.1", [3]bool{true, true, true}, [3]bool{}, [3]bool{}, false},
		{"src port 50000", [3]bool{false, true, true}, [3]bool{}, [3]bool{}, false},
	} {
		f, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		o, e := f.Widened()
		if (o != nil) != c.widened {
			t.Errorf("%s: widened %v", c.expr, o != nil)
			continue
		}
		for i, fl := range []*model.Flow{&masq, &own, &from} {
			if got := f.Match(fl, nil); got != c.self[i] {
				t.Errorf("%s: flow %d matches %v", c.expr, i, got)
			}
			if o == nil {
				continue
			}
			if got := o.Match(fl, nil); got != c.orig[i] {
				t.Errorf("%s widened to the original: flow %d matches %v", c.expr, i, got)
			}
			if got := e.Match(fl, nil); got != c.every[i] {
				t.Errorf("%s widened to every end: flow %d matches %v", c.expr, i, got)
			}
		}
		if f.String() != c.expr {
			t.Errorf("Widened changed %q to %q", c.expr, f.String())
		}
	}
}
