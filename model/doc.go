// Package model is cttop's state, free of terminals, kernels and clocks:
// the compact flow table, the ingest of coalesced event batches, the sorted
// and filtered list (filtered by a Matcher, such as package filter makes),
// aggregation into groups, rates, and a table's per-second history with
// its time to full (History).
//
// Absent is not zero. Every value a kernel message or a saved table may
// omit (timeout, protocol state, ID, start timestamp, counters, zone, mark,
// helper, labels, security context) is read through an accessor that
// returns (value, ok), and is unknown when ok is false; lists sort unknown
// values after every known one in both directions. When a flow started
// (Flow.Start, the kernel's or the file's timestamp) is not when cttop
// first saw it (Flow.FirstSeen). The rare attributes (Ext: helper, labels,
// security context) live beside the flows, in a side table keyed by slot.
//
// One state model (State) serves every protocol: TCP, SCTP and DCCP have
// their own states, every other protocol is UNREPLIED or REPLIED.
//
// Time enters only with batches (Batch.Time), so expiry, rates and replays
// are deterministic. Nothing here is safe for concurrent use unless its
// documentation says so: one goroutine owns the table.
//
// Big rebuilds answer at once and finish in the background. A list re-sorted
// or re-filtered at a million flows answers from the rows the screen needs,
// selected in one pass, while a worker sorts the rest (partial.go); a
// grouping rebuilt says it is counting while a worker aggregates
// (groupbuild.go). Workers read the table only in its read gate (gate.go),
// which the owner enters for them as it starts them and which every change
// to the table waits for, so they read the table as it was at the key; the
// owner adopts their result and applies the changes made meanwhile.
// Reversing a list needs no sort (reverse.go). A dump may arrive in parts
// (Snapshot), so that a big table shows while it loads.
package model
