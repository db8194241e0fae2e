// Package ctjson writes and reads cttop's JSON, the output of
// cttop --once --format json (Write) and one of the formats of a replay
// (Read). docs/json.md lists every field, its unit and when it is absent.
//
//	{"version": 3,
//	 "table": {"count": N, "max": N, "drops": N, "early_drops": N, "insert_failed": N, "invalid": N},
//	 "matched": N,
//	 "flows": [{"id": N, "family": "ipv4", "proto": "tcp", "src": "192.0.2.1", "sport": N,
//	            "dst": "...", "dport": N, "state": "ESTABLISHED", "timeout": N,
//	            "status": ["SEEN_REPLY", "ASSURED", "CONFIRMED"], "reply_src": "...", "reply_sport": N,
//	            "reply_dst": "...", "reply_dport": N, "mark": N, "zone": N, "zone_dir": "orig",
//	            "bytes": N, "packets": N, "orig_bytes": N, "orig_packets": N,
//	            "reply_bytes": N, "reply_packets": N, "age": N, "helper": "ftp"}]}
//
// The table's max and counters are null when unknown (a replay of a file
// without them; version 2 wrote 0). What a source did not give of a flow
// is absent (never 0); the helper, labels and
// security context are absent when the flow has none and null when
// unknown. ICMP flows have "icmp_type", "icmp_code", "icmp_id" and their
// "reply_icmp_*" instead of ports (a reader derives the reply's from the
// request's when a version 1 document lacks them); GRE flows have
// "srckey", "dstkey", "reply_srckey", "reply_dstkey". "bytes" and
// "packets" are totals of both directions: without the per-direction
// "orig_*" and "reply_*" they go to Counters.OrigBytes and OrigPackets. A
// flow has counters when any of them is there. "age" is from the flow's
// start timestamp (version 2; in version 1 it may be cttop's first sight
// of the flow). A missing reply tuple is the inverse of the original. A
// top-level array of flows is read too. Keys may come in any order;
// unknown keys are ignored.
//
// Both directions stream: Write formats one flow at a time into a reused
// buffer, and Read decodes one flow at a time into fields that parse
// straight from the decoder's buffer.
package ctjson
