package replay

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
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

// Report says what a load skipped.
type Report struct {
	Format   string // "conntrack", "proc", "proc-legacy", "xml", "json", "save"
	Lines    int    // records read, skipped ones and duplicates included
	Skipped  int
	FirstBad int    // line number (1-based) of the first skipped record, 0 if none
	Reason   string // why the first one was skipped
	// Duplicates counts records of a flow (model.Key) read before: the
	// first one is kept, the copies are not flows.
	Duplicates int
}

// String describes the skipped records and the duplicates, as in
// `3 lines skipped, first at line 17: bad address "10.0.0"; 12 duplicate
// records of flows read before`.
func (r Report) String() string {
	var parts []string
	switch r.Skipped {
	case 0:
	case 1:
		parts = append(parts, fmt.Sprintf("1 line skipped, at line %d: %s", r.FirstBad, r.Reason))
	default:
		parts = append(parts, fmt.Sprintf("%d lines skipped, first at line %d: %s", r.Skipped, r.FirstBad, r.Reason))
	}
	switch r.Duplicates {
	case 0:
	case 1:
		parts = append(parts, "1 duplicate record of a flow read before")
	default:
		parts = append(parts, strconv.Itoa(r.Duplicates)+" duplicate records of flows read before")
	}
	if len(parts) == 0 {
		return "no lines skipped"
	}
	return strings.Join(parts, "; ")
}

// Notable reports whether the load skipped or dropped anything worth
// saying.
func (r Report) Notable() bool { return r.Skipped > 0 || r.Duplicates > 0 }

// skip counts a malformed record at line; the reason of the first one is
// kept, and only then formatted (a file of a million bad lines must not
// allocate a million reasons).
func (r *Report) skip(line int, why badRecord) {
	r.Skipped++
	if r.FirstBad == 0 {
		r.FirstBad = line
		r.Reason = why.String()
	}
}

// badRecord is why a record was skipped (shared with package ctjson).
type badRecord = ctparse.Bad

func bad(what string, tok []byte) badRecord { return badRecord{What: what, Tok: tok} }

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

// recordExtras are the parts of a record that are not model.Flow fields
// but decide some of them.
type recordExtras struct {
	unreplied bool
	timeout   uint32
	hasTO     bool
	delta     uint64 // seconds since the flow started (delta-time)
	hasDelta  bool
	cttopAge  bool   // delta is cttop's "age", maybe not from a kernel timestamp
	startNs   uint64 // absolute start, Unix nanoseconds (XML timestamp)
	statusSet bool   // Flow.Status came from the file (JSON): trust it
	// ext holds the helper, labels and security context the record gave;
	// hasLabels says it gave labels (the file then says every flow's).
	ext       model.Ext
	hasLabels bool
	zoned     bool // a zone was read: a second must complete it
	// offloadIfNoTimeout: the format gives every flow's timeout but an
	// offloaded one's (the kernel sends none for those), so a record
	// without one is offloaded even where the format has no flag for it.
	offloadIfNoTimeout bool
	// names keeps the strings of helpers, contexts and labels read, so a
	// million flows of one helper make one string (the parser's own, kept
	// across records).
	names *names
}

// names interns short strings read from a file.
type names map[string]string

// name returns b as a string, allocating only the first time.
func (n *names) name(b []byte) string {
	if s, ok := (*n)[string(b)]; ok {
		return s
	}
	s := string(b)
	if *n == nil {
		*n = make(names)
	}
	if len(*n) < 4096 {
		(*n)[s] = s
	}
	return s
}

// addZone sets a zone the record gave: the kernel keeps one zone per flow,
// for both directions (zone=) or one (zone-orig=, zone-reply=); both
// directions given the same ID are the zone of both. A second zone of
// another ID is no flow the kernel can hold.
func (x *recordExtras) addZone(f *model.Flow, z model.Zone) bool {
	if !x.zoned {
		x.zoned = true
		f.SetZone(z)
		return true
	}
	old, _ := f.Zone()
	switch {
	case old == z || z.ID == 0 && z.Dir != model.ZoneBoth:
		return true // zone-reply=0 says the other direction is in the default zone
	case old.ID == 0 && old.Dir == model.ZoneBoth:
		f.SetZone(z)
		return true
	case old.ID == z.ID && old.Dir != z.Dir && old.Dir != model.ZoneBoth && z.Dir != model.ZoneBoth:
		f.SetZone(model.Zone{ID: z.ID})
		return true
	}
	return false
}

// finishFlow derives what the formats leave implicit: the status bits, the
// expiry from the timeout and the start time from the age (delta-time, which
// conntrack and /proc print from the kernel's start timestamp). The load
// time stands for the capture time, so a flow shows the TTL and age it had
// when it was saved.
func finishFlow(f *model.Flow, x *recordExtras, now uint32) {
	if !x.statusSet && !x.unreplied {
		f.Status |= model.StatusSeenReply
	}
	f.Status |= model.StatusConfirmed
	f.Status |= natStatus(f)
	if x.hasTO {
		f.SetExpires(addSat(now, uint64(x.timeout)))
	} else if x.offloadIfNoTimeout {
		f.Status |= model.StatusOffload
	}
	switch {
	case x.cttopAge:
		// An age cttop wrote may be its own observation, not a start.
	case x.hasDelta:
		if x.delta < uint64(now) {
			f.SetStart(now - uint32(x.delta))
		}
	case x.startNs != 0:
		if s := x.startNs / 1e9; s <= math.MaxUint32 {
			f.SetStart(uint32(s))
		}
	}
}

func addSat(a uint32, b uint64) uint32 {
	if s := uint64(a) + b; s < math.MaxUint32 {
		return uint32(s)
	}
	return math.MaxUint32
}

// natStatus returns the NAT bits the tuples imply: the reply comes from
// somewhere else than the original went (DNAT), or goes to somewhere else
// than the original came from (SNAT). For ICMP the reply's type differs by
// design, so only addresses and the id count; protocols without ports
// compare addresses only.
func natStatus(f *model.Flow) model.Status {
	o, r := &f.Orig, &f.Reply
	var s model.Status
	switch {
	case model.HasPorts(f.Proto):
		if r.Src != o.Dst || r.SrcPort != o.DstPort {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src || r.DstPort != o.SrcPort {
			s |= model.StatusSrcNAT
		}
	case model.IsICMP(f.Proto):
		if r.Src != o.Dst {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src || r.SrcPort != o.SrcPort {
			s |= model.StatusSrcNAT
		}
	default:
		if r.Src != o.Dst {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src {
			s |= model.StatusSrcNAT
		}
	}
	return s
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
	var secs uint32
	if u := now.Unix(); u > 0 && u < math.MaxUint32 {
		secs = uint32(u)
	}
	sn := new(model.Snapshot)
	l := newLoader(ctx, secs, sn, lim)
	if err := l.load(bufio.NewReaderSize(&ctxReader{r: r, ctx: ctx, l: l}, 64<<10)); err != nil {
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
	switch l.rep.Format {
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

var _ source.Source = (*Source)(nil)

// Source is the source of a saved table: it loads the file once and hands
// the whole table over as one snapshot.
type Source struct {
	name string
	r    io.Reader

	lim     Limits
	mu      sync.Mutex
	report  Report
	history *model.History
	batch   *model.Batch // loaded by Load, handed over by Run
}

// New returns a replay of the table read from r. name is the file name
// shown in the header and in errors ("-" means stdin). The caller keeps
// ownership of r and closes it after Run returns.
func New(name string, r io.Reader) *Source {
	if name == "-" || name == "" {
		name = "stdin"
	}
	return &Source{name: name, r: r}
}

// SetLimits sets the limits of the load (the zero Limits are
// DefaultLimits). Call it before Load.
func (r *Source) SetLimits(lim Limits) { r.lim = lim }

// Name returns the name shown for the replay ("stdin" for "-").
func (r *Source) Name() string { return r.name }

// Load reads the file now, so that an empty, unknown or unreadable file
// is an error before any screen is drawn. Run calls it if nobody did.
func (r *Source) Load(ctx context.Context) error {
	if r.batch != nil {
		return nil
	}
	if r.r == nil {
		return fmt.Errorf("replay: %s: no input", r.name)
	}
	now := time.Now()
	type loaded struct {
		sn   *model.Snapshot
		rep  Report
		meta replayMeta
		err  error
	}
	// The load runs apart, so that a read blocked on a pipe or a FIFO
	// nobody writes to cannot hold up the end of ctx: Load returns then,
	// and the reader stops at its next read (or with the process).
	done := make(chan loaded, 1)
	go func() {
		sn, rep, meta, err := loadReplay(ctx, r.r, now, r.lim)
		done <- loaded{sn, rep, meta, err}
	}()
	var res loaded
	select {
	case res = <-done:
	case <-ctx.Done():
		return fmt.Errorf("replay: %s: %w", r.name, errCancelled)
	}
	sn, rep, meta, err := res.sn, res.rep, res.meta, res.err
	r.mu.Lock()
	r.report = rep
	r.history = meta.history
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("replay: %s: %w", r.name, err)
	}
	stats := meta.stats
	if !stats.Valid {
		stats = model.TableStats{Unrecorded: true}
	}
	stats.Valid = true
	stats.Count = uint64(sn.Len())
	info := model.SourceInfo{
		Kind:      "replay",
		Name:      r.name,
		EventMode: model.EventsUnknown,
		Acct:      meta.acct,
		// Whether its host counted: the flows say, unless the format
		// carries no counters at all (-o save).
		AcctKnown: meta.acct || rep.Format != FormatSave,
		// The count is the flows loaded (a file's own count, if it has
		// one, is of another moment).
		Entries: model.CountFileFlows,
		Rows:    model.CountFileFlows,
	}
	if rep.Notable() {
		info.Note = rep.String()
	}
	r.batch = &model.Batch{Time: now, Snapshot: sn, Stats: stats, Info: info}
	return nil
}

// Run loads the file (unless Load did) and returns its error if that
// fails, then offers one batch with the snapshot, and waits for ctx to end
// (returning nil). A cancelled ctx also stops a long load.
func (r *Source) Run(ctx context.Context, out chan<- *model.Batch) error {
	if err := r.Load(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	b := r.batch
	// One batch and no more: nothing to merge it with, so wait for the
	// receiver rather than offer.
	select {
	case out <- b:
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}

// Snapshot implements source.Source: the loaded table (the file is loaded
// first if Load has not run), with the statistics the file recorded.
func (r *Source) Snapshot(ctx context.Context) (*model.Table, model.TableStats, error) {
	if err := r.Load(ctx); err != nil {
		return nil, model.TableStats{}, err
	}
	t := model.NewTable(r.batch.Snapshot.Len())
	t.Apply(r.batch)
	return t, r.batch.Stats, nil
}

// Report returns what the load skipped; it is the zero report until Run has
// loaded the file.
func (r *Source) Report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.report
}

// errCancelled ends a load whose context ended.
var errCancelled = errors.New("load cancelled")

// ErrCancelled is errCancelled for callers: a load ended by its context.
var ErrCancelled = errCancelled

// History returns the table's per-second history the file holds (a table
// saved from cttop with w), nil if none or not loaded yet.
func (r *Source) History() *model.History {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.history
}
