package hostns

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrNoAccess says that a namespace's statistics could not be read: its
// processes are gone or hidden and entering it was refused.
var ErrNoAccess = errors.New("cannot read the namespace's conntrack statistics")

// ReadNet reads the file net/NAME of the namespace ns (such as
// "stat/nf_conntrack" or "nf_conntrack_expect"): from /proc/PID/net of a
// process in it, without entering it; for a namespace with no process,
// from a thread that enters it through its bind mount (setns(2),
// CAP_SYS_ADMIN). The bytes are valid until d's next read.
func (d *Discoverer) ReadNet(ns *Namespace, name string) ([]byte, error) {
	if ns.PID > 0 {
		b, err := d.readFile(d.root() + "/proc/" + strconv.Itoa(ns.PID) + "/net/" + name)
		if err == nil || len(ns.Mounts) == 0 {
			return b, err
		}
	}
	if len(ns.Mounts) == 0 {
		return nil, ErrNoAccess
	}
	enter := d.Enter
	if enter == nil {
		enter = readEntering
	}
	b, err := enter(ns.Path(d.root()), name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoAccess, err)
	}
	return b, nil
}

// ReadStat reads the namespace's stat/nf_conntrack.
func (d *Discoverer) ReadStat(ns *Namespace) (Stat, error) {
	b, err := d.ReadNet(ns, "stat/nf_conntrack")
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(b)
}

// ReadExpectCount counts the namespace's expectations (the lines of
// net/nf_conntrack_expect), which helpers such as ftp and sip create.
func (d *Discoverer) ReadExpectCount(ns *Namespace) (int, error) {
	b, err := d.ReadNet(ns, "nf_conntrack_expect")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n, nil
}
