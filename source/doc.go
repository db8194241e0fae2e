// Package source talks to the kernel's connection tracking table and turns
// what it says into model batches: a streaming dump, the ctnetlink event
// stream, resynchronisation after lost events, table statistics, flow
// deletion; plus the replay and demo sources that need no kernel.
//
// It is the only package that speaks ctnetlink; everything else sees
// model.Flow.
package source
