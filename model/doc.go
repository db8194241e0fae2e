// Package model is cttop's state, free of terminals, kernels and clocks:
// the compact flow table, the ingest of coalesced event batches, the sorted
// and filtered list (filtered by a Matcher, such as package filter makes),
// aggregation into groups, rates, and a table's per-second history with
// its time to full (History).
//
// Time enters only with batches (Batch.Time), so expiry, rates and replays
// are deterministic. Nothing here is safe for concurrent use unless its
// documentation says so: one goroutine owns the table.
package model
