package firewall

import (
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Attributes of a set that github.com/google/nftables v0.3.0 does not
// decode (its GetSets ignores them), from linux/netfilter/nf_tables.h.
const (
	nftaSetExpr        = 17 // NFTA_SET_EXPR: one expression given to every element
	nftaSetExpressions = 18 // NFTA_SET_EXPRESSIONS: a list of them
)

// setCounters returns the names of the sets of table inet cttop whose
// elements carry a counter (a set declared with `counter`). The nftables
// library does not say, so this is a GETSET dump of its own on a socket in
// the namespace netns (0: the calling thread's).
func setCounters(netns int) (map[string]bool, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, classify(fmt.Errorf("list set counters: %w", err))
	}
	defer c.Close()
	if err := (*batchSize)(nil).set(c); err != nil {
		return nil, err
	}
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: unix.NFTA_SET_TABLE, Data: []byte(TableName + "\x00")}})
	if err != nil {
		return nil, err
	}
	req := netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETSET),
			Flags: netlink.Request | netlink.Dump,
		},
		// struct nfgenmsg: family, version, resource id.
		Data: append([]byte{unix.NFPROTO_INET, unix.NFNETLINK_V0, 0, 0}, attrs...),
	}
	msgs, err := c.Execute(req)
	if err != nil {
		return nil, classify(fmt.Errorf("list set counters: %w", err))
	}
	out := map[string]bool{}
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		name, counter, err := decodeSetCounter(m.Data[4:])
		if err != nil {
			return nil, fmt.Errorf("list set counters: %w", err)
		}
		if counter {
			out[name] = true
		}
	}
	return out, nil
}

// decodeSetCounter returns a set's name and whether one of its element
// expressions is a counter.
func decodeSetCounter(b []byte) (name string, counter bool, err error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return "", false, err
	}
	isCounter := func(nad *netlink.AttributeDecoder) error {
		for nad.Next() {
			if nad.Type() == unix.NFTA_EXPR_NAME && nad.String() == "counter" {
				counter = true
			}
		}
		return nil
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_SET_NAME:
			name = ad.String()
		case nftaSetExpr:
			ad.Nested(isCounter)
		case nftaSetExpressions:
			ad.Nested(func(list *netlink.AttributeDecoder) error {
				for list.Next() {
					list.Nested(isCounter)
				}
				return nil
			})
		}
	}
	return name, counter, ad.Err()
}
