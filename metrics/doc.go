// Package metrics exports the conntrack table to Prometheus: a collector that
// reads the latest Snapshot the application published, and an HTTP server
// for /metrics that listens on loopback unless told otherwise.
//
// The flow table is owned by one goroutine (see model.Table). That goroutine
// builds a Snapshot, at most once a second, and hands it to Exporter.Publish;
// scrapes read the latest one from any goroutine and never touch the table.
package metrics
