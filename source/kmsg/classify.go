package kmsg

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is what a kernel log line says about the table.
type Kind uint8

// Kinds of lines, in the order the header lists their counts.
const (
	KindNone Kind = iota
	// KindTableFull: "nf_conntrack: table full[ in netns N], dropping
	// packet": a new flow was refused for lack of room.
	KindTableFull
	// KindSYNFlood: "Possible SYN flooding on port N": a listener's SYN
	// queue overflowed.
	KindSYNFlood
	// KindExpectFull: "nf_conntrack: expectation table full": a helper
	// (ftp, sip...) could not expect a related flow.
	KindExpectFull
	// KindHash: the conntrack hash table's size ("nf_conntrack version
	// ... (N buckets, M max)") or a vmalloc fallback allocating it.
	KindHash
	// KindInvalid: a packet conntrack found invalid, logged because
	// nf_conntrack_log_invalid is set ("nf_ct_proto_6: invalid tcp flag
	// combination ...").
	KindInvalid
	// KindSuppressed: "net_ratelimit: N callbacks suppressed" next to a
	// line above, not followed by one (then the count goes with it).
	KindSuppressed
	numKinds
)

// Kinds lists the kinds of lines that matter, for counting.
func Kinds() []Kind {
	return []Kind{KindTableFull, KindSYNFlood, KindExpectFull, KindHash, KindInvalid, KindSuppressed}
}

func (k Kind) String() string {
	switch k {
	case KindTableFull:
		return "table full"
	case KindSYNFlood:
		return "SYN flood"
	case KindExpectFull:
		return "expectation table full"
	case KindHash:
		return "hash"
	case KindInvalid:
		return "invalid"
	case KindSuppressed:
		return "suppressed"
	}
	return "none"
}

// Line is a kernel log record that matters, classified.
type Line struct {
	Record
	Kind Kind
	// NetNS is the inode of the namespace the line names ("table full in
	// netns N"); 0 when it names none (the initial namespace, or a
	// kernel that does not say).
	NetNS uint64
	// Port is the listening port of a SYN flood.
	Port int
	// Buckets and Max are the hash size and nf_conntrack_max a version
	// line reports (0: not said).
	Buckets, Max uint64
	// Proto is the IP protocol number of a logged invalid packet.
	Proto int
	// Suppressed is how many messages net_ratelimit suppressed just
	// before this one (the "N callbacks suppressed" record right before
	// it), most of them like it during a storm.
	Suppressed uint64
	// Time is when the kernel logged it, by the wall clock (estimated
	// from the boot time; zero where no reader set it).
	Time time.Time
	// Buffered is set for a line that was in the kernel's buffer before
	// cttop started reading.
	Buffered bool
}

var (
	reTableFull = regexp.MustCompile(`nf_conntrack: (?:nf_conntrack: )?table full(?: in netns (\d+))?, dropping packet`)
	reSuppress  = regexp.MustCompile(`^net_ratelimit: (\d+) callbacks suppressed`)
	reSYNFlood  = regexp.MustCompile(`(?i)possible SYN flooding on port (\S+?)\.(?:\s|$)`)
	reExpect    = regexp.MustCompile(`nf_conntrack: expectation table full`)
	reVersion   = regexp.MustCompile(`^nf_conntrack version \S+ \((\d+) buckets, (\d+) max\)`)
	reVmalloc   = regexp.MustCompile(`(?i)(?:nf_conntrack|conntrack).*falling back to vmalloc|vmalloc.*(?:nf_conntrack|conntrack)`)
	reResize    = regexp.MustCompile(`(?i)nf_conntrack.*(?:hash ?size|hashtable|buckets).*(?:resiz|chang|set to)`)
	reInvalid   = regexp.MustCompile(`^nf_ct_(?:proto_(\d+)|([a-z0-9]+)): `)
)

// invalidProtos map the names of nf_ct_l4proto_log_invalid's prefix to
// protocol numbers.
var invalidProtos = map[string]int{"icmp": 1, "tcp": 6, "udp": 17, "dccp": 33, "gre": 47, "icmpv6": 58, "sctp": 132, "udplite": 136}

// classify says what one record is, without context.
func classify(r Record) Line {
	l := Line{Record: r}
	t := r.Text
	switch {
	case !strings.Contains(t, "nf_c") && !strings.Contains(t, "SYN") && !strings.Contains(t, "net_ratelimit") && !strings.Contains(t, "onntrack"):
		// The fast path: most lines mention none of these.
	case reTableFull.MatchString(t):
		l.Kind = KindTableFull
		if m := reTableFull.FindStringSubmatch(t); m[1] != "" {
			l.NetNS, _ = strconv.ParseUint(m[1], 10, 64)
		}
	case reSuppress.MatchString(t):
		l.Kind = KindSuppressed
		l.Suppressed, _ = strconv.ParseUint(reSuppress.FindStringSubmatch(t)[1], 10, 64)
	case reSYNFlood.MatchString(t):
		l.Kind = KindSYNFlood
		tok := reSYNFlood.FindStringSubmatch(t)[1]
		if i := strings.LastIndexByte(tok, ':'); i >= 0 {
			tok = tok[i+1:]
		}
		l.Port, _ = strconv.Atoi(tok)
	case reExpect.MatchString(t):
		l.Kind = KindExpectFull
	case reVersion.MatchString(t):
		l.Kind = KindHash
		m := reVersion.FindStringSubmatch(t)
		l.Buckets, _ = strconv.ParseUint(m[1], 10, 64)
		l.Max, _ = strconv.ParseUint(m[2], 10, 64)
	case reVmalloc.MatchString(t) || reResize.MatchString(t):
		l.Kind = KindHash
	case reInvalid.MatchString(t):
		l.Kind = KindInvalid
		m := reInvalid.FindStringSubmatch(t)
		if m[1] != "" {
			l.Proto, _ = strconv.Atoi(m[1])
		} else {
			l.Proto = invalidProtos[m[2]]
		}
	}
	return l
}

// Classifier turns records into lines in order, pairing each
// net_ratelimit suppression count with the line next to it: the kernel
// prints "net_ratelimit: N callbacks suppressed" right before the next
// message it lets through, so N goes to that line when it is one that
// matters; a count after a line that matters and before one that does
// not is kept as a line of its own; other counts belong to other
// subsystems and are dropped.
type Classifier struct {
	pending *Line // a suppression count waiting for the next record
	prev    Line  // the previous record, classified
}

// Add classifies r and returns the lines it completes (zero, one or
// two): a line that matters is returned at once, never held back.
func (c *Classifier) Add(r Record) []Line {
	l := classify(r)
	var out []Line
	if p := c.pending; p != nil {
		c.pending = nil
		switch {
		case l.Kind != KindNone && l.Kind != KindSuppressed && r.Seq == p.Seq+1:
			l.Suppressed = p.Suppressed
		case c.prev.Kind != KindNone && c.prev.Seq+1 == p.Seq:
			out = append(out, *p)
		}
	}
	switch l.Kind {
	case KindNone:
	case KindSuppressed:
		c.pending = &l
		return out // prev stays the record before the count
	default:
		out = append(out, l)
	}
	c.prev = l
	return out
}
