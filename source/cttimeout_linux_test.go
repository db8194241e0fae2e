package source

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestPolicySysctl: each attribute of a ct timeout policy
// (nfnetlink_cttimeout.h) stands in for the sysctl of the same timeout.
func TestPolicySysctl(t *testing.T) {
	for _, c := range []struct {
		proto uint8
		attr  uint16
		want  string
	}{
		{unix.IPPROTO_TCP, 1, "nf_conntrack_tcp_timeout_syn_sent"},
		{unix.IPPROTO_TCP, 3, "nf_conntrack_tcp_timeout_established"},
		{unix.IPPROTO_TCP, 9, ""}, // SYN_SENT2: syn_sent's
		{unix.IPPROTO_TCP, 10, "nf_conntrack_tcp_timeout_max_retrans"},
		{unix.IPPROTO_TCP, 11, "nf_conntrack_tcp_timeout_unacknowledged"},
		{unix.IPPROTO_TCP, 12, ""},
		{unix.IPPROTO_UDP, 1, "nf_conntrack_udp_timeout"},
		{unix.IPPROTO_UDP, 2, "nf_conntrack_udp_timeout_stream"},
		{unix.IPPROTO_GRE, 2, "nf_conntrack_gre_timeout_stream"},
		{unix.IPPROTO_ICMPV6, 1, "nf_conntrack_icmpv6_timeout"},
		{unix.IPPROTO_SCTP, 2, "nf_conntrack_sctp_timeout_cookie_wait"},
		{unix.IPPROTO_DCCP, 3, "nf_conntrack_dccp_timeout_partopen"},
		{99, 1, "nf_conntrack_generic_timeout"},
		{99, 2, ""},
	} {
		if got := policySysctl(c.proto, c.attr); got != c.want {
			t.Errorf("policySysctl(%d, %d) = %q, want %q", c.proto, c.attr, got, c.want)
		}
	}
}
