package replay

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/internal/ctparse"
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
