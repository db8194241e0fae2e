package kmsg

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Record is one record of /dev/kmsg.
type Record struct {
	// Level is the syslog severity (0 emerg ... 7 debug); Facility the
	// syslog facility (0: kernel).
	Level, Facility int
	// Seq is the record's sequence number; a gap means records were lost
	// (overwritten before they were read).
	Seq uint64
	// Since is the time since boot the kernel stamped on it.
	Since time.Duration
	// Text is the message's first line, as the kernel wrote it: it
	// escapes unprintable bytes as \xNN, but render it with care anyway.
	Text string
}

// ErrRecord is returned for a record that does not follow the ABI.
var ErrRecord = errors.New("malformed kernel log record")

// ParseRecord parses one record as read(2) returns it from /dev/kmsg:
// "PRI,SEQ,USEC,FLAGS[,...];TEXT\n" followed by optional continuation
// lines (" KEY=VALUE\n"), which are ignored.
func ParseRecord(b []byte) (Record, error) {
	semi := bytes.IndexByte(b, ';')
	if semi < 0 {
		return Record{}, fmt.Errorf("%w: no ';'", ErrRecord)
	}
	fields := bytes.SplitN(b[:semi], []byte{','}, 5)
	if len(fields) < 4 {
		return Record{}, fmt.Errorf("%w: %d header fields", ErrRecord, len(fields))
	}
	pri, err1 := strconv.ParseUint(string(fields[0]), 10, 32)
	seq, err2 := strconv.ParseUint(string(fields[1]), 10, 64)
	usec, err3 := strconv.ParseUint(string(fields[2]), 10, 63)
	if err := errors.Join(err1, err2, err3); err != nil || usec > uint64(1<<63-1)/1000 {
		return Record{}, fmt.Errorf("%w: header %q", ErrRecord, b[:semi])
	}
	text := b[semi+1:]
	if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
		text = text[:nl]
	}
	return Record{
		Level: int(pri & 7), Facility: int(pri >> 3),
		Seq: seq, Since: time.Duration(usec) * time.Microsecond,
		Text: string(text),
	}, nil
}
