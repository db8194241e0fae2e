// Package firewall drops, untracks or puts under SYNPROXY the sources and
// services an operator picks in cttop, in a table of its own: table inet
// cttop. It never creates, changes or deletes anything outside that table.
//
// A Plan lists targets (action.Target: an address, a network, or a local
// service) with one timeout, and the TCP options for SYNPROXY. Plan.NFT
// returns the nft script that Firewall.Apply installs, Plan.IPTables the
// equivalent iptables commands for legacy hosts, and Plan.Explain a few
// lines for a confirmation dialog. Firewall.List reports the entries with
// their time left and packet counts, Firewall.Remove takes one out.
// ReadSynProxyFacts reads the settings SYNPROXY depends on in a namespace;
// SynProxyFacts.Params turns them into the plan's options and
// SynProxyFacts.Checks says which are as SYNPROXY needs. The guard package
// warns before the operator locks themselves out.
//
// # Layout
//
// The table holds seven sets and up to three base chains:
//
//	set blocked4, blocked6   ipv4_addr / ipv6_addr; flags interval, timeout; counter  (Drop)
//	set notrack4, notrack6   ipv4_addr / ipv6_addr; flags interval, timeout; counter  (NoTrack)
//	set notrack_svc          inet_proto . inet_service; flags timeout; counter       (NoTrack)
//	set synproxy_svc         inet_service; flags timeout; counter                    (SynProxy)
//	set synproxy_in          inet_service; flags timeout     (the same ports, uncounted)
//	chain prerouting         hook prerouting priority raw (-300); policy accept
//	    ip saddr @blocked4 drop, ip6 saddr @blocked6 drop,
//	    ip saddr @notrack4 notrack, ip6 saddr @notrack6 notrack,
//	    meta l4proto . th dport @notrack_svc notrack,
//	    tcp flags & (fin | syn | rst | ack) == syn tcp dport @synproxy_svc notrack
//	chain output             hook output priority raw (-300); policy accept
//	    ip daddr @notrack4 notrack, ip6 daddr @notrack6 notrack,
//	    meta l4proto . th sport @notrack_svc notrack
//	chain input              hook input priority filter - 1; policy accept
//	    meta nfproto ipv4 ct state invalid,untracked tcp dport @synproxy_in
//	        synproxy mss M4 wscale W timestamp sack-perm,
//	    (the same for ipv6 with mss M6),
//	    ct state invalid tcp dport @synproxy_in drop
//
// Drops happen in prerouting at raw priority, after defragmentation (-400)
// and before connection tracking (-200), not in an input chain: a dropped
// packet never allocates a conntrack entry or costs a lookup, which is the
// point when the kernel says "table full, dropping packet", and the one
// chain covers both traffic to this host and traffic it forwards (a router
// or NAT box flooded through), so no forward chain is needed. The iptables
// text drops in the raw table for the same reasons.
//
// The address sets are interval sets, so they hold networks as well as
// hosts. The kernel accepts interval together with per-element timeouts (an
// rbtree set): each entry carries its own timeout, and when it runs out the
// kernel removes the whole interval. An interval is stored as its first
// address (with the timeout) and the address after its last (flagged as the
// end); nft and Apply encode them alike, so both list the same. Within a
// set, intervals may not overlap: Apply replaces the entries a new network
// contains and refuses an address inside an applied network (ErrOverlap).
// A plan may hold networks down to /8 (IPv4) and /16 (IPv6): 0.0.0.0/0,
// ::/0 and anything wider are refused outright (ErrTooWide), for DROP and
// NOTRACK alike. Whether a network holds the operator's SSH client, the
// host's own addresses or loopback is the guard's business (package guard).
//
// Every counted element counts the packets it matched since it was added
// (the sets' counter): List reports them in action.Entry's Counter, so the
// user sees a flood hitting the wall. A drop counts the packets dropped, an
// untracked address or service those untracked in both directions, a port
// under SYNPROXY the SYNs SYNPROXY answered. The kernel refuses to add a
// set over one of the same name with another definition, so a set made by
// an older cttop without counters is made anew with them at the next Apply
// if it is empty, and otherwise kept as it is: its entries' counts are
// unknown (Counter.Known false), never zero. The nft text declares the sets
// with counters, so `nft -f` of it fails, changing nothing, over such an
// older table; `nft delete table inet cttop` resets it.
//
// NOTRACK needs an accept of the user's own: untracked packets have ct
// state "untracked", and a ruleset that accepts only established traffic
// drops them. cttop's table cannot accept on the user's behalf, since an
// accept verdict ends only the base chain it is in, and every other table's
// base chain on the hook still sees the packet and may drop it. The texts
// and Explain say so and give the rule. The output chain untracks replies
// too, or each reply would make a new conntrack entry. Service NOTRACK is
// meant for services of this host.
//
// # SYNPROXY
//
// A SynProxy target protects a local TCP port from SYN floods, spoofed or
// not: its SYNs are untracked in prerouting (so the flood takes no
// conntrack entry), and in input the kernel's SYNPROXY answers them with
// SYN cookies; only a client that completes the handshake is connected to
// the service, tracked from then on. The input chain runs at filter - 1,
// before the filter chains of other tables, which commonly drop untracked
// and invalid packets and would cut SYNPROXY off; it drops invalid packets
// to the protected ports only, never host-wide. Two sets hold the ports,
// so that the prerouting lookup alone counts (each SYN once): Apply and
// Remove keep them equal, in one batch. The options SYNPROXY offers (MSS
// per family, window scale, timestamps, SACK) must be what the service's
// own stack offers; SynProxyFacts.Params says how they are derived. The
// input chain is built by the first plan with a SynProxy target and
// rebuilt, with the new plan's options, by each such plan; other plans
// leave it alone. A TCP port cannot be untracked and under SYNPROXY at
// once (ErrOverlap), and an address under NOTRACK cannot reach a port
// under SYNPROXY (its packets are untracked, so SYNPROXY takes each for a
// handshake). SYNPROXY makes its own cookies whatever
// net.ipv4.tcp_syncookies says, but needs nf_conntrack_tcp_loose=0, or
// conntrack may take a handshake's last ACK for a new flow and that client
// hangs (TestKernelSynProxy measured both on Linux 6.18). cttop changes no
// setting: Checks says what to run.
//
// Rules and entries live in the running ruleset only; they are gone after a
// reboot unless the user saves the nft text. DROP, NOTRACK and SYNPROXY act
// on new packets: existing conntrack entries stay until they time out or
// are deleted.
//
// # Applying
//
// Apply sends one netlink batch, the same statements as the nft text: add
// the table, sets and chains (adding an existing one with the same
// definition changes nothing), flush and refill the chains, then delete
// the entries being replaced and add the new ones. Set elements survive, so
// applying again neither duplicates rules nor forgets what is blocked, and
// the kernel applies the batch whole or not at all, whatever its size: a
// plan of 10,000 addresses is one batch of a few dozen messages (up to 512
// targets each), sent with socket buffers sized for it as nft sizes them
// (batch_linux.go says why the nftables library needs help there).
//
// Before sending, Apply merges sibling networks of one set into their
// parent as long as that is exact: 198.18.0.0 to 198.18.63.255 given one
// by one become the one entry 198.18.0.0/18, and 10.0.0.2 with 10.0.0.3
// become 10.0.0.2/31. The texts show the merged entries, and List reports
// what the kernel holds: the merged networks, not the addresses as given.
// Remove takes an entry as List reports it.
//
// What Apply reports is what the kernel did. An error found before sending
// (an invalid plan, a table changed by hand) means nothing was sent. After
// an error from the kernel or from reading its answers, Apply reads the
// table back: if every target is in it with the plan's timeout, the batch
// was applied and Apply returns nil; otherwise it returns an *ApplyError
// listing the targets that are in the kernel's table and those that are
// not. If a set or chain with one of cttop's names was changed by hand,
// Apply sends nothing and returns an error wrapping ErrConflict. Errors
// wrap ErrPermission (no CAP_NET_ADMIN), ErrUnsupported, action.ErrInvalid,
// ErrTooWide, ErrOverlap or ErrNotFound.
//
// A Firewall is bound to one network namespace and is safe for concurrent
// use. Nothing in this package writes to the kernel except Apply and
// Remove; a caller in read-only mode calls neither.
package firewall
