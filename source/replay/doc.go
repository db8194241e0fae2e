// Package replay is the source of a saved conntrack table: conntrack -L in
// any -o format, /proc/net/nf_conntrack (and the old ip_conntrack), the
// XML of conntrack -L -o xml, and cttop's own JSON. Load detects the format
// and parses the whole file into a model.Snapshot, skipping malformed
// records and saying which (Report); Source hands the table over as one
// batch, like any source.Source.
//
// It needs no kernel and no root. Values a file does not carry stay
// unknown in the flow's attributes.
package replay
