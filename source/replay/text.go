package replay

import (
	"bufio"
	"bytes"
	"io"
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// The line formats: conntrack -L (libnetfilter_conntrack's default output),
// /proc/net/nf_conntrack and the legacy /proc/net/ip_conntrack share one
// grammar:
//
//	[ipv4 2 | ipv6 10] PROTO NUM [TIMEOUT] [STATE] [per-protocol fields]
//	src= dst= PORTS [zone-orig=] [packets= bytes=] [UNREPLIED]
//	src= dst= PORTS [zone-reply=] [packets= bytes=] [ASSURED|OFFLOAD|HW_OFFLOAD]
//	[mark=] [secctx=] [secmark=] [zone=] [delta-time=] [[start=...]] [use=] [id=]
//
// where PORTS is sport= dport=, type= code= id= (ICMP) or srckey= dstkey=
// (GRE). The family columns are in /proc/net/nf_conntrack and
// conntrack -o extended. The timeout is missing for offloaded flows in /proc;
// GRE lines in /proc carry "timeout=N, stream_timeout=N" before the tuple.

// Line kinds returned by textParser.parse.
const (
	textIgnore = iota // blank, comment or conntrack's summary line
	textRecord
	textBad
)

// textParser parses one line at a time into a flow. It is reused for every
// line of a file and keeps no reference to the line.
type textParser struct {
	f     model.Flow
	c     model.Counters
	x     recordExtras
	names names // helpers, contexts and labels read so far

	// header is set once a line got past the family and protocol
	// columns: it looks like a conntrack line, bad or not.
	header     bool
	familyCols bool
	zeroZone   bool // zone=0: only /proc prints it, on every line in zone 0
	secmark    bool // secmark=: printed on every legacy ip_conntrack line
	generic    bool // the protocol is printed "unknown": no ports

	n    int      // current tuple: -1 none yet, 0 original, 1 reply
	have [2]uint8 // fields seen in each tuple (hSrc...)
}

// nextToken returns the token at or after i, the position of its first
// '=' (-1 if none), and the position after it. A token is a run of bytes
// above space, or a bracketed group that may hold blanks ("[start=Sun Nov
// 22 00:29:25 2026]").
func nextToken(line []byte, i int) (tok []byte, eq, next int) {
	for i < len(line) && line[i] <= ' ' {
		i++
	}
	if i == len(line) {
		return nil, -1, i
	}
	start := i
	if line[i] == '[' {
		if j := bytes.IndexByte(line[i:], ']'); j > 0 {
			return line[i : i+j+1], -1, i + j + 1
		}
	}
	eq = -1
	for ; i < len(line) && line[i] > ' '; i++ {
		if line[i] == '=' && eq < 0 {
			eq = i - start
		}
	}
	return line[start:i], eq, i
}

func isLowerWord(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isUpperWord(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isEventStamp reports whether tok is the timestamp conntrack -E -o
// timestamp puts before events: "[1700000000.123456]".
func isEventStamp(tok []byte) bool {
	if len(tok) < 3 || tok[0] != '[' || tok[len(tok)-1] != ']' {
		return false
	}
	for _, c := range tok[1 : len(tok)-1] {
		if !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}

// parse parses one line. For textRecord the flow, counters and extras are
// in p; for textBad the reason says why.
func (p *textParser) parse(line []byte) (int, badRecord) {
	// A dump line has a timeout unless the flow is offloaded.
	p.f, p.c, p.x = model.Flow{}, model.Counters{}, recordExtras{names: &p.names, offloadIfNoTimeout: true}
	p.header, p.familyCols, p.zeroZone, p.secmark = false, false, false, false
	// conntrack -L and /proc print every zone but the default one.
	p.f.SetZone(model.Zone{})
	tok, i, kind, why := p.lead(line)
	if kind != textRecord {
		return kind, why
	}
	tok, i, why = p.columns(line, tok, i)
	if why.What != "" {
		return textBad, why
	}
	return p.fields(line, i-len(tok))
}

// lead reads the start of a line up to the first column of an entry: it
// skips comments, blank lines and an event's timestamp, and tells the
// messages of conntrack and the events of conntrack -E from entries. It
// returns the first token of the entry and the offset after it, or the
// kind of line it is (not textRecord) and why.
func (p *textParser) lead(line []byte) ([]byte, int, int, badRecord) {
	tok, _, i := nextToken(line, 0)
	if tok == nil || tok[0] == '#' {
		return nil, 0, textIgnore, badRecord{}
	}
	if isEventStamp(tok) {
		tok, _, i = nextToken(line, i)
		if tok == nil {
			return nil, 0, textBad, bad("no flow after timestamp", nil)
		}
	}
	switch string(tok) {
	case "[NEW]", "[UPDATE]", "[DESTROY]":
		p.header = true
		return nil, 0, textBad, bad("event, not a table entry:", tok)
	case "conntrack":
		// "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been
		// shown." goes to stderr, but gets pasted.
		if bytes.Contains(line, []byte("flow entries have been shown")) {
			return nil, 0, textIgnore, badRecord{}
		}
		if bytes.Contains(line, []byte("(conntrack-tools)")) {
			p.header = true
			return nil, 0, textBad, bad("conntrack message:", bytes.TrimSpace(line))
		}
	}
	return tok, i, textRecord, badRecord{}
}

// columns reads the columns before the key=value fields, tok being the
// first: the family (/proc), the protocol's name and number, the timeout
// (absent for offloaded flows in /proc) and the state. It returns the token
// after them and the offset after that token, or why the line is bad.
func (p *textParser) columns(line, tok []byte, i int) ([]byte, int, badRecord) {
	f := &p.f
	if string(tok) == "ipv4" || string(tok) == "ipv6" {
		fam, want := model.IPv4, "2"
		if tok[3] == '6' {
			fam, want = model.IPv6, "10"
		}
		var num []byte
		num, _, i = nextToken(line, i)
		if string(num) != want {
			return nil, 0, bad("bad family number", num)
		}
		f.Family = fam
		p.familyCols = true
		tok, _, i = nextToken(line, i)
	}
	name := tok
	if !isLowerWord(name) {
		return nil, 0, bad("not a conntrack entry:", name)
	}
	num, _, i := nextToken(line, i)
	proto, ok := ctparse.Uint(num, math.MaxUint8)
	if !ok {
		return nil, 0, bad("bad protocol number", num)
	}
	f.Proto = uint8(proto)
	p.header = true
	if !protoNamed(name, f.Proto) {
		return nil, 0, bad("protocol name does not match its number:", line[:i])
	}
	// The kernel names a protocol it tracks without a module of its own
	// "unknown" and keys it without ports: DCCP on a kernel without DCCP.
	p.generic = string(name) == "unknown"
	tok, _, i = nextToken(line, i)
	if v, ok := ctparse.Uint(tok, math.MaxUint64); ok {
		p.x.timeout = uint32(min(v, math.MaxUint32))
		p.x.hasTO = true
		tok, _, i = nextToken(line, i)
	} else if len(tok) > 0 && tok[0] >= '0' && tok[0] <= '9' {
		return nil, 0, bad("bad timeout", tok)
	}
	if isUpperWord(tok) {
		if s, ok := ctparse.State(f.Proto, tok); ok {
			f.SetProtoState(s)
		}
		tok, _, i = nextToken(line, i)
	}
	return tok, i, badRecord{}
}

// fields parses the key=value and [FLAG] fields that follow the columns,
// from line[i:].
func (p *textParser) fields(line []byte, i int) (int, badRecord) {
	p.n, p.have = -1, [2]uint8{}
	for {
		tok, eq, next := nextToken(line, i)
		if tok == nil {
			break
		}
		i = next
		if tok[0] == '[' {
			p.flag(tok)
			continue
		}
		if eq <= 0 {
			return textBad, bad("unexpected", tok)
		}
		if why, ok := p.field(tok[:eq], tok[eq+1:], tok); !ok {
			return textBad, why
		}
	}
	proto := p.f.Proto
	if p.generic {
		proto = 0 // no ports to require
	}
	if why, ok := checkTuples(proto, p.have, true); !ok {
		return textBad, why
	}
	return textRecord, badRecord{}
}

// loadText reads a line format.
func (l *loader) loadText(br *bufio.Reader) (err error) {
	var (
		p        textParser
		line     int
		records  bool // some line looked like a conntrack entry
		features textFeatures
	)
	l.text = &features
	defer func() {
		if err != ErrFormat {
			l.rep.Format = features.format()
		}
	}()
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer is no conntrack entry.
			line++
			for n := len(b); err == bufio.ErrBufferFull; n += len(b) {
				if n > l.lim.Line {
					return l.lineTooLong(line)
				}
				b, err = br.ReadSlice('\n')
			}
			if !records {
				return ErrFormat
			}
			l.countRecord()
			l.rep.skip(line, bad("line too long", nil))
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			continue
		}
		if err == io.ErrUnexpectedEOF && records {
			// A truncated gzip file: keep what came before the cut.
			l.structural(line+1, err)
			return nil
		}
		if len(b) > 0 {
			line++
			kind, why := p.parse(b)
			switch kind {
			case textRecord:
				l.countRecord()
				l.add(&p.f, &p.c, &p.x)
			case textBad:
				if !records && !p.header {
					return ErrFormat
				}
				l.countRecord()
				l.rep.skip(line, why)
			}
			if kind != textIgnore {
				records = true
				features.add(&p)
			}
			if l.cancelled() {
				return errCancelled
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// textFeatures tells the line formats apart. conntrack -L and the /proc
// files share their grammar, but /proc/net/nf_conntrack has the family
// columns and prints zone=0 (conntrack prints non-zero zones only), and the
// legacy ip_conntrack has no family columns and prints secmark= (with
// SECMARK support, as distribution kernels had it).
type textFeatures struct {
	familyCols, zeroZone, secmark bool
}

func (t *textFeatures) add(p *textParser) {
	t.familyCols = t.familyCols || p.familyCols
	t.zeroZone = t.zeroZone || p.zeroZone
	t.secmark = t.secmark || p.secmark
}

func (t *textFeatures) format() string {
	switch {
	case t.familyCols && t.zeroZone:
		return FormatProc
	case !t.familyCols && t.secmark:
		return FormatProcLegacy
	}
	return FormatConntrack
}
