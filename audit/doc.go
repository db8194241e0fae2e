// Package audit records every change cttop makes to the kernel (flows
// deleted or flushed, addresses blocked or untracked, SYNPROXY, rules
// removed) in the system log, so that what a root tool did stays on record
// after its screen is gone.
//
// A Log writes one datagram per Record to the syslog socket (/dev/log,
// which journald and rsyslog both serve), in the traditional BSD form that
// syslog(3) sends locally:
//
//	<85>Nov 30 02:26:01 cttop[4242]: action=block count=2 targets="from 203.0.113.9, from 198.51.100.0/24" timeout=1h0m0s netns=web1 netns_inode=4026532246 user=alice user_from=loginuid took=12ms result=ok
//
// Facility authpriv (where sudo records who ran what as root; on Debian's
// rsyslog it lands in /var/log/auth.log), severity notice, or warning when
// the change failed or was cut short. The message is key=value pairs, a
// value quoted (Go syntax) when it holds a space, a quote, '=' or a byte
// outside printable ASCII, so no name a user typed can forge a field or a
// line.
//
// Why this and not log/syslog or RFC 5424: journald's /dev/log reader
// parses only the BSD form (RFC 5424 there is an open request, systemd
// issue 19251) and would keep a 5424 header as message text; log/syslog
// (frozen) writes the BSD form only when it finds the socket itself and
// cannot be pointed at another path, which the tests need, and it keeps one
// connection that a restarted journald leaves dead. A Log dials for every
// record (changes are few) with a deadline, so it never blocks cttop for
// long and follows a restarted daemon.
package audit
