package hostns

import (
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	d := fixture(t)
	lonely := inode(t, "testdata/host/run/netns/lonely")
	for _, tc := range []struct {
		spec, path string
		inode      uint64 // 0: Target.NS is nil
	}{
		{"/proc/1/ns/net", "/proc/1/ns/net", 0},
		{"./x", "./x", 0},
		{"lonely", "testdata/host/run/netns/lonely", 0}, // ip netns name: no discovery
		{"4026532300", "testdata/host/proc/100/ns/net", 4026532300},
		{utoa(lonely), "testdata/host/run/netns/lonely", lonely},
		{"pid:201", "testdata/host/proc/201/ns/net", 4026532400},
		{"web", "testdata/host/proc/100/ns/net", 4026532300},
		{"3f4e5d6c7b8a", "testdata/host/proc/100/ns/net", 4026532300},
		{"3f4e5d", "testdata/host/proc/100/ns/net", 4026532300}, // ID prefix
		{"kube-system/coredns-5d78c9869d-x2x7q", "testdata/host/proc/200/ns/net", 4026532400},
		{"coredns-5d78c9869d-x2x7q", "testdata/host/proc/200/ns/net", 4026532400},
		{"db1", "testdata/host/proc/600/ns/net", 4026532800},
		{"host", "testdata/host/proc/1/ns/net", 4026531840},
		{"dnsmasq[500]", "testdata/host/proc/500/ns/net", 4026532700},
	} {
		got, err := d.Resolve(tc.spec)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tc.spec, err)
			continue
		}
		if got.Path != tc.path {
			t.Errorf("Resolve(%q) path %q, want %q", tc.spec, got.Path, tc.path)
		}
		if (got.NS == nil) != (tc.inode == 0) || got.NS != nil && got.NS.Inode != tc.inode {
			t.Errorf("Resolve(%q) namespace %+v, want inode %d", tc.spec, got.NS, tc.inode)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	d := fixture(t)
	for _, tc := range []struct {
		spec string
		err  error
		says []string
	}{
		{"", ErrUnknown, nil},
		{"nosuch", ErrUnknown, []string{`"nosuch"`, "known: ", "and 3 more"}},
		// Names that contain what was typed come first.
		{"eb", ErrUnknown, []string{`(known: web (netns 4026532300), `}},
		{"4026599999", ErrUnknown, []string{"no namespace has inode 4026599999", "known: "}},
		{"pid:0", ErrUnknown, []string{"want pid:N"}},
		{"pid:x", ErrUnknown, []string{"want pid:N"}},
		{"pid:99999", ErrUnknown, []string{"no process 99999"}},
		// The Podman container and the cgroupfs pod's container have the
		// same ID in the fixture.
		{"fedcba987654", ErrAmbiguous, []string{"(candidates: ", "podman:fedcba987654 (netns 4026532900)", "pod-9a8b7c6d-1111-4222-8333-abcdefabcdef (netns 4026532500)"}},
		{"fedc", ErrAmbiguous, []string{"podman:fedcba987654"}},
	} {
		_, err := d.Resolve(tc.spec)
		if !errors.Is(err, tc.err) {
			t.Errorf("Resolve(%q) = %v, want %v", tc.spec, err, tc.err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("Resolve(%q): error spans lines: %q", tc.spec, msg)
		}
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("Resolve(%q) = %q, want it to say %q", tc.spec, msg, s)
			}
		}
	}
}
