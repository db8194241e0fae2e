package replay

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/cttop/cttop/model"
)

// Errors of Load that end a load, for errors.Is.
var (
	// ErrEmpty is a file with nothing but white space in it.
	ErrEmpty = errors.New("empty file")
	// ErrFormat is a file that is none of the formats Load reads.
	ErrFormat = errors.New("unknown format (expected conntrack -L, /proc/net/nf_conntrack, XML, conntrack -o save or cttop JSON)")
	// ErrNoFlows is a file whose records were all malformed.
	ErrNoFlows = errors.New("no parseable flow")
)

// Formats, as in Report.Format.
const (
	FormatConntrack  = "conntrack"   // conntrack -L, any -o option but xml
	FormatProc       = "proc"        // /proc/net/nf_conntrack
	FormatProcLegacy = "proc-legacy" // /proc/net/ip_conntrack (ip_conntrack, gone since Linux 2.6.22)
	FormatXML        = "xml"         // conntrack -L -o xml
	FormatJSON       = "json"        // cttop --once --format json
	FormatSave       = "save"        // conntrack -L -o save (conntrack-tools 1.4.6 and later)
)

// replayMeta is what a file says beyond its flows.
type replayMeta struct {
	stats   model.TableStats // Valid when the file had table statistics (JSON)
	acct    bool             // some flow had counters
	history *model.History   // the table's history, when the file has one (JSON)
	labels  bool             // some flow had labels: the file prints them
}

// flowSink receives the flows of a load: a *model.Snapshot (or, in fuzz
// tests, something cheaper than its 400 KiB first chunk).
type flowSink interface {
	AddExt(f *model.Flow, c *model.Counters, x *model.Ext)
	Len() int
	At(i int) (*model.Flow, model.Counters)
	Know(a model.Attr)
}

// loader collects the flows of one load into a snapshot.
type loader struct {
	ctx context.Context
	now uint32
	sn  flowSink
	dd  *dedup
	lim Limits
	// limit is the first limit the load hit; it ends the load.
	limit *LimitError
	rep   Report
	meta  replayMeta
	// truncated is set when a syntax error ended the load.
	truncated bool
	// text is the features of the lines read so far, in a line format.
	text *textFeatures
	// anon numbers the ICMP flows whose type, code, id and conntrack ID
	// are all unknown (conntrack -L -o xml): see add.
	anon uint16
}

// add completes f (status, expiry) and appends it to the snapshot with
// the record's rare attributes. A flow whose key was read before is
// counted as a duplicate instead.
func (l *loader) add(f *model.Flow, c *model.Counters, rec *recordExtras) {
	finishFlow(f, rec, l.now)
	if f.Attrs&model.ICMPUnknown != 0 && f.Attrs&model.HasID == 0 {
		// Nothing tells two such pings between two hosts apart (their ids
		// are not in the file): each record is a flow of its own, never
		// a duplicate of another. Its unknown id holds the record's
		// number, which tells them apart and is never shown.
		l.anon++
		f.Orig.SrcPort, f.Reply.SrcPort = l.anon, l.anon
	}
	if l.dd.seen(f) {
		l.rep.Duplicates++
		return
	}
	if f.Attrs&model.HasCounters != 0 {
		l.meta.acct = true
	}
	l.meta.labels = l.meta.labels || rec.hasLabels
	var x *model.Ext
	if rec.ext != (model.Ext{}) {
		e := rec.ext
		x = &e
	}
	l.sn.AddExt(f, c, x)
}

// cancelled reports whether a limit ended the load, and every 4096
// records whether it was cancelled.
func (l *loader) cancelled() bool {
	if l.limit != nil {
		return true
	}
	if l.rep.Lines&4095 != 0 {
		return false
	}
	return l.ctx.Err() != nil
}

// Load parses a saved table, detecting its format, into a snapshot:
// the output of conntrack -L (plain, -o extended, id, timestamp, ktimestamp,
// labels), /proc/net/nf_conntrack, the legacy /proc/net/ip_conntrack,
// conntrack -L -o xml, conntrack -L -o save, or cttop's --once --format
// json; gzip-compressed or not. What a format does not carry is unknown in
// its flows (see known and the formats' parsers).
//
// now is the load time, standing for the capture time: a flow's Expires is
// now + its timeout (Unix seconds), and its FirstSeen is now - its age when
// the format has one (delta-time), else 0.
//
// Malformed records are skipped and counted in the report. The error is
// ErrEmpty for a blank file, ErrFormat for an unknown one, and
// wraps ErrNoFlows when every record was malformed. A structural error
// (XML or JSON syntax, a truncated file) ends the load; the flows read
// until then are kept and the rest of the file counts as one skipped record.
//
// Records of a flow read before (the same model.Key) count as
// Report.Duplicates, not as flows. DefaultLimits bound the load (LoadLimits
// sets others); a load that exceeds one fails with a *LimitError.
func Load(r io.Reader, now time.Time) (*model.Snapshot, Report, error) {
	return LoadLimits(r, now, Limits{})
}

// LoadLimits is Load within lim (its zero fields are DefaultLimits').
func LoadLimits(r io.Reader, now time.Time, lim Limits) (*model.Snapshot, Report, error) {
	sn, rep, _, err := loadReplay(context.Background(), r, now, lim)
	return sn, rep, err
}

func loadReplay(ctx context.Context, r io.Reader, now time.Time, lim Limits) (*model.Snapshot, Report, replayMeta, error) {
	return loadInto(ctx, r, now, lim, nil)
}

// loadInto is loadReplay that hands the flows over in parts as it reads
// them, and counts the bytes read, through st (nil: neither).
func loadInto(ctx context.Context, r io.Reader, now time.Time, lim Limits, st *stream) (*model.Snapshot, Report, replayMeta, error) {
	var secs uint32
	if u := now.Unix(); u > 0 && u < math.MaxUint32 {
		secs = uint32(u)
	}
	sn := new(model.Snapshot)
	var sink flowSink = sn
	var ps *partSink
	if st != nil {
		ps = &partSink{Snapshot: sn, st: st}
		st.sink, sink = ps, ps
	}
	l := newLoader(ctx, secs, sink, lim)
	in := &ctxReader{r: r, ctx: ctx, l: l}
	if st != nil {
		ps.known, in.read = l.known, &st.read
	}
	if err := l.load(bufio.NewReaderSize(in, 64<<10)); err != nil {
		return nil, l.rep, l.meta, err
	}
	return sn, l.rep, l.meta, nil
}

func newLoader(ctx context.Context, now uint32, sink flowSink, lim Limits) *loader {
	return &loader{ctx: ctx, now: now, sn: sink, dd: newDedup(sink), lim: lim.withDefaults()}
}

// load detects the format and reads the flows into l.sn. A limit the load
// hit, or the end of its context, ends it with that error whatever the
// parser made of the failed read.
func (l *loader) load(br *bufio.Reader) error {
	err := l.parse(br)
	switch {
	case l.limit != nil:
		return l.limit
	case l.ctx.Err() != nil:
		return errCancelled
	}
	return err
}

func (l *loader) parse(br *bufio.Reader) error {
	head, err := sniff(br)
	if err != nil {
		return err
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		in := &countReader{r: br}
		zr, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(&gzipGuard{r: zr, in: in, ratio: l.lim.GzipRatio, free: l.lim.gzipFree, l: l}, 64<<10)
		if head, err = sniff(br); err != nil {
			return err
		}
	}
	switch {
	case head[0] == '<':
		l.rep.Format = FormatXML
		err = l.loadXML(br)
	case head[0] == '{' || head[0] == '[' && isJSONArray(head):
		l.rep.Format = FormatJSON
		err = l.loadJSON(br)
	case head[0] == '-':
		l.rep.Format = FormatSave
		err = l.loadSave(br)
	default:
		err = l.loadText(br)
	}
	if err == nil && l.rep.Lines > 0 && l.sn.Len() == 0 && l.rep.Skipped > 0 {
		err = fmt.Errorf("%w: %s", ErrNoFlows, l.rep)
	}
	l.sn.Know(l.known())
	return err
}

// known is what the file's silence says, by its format: conntrack -L (and
// -o xml) prints every helper and security context, /proc/net/nf_conntrack
// every context but no helper, -o save neither; labels are printed only
// with -o labels (and connlabel.conf), so a file says every flow's labels
// once it says some flow's. cttop's JSON says per flow (ctjson).
func (l *loader) known() model.Attr {
	var a model.Attr
	format := l.rep.Format
	if format == "" && l.text != nil {
		format = l.text.format() // as far as the lines read say
	}
	switch format {
	case FormatConntrack, FormatXML:
		a = model.HasHelper | model.HasSecctx
	case FormatProc, FormatProcLegacy:
		a = model.HasSecctx
	}
	if l.meta.labels && l.rep.Format != FormatJSON {
		a |= model.HasLabels
	}
	return a
}

// sniff skips leading white space and a UTF-8 byte order mark and returns
// the start of the content, or ErrEmpty.
func sniff(br *bufio.Reader) ([]byte, error) {
	for {
		b, err := br.Peek(3)
		if len(b) == 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
			br.Discard(3)
			continue
		}
		if len(b) > 0 && isSpace(b[0]) {
			br.Discard(1)
			continue
		}
		if len(b) == 0 {
			if err == nil || err == io.EOF {
				return nil, ErrEmpty
			}
			return nil, err
		}
		head, _ := br.Peek(br.Buffered())
		return head, nil
	}
}

// isJSONArray tells a JSON array of flows from a conntrack line that starts
// with a bracket ("[1700000000.123456] ...").
func isJSONArray(head []byte) bool {
	for _, c := range head[1:] {
		if !isSpace(c) {
			return c == '{' || c == ']'
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
