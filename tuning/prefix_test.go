package tuning

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// floodTable is issue 13's table: attackers sources in 198.18.0.0/16
// numbered from 198.18.0.1, 250 to a /24, each with per SYN_RECV flows to
// port 80, plus noise established flows from sources spread over the IPv4
// space; three heavy addresses add heavyEach flows each.
func floodTable(attackers, per, noise, heavyEach int) *model.Table {
	now := time.Unix(1_700_000_000, 0)
	r := rand.New(rand.NewPCG(1, 2))
	b := &model.Batch{Time: now, Info: model.SourceInfo{Kind: "kernel"}, Snapshot: &model.Snapshot{}}
	add := func(src [4]byte, sport uint16, st uint8) {
		f := model.Flow{Proto: model.ProtoTCP, Family: model.IPv4, Status: model.StatusConfirmed}
		f.Orig.Src[10], f.Orig.Src[11] = 0xff, 0xff
		copy(f.Orig.Src[12:], src[:])
		f.Orig.Dst[10], f.Orig.Dst[11], f.Orig.Dst[12], f.Orig.Dst[15] = 0xff, 0xff, 192, 1
		f.Orig.SrcPort, f.Orig.DstPort = sport, 80
		f.Reply = f.Orig.Inverse()
		f.SetProtoState(st)
		f.SetExpires(uint32(now.Unix()) + 60)
		b.Snapshot.Add(&f, nil)
	}
	for s := 0; s < attackers; s++ {
		for j := 0; j < per; j++ {
			add([4]byte{198, 18, byte(s / 250), byte(s%250 + 1)}, uint16(1024+j), model.TCPSynRecv)
		}
	}
	for i := 0; i < noise; i++ {
		add([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))}, uint16(1024+r.IntN(60000)), model.TCPEstablished)
	}
	for h := 0; h < 3 && heavyEach > 0; h++ {
		for j := 0; j < heavyEach; j++ {
			add([4]byte{203, 0, 113, byte(10 + h)}, uint16(1024+j), model.TCPEstablished)
		}
	}
	tab := model.NewTable(0)
	tab.Apply(b)
	return tab
}

// TestDistributedSourcesByPrefix: 2,000 sources of 21 flows each inside
// one /21 make no source stand out; the report names the /21 with its flows
// and sources (exact, as conntrack -L would count them) and says how to
// block it. Random sources make no heavy prefix, and three heavy addresses
// are named as addresses, not as a prefix.
func TestDistributedSourcesByPrefix(t *testing.T) {
	set := host(16*gib, 262144, 262144)

	in := InputFromTable(floodTable(2000, 21, 18000, 0), 5, 1_700_000_000)
	in.Settings = set
	hs := in.Table.HeavySources
	if len(hs) != 1 || hs[0].Prefix.String() != "198.18.0.0/21" || hs[0].Flows != 42000 || hs[0].Sources != 2000 {
		t.Fatalf("heavy sources %+v, want 198.18.0.0/21 with 42000 flows from 2000 sources", hs)
	}
	text := Advise(in).Report().Text(80)
	for _, want := range []string{"198.18.0.0/21 holds 70.0% of flows (42,000) from 2,000 sources", "Heavy prefixes: 198.18.0.0/21 42,000 (70.0%, 2,000 sources)"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}

	in = InputFromTable(floodTable(0, 0, 60000, 0), 5, 1_700_000_000)
	in.Settings = set
	if hs := in.Table.HeavySources; len(hs) != 0 {
		t.Errorf("random sources made heavy prefixes %+v", hs)
	}
	if text := Advise(in).Report().Text(80); strings.Contains(text, "Heavy prefixes") || strings.Contains(text, " holds ") {
		t.Errorf("random sources named as a prefix:\n%s", text)
	}

	in = InputFromTable(floodTable(0, 0, 20000, 20000), 5, 1_700_000_000)
	in.Settings = set
	for _, h := range in.Table.HeavySources {
		if h.Prefix.Bits() != 32 || h.Sources != 1 {
			t.Errorf("three heavy addresses made the prefix %+v", h)
		}
	}
	if text := Advise(in).Report().Text(80); strings.Contains(text, "distributed flood") {
		t.Errorf("three addresses called a distributed flood:\n%s", text)
	}
}
