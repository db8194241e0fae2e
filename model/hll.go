package model

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// hllBits is the precision of hyperLogLog: 2^12 registers, a standard
// error of about 1.04/sqrt(4096) = 1.6%.
const hllBits = 12

// hyperLogLog estimates how many distinct addresses it was given, in 4 KiB
// whatever their number: the HyperLogLog of Flajolet, Fusy, Gandouet and
// Meunier, "HyperLogLog: the analysis of a near-optimal cardinality
// estimation algorithm" (AofA 2007), with linear counting for small
// numbers, where it is close to exact. Registers merge by maximum, so the
// parts of a window add up. Hand-written: a few lines on the path of every
// new flow, and the standard library has none.
type hyperLogLog struct {
	reg [1 << hllBits]uint8
}

func (h *hyperLogLog) reset() { clear(h.reg[:]) }

// addAddr counts address a.
func (h *hyperLogLog) addAddr(a *Addr) {
	x := mix64(binary.BigEndian.Uint64(a[:8]) ^ mix64(binary.BigEndian.Uint64(a[8:])))
	i := x >> (64 - hllBits)
	rho := uint8(bits.LeadingZeros64(x<<hllBits|1<<(hllBits-1))) + 1
	h.reg[i] = max(h.reg[i], rho)
}

// merge takes the maximum of every register of h and o.
func (h *hyperLogLog) merge(o *hyperLogLog) {
	for i, r := range o.reg {
		h.reg[i] = max(h.reg[i], r)
	}
}

// estimate returns the number of distinct addresses counted.
func (h *hyperLogLog) estimate() float64 {
	const m = 1 << hllBits
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		return m * math.Log(float64(m)/float64(zeros))
	}
	return e
}

// mix64 is splitmix64's finalizer: every input bit moves every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
