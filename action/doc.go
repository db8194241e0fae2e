// Package action is the vocabulary of what cttop does to the kernel on an
// operator's request, shared by the UI that asks, the firewall that writes
// rules, the source that deletes flows and the application that wires them:
// a rule's Target (drop or untrack an address, a network or a local
// service), an Entry of the rules applied, and the DeleteResult of a
// deletion.
//
// It holds values and their checks only: no nftables, no netlink, no
// terminal. It imports nothing of cttop but model.
package action
