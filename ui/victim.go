package ui

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// byDestination reports whether the top rows are grouped by destination:
// b on them would block traffic to the victim, not from the attackers.
func byDestination(keys []model.GroupKey) bool {
	return len(keys) > 0 && keys[0].By == model.ByDst
}

// sourcesOfDestinations are the DROP rules b proposes on top rows grouped
// by destination: not the destinations (packets from a destination are a
// local victim's replies, and dropping packets to it cuts the service off
// for everyone, which is rarely what anyone wants), but the sources of the
// rows' flows; and the note that says so. There may be thousands: the
// firewall applies them in one go and merges adjacent ones.
func (m *Model) sourcesOfDestinations(keys []model.GroupKey) ([]action.Target, string, error) {
	flows := m.flowsWhere(filter.AnyOfKeys(keys).Match)
	seen := map[netip.Addr]bool{}
	var rules []action.Target
	for i := range flows {
		if a := flows[i].Orig.Src.In(flows[i].Family); !seen[a] {
			seen[a] = true
			rules = append(rules, action.Host(action.Drop, a))
		}
	}
	what := format.Plural(len(keys), "destination")
	if len(keys) == 1 {
		what = action.PrefixString(keys[0].Prefix())
	}
	if len(rules) == 0 {
		return nil, "", fmt.Errorf("%s has no flow in the table: nothing to block", what)
	}
	slices.SortFunc(rules, action.Compare)
	note := fmt.Sprintf("b on a destination: blocking traffic to %s would cut it off for everyone, which is rarely wanted; "+
		"these are instead the %s of its %s, to block from",
		what, format.Plural(len(rules), "source"), format.Plural(len(flows), "flow"))
	return rules, note, nil
}
