package demo

import (
	"math"
	"math/rand/v2"

	"github.com/cttop/cttop/model"
)

// spawn starts the flows of one arrival of class c at time t.
func (d *Source) spawn(c uint8, t, to int64) {
	switch c {
	case demoClassHTTPS:
		d.spawnHTTPS(t, to)
	case demoClassHTTP:
		fam, src := d.client(20)
		s := newSimFlow(t, model.ProtoTCP, fam, src, demoServer(fam, demoWeb4, demoWeb6), d.ephemeral(), 80)
		s.rtt, s.life = d.rtt(), d.life(0.15, 0.8, 5)
		s.ppsO, s.ppsR, s.szO, s.szR = 4, 4, d.size(300, 500), d.size(300, 700)
		d.insert(&s, to)
	case demoClassQUIC:
		fam, src := d.client(35)
		s := newSimFlow(t, model.ProtoUDP, fam, src, demoServer(fam, demoWeb4, demoWeb6), d.ephemeral(), 443)
		s.flags |= sfStream
		s.rtt, s.life = d.rtt(), 3*simSecond+d.life(5, 1, 600)
		s.ppsO, s.ppsR = d.uniform(3, 20), d.uniform(5, 60)
		s.szO, s.szR = d.size(60, 300), d.size(1000, 1350)
		d.insert(&s, to)
	case demoClassDNSIn:
		d.spawnDNSIn(t, to)
	case demoClassSSHScan:
		src := d.scanners[d.r.IntN(len(d.scanners))]
		s := newSimFlow(t, model.ProtoTCP, model.IPv4, src, model.AddrFrom(demoWeb4), d.ephemeral(), 22)
		s.rtt, s.life = d.rtt(), d.life(2, 0.6, 30)
		s.ppsO, s.ppsR, s.szO, s.szR = 6, 6, d.size(80, 200), d.size(80, 400)
		if d.r.IntN(10) < 3 {
			s.flags |= sfRST
		}
		d.insert(&s, to)
	case demoClassSSHSession:
		d.spawnSSHSession(t, to, d.life(1200, 1, 86400))
	case demoClassDNSOut:
		d.spawnDNSOut(t, to)
	case demoClassNTP:
		srv := demoNTP[d.r.IntN(len(demoNTP))]
		s := newSimFlow(t, model.ProtoUDP, model.IPv4, model.AddrFrom(demoWeb4), model.AddrFrom(srv), 123, 123)
		s.flags |= sfOut
		s.rtt, s.szO, s.szR = d.rtt(), 76, 76
		d.insert(&s, to)
	case demoClassHTTPSOut:
		d.spawnHTTPSOut(t, to)
	case demoClassSNAT:
		d.spawnSNAT(t, to)
	case demoClassDNAT:
		d.spawnDNAT(t, to)
	case demoClassPing:
		d.spawnPing(t, to)
	}
}

func (d *Source) spawnHTTPS(t, to int64) {
	fam, src := d.client(30)
	dst := demoServer(fam, demoWeb4, demoWeb6)
	n := 1
	if d.r.IntN(2) == 0 {
		n = 2 + d.r.IntN(5)
	}
	rtt := d.rtt()
	for i := range n {
		s := newSimFlow(min(t+int64(i)*d.r.Int64N(rtt/2+1), to), model.ProtoTCP, fam, src, dst, d.ephemeral(), 443)
		s.rtt, s.life = rtt, d.life(4, 1.4, 900)
		if d.r.IntN(100) < 3 {
			s.flags |= sfRST
		}
		s.ppsO, s.ppsR = d.uniform(1, 8), d.uniform(2, 25)
		s.szO, s.szR = d.size(80, 300), d.size(600, 1400)
		d.insert(&s, to)
	}
}

func (d *Source) spawnDNSIn(t, to int64) {
	// Resolvers: fewer and busier than browsers.
	fam, src := model.IPv4, d.clients4[d.r.IntN(40)]
	if d.r.IntN(4) == 0 {
		fam, src = model.IPv6, d.clients6[d.r.IntN(20)]
	}
	s := newSimFlow(t, model.ProtoUDP, fam, src, demoServer(fam, demoDNS4, demoDNS6), d.ephemeral(), 53)
	s.rtt = simLocalDelay + d.r.Int64N(2_000_000)
	if d.r.IntN(50) == 0 {
		s.flags |= sfNoReply // rate-limited
	}
	s.szO, s.szR = d.size(60, 90), d.size(100, 520)
	d.insert(&s, to)
}

func (d *Source) spawnSSHSession(t, to, life int64) {
	fam, src := model.IPv4, model.AddrFrom(demoAdmin4)
	if d.r.IntN(2) == 0 {
		fam, src = model.IPv6, model.AddrFrom(demoAdmin6)
	}
	s := newSimFlow(t, model.ProtoTCP, fam, src, demoServer(fam, demoWeb4, demoWeb6), d.ephemeral(), 22)
	s.rtt, s.life = d.rtt(), life
	s.ppsO, s.ppsR, s.szO, s.szR = d.uniform(0.5, 3), d.uniform(1, 6), 100, d.size(100, 600)
	d.insert(&s, to)
}

func (d *Source) spawnDNSOut(t, to int64) {
	fam, src, dst := model.IPv4, demoWeb4, demoResolver4
	if d.r.IntN(5) == 0 {
		fam, src, dst = model.IPv6, demoWeb6, demoResolver6
	}
	s := newSimFlow(t, model.ProtoUDP, fam, model.AddrFrom(src), model.AddrFrom(dst), d.ephemeral(), 53)
	s.flags |= sfOut
	s.rtt = int64(1+d.r.IntN(30)) * 1_000_000
	s.szO, s.szR = d.size(60, 80), d.size(80, 300)
	if d.insert(&s, to) && d.r.IntN(30) == 0 {
		// The A and AAAA queries raced for the same tuple on two CPUs.
		d.stats.InsertFailed++
	}
}

func (d *Source) spawnHTTPSOut(t, to int64) {
	fam, src, dst := model.IPv4, demoWeb4, demoUpstream4[d.r.IntN(len(demoUpstream4))]
	if d.r.IntN(4) == 0 {
		fam, src, dst = model.IPv6, demoWeb6, demoUpstream6
	}
	s := newSimFlow(t, model.ProtoTCP, fam, model.AddrFrom(src), model.AddrFrom(dst), d.ephemeral(), 443)
	s.flags |= sfOut
	s.rtt, s.life = d.rtt(), d.life(1, 1, 120)
	s.ppsO, s.ppsR, s.szO, s.szR = d.uniform(2, 10), d.uniform(2, 20), d.size(100, 900), d.size(200, 1400)
	d.insert(&s, to)
}

// spawnSNAT starts a LAN client's connection, masqueraded to 192.0.2.1:
// the reply tuple goes to the public address. Guest clients live in
// conntrack zone 1.
func (d *Source) spawnSNAT(t, to int64) {
	src, zone, mark := demoAddr4(10, 0, 0, byte(20+d.r.IntN(60))), uint16(0), uint32(demoMarkLAN)
	if d.r.IntN(10) < 3 {
		src, zone, mark = demoAddr4(172, 16, 0, byte(10+d.r.IntN(100))), demoZoneGuest, demoMarkGuest
	}
	dport := uint16(443)
	if d.r.IntN(5) == 0 {
		dport = 80
	}
	dst := d.clients4[d.r.IntN(len(d.clients4))]
	s := newSimFlow(t, model.ProtoTCP, model.IPv4, model.AddrFrom(src), dst, d.ephemeral(), dport)
	s.f.SetZone(model.Zone{ID: zone})
	s.f.SetMark(mark)
	s.f.Status |= model.StatusSrcNAT | model.StatusSrcNATDone | model.StatusDstNATDone
	s.f.Reply.Dst = model.AddrFrom(demoGW4)
	if d.r.IntN(20) == 0 {
		s.f.Reply.DstPort = uint16(1024 + d.r.IntN(64512)) // remapped on a clash
	}
	s.flags |= sfOut
	s.rtt, s.life = d.rtt(), d.life(5, 1.3, 1800)
	s.ppsO, s.ppsR, s.szO, s.szR = d.uniform(1, 10), d.uniform(2, 40), d.size(80, 400), d.size(600, 1400)
	d.insert(&s, to)
}

// spawnDNAT starts a connection to the port forward 192.0.2.10:8443 ->
// 10.0.0.80:443: the reply comes from the inside host.
func (d *Source) spawnDNAT(t, to int64) {
	_, src := d.client(0)
	s := newSimFlow(t, model.ProtoTCP, model.IPv4, src, model.AddrFrom(demoWeb4), d.ephemeral(), 8443)
	s.f.Reply = model.Tuple{Src: model.AddrFrom(demoPortFwd), Dst: src, SrcPort: 443, DstPort: s.f.Orig.SrcPort}
	s.f.Status |= model.StatusDstNAT | model.StatusDstNATDone | model.StatusSrcNATDone
	s.f.SetMark(demoMarkPortFwd)
	s.rtt, s.life = d.rtt(), d.life(8, 1.2, 1800)
	s.ppsO, s.ppsR, s.szO, s.szR = d.uniform(1, 6), d.uniform(2, 30), d.size(80, 400), d.size(600, 1400)
	d.insert(&s, to)
}

// spawnPing starts an echo session: ICMP tuples carry the echo id in
// SrcPort and type<<8|code in DstPort, request in the original direction
// and reply in the other.
func (d *Source) spawnPing(t, to int64) {
	fam, src := d.client(30)
	if d.r.IntN(2) == 0 {
		fam, src = model.IPv4, model.AddrFrom(demoMonitor4)
		if d.r.IntN(3) == 0 {
			fam, src = model.IPv6, model.AddrFrom(demoMonitor6)
		}
	}
	id := uint16(d.r.IntN(65536))
	dst := demoServer(fam, demoWeb4, demoWeb6)
	s := simFlow{start: t, stage: stageICMPNew}
	s.f = model.Flow{Proto: model.ProtoICMP, Family: fam, Status: model.StatusConfirmed}
	s.f.Orig = model.Tuple{Src: src, Dst: dst, SrcPort: id, DstPort: 8 << 8}
	s.f.Reply = model.Tuple{Src: dst, Dst: src, SrcPort: id} // echo reply: type 0, code 0
	s.szO, s.szR = 84, 84
	if fam == model.IPv6 {
		s.f.Proto = model.ProtoICMPv6
		s.f.Orig.DstPort, s.f.Reply.DstPort = 128<<8, 129<<8
		s.szO, s.szR = 104, 104
	}
	s.rtt, s.life = d.rtt(), int64(d.r.IntN(20))*simSecond
	s.ppsO, s.ppsR = 1, 1
	d.insert(&s, to)
}

// seedLongLived adds the flows that were there long before the warm-up:
// admin SSH sessions, WireGuard peers, a database replica, an IMAP client
// idling behind the NAT, a few websockets. They are inserted at from.
func (d *Source) seedLongLived(t0, from int64) {
	const hour = 3600 * simSecond
	for range 2 {
		d.spawnSSHSession(t0-2*hour-d.r.Int64N(20*hour), from, 30*24*hour)
	}
	for _, p := range demoWGPeers {
		s := newSimFlow(t0-24*hour-d.r.Int64N(200*hour), model.ProtoUDP, model.IPv4,
			model.AddrFrom(p), model.AddrFrom(demoWeb4), 51820, 51820)
		s.f.SetMark(demoMarkWireGuard)
		s.flags |= sfStream
		s.rtt, s.life = d.rtt(), 30*24*hour
		s.ppsO, s.ppsR, s.szO, s.szR = d.uniform(1, 30), d.uniform(1, 30), d.size(150, 1400), d.size(150, 1400)
		d.insert(&s, from)
	}
	db := newSimFlow(t0-72*hour-d.r.Int64N(hour), model.ProtoTCP, model.IPv4,
		model.AddrFrom(demoWeb4), model.AddrFrom(demoReplica), d.ephemeral(), 5432)
	db.flags |= sfOut
	db.rtt, db.life = d.rtt(), 30*24*hour
	db.ppsO, db.ppsR, db.szO, db.szR = 40, 35, 900, 120
	d.insert(&db, from)

	imap := newSimFlow(t0-5*hour-d.r.Int64N(hour), model.ProtoTCP, model.IPv4,
		model.AddrFrom(demoAddr4(10, 0, 0, 42)), model.AddrFrom(demoAddr4(198, 51, 100, 143)), d.ephemeral(), 993)
	imap.f.SetMark(demoMarkLAN)
	imap.f.Status |= model.StatusSrcNAT | model.StatusSrcNATDone | model.StatusDstNATDone
	imap.f.Reply.Dst = model.AddrFrom(demoGW4)
	imap.flags |= sfOut
	imap.rtt, imap.life = d.rtt(), 30*24*hour
	imap.ppsO, imap.ppsR, imap.szO, imap.szR = 0.05, 0.05, 80, 200
	d.insert(&imap, from)

	for range 4 {
		fam, src := d.client(30)
		start := t0 - 10*60*simSecond - d.r.Int64N(hour)
		s := newSimFlow(start, model.ProtoTCP, fam, src, demoServer(fam, demoWeb4, demoWeb6), d.ephemeral(), 443)
		s.rtt, s.life = d.rtt(), t0-start+60*simSecond+d.r.Int64N(20*60*simSecond)
		s.ppsO, s.ppsR, s.szO, s.szR = 0.2, d.uniform(0.5, 3), 90, d.size(100, 900)
		d.insert(&s, from)
	}
}

// The flood: starting demoFloodFirst after the first Step, for demoFloodLen
// every demoFloodPeriod, SYNs to port 80 from a few addresses, one of them
// dominant. The calm between floods outlasts the longest timeout of the flood's
// leftovers (SYN_SENT, 120 s), so the table recovers completely.
const (
	demoFloodFirst    = 5 * simSecond
	demoFloodLen      = 60 * simSecond
	demoFloodPeriod   = 200 * simSecond
	demoFloodRampUp   = 3 * simSecond
	demoFloodRampDown = 5 * simSecond
)

// floodWave is one attack: its sources with cumulative weights, and its
// peak rate of SYNs per second.
type demoFloodWave struct {
	srcs []model.Addr
	cum  []float64
	peak float64
}

// waveFor returns wave k. Each wave depends on the seed and k only.
func (d *Source) waveFor(k int64) *demoFloodWave {
	if d.waveK == k {
		return &d.wave
	}
	r := rand.New(rand.NewPCG(uint64(d.cfg.Seed), 0xf100d^uint64(k)))
	n := 3 + r.IntN(3)
	w := demoFloodWave{srcs: make([]model.Addr, 0, n), cum: make([]float64, n)}
	for _, o := range r.Perm(126)[:n] {
		w.srcs = append(w.srcs, model.AddrFrom(demoAddr4(203, 0, 113, byte(129+o))))
	}
	weights := make([]float64, n)
	weights[0] = 0.5 + 0.2*r.Float64() // the dominant source
	rest := 0.0
	for i := 1; i < n; i++ {
		weights[i] = 0.2 + r.Float64()
		rest += weights[i]
	}
	sum := 0.0
	for i := range weights {
		if i > 0 {
			weights[i] *= (1 - weights[0]) / rest
		}
		sum += weights[i]
		w.cum[i] = sum
	}
	base := min(max(float64(d.cfg.Max)/6, 100), 8000)
	w.peak = base * (0.85 + 0.3*r.Float64())
	d.wave, d.waveK = w, k
	return &d.wave
}

// floodAt returns the flood's rate of SYNs per second at time t and its
// wave (nil in calm times).
func (d *Source) floodAt(t int64) (float64, *demoFloodWave) {
	rel := t - d.t0 - demoFloodFirst
	if rel < 0 {
		return 0, nil
	}
	k, in := rel/demoFloodPeriod, rel%demoFloodPeriod
	if in >= demoFloodLen {
		return 0, nil
	}
	w := d.waveFor(k)
	ramp := 1.0
	switch {
	case in < demoFloodRampUp:
		ramp = float64(in) / float64(demoFloodRampUp)
	case in > demoFloodLen-demoFloodRampDown:
		ramp = float64(demoFloodLen-in) / float64(demoFloodRampDown)
	}
	wobble := 1 + 0.15*math.Sin(2*math.Pi*float64(in)/float64(7*simSecond))
	return w.peak * ramp * wobble, w
}

// spawnFlood starts one flood SYN to port 80. The server answers most with
// a SYN-ACK that is never ACKed (SYN_RECV); the rest it never answers
// (SYN_SENT, UNREPLIED), as when its SYN backlog overflows.
func (d *Source) spawnFlood(w *demoFloodWave, t, to int64) {
	u := d.r.Float64()
	i := 0
	for i < len(w.cum)-1 && u > w.cum[i] {
		i++
	}
	sport := uint16(1024 + d.r.IntN(65536-1024))
	s := newSimFlow(t, model.ProtoTCP, model.IPv4, w.srcs[i], model.AddrFrom(demoWeb4), sport, 80)
	s.flags |= sfFlood | sfHalfOpen
	if d.r.IntN(5) == 0 {
		s.flags |= sfNoReply
	}
	d.insert(&s, to)
}
