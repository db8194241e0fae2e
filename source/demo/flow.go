package demo

import "github.com/cttop/cttop/model"

// simFlow is one simulated connection: the flow as the kernel would report
// it, plus the script of its life. Times are Unix nanoseconds.
type simFlow struct {
	f     model.Flow // tuples, ID, status, mark, zone, TCP state
	start int64      // first packet
	at    int64      // the current stage began (the timeout's base)
	next  int64      // the next stage change, or the end of the flow
	est   int64      // data started (0: not yet)
	end   int64      // data stops (set at est from life)
	life  int64      // how long data flows
	rtt   int64

	ppsO, ppsR float32 // data packets per second, each direction
	szO, szR   uint16  // bytes per data packet (layer 3)
	stage      uint8
	flags      uint8
}

// simFlow flags.
const (
	sfOut      uint8 = 1 << iota // this host is the client: the answer takes an RTT
	sfNoReply                    // never answered: SYN_SENT or UDP/ICMP UNREPLIED until timeout
	sfHalfOpen                   // SYN answered, never ACKed: SYN_RECV until timeout
	sfRST                        // ends with a reset (CLOSE) instead of FIN
	sfStream                     // UDP stream: assured after two seconds
	sfFlood                      // a flood SYN: bare 40-byte packets
)

// Stages of a simulated flow.
const (
	stageSyn uint8 = iota
	stageSynAck
	stageEst
	stageFin
	stageLastAck
	stageTimeWait
	stageClose
	stageUDPNew
	stageUDPReplied
	stageUDPStream
	stageICMPNew
	stageICMPReplied
)

// Kernel default timeouts in seconds (net.netfilter.nf_conntrack_*_timeout*).
const (
	demoTOSynSent     = 120
	demoTOSynRecv     = 60
	demoTOEstablished = 432000
	demoTOFinWait     = 120
	demoTOLastAck     = 30
	demoTOTimeWait    = 120
	demoTOClose       = 10
	demoTOUDP         = 30
	demoTOUDPStream   = 120
	demoTOICMP        = 30
)

// simStages is what a stage means to the kernel: the TCP state, the timeout
// and whether packets keep flowing (and so keep refreshing the timeout).
var simStages = [...]struct {
	state   uint8
	timeout uint32
	active  bool
}{
	stageSyn:         {model.TCPSynSent, demoTOSynSent, false},
	stageSynAck:      {model.TCPSynRecv, demoTOSynRecv, false},
	stageEst:         {model.TCPEstablished, demoTOEstablished, true},
	stageFin:         {model.TCPFinWait, demoTOFinWait, false},
	stageLastAck:     {model.TCPLastAck, demoTOLastAck, false},
	stageTimeWait:    {model.TCPTimeWait, demoTOTimeWait, false},
	stageClose:       {model.TCPClose, demoTOClose, false},
	stageUDPNew:      {0, demoTOUDP, false},
	stageUDPReplied:  {0, demoTOUDP, true},
	stageUDPStream:   {0, demoTOUDPStream, true},
	stageICMPNew:     {0, demoTOICMP, false},
	stageICMPReplied: {0, demoTOICMP, true},
}

// Delays of the packets this host sends itself.
const (
	simLocalDelay = 150_000 // ns: the server's SYN-ACK or answer
	simAckDelay   = 50_000  // ns: our ACK after a SYN-ACK
)

func (s *simFlow) setStage(st uint8) {
	s.stage = st
	if s.f.Proto == model.ProtoTCP {
		s.f.SetProtoState(simStages[st].state)
	}
}

// firstDelay is the time from the first packet to the first change.
func (s *simFlow) firstDelay() int64 {
	switch {
	case s.flags&sfNoReply != 0:
		return int64(simStages[s.stage].timeout) * simSecond
	case s.stage == stageSyn && s.flags&sfOut == 0:
		return simLocalDelay
	}
	return s.rtt
}

// transition moves s to its next stage at time s.next. It reports false
// when the flow's timeout ran out instead.
func (s *simFlow) transition() bool {
	t := s.next
	s.at = t
	switch s.stage {
	case stageSyn:
		if s.flags&sfNoReply != 0 {
			return false
		}
		s.setStage(stageSynAck)
		s.f.Status |= model.StatusSeenReply
		switch {
		case s.flags&sfHalfOpen != 0:
			s.next = t + demoTOSynRecv*simSecond
		case s.flags&sfOut != 0:
			s.next = t + simAckDelay
		default:
			s.next = t + s.rtt
		}
	case stageSynAck:
		if s.flags&sfHalfOpen != 0 {
			return false
		}
		s.setStage(stageEst)
		s.f.Status |= model.StatusAssured
		s.est, s.end = t, t+s.life
		s.next = s.end
	case stageEst:
		if s.flags&sfRST != 0 {
			s.setStage(stageClose)
			s.next = t + demoTOClose*simSecond
		} else {
			s.setStage(stageFin)
			s.next = t + s.rtt/2 + 1
		}
	case stageFin:
		s.setStage(stageLastAck)
		s.next = t + s.rtt/2 + 1
	case stageLastAck:
		s.setStage(stageTimeWait)
		s.next = t + demoTOTimeWait*simSecond
	case stageUDPNew:
		if s.flags&sfNoReply != 0 {
			return false
		}
		s.setStage(stageUDPReplied)
		s.f.Status |= model.StatusSeenReply
		s.est, s.end = t, t+s.life
		if s.flags&sfStream != 0 {
			s.next = max(s.start+2*simSecond, t+1)
		} else {
			s.next = s.end + demoTOUDP*simSecond
		}
	case stageUDPReplied:
		if s.flags&sfStream == 0 {
			return false
		}
		s.setStage(stageUDPStream)
		s.f.Status |= model.StatusAssured
		s.next = max(s.end, t) + demoTOUDPStream*simSecond
	case stageICMPNew:
		s.setStage(stageICMPReplied)
		s.f.Status |= model.StatusSeenReply
		s.est, s.end = t, t+s.life
		s.next = s.end + demoTOICMP*simSecond
	default: // TIME_WAIT, CLOSE, an ended stream or ping: timed out
		return false
	}
	return true
}

// expires is the kernel's timeout deadline at time t, in Unix seconds:
// from the stage change, or from the last packet while packets flow.
func (s *simFlow) expires(t int64) uint32 {
	last := s.at
	if simStages[s.stage].active && s.est != 0 {
		last = max(s.at, min(t, s.end))
	}
	return uint32(last/simSecond) + simStages[s.stage].timeout
}

// flow is the flow as an event or a dump reports it at time t.
func (s *simFlow) flow(t int64) model.Flow {
	f := s.f
	f.SetExpires(s.expires(t))
	// What a kernel's dump says of every flow: mark, zone, and whether it
	// has a helper, labels, a security context (none here).
	f.Attrs = f.Attrs&^(model.HasCounters|model.HasStart) | model.HasID | model.HasMark | model.HasZone |
		model.HasHelper | model.HasLabels | model.HasSecctx
	if f.Proto == model.ProtoTCP {
		f.Attrs |= model.HasState
	}
	return f
}

// counters are the flow's packets and bytes at time t: the handshake and
// teardown packets its stage implies plus data at a steady rate while it
// flows. They only grow.
func (s *simFlow) counters(t int64) model.Counters {
	var hdr uint64 // IPv6 headers are 20 bytes longer
	if s.f.Family == model.IPv6 {
		hdr = 20
	}
	replied := s.f.Status&model.StatusSeenReply != 0
	var c model.Counters
	if s.f.Proto == model.ProtoTCP {
		syn, synack := 60+hdr, 60+hdr // with MSS, SACK, timestamps, window scale
		if s.flags&sfFlood != 0 {
			syn, synack = 40, 44
		}
		c.OrigPackets, c.OrigBytes = 1, syn
		if replied {
			c.ReplyPackets, c.ReplyBytes = 1, synack
		}
		if s.est != 0 {
			c.OrigPackets, c.OrigBytes = c.OrigPackets+1, c.OrigBytes+52+hdr
		}
		if s.stage >= stageFin && s.stage <= stageClose {
			c.OrigPackets, c.OrigBytes = c.OrigPackets+2, c.OrigBytes+2*(52+hdr)
			c.ReplyPackets, c.ReplyBytes = c.ReplyPackets+1, c.ReplyBytes+52+hdr
		}
	} else {
		c.OrigPackets, c.OrigBytes = 1, uint64(s.szO)
		if replied {
			c.ReplyPackets, c.ReplyBytes = 1, uint64(s.szR)
		}
	}
	if s.est != 0 && t > s.est {
		secs := float64(min(t, s.end)-s.est) / float64(simSecond)
		if secs > 0 {
			// At least a request and its answer, then the steady rate.
			po, pr := 1+uint64(float64(s.ppsO)*secs), 1+uint64(float64(s.ppsR)*secs)
			c.OrigPackets += po
			c.OrigBytes += po * uint64(s.szO)
			c.ReplyPackets += pr
			c.ReplyBytes += pr * uint64(s.szR)
		}
	}
	return c
}
