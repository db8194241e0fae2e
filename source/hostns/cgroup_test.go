package hostns

import (
	"strings"
	"testing"
)

func TestParseCgroup(t *testing.T) {
	id := strings.Repeat("0123456789abcdef", 4)
	uid := "1b2c3d4e-0000-4111-8222-123456789abc"
	uidU := strings.ReplaceAll(uid, "-", "_")
	for _, tc := range []struct {
		name, in string
		want     Container
		ok       bool
	}{
		{"docker systemd", "0::/system.slice/docker-" + id + ".scope\n", Container{Runtime: "docker", ID: id}, true},
		{"docker cgroupfs v1", "12:pids:/docker/" + id + "\n11:cpu:/docker/" + id + "\n", Container{Runtime: "docker", ID: id}, true},
		{"docker in docker (moby)", "0::/moby/" + id + "\n", Container{Runtime: "docker", ID: id}, true},
		{"containerd systemd pod", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + id + ".scope\n",
			Container{Runtime: "containerd", ID: id, PodUID: uid}, true},
		{"guaranteed pod", "0::/kubepods.slice/kubepods-pod" + uidU + ".slice/cri-containerd-" + id + ".scope\n",
			Container{Runtime: "containerd", ID: id, PodUID: uid}, true},
		{"cgroupfs pod v1", "4:memory:/kubepods/burstable/pod" + uid + "/" + id + "\n", Container{ID: id, PodUID: uid}, true},
		{"pod slice only", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice\n", Container{PodUID: uid}, true},
		{"cri-o", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/crio-" + id + ".scope\n",
			Container{Runtime: "cri-o", ID: id, PodUID: uid}, true},
		{"cri-o conmon is not the container", "0::/machine.slice/crio-conmon-" + id + ".scope\n", Container{}, false},
		{"podman", "0::/machine.slice/libpod-" + id + ".scope/container\n", Container{Runtime: "podman", ID: id}, true},
		{"nerdctl", "0::/system.slice/nerdctl-" + id + ".scope\n", Container{Runtime: "containerd", ID: id}, true},
		{"containerd namespace", "0::/k8s.io/" + id + "\n", Container{Runtime: "containerd", ID: id}, true},
		{"lxc payload", "0::/lxc.payload.db1/system.slice/mysql.service\n", Container{Runtime: "lxc", ID: "db1", Name: "db1"}, true},
		{"lxc v1", "3:cpu:/lxc/db2\n", Container{Runtime: "lxc", ID: "db2", Name: "db2"}, true},
		{"v2 wins over v1", "5:pids:/docker/" + id + "\n0::/system.slice/crio-" + id + ".scope\n", Container{Runtime: "cri-o", ID: id}, true},
		{"host service", "0::/system.slice/sshd.service\n", Container{}, false},
		{"root", "0::/\n", Container{}, false},
		{"short id is not a container", "0::/system.slice/docker-abc.scope\n", Container{}, false},
		{"bare hex at top", "0::/" + id + "\n", Container{}, false},
		{"garbage", "not a cgroup file", Container{}, false},
		{"empty", "", Container{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseCgroup(tc.in)
			if ok != tc.ok || got != tc.want {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestIsGeneratedName(t *testing.T) {
	for in, want := range map[string]bool{
		"cni-2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1b":   true,
		"netns-2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1b": true,
		"2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1b":       true,
		"web1":                                       false,
		"cni-web":                                    false,
		"cni-2f3e4d5c-6b7a-4899-8a7b-6c5d4e3f2a1z":   false,
	} {
		if got := isGeneratedName(in); got != want {
			t.Errorf("isGeneratedName(%q) = %v", in, got)
		}
	}
}
