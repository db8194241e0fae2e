package ctjson

import (
	"bytes"
	"encoding/json"
	"io"
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// The values of a JSON flow. Each parses itself from the decoder's buffer
// without allocating and records whether it was there (null is absent).

// jsonString returns the contents of a JSON string literal, unquoting it
// only if it has escapes. null gives ok && s == nil.
func jsonString(b []byte) (s []byte, ok bool, err error) {
	if string(b) == "null" {
		return nil, false, nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false, ctparse.Bad{What: "not a string:", Tok: bytes.Clone(b)}
	}
	s = b[1 : len(b)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		var u string
		if err := json.Unmarshal(b, &u); err != nil {
			return nil, false, err
		}
		s = []byte(u)
	}
	return s, true, nil
}

// jsonNum is an optional unsigned integer.
type jsonNum struct {
	v  uint64
	ok bool
}

func (n *jsonNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, ok := ctparse.Uint(b, math.MaxUint64)
	if !ok {
		return ctparse.Bad{What: "not an unsigned integer:", Tok: bytes.Clone(b)}
	}
	n.v, n.ok = v, true
	return nil
}

// max returns the value if it is at most m (0 if absent).
func (n jsonNum) max(m uint64) (uint64, bool) { return n.v, n.v <= m }

// jsonWord is an optional short string (family, proto, state); a number
// is kept as its digits (a protocol number).
type jsonWord struct {
	b  [24]byte
	n  int
	ok bool
}

func (w *jsonWord) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		w.n = copy(w.b[:], b)
		w.ok = true
		return nil
	}
	s, ok, err := jsonString(b)
	if err != nil || !ok {
		return err
	}
	w.n = copy(w.b[:], s)
	if len(s) > len(w.b) {
		return ctparse.Bad{What: "string too long:", Tok: bytes.Clone(s)}
	}
	w.ok = true
	return nil
}

func (w *jsonWord) bytes() []byte { return w.b[:w.n] }

// proto returns the protocol the word names: a name of model.ProtoName
// ("tcp", "unknown(2)") or a number.
func (w *jsonWord) proto() (uint8, bool) {
	if !w.ok {
		return 0, false
	}
	b := w.bytes()
	if v, ok := ctparse.Uint(b, math.MaxUint8); ok {
		return uint8(v), true
	}
	if len(b) > 9 && string(b[:8]) == "unknown(" && b[len(b)-1] == ')' {
		if v, ok := ctparse.Uint(b[8:len(b)-1], math.MaxUint8); ok {
			return uint8(v), true
		}
	}
	return model.ProtoByName(string(b))
}

// jsonAddr is an optional address.
type jsonAddr struct {
	a   model.Addr
	fam uint8
	ok  bool
}

func (a *jsonAddr) UnmarshalJSON(b []byte) error {
	s, ok, err := jsonString(b)
	if err != nil || !ok {
		return err
	}
	if a.a, a.fam, ok = ctparse.Addr(s); !ok {
		return ctparse.Bad{What: "bad address", Tok: bytes.Clone(s)}
	}
	a.ok = true
	return nil
}

// jsonStatus is an optional list of status names (model.Status.Names).
type jsonStatus struct {
	s  model.Status
	ok bool
}

func (st *jsonStatus) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return ctparse.Bad{What: "status is not a list:", Tok: bytes.Clone(b)}
	}
	b = b[1 : len(b)-1]
	var s model.Status
	unreplied, seen := false, false
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) == 0 {
			break
		}
		// The decoder has checked the syntax: a string, maybe a comma.
		end := 1
		for end < len(b) && (b[end] != '"' || b[end-1] == '\\') {
			end++
		}
		if b[0] != '"' || end >= len(b) {
			return ctparse.Bad{What: "status is not a list of names"}
		}
		name, _, err := jsonString(b[:end+1])
		if err != nil {
			return err
		}
		switch string(name) {
		case "UNREPLIED":
			unreplied = true
		case "SEEN_REPLY":
			seen = true
		}
		if bit, ok := ctparse.Status(name); ok {
			s |= bit
		}
		b = bytes.TrimLeft(b[end+1:], " \t\r\n")
		if len(b) > 0 && b[0] == ',' {
			b = b[1:]
		}
	}
	if !unreplied || seen {
		s |= model.StatusSeenReply
	}
	st.s, st.ok = s, true
	return nil
}

// lineCounter passes a reader through and maps the decoder's input offsets
// to line numbers. It keeps the bytes read but not yet counted, which is
// about the decoder's buffer.
type lineCounter struct {
	r     io.Reader
	buf   []byte // input from offset base
	base  int64
	pos   int // buf[:pos] is counted
	lines int // newlines before base+pos
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	if lc.pos > 0 && lc.pos >= len(lc.buf)/2 {
		m := copy(lc.buf, lc.buf[lc.pos:])
		lc.buf = lc.buf[:m]
		lc.base += int64(lc.pos)
		lc.pos = 0
	}
	lc.buf = append(lc.buf, p[:n]...)
	return n, err
}

// lineAt returns the line of the first token at or after offset o, which
// must not be less than in the previous call.
func (lc *lineCounter) lineAt(o int64) int {
	k := int(min(max(o-lc.base, int64(lc.pos)), int64(len(lc.buf))))
	lc.lines += bytes.Count(lc.buf[lc.pos:k], []byte{'\n'})
	lc.pos = k
	line := lc.lines + 1
	for _, c := range lc.buf[k:] {
		if c == '\n' {
			line++
		} else if !isSpace(c) && c != ',' && c != ':' {
			break
		}
	}
	return line
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonText is an optional string that tells null from absent: set says the
// key was there, null that its value was null (unknown), b is the text.
type jsonText struct {
	b         [64]byte
	n         int
	set, null bool
	long      []byte // a longer value (rare: a security context)
}

func (t *jsonText) UnmarshalJSON(b []byte) error {
	t.set = true
	s, ok, err := jsonString(b)
	if err != nil {
		return err
	}
	if !ok {
		t.null = true
		return nil
	}
	if len(s) > len(t.b) {
		t.long = bytes.Clone(s)
		return nil
	}
	t.n = copy(t.b[:], s)
	return nil
}

func (t *jsonText) bytes() []byte {
	if t.long != nil {
		return t.long
	}
	return t.b[:t.n]
}

// jsonLabels is an optional list of label numbers (0-127), null from
// absent told apart as jsonText does.
type jsonLabels struct {
	l         model.Labels
	set, null bool
}

func (ls *jsonLabels) UnmarshalJSON(b []byte) error {
	ls.set = true
	if string(b) == "null" {
		ls.null = true
		return nil
	}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return ctparse.Bad{What: "labels is not a list:", Tok: bytes.Clone(b)}
	}
	for _, f := range bytes.Split(b[1:len(b)-1], []byte(",")) {
		f = bytes.TrimSpace(f)
		if len(f) == 0 {
			continue
		}
		v, ok := ctparse.Uint(f, 127)
		if !ok {
			return ctparse.Bad{What: "bad label:", Tok: bytes.Clone(f)}
		}
		ls.l.Set(int(v))
	}
	return nil
}

// jsonNames is an optional list of label names, kept as conntrack writes
// them: comma-separated.
type jsonNames struct {
	s   string
	set bool
}

func (ns *jsonNames) UnmarshalJSON(b []byte) error {
	ns.set = true
	if string(b) == "null" {
		return nil
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return ctparse.Bad{What: "label_names is not a list of names"}
	}
	for i, n := range names {
		if i > 0 {
			ns.s += ","
		}
		ns.s += n
	}
	return nil
}
