package model

import "time"

// LogKind is what a kernel log line says about the conntrack table.
type LogKind uint8

// Kinds of kernel log lines, in the order the header lists their counts.
const (
	LogNone LogKind = iota
	// LogTableFull: "nf_conntrack: table full[ in netns N], dropping
	// packet": a new flow was refused for lack of room.
	LogTableFull
	// LogSYNFlood: "Possible SYN flooding on port N": a listener's SYN
	// queue overflowed.
	LogSYNFlood
	// LogExpectFull: "nf_conntrack: expectation table full": a helper
	// (ftp, sip...) could not expect a related flow.
	LogExpectFull
	// LogHash: the conntrack hash table's size ("nf_conntrack version ...
	// (N buckets, M max)") or a vmalloc fallback allocating it.
	LogHash
	// LogInvalid: a packet conntrack found invalid, logged because
	// nf_conntrack_log_invalid is set.
	LogInvalid
	// LogSuppressed: "net_ratelimit: N callbacks suppressed" next to a
	// line above but not followed by one (then the count goes with it).
	LogSuppressed
	NumLogKinds
)

// LogKinds lists the kinds that matter, in display order.
func LogKinds() []LogKind {
	return []LogKind{LogTableFull, LogSYNFlood, LogExpectFull, LogHash, LogInvalid, LogSuppressed}
}

// String is the kind's name on screen and in metrics.
func (k LogKind) String() string {
	switch k {
	case LogTableFull:
		return "table full"
	case LogSYNFlood:
		return "SYN flood"
	case LogExpectFull:
		return "expectation table full"
	case LogHash:
		return "hash"
	case LogInvalid:
		return "invalid"
	case LogSuppressed:
		return "suppressed"
	}
	return "none"
}

// LogLine is a kernel log line that matters, classified.
type LogLine struct {
	Kind LogKind
	// Seq is the kernel's sequence number of the record; Since the time
	// since boot the kernel stamped on it; Time the same by the wall
	// clock (zero when unknown).
	Seq   uint64
	Since time.Duration
	Time  time.Time
	// Level is the syslog severity (0 emerg ... 7 debug).
	Level int
	// Text is the message as the kernel wrote it (it escapes unprintable
	// bytes as \xNN; render it with care anyway).
	Text string
	// NetNS is the inode of the namespace the line names ("table full in
	// netns N"); 0 when it names none (the initial namespace, or a kernel
	// that does not say).
	NetNS uint64
	// Port is the listening port of a SYN flood.
	Port int
	// Buckets and Max are the hash size and nf_conntrack_max a version
	// line reports (0: not said).
	Buckets, Max uint64
	// Proto is the IP protocol number of a logged invalid packet.
	Proto int
	// Suppressed is how many messages net_ratelimit suppressed just
	// before this one, most of them like it during a storm.
	Suppressed uint64
	// Buffered is set for a line that was in the kernel's buffer before
	// cttop started reading.
	Buffered bool
}

// LogCount is how many lines of one kind were read.
type LogCount struct {
	Lines uint64
	// Suppressed sums the suppression counts that came with the lines.
	Suppressed uint64
	// Last is the latest line of the kind.
	Last LogLine
}

// DefaultLogKeep is how many lines a KernelLog keeps by default.
const DefaultLogKeep = 1000

// KernelLog keeps the latest kernel log lines that matter, in bounded
// memory, and counts every line by kind. Like the rest of model it is not
// safe for concurrent use: one goroutine adds and reads.
type KernelLog struct {
	keep   int
	lines  []LogLine // a ring of the latest keep lines
	next   int       // where the next line goes once the ring is full
	counts [NumLogKinds]LogCount
	latest LogLine
	total  uint64
}

// NewKernelLog keeps the latest keep lines (DefaultLogKeep if keep <= 0).
func NewKernelLog(keep int) *KernelLog {
	if keep <= 0 {
		keep = DefaultLogKeep
	}
	return &KernelLog{keep: keep}
}

// Add records l.
func (g *KernelLog) Add(l LogLine) {
	if len(g.lines) < g.keep {
		g.lines = append(g.lines, l)
	} else {
		g.lines[g.next] = l
		g.next = (g.next + 1) % g.keep
	}
	if l.Kind < NumLogKinds {
		c := &g.counts[l.Kind]
		c.Lines++
		c.Suppressed += l.Suppressed
		c.Last = l
	}
	g.latest = l
	g.total++
}

// Count returns the count of kind k.
func (g *KernelLog) Count(k LogKind) LogCount {
	if k >= NumLogKinds {
		return LogCount{}
	}
	return g.counts[k]
}

// Latest returns the latest line and whether there is one.
func (g *KernelLog) Latest() (LogLine, bool) { return g.latest, g.total > 0 }

// Total counts every line added.
func (g *KernelLog) Total() uint64 { return g.total }

// Len is the number of lines kept.
func (g *KernelLog) Len() int { return len(g.lines) }

// At returns the i-th kept line, oldest first.
func (g *KernelLog) At(i int) LogLine {
	if len(g.lines) < g.keep {
		return g.lines[i]
	}
	return g.lines[(g.next+i)%g.keep]
}
