package source

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cttop/cttop/tuning"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The nftables ct timeout object's attributes (linux/netfilter/nf_tables.h).
const (
	nftaCtTimeoutL3Proto = 1
	nftaCtTimeoutL4Proto = 2
	nftaCtTimeoutData    = 3
)

// ctTimeoutStates names, for each protocol, the sysctl of the timeout that
// each attribute of a ct timeout policy sets (CTA_TIMEOUT_TCP_SYN_SENT = 1,
// ...: linux/netfilter/nfnetlink_cttimeout.h), so a policy compares with
// the namespace's settings key for key. "" is a timeout without a sysctl
// of its own (TCP's retrans, which nf_conntrack_tcp_timeout_max_retrans
// sets).
var ctTimeoutStates = map[uint8][]string{
	unix.IPPROTO_TCP: {"syn_sent", "syn_recv", "established", "fin_wait", "close_wait", "last_ack",
		"time_wait", "close", "syn_sent2", "max_retrans", "unacknowledged"},
	unix.IPPROTO_UDP:     {"", "stream"},
	unix.IPPROTO_UDPLITE: {"", "stream"},
	unix.IPPROTO_GRE:     {"", "stream"},
	unix.IPPROTO_ICMP:    {""},
	unix.IPPROTO_ICMPV6:  {""},
	unix.IPPROTO_SCTP: {"closed", "cookie_wait", "cookie_echoed", "established", "shutdown_sent",
		"shutdown_recd", "shutdown_ack_sent", "heartbeat_sent", "heartbeat_acked"},
	unix.IPPROTO_DCCP: {"request", "respond", "partopen", "open", "closereq", "closing", "timewait"},
}

// policySysctl returns the sysctl name of attribute i (from 1) of a ct
// timeout policy of protocol proto, "" if none.
func policySysctl(proto uint8, i uint16) string {
	names, ok := ctTimeoutStates[proto]
	if !ok {
		if i == 1 {
			return "nf_conntrack_generic_timeout"
		}
		return ""
	}
	if i == 0 || int(i) > len(names) {
		return ""
	}
	base := "nf_conntrack_" + map[uint8]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp", unix.IPPROTO_UDPLITE: "udp",
		unix.IPPROTO_GRE: "gre", unix.IPPROTO_ICMP: "icmp", unix.IPPROTO_ICMPV6: "icmpv6", unix.IPPROTO_SCTP: "sctp",
		unix.IPPROTO_DCCP: "dccp"}[proto] + "_timeout"
	if s := names[i-1]; s == "syn_sent2" {
		return "" // SYN_SENT2 has no sysctl of its own: syn_sent's
	} else if s != "" {
		return base + "_" + s
	}
	return base
}

// readTimeoutPolicies lists the nft ct timeout objects of the namespace
// nsFd (0: cttop's own): the policies `ct timeout set` attaches to flows,
// which then keep their timeouts instead of the sysctls'.
//
// Hand-written over mdlayher/netlink: google/nftables v0.3.0 decodes a ct
// timeout object's policy into its package-level map of defaults, so every
// object it returns shares (and overwrites) one policy.
func readTimeoutPolicies(nsFd int) ([]tuning.TimeoutPolicy, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: nsFd})
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	defer c.Close()
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Uint32(unix.NFTA_OBJ_TYPE, unix.NFT_OBJECT_CT_TIMEOUT)
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	req := netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETOBJ),
			Flags: netlink.Request | netlink.Dump,
		},
		// nfgenmsg: family (any), version, resource id.
		Data: append([]byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0}, attrs...),
	}
	msgs, err := c.Execute(req)
	if err != nil {
		return nil, fmt.Errorf("nftables: list ct timeout objects: %w", err)
	}
	var out []tuning.TimeoutPolicy
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		p, ok := decodeTimeoutPolicy(m.Data[0], m.Data[4:])
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// decodeTimeoutPolicy decodes one object of a GETOBJ dump (after its
// nfgenmsg); ok is false for another kind of object.
func decodeTimeoutPolicy(family byte, b []byte) (p tuning.TimeoutPolicy, ok bool) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return p, false
	}
	ad.ByteOrder = binary.BigEndian
	var table, name string
	var data []byte
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_OBJ_TABLE:
			table = ad.String()
		case unix.NFTA_OBJ_NAME:
			name = ad.String()
		case unix.NFTA_OBJ_TYPE:
			ok = ad.Uint32() == unix.NFT_OBJECT_CT_TIMEOUT
		case unix.NFTA_OBJ_DATA:
			data = ad.Bytes()
		}
	}
	if ad.Err() != nil || !ok || data == nil {
		return p, false
	}
	p.Name = strings.Join([]string{familyName(family), table, name}, " ")
	p.Timeouts = map[string]int64{}
	od, err := netlink.NewAttributeDecoder(data)
	if err != nil {
		return p, false
	}
	od.ByteOrder = binary.BigEndian
	var states []byte
	for od.Next() {
		switch od.Type() {
		case nftaCtTimeoutL4Proto:
			p.Proto = od.Uint8()
		case nftaCtTimeoutData:
			states = od.Bytes()
		}
	}
	if od.Err() != nil {
		return p, false
	}
	sd, err := netlink.NewAttributeDecoder(states)
	if err != nil {
		return p, false
	}
	sd.ByteOrder = binary.BigEndian
	for sd.Next() {
		if key := policySysctl(p.Proto, sd.Type()); key != "" {
			p.Timeouts[key] = int64(sd.Uint32())
		}
	}
	return p, sd.Err() == nil
}

// familyName names an nftables table family as nft does.
func familyName(f byte) string {
	switch f {
	case unix.NFPROTO_INET:
		return "inet"
	case unix.NFPROTO_IPV4:
		return "ip"
	case unix.NFPROTO_IPV6:
		return "ip6"
	case unix.NFPROTO_BRIDGE:
		return "bridge"
	case unix.NFPROTO_NETDEV:
		return "netdev"
	case unix.NFPROTO_ARP:
		return "arp"
	}
	return fmt.Sprint(f)
}
