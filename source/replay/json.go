package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cttop/cttop/ctjson"
	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// loadJSON reads cttop's JSON (package ctjson) into the snapshot.
func (l *loader) loadJSON(br *bufio.Reader) error {
	guard := &tokenGuard{r: br, max: l.lim.Token, what: "a JSON value", l: l}
	rd := ctjson.NewReader(guard, (*jsonLoader)(l))
	guard.offset = rd.InputOffset
	err := rd.Read()
	var fe *ctjson.FormatError
	switch {
	case !errors.As(err, &fe):
		return err
	case fe.Err == nil:
		return ErrFormat
	}
	return fmt.Errorf("%w: %v", ErrFormat, fe.Err)
}

// jsonLoader is the loader as a ctjson.Handler.
type jsonLoader loader

func (j *jsonLoader) Table(st model.TableStats) { j.meta.stats = st }

// History keeps the history a file saved with w holds.
func (j *jsonLoader) History(h *model.History) { j.meta.history = h }

func (j *jsonLoader) Flow(_ int, r *ctjson.Record) error {
	l := (*loader)(j)
	l.countRecord()
	x := recordExtras{timeout: r.Timeout, hasTO: r.HasTimeout, statusSet: r.StatusSet,
		// Before version 2, cttop wrote the age of the kernel's timestamp or
		// of when it first saw the flow, and did not say which.
		delta: r.Age, hasDelta: r.HasAge, cttopAge: r.HasAge && !r.AgeIsStart, ext: r.Ext}
	l.add(&r.Flow, &r.Counters, &x)
	if l.cancelled() {
		return errCancelled
	}
	return nil
}

func (j *jsonLoader) Skip(line int, why ctparse.Bad) {
	(*loader)(j).countRecord()
	j.rep.skip(line, why)
}

func (j *jsonLoader) Broken(line int, err error) { (*loader)(j).structural(line, err) }

// structural records a syntax error that ends the load: the flows read so
// far stay, the rest of the file counts as one skipped record.
func (l *loader) structural(line int, err error) {
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.HasSuffix(msg, "unexpected EOF"):
		msg = "file ends inside a record (truncated?)"
	case errors.As(err, &se):
		msg = "JSON syntax error: " + msg
	}
	l.countRecord()
	l.rep.skip(line, badRecord{What: msg + "; rest of file ignored"})
	l.truncated = true
}
