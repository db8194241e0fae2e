// Package ctjson writes and reads cttop's JSON, the output of
// cttop --once --format json (Write) and one of the formats of a replay
// (Read). docs/json.md lists every field, its unit and when it is absent.
//
//	{"table": {"count": N, "max": N, "drops": N, "early_drops": N, "insert_failed": N, "invalid": N},
//	 "matched": N,
//	 "flows": [{"id": N, "family": "ipv4", "proto": "tcp", "src": "192.0.2.1", "sport": N,
//	            "dst": "...", "dport": N, "state": "ESTABLISHED", "timeout": N,
//	            "status": ["SEEN_REPLY", "ASSURED", "CONFIRMED"], "reply_src": "...", "reply_sport": N,
//	            "reply_dst": "...", "reply_dport": N, "mark": N, "zone": N,
//	            "bytes": N, "packets": N, "orig_bytes": N, "orig_packets": N,
//	            "reply_bytes": N, "reply_packets": N, "age": N}]}
//
// ICMP flows have "icmp_type", "icmp_code" and "icmp_id" instead of ports;
// the reply's ICMP type is derived (echo request 8 -> reply 0) unless
// "reply_icmp_type", "reply_icmp_code", "reply_icmp_id" say it. "bytes" and
// "packets" are totals of both directions: without the per-direction
// "orig_*" and "reply_*" they go to Counters.OrigBytes and OrigPackets. A
// flow has counters when any of them is there. "age" gives FirstSeen, like
// delta-time, but not HasStart (it may be cttop's first sight of the flow
// rather than the kernel's timestamp); "id": 0 is no id. A
// missing reply tuple is the inverse of the original. A top-level array of
// flows is read too. Keys may come in any order; unknown keys are ignored.
//
// Both directions stream: Write formats one flow at a time into a reused
// buffer, and Read decodes one flow at a time into fields that parse
// straight from the decoder's buffer.
package ctjson
