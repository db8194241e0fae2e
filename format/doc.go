// Package format is cttop's one rendering of what it shows as text: a
// flow's endpoints, NAT translation, state and TTL, numbers with thousands
// separators, sizes, rates, durations, plurals, and prose wrapped to a
// width. The table, the detail pane, cttop --once (text and JSON), the
// tuning report and the metrics all render through it, so one thing reads
// the same everywhere.
//
// It imports nothing of cttop but model, and no terminal package: styling
// is the UI's.
package format
