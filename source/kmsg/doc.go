// Package kmsg reads the kernel log (/dev/kmsg) for the lines that matter
// to a conntrack table: "table full" (with the namespace's inode on
// kernels that print it), the net_ratelimit suppression counts next to
// them, "possible SYN flooding on port N", "expectation table full", the
// conntrack hash's size and vmalloc fallbacks, and the invalid packets
// the kernel logs when nf_conntrack_log_invalid is set.
//
// It only reads: it never clears the buffer (no syslog(2) actions) and
// needs no more than read access to /dev/kmsg (root, or CAP_SYSLOG where
// kernel.dmesg_restrict=1). The record format is the kernel's dev-kmsg ABI
// (Documentation/ABI/testing/dev-kmsg): "PRI,SEQ,USEC,FLAGS;text", one
// record per read, continuation lines starting with a space.
//
// Lines come out as model.LogLine; model.KernelLog keeps them.
package kmsg
