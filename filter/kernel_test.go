package filter

import (
	"testing"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

func TestKernelSelector(t *testing.T) {
	for _, c := range []struct {
		expr string
		ok   bool
		want action.KernelSelector
	}{
		{"mark 42", true, action.KernelSelector{Mark: 42, MarkMask: 0xffffffff, HasMark: true}},
		{"mark 0x10/0xf0 and zone 3", true, action.KernelSelector{Mark: 0x10, MarkMask: 0xf0, HasMark: true, Zone: 3, HasZone: true}},
		{"ip6 and zone 7", true, action.KernelSelector{Family: model.IPv6, Zone: 7, HasZone: true}},
		{"zone 3 or mark 1", false, action.KernelSelector{}},
		{"not zone 3", false, action.KernelSelector{}},
		{"zone 3 and port 80", false, action.KernelSelector{}},
		{"zone 3 and zone 4", false, action.KernelSelector{}},
		{"src host 10.0.0.1", false, action.KernelSelector{}},
		// The kernel's flush takes zone 0 for "any zone": cttop deletes
		// those itself, and so the flows of a zone in one direction.
		{"zone 0", false, action.KernelSelector{}},
		{"mark 1 and zone 0", false, action.KernelSelector{}},
		{"orig zone 3", false, action.KernelSelector{}},
		{"reply zone 3", false, action.KernelSelector{}},
		{"helper ftp", false, action.KernelSelector{}},
	} {
		f, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got, ok := f.KernelSelector()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%s: %+v %v, want %+v %v", c.expr, got, ok, c.want, c.ok)
		}
	}
}
