package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
)

// Limits bound what one load may read and keep, so that a hostile or
// broken file (an endless line, a 300 MiB JSON string, five million copies
// of one flow, a gzip bomb) ends with an error naming the limit instead of
// taking the machine's memory. The zero value of a field means its
// default (DefaultLimits).
type Limits struct {
	// Records is how many records a file may hold, malformed ones and
	// duplicates included (default 8,388,608: twice the largest tables
	// seen in the wild, about 1 GB of flows).
	Records int
	// Line is the longest line of a text format, in bytes (default 1 MiB;
	// a conntrack line is a few hundred bytes).
	Line int
	// Token is the largest JSON value or XML token (a string, a flow
	// object), in bytes (default 1 MiB; a flow is under 1 KiB).
	Token int
	// GzipRatio is how many times its compressed size a gzip file may
	// decompress to, beyond its first 64 MiB (default 100; conntrack
	// tables compress 10 to 30 times).
	GzipRatio int
	// gzipFree is the decompressed size below which GzipRatio does not
	// apply (default 64 MiB; smaller in tests).
	gzipFree int64
}

// DefaultLimits are the limits a load has unless told otherwise.
var DefaultLimits = Limits{Records: 8 << 20, Line: 1 << 20, Token: 1 << 20, GzipRatio: 100}

// defaultGzipFree is the decompressed size below which GzipRatio does not
// apply: small files of repetitive data never trip it.
const defaultGzipFree = 64 << 20

// LimitsFlag is the command line flag that sets Limits, named in errors.
const LimitsFlag = "--replay-limits"

// withDefaults fills the zero fields.
func (lim Limits) withDefaults() Limits {
	d := DefaultLimits
	if lim.Records > 0 {
		d.Records = lim.Records
	}
	if lim.Line > 0 {
		d.Line = lim.Line
	}
	if lim.Token > 0 {
		d.Token = lim.Token
	}
	if lim.GzipRatio > 0 {
		d.GzipRatio = lim.GzipRatio
	}
	d.gzipFree = defaultGzipFree
	if lim.gzipFree > 0 {
		d.gzipFree = lim.gzipFree
	}
	return d
}

// ParseLimits reads LimitsFlag's value: comma-separated records=N,
// line=SIZE, token=SIZE, gzip-ratio=N, where SIZE is bytes with an
// optional KiB, MiB or GiB. Fields not given keep their defaults.
func ParseLimits(s string) (Limits, error) {
	var lim Limits
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Limits{}, fmt.Errorf("%s: want KEY=VALUE, not %q (keys: records, line, token, gzip-ratio)", LimitsFlag, kv)
		}
		var n int
		var err error
		switch k {
		case "records", "gzip-ratio":
			n, err = strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		case "line", "token":
			n, err = parseSize(v)
		default:
			return Limits{}, fmt.Errorf("%s: unknown limit %q (keys: records, line, token, gzip-ratio)", LimitsFlag, k)
		}
		if err != nil || n <= 0 {
			return Limits{}, fmt.Errorf("%s: %s=%q: want a positive number", LimitsFlag, k, v)
		}
		switch k {
		case "records":
			lim.Records = n
		case "gzip-ratio":
			lim.GzipRatio = n
		case "line":
			lim.Line = n
		case "token":
			lim.Token = n
		}
	}
	return lim, nil
}

// parseSize reads "4096", "64KiB", "4MiB", "1GiB".
func parseSize(s string) (int, error) {
	mult := 1
	for suffix, m := range map[string]int{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if t, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = t, m
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > (1<<40)/mult {
		return 0, errors.New("bad size")
	}
	return n * mult, nil
}

// sizeString formats a byte count as ParseLimits reads it.
func sizeString(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.Itoa(n>>30) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// sizeFlag formats a byte count as a value of LimitsFlag: "4MiB", "1000".
func sizeFlag(n int) string {
	s := sizeString(n)
	if t, ok := strings.CutSuffix(s, " bytes"); ok {
		return t
	}
	return strings.ReplaceAll(s, " ", "")
}

// LimitError is a load ended by one of its Limits.
type LimitError struct {
	What string // "line 17 is longer than 1 MiB"
	Key  string // the key of LimitsFlag that raises it: "line"
	Hint string // an example value: "line=4MiB"
}

func (e *LimitError) Error() string {
	return e.What + " (raise the limit with " + LimitsFlag + " " + e.Hint + ")"
}

// ctxReader fails every read once ctx has ended or the load has hit a
// limit, so that an endless input (/dev/zero) stops within one read.
// It counts the bytes read in read, when not nil.
type ctxReader struct {
	r    io.Reader
	ctx  context.Context
	l    *loader
	read *atomic.Int64
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.l.limit != nil {
		return 0, c.l.limit
	}
	if err := c.ctx.Err(); err != nil {
		return 0, errCancelled
	}
	n, err := c.r.Read(p)
	if c.read != nil {
		c.read.Add(int64(n))
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// gzipGuard fails reads of decompressed data once it outgrows GzipRatio
// times the compressed bytes read so far (past gzipFree).
type gzipGuard struct {
	r     io.Reader
	in    *countReader // the compressed side
	out   int64
	ratio int
	free  int64 // Limits.gzipFree
	l     *loader
}

func (g *gzipGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.out > g.free && g.out > int64(g.ratio)*g.in.n {
		return n, g.l.trip(&LimitError{
			What: fmt.Sprintf("gzip data decompresses to more than %d times its size (%s from %s: a gzip bomb?)",
				g.ratio, sizeString(int(g.out)), sizeString(int(g.in.n))),
			Key: "gzip-ratio", Hint: "gzip-ratio=" + strconv.Itoa(g.ratio*10),
		})
	}
	return n, err
}

// tokenGuard fails reads once the decoder reading through it holds more
// than max bytes it has not consumed: one JSON value or XML token that
// large (the decoders buffer a value whole before they return it).
type tokenGuard struct {
	r      io.Reader
	offset func() int64 // where the token being read starts (the decoder's InputOffset for JSON)
	n      int64
	max    int
	what   string // "a JSON value", "an XML token"
	l      *loader
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	if g.offset != nil && g.n-g.offset() > int64(g.max) {
		return 0, g.l.trip(&LimitError{
			What: fmt.Sprintf("%s is larger than %s", g.what, sizeString(g.max)),
			Key:  "token", Hint: "token=" + sizeFlag(g.max*4),
		})
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// trip records the first limit hit; every later read fails with it.
func (l *loader) trip(e *LimitError) error {
	if l.limit == nil {
		l.limit = e
	}
	return l.limit
}

// lineTooLong trips the line limit at line.
func (l *loader) lineTooLong(line int) error {
	return l.trip(&LimitError{
		What: fmt.Sprintf("line %d is longer than %s", line, sizeString(l.lim.Line)),
		Key:  "line", Hint: "line=" + sizeFlag(l.lim.Line*4),
	})
}

// countRecord counts a record read and trips the records limit past it.
func (l *loader) countRecord() {
	l.rep.Lines++
	if l.rep.Lines > l.lim.Records && l.limit == nil {
		l.trip(&LimitError{
			What: fmt.Sprintf("more than %d records", l.lim.Records),
			Key:  "records", Hint: "records=" + strconv.Itoa(l.lim.Records*2),
		})
	}
}
