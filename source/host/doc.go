// Package host watches the whole host for cttop's namespaces view, log
// pane and metrics: a snapshot of every network namespace's table each
// interval (package hostns) and the kernel log's lines about the table
// (package kmsg), handed over as model values.
//
// It opens no conntrack event socket: only the table being watched has
// one, so the kernel behaves in every other namespace as if cttop were not
// there.
package host
