package kmsg

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

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
func classify(r Record) model.LogLine {
	l := model.LogLine{Seq: r.Seq, Since: r.Since, Level: r.Level, Text: r.Text}
	t := r.Text
	switch {
	case !strings.Contains(t, "nf_c") && !strings.Contains(t, "SYN") && !strings.Contains(t, "net_ratelimit") && !strings.Contains(t, "onntrack"):
		// The fast path: most lines mention none of these.
	case reTableFull.MatchString(t):
		l.Kind = model.LogTableFull
		if m := reTableFull.FindStringSubmatch(t); m[1] != "" {
			l.NetNS, _ = strconv.ParseUint(m[1], 10, 64)
		}
	case reSuppress.MatchString(t):
		l.Kind = model.LogSuppressed
		l.Suppressed, _ = strconv.ParseUint(reSuppress.FindStringSubmatch(t)[1], 10, 64)
	case reSYNFlood.MatchString(t):
		l.Kind = model.LogSYNFlood
		tok := reSYNFlood.FindStringSubmatch(t)[1]
		if i := strings.LastIndexByte(tok, ':'); i >= 0 {
			tok = tok[i+1:]
		}
		l.Port, _ = strconv.Atoi(tok)
	case reExpect.MatchString(t):
		l.Kind = model.LogExpectFull
	case reVersion.MatchString(t):
		l.Kind = model.LogHash
		m := reVersion.FindStringSubmatch(t)
		l.Buckets, _ = strconv.ParseUint(m[1], 10, 64)
		l.Max, _ = strconv.ParseUint(m[2], 10, 64)
	case reVmalloc.MatchString(t) || reResize.MatchString(t):
		l.Kind = model.LogHash
	case reInvalid.MatchString(t):
		l.Kind = model.LogInvalid
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
	pending *model.LogLine // a suppression count waiting for the next record
	prev    model.LogLine  // the previous record, classified
}

// Add classifies r and returns the lines it completes (zero, one or
// two): a line that matters is returned at once, never held back.
func (c *Classifier) Add(r Record) []model.LogLine {
	l := classify(r)
	var out []model.LogLine
	if p := c.pending; p != nil {
		c.pending = nil
		switch {
		case l.Kind != model.LogNone && l.Kind != model.LogSuppressed && r.Seq == p.Seq+1:
			l.Suppressed = p.Suppressed
		case c.prev.Kind != model.LogNone && c.prev.Seq+1 == p.Seq:
			out = append(out, *p)
		}
	}
	switch l.Kind {
	case model.LogNone:
	case model.LogSuppressed:
		c.pending = &l
		return out // prev stays the record before the count
	default:
		out = append(out, l)
	}
	c.prev = l
	return out
}
