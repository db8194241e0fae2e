// Package replay is the source of a saved conntrack table: conntrack -L in
// any -o format, /proc/net/nf_conntrack (and the old ip_conntrack), the
// XML of conntrack -L -o xml, and cttop's own JSON. Load detects the format
// and parses the whole file into a model.Snapshot, skipping malformed
// records and saying which (Report); Source hands the table over as one
// batch, like any source.Source.
//
// Records of a flow read before (one model.Key) are duplicates, counted in
// the Report, not flows. Limits bound a load (line length, the size of one
// JSON value or XML token, records, the gzip ratio); a load that exceeds
// one ends with a *LimitError that names it and the flag that raises it. A
// load follows its context: Source.Load returns when the context ends, even
// while a read is blocked on a pipe nobody writes to.
//
// It needs no kernel and no root. Values a file does not carry stay
// unknown in the flow's attributes.
package replay
