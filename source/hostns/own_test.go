package hostns

import "testing"

func TestOwn(t *testing.T) {
	d := fixture(t)
	ns, initial, err := d.ownAs("1")
	if err != nil || !initial || ns != nil {
		t.Errorf("PID 1's namespace: %v, initial %v, %v", ns, initial, err)
	}
	ns, initial, err = d.ownAs("500")
	if err != nil || initial || ns == nil || ns.Inode != 4026532700 || ns.Label() != "dnsmasq[500] (4026532700)" {
		t.Errorf("a process's own namespace: %+v, initial %v, %v", ns, initial, err)
	}
	if _, _, err := d.ownAs("99999"); err == nil {
		t.Error("no such process: no error")
	}
	if got := (&Namespace{Inode: 7}).Label(); got != "netns 7" {
		t.Errorf("Label of a nameless namespace = %q", got)
	}
}
