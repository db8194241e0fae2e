package demo

import (
	"math"
	"net/netip"

	"github.com/cttop/cttop/model"
)

// The simulated host and its peers, in documentation ranges only:
// 192.0.2.0/24 is the host's network, 198.51.100.0/24 and 203.0.113.0/25
// the Internet's clients and servers, 203.0.113.128/25 the attackers,
// 2001:db8::/32 everything IPv6.
var (
	demoWeb4      = demoAddr4(192, 0, 2, 10) // web and SSH
	demoDNS4      = demoAddr4(192, 0, 2, 53) // authoritative DNS
	demoGW4       = demoAddr4(192, 0, 2, 1)  // the LAN's masquerading address
	demoWeb6      = netip.MustParseAddr("2001:db8::10")
	demoDNS6      = netip.MustParseAddr("2001:db8::53")
	demoResolver4 = demoAddr4(198, 51, 100, 53)
	demoResolver6 = netip.MustParseAddr("2001:db8:ffff::53")
	demoUpstream4 = [...]netip.Addr{demoAddr4(198, 51, 100, 80), demoAddr4(198, 51, 100, 81), demoAddr4(198, 51, 100, 90)}
	demoUpstream6 = netip.MustParseAddr("2001:db8:ffff::443")
	demoNTP       = [...]netip.Addr{demoAddr4(198, 51, 100, 123), demoAddr4(198, 51, 100, 124), demoAddr4(203, 0, 113, 123)}
	demoMonitor4  = demoAddr4(198, 51, 100, 7)
	demoMonitor6  = netip.MustParseAddr("2001:db8:ffff::7")
	demoPortFwd   = demoAddr4(10, 0, 0, 80) // 192.0.2.10:8443 is forwarded to it, port 443
	demoAdmin4    = demoAddr4(198, 51, 100, 22)
	demoAdmin6    = netip.MustParseAddr("2001:db8:a::22")
	demoReplica   = demoAddr4(198, 51, 100, 5)
	demoWGPeers   = [...]netip.Addr{demoAddr4(198, 51, 100, 200), demoAddr4(203, 0, 113, 77)}
)

// Marks and zones the host's ruleset puts on some flows.
const (
	demoMarkLAN       = 0x100
	demoMarkGuest     = 0x200
	demoMarkPortFwd   = 0x2
	demoMarkWireGuard = 0xca6c // wg-quick's fwmark, saved to the ct mark
	demoZoneGuest     = 1
)

func demoAddr4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

// Traffic classes: each arrives as a Poisson process at demoRates (per
// second, for the base mix of about demoBaseFlows flows).
const (
	demoClassHTTPS      uint8 = iota // a browser visit: 1-6 connections to 443
	demoClassHTTP                    // port 80, mostly redirects
	demoClassQUIC                    // HTTP/3 over UDP 443: streams
	demoClassDNSIn                   // queries to the authoritative server
	demoClassSSHScan                 // password guessers on port 22
	demoClassSSHSession              // an admin logs in
	demoClassDNSOut                  // the host's own lookups
	demoClassNTP                     // the host's NTP polls
	demoClassHTTPSOut                // the host calling APIs
	demoClassSNAT                    // LAN and guest clients masqueraded
	demoClassDNAT                    // the port forward
	demoClassPing                    // monitoring and curious pings
	demoNumClasses
	demoClassFlood uint8 = 255
)

var demoRates = [demoNumClasses]float64{
	demoClassHTTPS:      6,
	demoClassHTTP:       3,
	demoClassQUIC:       0.7,
	demoClassDNSIn:      9,
	demoClassSSHScan:    0.25,
	demoClassSSHSession: 0.003,
	demoClassDNSOut:     3.5,
	demoClassNTP:        0.06,
	demoClassHTTPSOut:   1.5,
	demoClassSNAT:       1.2,
	demoClassDNAT:       0.3,
	demoClassPing:       0.15,
}

// The table the base mix settles at, and how many of those flows are the
// long-lived ones seeded at the start.
const (
	demoBaseFlows  = 3170.0
	demoFixedFlows = 6
)

// makePools picks the clients: the Internet's IPv4 addresses outside the
// well-known servers and the attackers' range, and a few hundred IPv6 ones.
func (d *Source) makePools() {
	special := map[netip.Addr]bool{demoResolver4: true, demoMonitor4: true, demoAdmin4: true, demoReplica: true}
	for _, a := range demoUpstream4 {
		special[a] = true
	}
	for _, a := range demoNTP {
		special[a] = true
	}
	for _, a := range demoWGPeers {
		special[a] = true
	}
	for i := 1; i < 255; i++ {
		if a := demoAddr4(198, 51, 100, byte(i)); !special[a] {
			d.clients4 = append(d.clients4, model.AddrFrom(a))
		}
		if a := demoAddr4(203, 0, 113, byte(i)); i < 128 && !special[a] {
			d.clients4 = append(d.clients4, model.AddrFrom(a))
		}
	}
	d.r.Shuffle(len(d.clients4), func(i, j int) { d.clients4[i], d.clients4[j] = d.clients4[j], d.clients4[i] })
	for range 300 {
		var b [16]byte
		b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
		b[4], b[5] = 0xc0|byte(d.r.IntN(64)), byte(d.r.IntN(256))
		for i := 6; i < 16; i++ {
			b[i] = byte(d.r.IntN(256))
		}
		d.clients6 = append(d.clients6, model.Addr(b))
	}
	for range 3 {
		d.scanners = append(d.scanners, d.clients4[d.r.IntN(len(d.clients4))])
	}
}

// client picks a client, IPv6 with probability v6 percent. Some clients are
// much busier than others.
func (d *Source) client(v6 int) (uint8, model.Addr) {
	u := d.r.Float64()
	if d.r.IntN(100) < v6 {
		return model.IPv6, d.clients6[int(u*u*float64(len(d.clients6)))]
	}
	return model.IPv4, d.clients4[int(u*u*float64(len(d.clients4)))]
}

// server returns the host's address of the client's family.
func demoServer(fam uint8, v4, v6 netip.Addr) model.Addr {
	if fam == model.IPv6 {
		return model.AddrFrom(v6)
	}
	return model.AddrFrom(v4)
}

// ephemeral picks a client port: Linux's range or Windows'.
func (d *Source) ephemeral() uint16 {
	if d.r.IntN(2) == 0 {
		return uint16(32768 + d.r.IntN(61000-32768))
	}
	return uint16(49152 + d.r.IntN(65536-49152))
}

func (d *Source) rtt() int64 {
	return int64(min(max(d.lognormal(0.035, 0.8), 0.002), 0.6) * float64(simSecond))
}

// lognormal returns a duration in seconds around median.
func (d *Source) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*d.r.NormFloat64())
}

// life returns a lognormal duration in nanoseconds, capped at most seconds.
func (d *Source) life(median, sigma, most float64) int64 {
	return int64(min(d.lognormal(median, sigma), most) * float64(simSecond))
}

func (d *Source) uniform(lo, hi float64) float32 { return float32(lo + (hi-lo)*d.r.Float64()) }

func (d *Source) size(lo, hi int) uint16 { return uint16(lo + d.r.IntN(hi-lo+1)) }

// newSimFlow starts a flow of proto at time t.
func newSimFlow(t int64, proto, fam uint8, src, dst model.Addr, sport, dport uint16) simFlow {
	s := simFlow{start: t}
	s.f = model.Flow{
		Orig:   model.Tuple{Src: src, Dst: dst, SrcPort: sport, DstPort: dport},
		Proto:  proto,
		Family: fam,
		Status: model.StatusConfirmed,
	}
	s.f.Reply = s.f.Orig.Inverse()
	switch proto {
	case model.ProtoTCP:
		s.setStage(stageSyn)
	case model.ProtoUDP:
		s.setStage(stageUDPNew)
	}
	return s
}
