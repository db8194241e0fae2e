package source

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"github.com/cttop/cttop/tuning"
)

// Files ReadTuning reads besides the sysctls.
const (
	meminfoPath   = "/proc/meminfo"
	slabinfoPath  = "/proc/slabinfo"
	osreleasePath = "/proc/sys/kernel/osrelease"
	moduleDir     = "/sys/module/nf_conntrack/"
)

// ReadTuning reads what the tuning advisor needs about the namespace netns
// (an open namespace file descriptor, 0 for cttop's own) and the host: the
// conntrack sysctls with every timeout, the nft ct timeout policies, whether
// the table's size can be set from here, RAM, word size, kernel release, the size of the kernel's
// nf_conn, and how nf_conntrack was built. It only reads.
//
// Values the kernel does not offer stay -1 (sysctls) or zero; /proc/slabinfo
// is readable by root only, and without it ConnBytes is 0.
func ReadTuning(netns int) (tuning.Settings, error) {
	ctl, err := ReadSysctls(netns, true)
	if err != nil {
		return tuning.Settings{}, err
	}
	s := tuning.Settings{
		Known: true,
		Max:   ctl.Max, Buckets: ctl.Buckets, Count: ctl.Count,
		Events: ctl.Events, Acct: ctl.Acct, Timestamp: ctl.Timestamp,
		Timeouts: ctl.Timeouts,
		WordBits: strconv.IntSize,
	}
	// The sysctl files' modes are the namespace's: outside the initial
	// namespace the kernel registers nf_conntrack_max and _buckets 0444.
	err = inNetNS(netns, func() error {
		s.MaxWritable = writable(sysctlDir + "nf_conntrack_max")
		s.BucketsWritable = writable(sysctlDir + "nf_conntrack_buckets")
		s.TCP = tuning.TCPSettings{Known: true,
			SynCookies:    readInt(ipv4Dir + "tcp_syncookies"),
			MaxSynBacklog: readInt(ipv4Dir + "tcp_max_syn_backlog")}
		return nil
	})
	if err != nil {
		return s, err
	}
	s.Policies, err = readTimeoutPolicies(netns)
	s.PoliciesKnown = err == nil
	s.MemTotal = memTotal(meminfoPath)
	if b, err := os.ReadFile(osreleasePath); err == nil {
		s.KernelRelease = strings.TrimSpace(string(b))
	}
	s.ConnBytes = slabObjSize(slabinfoPath, "nf_conntrack")
	_, err = os.Stat(moduleDir + "parameters/hashsize")
	s.HashsizeParam = err == nil
	// Only loadable modules have an initstate; a built-in one has just
	// its parameters.
	_, err = os.Stat(moduleDir + "initstate")
	s.Module = err == nil
	return s, nil
}

// ipv4Dir holds the namespace's IPv4 (and TCP) sysctls.
const ipv4Dir = "/proc/sys/net/ipv4/"

func writable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o200 != 0
}

// memTotal returns MemTotal from a meminfo file, in bytes (0 if unknown).
func memTotal(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && f[1] != "kB" {
			return 0
		}
		return kb << 10
	}
	return 0
}

// slabObjSize returns the object size of the named slab cache from a
// slabinfo file (0 if unknown or unreadable).
func slabObjSize(path, cache string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// name active_objs num_objs objsize objperslab pagesperslab : ...
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && f[0] == cache {
			n, err := strconv.Atoi(f[3])
			if err != nil {
				return 0
			}
			return n
		}
	}
	return 0
}
