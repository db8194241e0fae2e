package replay

import (
	"github.com/cttop/cttop/model"
)

// Bits of the fields seen in a tuple.
const (
	hSrc = 1 << iota
	hDst
	hSport
	hDport
	hType
	hCode
	hICMPID
)

// checkTuples verifies that both tuples have what the protocol needs:
// addresses, ports, and ICMP type and code when the format has them.
func checkTuples(proto uint8, have [2]uint8, icmpFields bool) (badRecord, bool) {
	need := uint8(hSrc | hDst)
	switch {
	case model.HasPorts(proto):
		need |= hSport | hDport
	case model.IsICMP(proto) && icmpFields:
		need |= hType | hCode
	}
	for n, h := range have {
		if miss := need &^ h; miss != 0 {
			dir := "original"
			if n == 1 {
				dir = "reply"
			}
			return badRecord{What: "incomplete " + dir + " tuple: no " + fieldName(miss)}, false
		}
	}
	return badRecord{}, true
}

func fieldName(miss uint8) string {
	switch {
	case miss&hSrc != 0:
		return "src"
	case miss&hDst != 0:
		return "dst"
	case miss&hSport != 0:
		return "sport"
	case miss&hDport != 0:
		return "dport"
	case miss&hType != 0:
		return "type"
	}
	return "code"
}

// protoNamed reports whether name may stand for protocol proto: its name as
// model has it, "unknown" (what conntrack and the kernel print for protocols
// they have no name for), or a name model does not know.
func protoNamed(name []byte, proto uint8) bool {
	switch {
	case proto == model.ProtoTCP && string(name) == "tcp",
		proto == model.ProtoUDP && string(name) == "udp",
		proto == model.ProtoICMP && string(name) == "icmp",
		string(name) == "unknown",
		string(name) == model.ProtoName(proto):
		return true
	}
	n, known := model.ProtoByName(string(name))
	return !known || n == proto
}
