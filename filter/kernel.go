package filter

import "github.com/cttop/cttop/action"

// KernelSelector reports whether f selects exactly what a KernelSelector
// does, and returns it: an "and" of at most one family, one mark and one
// zone test. Anything else (addresses, ports, "or", "not") the kernel
// cannot flush by, and cttop deletes flow by flow instead. The kernel's
// zone filter matches a zone ID in either direction, as "zone N" does, but
// zone 0 means "any zone" to it, so "zone 0", "orig zone N" and "reply
// zone N" are left to cttop; so are tests of values a flow may lack (a
// mark the source did not give is unknown, not 0, for the filter).
func (f *Filter) KernelSelector() (action.KernelSelector, bool) {
	var sel action.KernelSelector
	if f == nil {
		return sel, true
	}
	for i, in := range f.prog {
		next := int32(i + 1)
		if i == len(f.prog)-1 {
			next = progAccept
		}
		if in.yes != next || in.no != progReject {
			return sel, false
		}
		switch in.op {
		case opFamily:
			if sel.Family != 0 {
				return sel, false
			}
			sel.Family = uint8(in.a)
		case opMark:
			if sel.HasMark {
				return sel, false
			}
			sel.Mark, sel.MarkMask, sel.HasMark = uint32(in.a), uint32(in.b), true
		case opZone:
			if sel.HasZone || in.a == 0 || in.b != zoneAny {
				return sel, false
			}
			sel.Zone, sel.HasZone = uint16(in.a), true
		default:
			return sel, false
		}
	}
	return sel, true
}
