// Package source talks to the kernel's connection tracking table and turns
// what it says into model batches: a streaming dump, the ctnetlink event
// stream, resynchronisation after lost events, table statistics, flow
// deletion and flushes, and the settings the tuning advisor reads.
//
// It is the only package that speaks ctnetlink; everything else sees
// model.Flow. Every source (this package's Kernel, replay.Source,
// demo.Source) implements Source and hands batches over through an Outbox.
//
// The kernel source is split by concern: kernel_linux.go (opening, stats,
// the hand-over loop), events_linux.go (the event reader),
// resync_linux.go (dumps, resync and reconciliation), netlink_linux.go (the
// socket and the streaming dump), decode.go (the attribute walker),
// delete_linux.go, sysctl_linux.go and tune_linux.go; the _other.go files
// fail with ErrNoConntrack.
package source
