package model

import "testing"

func TestKernelSelector(t *testing.T) {
	for _, c := range []struct {
		expr string
		ok   bool
		want KernelSelector
	}{
		{"mark 42", true, KernelSelector{Mark: 42, MarkMask: 0xffffffff, HasMark: true}},
		{"mark 0x10/0xf0 and zone 3", true, KernelSelector{Mark: 0x10, MarkMask: 0xf0, HasMark: true, Zone: 3, HasZone: true}},
		{"ip6 and zone 7", true, KernelSelector{Family: IPv6, Zone: 7, HasZone: true}},
		{"zone 3 or mark 1", false, KernelSelector{}},
		{"not zone 3", false, KernelSelector{}},
		{"zone 3 and port 80", false, KernelSelector{}},
		{"zone 3 and zone 4", false, KernelSelector{}},
		{"src host 10.0.0.1", false, KernelSelector{}},
	} {
		f, err := ParseFilter(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got, ok := f.KernelSelector()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%s: %+v %v, want %+v %v", c.expr, got, ok, c.want, c.ok)
		}
	}
}
