package ctjson

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// FormatError is the error of Read when the input is not cttop's JSON: a
// syntax error (Err) or another document (Err nil) before anything of ours.
type FormatError struct{ Err error }

func (e *FormatError) Error() string {
	if e.Err == nil {
		return "not cttop's JSON"
	}
	return "not cttop's JSON: " + e.Err.Error()
}

// Unwrap returns the syntax error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// Record is one flow of a document, decoded, with what the flow's fields
// do not hold.
type Record struct {
	Flow     model.Flow
	Counters model.Counters
	// Timeout is "timeout" in seconds, when HasTimeout.
	Timeout    uint32
	HasTimeout bool
	// Age is "age" in seconds, when HasAge: since the flow's start
	// timestamp when AgeIsStart (version 2); in a version 1 document since
	// the kernel's timestamp or since cttop first saw the flow, which it
	// does not say.
	Age        uint64
	HasAge     bool
	AgeIsStart bool
	// StatusSet says the status came from the document ("status").
	StatusSet bool
	// Ext holds the helper, labels and security context the record gave
	// ("helper", "labels", "label_names", "secctx"); the flow's HasHelper,
	// HasLabels and HasSecctx say which are known.
	Ext model.Ext
}

// Version is the version of the document cttop writes ("version"): 2
// added "version", "zone_dir", "helper", "labels", "label_names",
// "secctx", and made every value a flow may lack absent when
// unknown ("id", "mark", "zone", "timeout", "age"); a document without
// "version" is of version 1, whose silence about a helper, labels or a
// security context says nothing. 3 writes the table's "max" and counters
// null when unknown (a replay of a file without them), where 2 wrote 0.
const Version = 3

// Handler receives what Read finds, in document order.
type Handler interface {
	// Table receives the "table" statistics (Valid; Count is not read).
	Table(st model.TableStats)
	// Flow receives a record that decoded, with the line it starts on. A
	// non-nil error ends Read with that error.
	Flow(line int, r *Record) error
	// Skip receives a record that did not decode and why.
	Skip(line int, why ctparse.Bad)
	// Broken receives the syntax error that ends the document (a
	// truncated file, io.ErrUnexpectedEOF; or a *json.SyntaxError): the
	// records before it stand.
	Broken(line int, err error)
}

// Read streams cttop's JSON from r to h: one flow is decoded at a time,
// into fields that parse straight from the decoder's buffer. It returns a
// *FormatError if r is not cttop's JSON, the error of h.Flow, or nil (also
// after a syntax error past the start, which goes to h.Broken).
func Read(r io.Reader, h Handler) error { return NewReader(r, h).Read() }

// NewReader returns a Reader of r for h, for a caller that needs its
// InputOffset while it reads (to bound the size of one value).
func NewReader(r io.Reader, h Handler) *Reader {
	lc := &lineCounter{r: r}
	return &Reader{dec: json.NewDecoder(lc), lc: lc, h: h}
}

// InputOffset is the offset in the input where the value being read
// starts (json.Decoder.InputOffset).
func (rd *Reader) InputOffset() int64 { return rd.dec.InputOffset() }

// Read reads the document, as the function Read does.
func (rd *Reader) Read() error { return rd.document() }

// Reader is one read of a document.
type Reader struct {
	dec     *json.Decoder
	lc      *lineCounter
	h       Handler
	ours    bool // something of cttop's JSON has been read
	broken  bool // a syntax error ended the document
	version uint64
	names   map[string]string // helpers and contexts read, one string each
}

// name returns b as a string, allocating once per distinct name.
func (rd *Reader) name(b []byte) string {
	if s, ok := rd.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if rd.names == nil {
		rd.names = make(map[string]string)
	}
	if len(rd.names) < 4096 {
		rd.names[s] = s
	}
	return s
}

func (rd *Reader) document() error {
	dec := rd.dec
	tok, err := dec.Token()
	if err != nil {
		return &FormatError{err}
	}
	if tok == json.Delim('[') {
		return rd.flows()
	}
	for dec.More() {
		line := rd.lc.lineAt(dec.InputOffset())
		key, err := dec.Token()
		if err != nil {
			return rd.syntax(line, err)
		}
		switch key {
		case "version":
			var v jsonNum
			if err := dec.Decode(&v); err != nil && !isRecordError(err) {
				return rd.syntax(line, err)
			}
			rd.version = v.v
		case "table":
			if err := rd.table(); err != nil {
				return rd.syntax(line, err)
			}
		case "history":
			rd.ours = true
			if err := rd.readHistory(line); err != nil {
				return rd.syntax(line, err)
			}
		case "flows":
			rd.ours = true
			tok, err := dec.Token()
			if err != nil {
				return rd.syntax(line, err)
			}
			if tok == nil {
				continue
			}
			if tok != json.Delim('[') {
				return rd.syntax(line, errors.New(`"flows" is not an array`))
			}
			if err := rd.flows(); err != nil || rd.broken {
				return err
			}
		default:
			if err := dec.Decode(&jsonSkip{}); err != nil && !isRecordError(err) {
				return rd.syntax(line, err)
			}
		}
	}
	if !rd.ours {
		return &FormatError{}
	}
	return nil
}

// table reads the "table" object; one it cannot read is no reason to drop
// the flows.
func (rd *Reader) table() error {
	var t struct {
		Count        uint64  `json:"count"`
		Max          *uint64 `json:"max"`
		Drops        uint64  `json:"drops"`
		EarlyDrops   uint64  `json:"early_drops"`
		InsertFailed uint64  `json:"insert_failed"`
		Invalid      uint64  `json:"invalid"`
	}
	if err := rd.dec.Decode(&t); err != nil {
		if isRecordError(err) {
			return nil
		}
		return err
	}
	rd.ours = true
	// Known: a max, which version 3 writes null when unknown; before it,
	// 0 stood for unknown (and the counters beside it were 0 too).
	if t.Max == nil || *t.Max == 0 && rd.version < 3 {
		rd.h.Table(model.TableStats{})
		return nil
	}
	rd.h.Table(model.TableStats{Valid: true, Max: *t.Max, Drop: t.Drops,
		EarlyDrop: t.EarlyDrops, InsertFailed: t.InsertFailed, Invalid: t.Invalid})
	return nil
}

// syntax handles a syntax error: before anything of ours it is an unknown
// format, after it the end of the document.
func (rd *Reader) syntax(line int, err error) error {
	if !rd.ours {
		return &FormatError{err}
	}
	rd.structural(line, err)
	return nil
}

// flows reads the elements of an array of flows, whose '[' has been read,
// and its ']'.
func (rd *Reader) flows() error {
	var (
		jf jsonFlow
		// Outside the loop: it escapes (through the Handler interface)
		// once, not once per flow.
		rec Record
	)
	dec := rd.dec
	for dec.More() {
		line := rd.lc.lineAt(dec.InputOffset())
		jf = jsonFlow{}
		if err := dec.Decode(&jf); err != nil {
			if !isRecordError(err) {
				rd.structural(line, err)
				return nil
			}
			var why ctparse.Bad
			if !errors.As(err, &why) {
				why = ctparse.Bad{What: err.Error()}
			}
			rd.h.Skip(line, why)
			continue
		}
		rec = Record{}
		if why, ok := jf.record(&rec); !ok {
			rd.h.Skip(line, why)
			continue
		}
		rd.ext(&jf, &rec)
		rec.AgeIsStart = rd.version >= 2
		if err := rd.h.Flow(line, &rec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		rd.structural(rd.lc.lineAt(dec.InputOffset()), err)
	}
	return nil
}

// structural reports a syntax error that ends the document.
func (rd *Reader) structural(line int, err error) {
	rd.h.Broken(line, err)
	rd.broken = true
}

// isRecordError reports whether a Decode error concerns only the value
// decoded (which the decoder has consumed), not the stream.
func isRecordError(err error) bool {
	var te *json.UnmarshalTypeError
	var br ctparse.Bad
	return errors.As(err, &te) || errors.As(err, &br)
}

// jsonSkip consumes any value.
type jsonSkip struct{}

func (*jsonSkip) UnmarshalJSON([]byte) error { return nil }
