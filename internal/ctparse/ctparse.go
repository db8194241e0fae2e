// Package ctparse parses the words of saved conntrack tables from byte
// slices without allocating: addresses, numbers, state and status names,
// ICMP reply types, and the reason a record is skipped. The replay formats
// (package replay) and cttop's JSON (package ctjson) share it.
package ctparse

import (
	"math"
	"strconv"

	"github.com/cttop/cttop/model"
)

// The parsers do not allocate: a
// million-line dump goes through them a dozen times per line.

// Addr parses an IPv4 (dotted quad) or IPv6 address as netip.ParseAddr
// does, zones excepted, and returns it with its family by syntax: an IPv6
// address is one with a colon, even an IPv4-mapped one.
func Addr(b []byte) (model.Addr, uint8, bool) {
	// An IPv6 address has a colon within its first five bytes.
	for _, c := range b[:min(len(b), 5)] {
		if c == ':' {
			a, ok := ipv6(b)
			return a, model.IPv6, ok
		}
	}
	var a model.Addr
	a[10], a[11] = 0xff, 0xff
	ok := ipv4(b, a[12:16])
	return a, model.IPv4, ok
}

// ipv4 parses a dotted quad into dst (4 bytes). Like netip, it rejects
// leading zeros, which some parsers read as octal.
func ipv4(b []byte, dst []byte) bool {
	fields, val, digits := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || fields == 4 {
				return false
			}
			dst[fields] = byte(val)
			fields++
			val, digits = 0, 0
			continue
		}
		d := b[i] - '0'
		if d > 9 || digits > 0 && val == 0 {
			return false
		}
		val = val*10 + int(d)
		digits++
		if val > 255 {
			return false
		}
	}
	return fields == 4
}

// ipv6 parses an IPv6 address, with "::" and an embedded IPv4 suffix,
// and groups of up to four hex digits with leading zeros (as
// /proc/net/nf_conntrack prints them).
func ipv6(b []byte) (model.Addr, bool) {
	var a model.Addr
	ellipsis := -1
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis = 0
		b = b[2:]
		if len(b) == 0 {
			return a, true
		}
	}
	i := 0
	for i < 16 {
		off, acc := 0, 0
		for off < len(b) {
			v := hexVal(b[off])
			if v > 15 {
				break
			}
			if off > 3 {
				return a, false
			}
			acc = acc<<4 | int(v)
			off++
		}
		if off == 0 {
			return a, false
		}
		if off < len(b) && b[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 {
				return a, false
			}
			if !ipv4(b, a[i:i+4]) {
				return a, false
			}
			i += 4
			b = nil
			break
		}
		a[i], a[i+1] = byte(acc>>8), byte(acc)
		i += 2
		b = b[off:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return a, false
		}
		b = b[1:]
		if b[0] == ':' {
			if ellipsis >= 0 {
				return a, false
			}
			ellipsis = i
			b = b[1:]
			if len(b) == 0 {
				break
			}
		}
	}
	if len(b) != 0 {
		return a, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return a, false
		}
		n := 16 - i
		copy(a[ellipsis+n:], a[ellipsis:i])
		clear(a[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		// "::" must stand for at least one group.
		return a, false
	}
	return a, true
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 16
}

// Uint parses a decimal number no greater than max.
func Uint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, v <= max
}

// Hex16 parses a 16-bit hex number, with or without 0x (GRE keys).
func Hex16(b []byte) (uint16, bool) {
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b {
		d := hexVal(c)
		if d > 15 {
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

// State returns the protocol state called name, as conntrack -L
// prints it. "LISTEN" is what older libnetfilter_conntrack called TCP's
// SYN_SENT2, and "STATEn" is how model names states it does not know.
func State(proto uint8, name []byte) (uint8, bool) {
	if proto == model.ProtoTCP && string(name) == "LISTEN" {
		return model.TCPSynSent2, true
	}
	if len(name) > 5 && string(name[:5]) == "STATE" {
		if v, ok := Uint(name[5:], math.MaxUint8); ok {
			return uint8(v), true
		}
	}
	for s := 0; s < 16; s++ {
		n := model.StateName(proto, uint8(s))
		if n == "" {
			return 0, false
		}
		if n == string(name) {
			return uint8(s), true
		}
	}
	return 0, false
}

// Status returns the status bit called name (model.Status.Names), with
// UNREPLIED as the absence of SEEN_REPLY.
func Status(name []byte) (model.Status, bool) {
	for i := range 16 {
		if statusNames[i] == string(name) {
			return 1 << i, true
		}
	}
	return 0, false
}

// statusNames are the names of the status bits, from model.
var statusNames = func() (names [16]string) {
	for i := range names {
		s := model.Status(1<<i) | model.StatusSeenReply
		for _, n := range s.Names() {
			if n != "SEEN_REPLY" || i == 1 {
				names[i] = n
			}
		}
	}
	return names
}()

// ICMPReplyType returns the ICMP type of the reply to a request of type t,
// as the kernel's invert tables have it (echo, timestamp, information,
// address mask; ICMPv6 echo and node information), or t itself.
func ICMPReplyType(proto, t uint8) uint8 {
	var pairs [][2]uint8
	if proto == model.ProtoICMP {
		pairs = [][2]uint8{{8, 0}, {13, 14}, {15, 16}, {17, 18}}
	} else {
		pairs = [][2]uint8{{128, 129}, {139, 140}}
	}
	for _, p := range pairs {
		switch t {
		case p[0]:
			return p[1]
		case p[1]:
			return p[0]
		}
	}
	return t
}

// Bad is why a record of a saved table was skipped: what is wrong and, if
// any, the offending text. Tok may point into a reused buffer: format it at
// once.
type Bad struct {
	What string
	Tok  []byte
}

// String formats the reason: `bad address "10.0.0"`, the text cut at 96
// bytes.
func (b Bad) String() string {
	if b.Tok == nil {
		return b.What
	}
	if len(b.Tok) > 96 {
		return b.What + " " + strconv.Quote(string(b.Tok[:96])) + "..."
	}
	return b.What + " " + strconv.Quote(string(b.Tok))
}

// Error makes a Bad usable as the error of a json.Unmarshaler.
func (b Bad) Error() string { return b.String() }
