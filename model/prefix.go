package model

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Prefix lengths a grouping by address may use: nothing wider than /8
// (IPv4) or /16 (IPv6), the widest networks the firewall blocks, and
// nothing longer than an address.
const (
	MinBits4, MaxBits4 = 8, 32
	MinBits6, MaxBits6 = 16, 128
)

// Steps by which Grouping.Widen and Grouping.Narrow change a prefix: a
// byte of an IPv4 address, two of an IPv6 one.
const (
	StepBits4 = 8
	StepBits6 = 16
)

// Grouping is what the top view groups flows by: a key and, for source
// and destination addresses, how: the plain addresses (Bits4 and Bits6
// zero, Auto false), their prefixes of Bits4 (IPv4) and Bits6 (IPv6) bits,
// or the hierarchical heavy hitters among all prefixes (Auto; see
// Groups.SetShare).
type Grouping struct {
	By           GroupBy
	Bits4, Bits6 uint8
	Auto         bool
}

// Plain returns the grouping by k alone (plain addresses for BySrc, ByDst).
func Plain(k GroupBy) Grouping { return Grouping{By: k} }

// IsAddr reports whether the grouping is by source or destination address.
func (g Grouping) IsAddr() bool { return g.By == BySrc || g.By == ByDst }

// IsPrefix reports whether the grouping is by prefixes of a fixed length.
func (g Grouping) IsPrefix() bool { return g.IsAddr() && !g.Auto && g.Bits4 != 0 }

// String returns the grouping as ParseGrouping reads it: "src",
// "src/24" (IPv6 at its default length for /24), "src/16,40", "dst/auto".
func (g Grouping) String() string {
	switch {
	case !g.IsAddr():
		return g.By.String()
	case g.Auto:
		return g.By.String() + "/auto"
	case g.Bits4 == 0:
		return g.By.String()
	case g.Bits6 == DefaultBits6(g.Bits4):
		return g.By.String() + "/" + strconv.Itoa(int(g.Bits4))
	}
	return g.By.String() + "/" + strconv.Itoa(int(g.Bits4)) + "," + strconv.Itoa(int(g.Bits6))
}

// Lengths names the prefix lengths for a header: "/24 (IPv6 /64)", or "".
func (g Grouping) Lengths() string {
	if !g.IsPrefix() {
		return ""
	}
	return "/" + strconv.Itoa(int(g.Bits4)) + " (IPv6 /" + strconv.Itoa(int(g.Bits6)) + ")"
}

// DefaultBits6 is the IPv6 prefix length that goes with an IPv4 one when
// only that is given: /8, /16, /24, /32 map to /32, /48, /64, /128 (an
// ISP's allocation, a site, a subnet, a host), lengths between them
// linearly.
func DefaultBits6(bits4 uint8) uint8 {
	b := int(bits4)
	if b <= 24 {
		return uint8(max(MinBits6, 32+2*(b-8)))
	}
	return uint8(min(MaxBits6, 64+8*(b-24)))
}

// ParseGrouping parses a grouping: src, dst, dport, state or proto; for
// src and dst also src/N (IPv4 /N, IPv6 at DefaultBits6(N)), src/N,M
// (IPv6 /M) and src/auto. Lengths run from /8 to /32 (IPv4) and /16 to
// /128 (IPv6).
func ParseGrouping(s string) (Grouping, error) {
	name, arg, hasArg := strings.Cut(s, "/")
	by, err := ParseGroupBy(name)
	if err != nil {
		return Grouping{}, err
	}
	g := Grouping{By: by}
	if !hasArg {
		return g, nil
	}
	if !g.IsAddr() {
		return Grouping{}, fmt.Errorf("group %q: only src and dst take a prefix length (src/24) or auto", s)
	}
	if strings.EqualFold(arg, "auto") {
		g.Auto = true
		return g, nil
	}
	v4, v6, two := strings.Cut(arg, ",")
	b4, err := parseBits(s, v4, MinBits4, MaxBits4, "IPv4")
	if err != nil {
		return Grouping{}, err
	}
	g.Bits4, g.Bits6 = b4, DefaultBits6(b4)
	if two {
		if g.Bits6, err = parseBits(s, v6, MinBits6, MaxBits6, "IPv6"); err != nil {
			return Grouping{}, err
		}
	}
	return g, nil
}

func parseBits(whole, s string, lo, hi int, fam string) (uint8, error) {
	n, err := strconv.Atoi(s)
	if strings.Trim(s, "0123456789") != "" {
		err = strconv.ErrSyntax // Atoi takes a sign: "+24", "-0"
	}
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("group %q: the %s prefix length must be a number from %d to %d, or auto", whole, fam, lo, hi)
	}
	return uint8(n), nil
}

// Widen returns the grouping with prefixes StepBits4 (IPv4) and StepBits6
// (IPv6) bits shorter, never shorter than MinBits4 and MinBits6; plain
// addresses widen to /24 and IPv6's default for it (/64). It reports false
// when g is not an address grouping by prefix or address, or is as wide as
// it gets.
func (g Grouping) Widen() (Grouping, bool) { return g.step(-1) }

// Narrow returns the grouping with prefixes StepBits4 and StepBits6 bits
// longer, at most /32 and /128, keyed in CIDR. It reports false when g is
// not an address grouping by prefix or address, or is as narrow as it
// gets.
func (g Grouping) Narrow() (Grouping, bool) { return g.step(1) }

func (g Grouping) step(dir int) (Grouping, bool) {
	if !g.IsAddr() || g.Auto {
		return g, false
	}
	b4, b6 := int(g.Bits4), int(g.Bits6)
	if b4 == 0 {
		if dir < 0 {
			n := g
			n.Bits4 = MaxBits4 - StepBits4
			n.Bits6 = DefaultBits6(n.Bits4)
			return n, true
		}
		b4, b6 = MaxBits4, MaxBits6
	}
	n := g
	n.Bits4 = uint8(min(max(b4+dir*StepBits4, MinBits4), MaxBits4))
	n.Bits6 = uint8(min(max(b6+dir*StepBits6, MinBits6), MaxBits6))
	if g.Bits4 != 0 && n == g {
		return g, false
	}
	return n, true
}

// bits returns the prefix length of family fam in the 128-bit form of Addr
// (IPv4 addresses are mapped: their prefix /n is /96+n), or 128 for plain
// addresses.
func (g *Grouping) bits(fam uint8) int {
	switch {
	case g.Bits4 == 0:
		return 128
	case fam == IPv6:
		return int(g.Bits6)
	}
	return 96 + int(g.Bits4)
}

// maskAddr clears the bits of a after the first bits (of 128).
func maskAddr(a Addr, bits int) Addr {
	if bits >= 128 {
		return a
	}
	i := bits / 8
	if r := bits % 8; r != 0 {
		a[i] &= ^byte(0xff >> r)
		i++
	}
	for ; i < 16; i++ {
		a[i] = 0
	}
	return a
}

// familyBits converts a prefix length in the 128-bit form to the family's.
func familyBits(fam uint8, bits int) int {
	if fam == IPv6 {
		return bits
	}
	return bits - 96
}

// prefixBits converts a family's prefix length to the 128-bit form
// (familyBits' inverse).
func prefixBits(fam uint8, bits int) int {
	if fam == IPv6 {
		return bits
	}
	return bits + 96
}

// Prefix returns the key's network: its address and Bits, or the single
// address (/32, /128) of a plain address key. It is invalid for keys that
// are not addresses.
func (k GroupKey) Prefix() netip.Prefix {
	if k.By != BySrc && k.By != ByDst {
		return netip.Prefix{}
	}
	ip := k.Addr.In(k.Family)
	if k.Bits == 0 {
		return netip.PrefixFrom(ip, ip.BitLen())
	}
	return netip.PrefixFrom(ip, int(k.Bits))
}

// Contains reports whether the address key k holds address a of family fam.
func (k GroupKey) Contains(fam uint8, a Addr) bool {
	if k.Family != fam {
		return false
	}
	bits := 128
	if k.Bits != 0 {
		bits = int(k.Bits)
		if fam == IPv4 {
			bits += 96
		}
	}
	return maskAddr(a, bits) == k.Addr
}
