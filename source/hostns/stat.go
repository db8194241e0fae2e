package hostns

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Counters are the kernel's conntrack counters of one namespace
// (struct ip_conntrack_stat), per CPU or summed over CPUs.
type Counters struct {
	Found        uint64 // lookups that found an entry
	Invalid      uint64 // packets conntrack could not track
	Insert       uint64 // entries inserted (0 on kernels since 5.x)
	InsertFailed uint64 // insertions that lost a race (clash not resolved)
	Drop         uint64 // packets dropped: no room or no memory
	EarlyDrop    uint64 // unassured entries evicted to make room
	ICMPError    uint64 // ICMP errors that matched no entry
	ClashResolve uint64 // insertion races the kernel resolved (clash_resolve)
	ChainTooLong uint64 // insertions refused for a too long hash chain (chaintoolong)
	ExpectNew    uint64 // flows that matched an expectation
	ExpectCreate uint64 // expectations created (helpers)
	ExpectDelete uint64 // expectations deleted
	// SearchRestart counts lookups restarted because the hash resized
	// under them.
	SearchRestart uint64
}

// Stat is one reading of /proc/.../net/stat/nf_conntrack: the namespace's
// number of entries and its counters, per CPU and summed.
type Stat struct {
	// Entries is the namespace's table size (nf_conntrack_count there).
	Entries uint64
	// Total sums PerCPU; a per-CPU counter is 32 bits wide and wraps.
	Total  Counters
	PerCPU []Counters
}

// Active reports whether conntrack has done anything in the namespace:
// an entry or a counted event. A namespace without conntrack rules shows
// all zeros.
func (s *Stat) Active() bool {
	return s.Entries > 0 || s.Total != Counters{}
}

// columns map the file's header names to counters. The header has
// changed over the years ("searched" became "clashres", "delete_list"
// became "chainlength"); unknown columns are ignored.
var columns = map[string]func(*Counters) *uint64{
	"found":          func(c *Counters) *uint64 { return &c.Found },
	"invalid":        func(c *Counters) *uint64 { return &c.Invalid },
	"insert":         func(c *Counters) *uint64 { return &c.Insert },
	"insert_failed":  func(c *Counters) *uint64 { return &c.InsertFailed },
	"drop":           func(c *Counters) *uint64 { return &c.Drop },
	"early_drop":     func(c *Counters) *uint64 { return &c.EarlyDrop },
	"icmp_error":     func(c *Counters) *uint64 { return &c.ICMPError },
	"clashres":       func(c *Counters) *uint64 { return &c.ClashResolve },
	"chainlength":    func(c *Counters) *uint64 { return &c.ChainTooLong },
	"expect_new":     func(c *Counters) *uint64 { return &c.ExpectNew },
	"expect_create":  func(c *Counters) *uint64 { return &c.ExpectCreate },
	"expect_delete":  func(c *Counters) *uint64 { return &c.ExpectDelete },
	"search_restart": func(c *Counters) *uint64 { return &c.SearchRestart },
}

// ErrStatFormat is returned for a stat file cttop cannot read.
var ErrStatFormat = errors.New("unexpected format of stat/nf_conntrack")

// ParseStat parses the content of /proc/PID/net/stat/nf_conntrack: a header
// line of column names, then one line per possible CPU of 8-digit hex
// numbers (ct_cpu_seq_show in nf_conntrack_standalone.c). The entries
// column repeats the namespace's count on every line.
func ParseStat(b []byte) (Stat, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() {
		return Stat{}, fmt.Errorf("%w: empty", ErrStatFormat)
	}
	header := strings.Fields(sc.Text())
	if len(header) == 0 || header[0] != "entries" {
		return Stat{}, fmt.Errorf("%w: header %q", ErrStatFormat, sc.Text())
	}
	var st Stat
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != len(header) {
			return Stat{}, fmt.Errorf("%w: %d columns under %d names", ErrStatFormat, len(fields), len(header))
		}
		var c Counters
		for i, f := range fields {
			v, err := strconv.ParseUint(f, 16, 32)
			if err != nil {
				return Stat{}, fmt.Errorf("%w: %q", ErrStatFormat, f)
			}
			if i == 0 {
				st.Entries = v
				continue
			}
			if field := columns[header[i]]; field != nil {
				*field(&c) = v
			}
		}
		st.PerCPU = append(st.PerCPU, c)
		st.Total.add(&c)
	}
	if len(st.PerCPU) == 0 {
		return Stat{}, fmt.Errorf("%w: no CPU lines", ErrStatFormat)
	}
	return st, sc.Err()
}

func (c *Counters) add(o *Counters) {
	c.Found += o.Found
	c.Invalid += o.Invalid
	c.Insert += o.Insert
	c.InsertFailed += o.InsertFailed
	c.Drop += o.Drop
	c.EarlyDrop += o.EarlyDrop
	c.ICMPError += o.ICMPError
	c.ClashResolve += o.ClashResolve
	c.ChainTooLong += o.ChainTooLong
	c.ExpectNew += o.ExpectNew
	c.ExpectCreate += o.ExpectCreate
	c.ExpectDelete += o.ExpectDelete
	c.SearchRestart += o.SearchRestart
}

// wrapDelta is now-before of a 32-bit kernel counter that may have wrapped
// once in between.
func wrapDelta(now, before uint64) uint64 { return uint64(uint32(now - before)) }

// Since is how much each counter grew from prev to s, per CPU and modulo
// 2^32 as the kernel's counters wrap; ok is false when the two readings
// have different CPUs (a CPU came online), and the growth is unknown.
func (s *Stat) Since(prev *Stat) (d Counters, ok bool) {
	if len(s.PerCPU) != len(prev.PerCPU) {
		return Counters{}, false
	}
	for i := range s.PerCPU {
		a, b := &s.PerCPU[i], &prev.PerCPU[i]
		d.add(&Counters{
			Found: wrapDelta(a.Found, b.Found), Invalid: wrapDelta(a.Invalid, b.Invalid),
			Insert: wrapDelta(a.Insert, b.Insert), InsertFailed: wrapDelta(a.InsertFailed, b.InsertFailed),
			Drop: wrapDelta(a.Drop, b.Drop), EarlyDrop: wrapDelta(a.EarlyDrop, b.EarlyDrop),
			ICMPError: wrapDelta(a.ICMPError, b.ICMPError), ClashResolve: wrapDelta(a.ClashResolve, b.ClashResolve),
			ChainTooLong: wrapDelta(a.ChainTooLong, b.ChainTooLong), ExpectNew: wrapDelta(a.ExpectNew, b.ExpectNew),
			ExpectCreate: wrapDelta(a.ExpectCreate, b.ExpectCreate), ExpectDelete: wrapDelta(a.ExpectDelete, b.ExpectDelete),
			SearchRestart: wrapDelta(a.SearchRestart, b.SearchRestart),
		})
	}
	return d, true
}
