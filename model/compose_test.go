package model

import (
	"net/netip"
	"testing"
)

func TestCompose(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0, Info: SourceInfo{Kind: "replay", Name: "x.ctr"}}
	id := uint32(1)
	add := func(f Flow) {
		b.Add(&Event{Type: EventNew, Flow: f})
		id++
	}
	for i := 0; i < 30; i++ {
		add(tcpFlow(id, "192.0.2.66", uint16(10000+i), "198.51.100.1", 443))
	}
	for i := 0; i < 5; i++ {
		f := tcpFlow(id, "192.0.2.7", uint16(20000+i), "198.51.100.1", 22)
		f.SetProtoState(TCPTimeWait)
		add(f)
	}
	for i := 0; i < 10; i++ {
		f := tcpFlow(id, "2001:db8::5", uint16(30000+i), "2001:db8::1", 53)
		f.Proto, f.Attrs = ProtoUDP, HasTimeout|HasID
		if i < 4 {
			f.Status &^= StatusAssured
		}
		add(f)
	}
	tab.Apply(b)
	c := Compose(tab, 2)
	if c.Flows != 45 || c.TCPStates[TCPEstablished] != 30 || c.TCPStates[TCPTimeWait] != 5 ||
		c.Protos[ProtoTCP] != 35 || c.Protos[ProtoUDP] != 10 || c.UDPStream != 6 {
		t.Errorf("composition: %+v", c)
	}
	wantSrc := []SourceCount{{netip.MustParseAddr("192.0.2.66"), 30}, {netip.MustParseAddr("2001:db8::5"), 10}}
	if len(c.TopSources) != 2 || c.TopSources[0] != wantSrc[0] || c.TopSources[1] != wantSrc[1] {
		t.Errorf("top sources %v, want %v", c.TopSources, wantSrc)
	}
	wantSvc := []ServiceCount{{ProtoTCP, 443, 30}, {ProtoUDP, 53, 10}}
	if len(c.TopServices) != 2 || c.TopServices[0] != wantSvc[0] || c.TopServices[1] != wantSvc[1] {
		t.Errorf("top services %v, want %v", c.TopServices, wantSvc)
	}
	if got := TopSources(tab, 0); got != nil {
		t.Errorf("TopSources(0) = %v", got)
	}
}

// TestTopSourcesTies: equal counts go to the lower address, whatever the map order.
func TestTopSourcesTies(t *testing.T) {
	m := map[famAddr]int32{}
	for i := 0; i < 50; i++ {
		m[famAddr{AddrFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})), IPv4}] = 3
	}
	m[famAddr{addr("10.0.1.1"), IPv4}] = 4
	for range 20 {
		got := topSources(m, 3)
		want := []string{"10.0.1.1", "10.0.0.0", "10.0.0.1"}
		for i, w := range want {
			if got[i].Addr.String() != w {
				t.Fatalf("topSources = %v, want %v", got, want)
			}
		}
	}
}

func BenchmarkTopSources(b *testing.B) {
	tab := NewTable(1 << 20)
	for i := 0; i < 1<<20; i++ {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
		f := tcpFlow(uint32(i+1), src, uint16(i), "198.51.100.1", 80)
		tab.Insert(&f, &Counters{})
	}
	var st SourceTally
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.Top(tab, 10)
	}
}

// BenchmarkCompose: the tuning report's walk of a million flows from as
// many sources, heavy prefixes included.
func BenchmarkCompose(b *testing.B) {
	tab := NewTable(1 << 20)
	for i := 0; i < 1<<20; i++ {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
		f := tcpFlow(uint32(i+1), src, uint16(i), "198.51.100.1", 80)
		tab.Insert(&f, &Counters{})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compose(tab, 10)
	}
}
