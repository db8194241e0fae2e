package tuning

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// TestNoActionsOffersNoKey: where cttop's action keys do nothing (NoActions
// set: demo, replay, --read-only) the report names b, n and P without
// offering them ("press"), and says they are unavailable; with actions it
// offers them.
func TestNoActionsOffersNoKey(t *testing.T) {
	inputs := map[string]func() Input{
		"one source": func() Input {
			in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
			addTCP(&in, model.TCPEstablished, 200000)
			in.Table.TopSources = []model.SourceCount{{Addr: netip.MustParseAddr("203.0.113.9"), Flows: 90000}, {Addr: netip.MustParseAddr("192.0.2.1"), Flows: 1000}}
			return in
		},
		"udp/53": func() Input {
			in := Input{Settings: host(16*gib, 262144, 262144), Table: table(200000, 262144, 0)}
			in.Table.Protos = map[uint8]int{model.ProtoTCP: 120000, model.ProtoUDP: 80000}
			addTCP(&in, model.TCPEstablished, 120000)
			in.Table.TopServices = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 60000}, {Proto: model.ProtoTCP, Port: 53, Flows: 20000}}
			return in
		},
		"syn flood": func() Input { return Input{Settings: host(16*gib, 65536, 65536), Table: synTable()} },
		"udp flood": func() Input {
			tb := table(60000, 65536, 40)
			tb.Protos = map[uint8]int{model.ProtoTCP: 20000, model.ProtoUDP: 40000}
			tb.TopServices = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 39500}}
			tb.UnrepliedUDP = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 39000}}
			return Input{Settings: host(16*gib, 65536, 65536), Table: tb}
		},
	}
	for name, in := range inputs {
		with := Advise(in()).Report().Text(1 << 20)
		if !strings.Contains(with, "(press ") {
			t.Errorf("%s: with actions the report offers no key:\n%s", name, with)
		}
		noAct := in()
		noAct.NoActions = "demo"
		without := Advise(noAct).Report().Text(1 << 20)
		for _, k := range []string{"press b", "press n", "press P"} {
			if strings.Contains(without, k) {
				t.Errorf("%s: without actions the report says %q:\n%s", name, k, without)
			}
		}
		if !strings.Contains(without, "unavailable here: demo") {
			t.Errorf("%s: the report does not say the keys are unavailable:\n%s", name, without)
		}
	}
}
