package format

import "github.com/cttop/cttop/model"

// Row is what a table's cells need of one flow: the flow, its counters
// (valid when the flow's HasCounters is set) and the Unix time its TTL
// counts from.
type Row struct {
	Flow     *model.Flow
	Counters model.Counters
	Now      uint32
}

// ColumnID names a column of a table of flows.
type ColumnID uint8

// The columns, in the order tables show them.
const (
	ColProto ColumnID = iota
	ColSrc
	ColSport
	ColDst
	ColDport
	ColState
	ColTTL
	ColFlags
	ColNAT
	ColMark
	ColZone
	ColBytes
	ColPkts
	NumColumns
)

// Column is one column of a table of flows: its title, whether its cells
// are right-aligned (numbers), the widest cell it can have (0: no bound,
// NAT), and the cell of a row. The terminal table and
// cttop --once text show the same cells for a flow: these.
type Column struct {
	ID    ColumnID
	Title string
	Right bool
	Max   int
	Cell  func(r *Row) string
}

// maxAddr is the longest address Addr writes (IPv6, eight groups of four).
const maxAddr = 39

// Columns returns every column in order. The cells are cttop's one
// rendering of a flow in a table: an unknown value is "-" (model's (value,
// ok) accessors), a value that does not apply to the protocol is "-" too
// (a port of GRE or ICMP).
func Columns() []Column {
	return []Column{
		{ColProto, "PROTO", false, 12, func(r *Row) string { return Proto(r.Flow.Proto) }}, // unknown(255)
		{ColSrc, "SRC", false, maxAddr, func(r *Row) string { return Addr(r.Flow.Family, r.Flow.Orig.Src) }},
		{ColSport, "SPORT", true, 8, func(r *Row) string { return SrcPort(r.Flow) }}, // id 65535
		{ColDst, "DST", false, maxAddr, func(r *Row) string { return Addr(r.Flow.Family, r.Flow.Orig.Dst) }},
		{ColDport, "DPORT", true, 7, func(r *Row) string { return DstPort(r.Flow) }},    // 255/255
		{ColState, "STATE", false, 17, func(r *Row) string { return State(r.Flow) }},    // SHUTDOWN_ACK_SENT
		{ColTTL, "TTL", true, 9, func(r *Row) string { return FlowTTL(r.Flow, r.Now) }}, // 49710d06h
		{ColFlags, "FLAGS", false, len(flagLetters), func(r *Row) string { return Flags(r.Flow) }},
		{ColNAT, "NAT", false, 0, func(r *Row) string { return NAT(r.Flow) }},
		{ColMark, "MARK", true, 10, func(r *Row) string { return Mark(r.Flow) }},
		{ColZone, "ZONE", true, 11, func(r *Row) string { return Zone(r.Flow) }}, // 65535 reply
		{ColBytes, "BYTES", true, 5, func(r *Row) string { return CountOrDash(r.Flow, r.Counters.Bytes()) }},
		{ColPkts, "PKTS", true, 5, func(r *Row) string { return CountOrDash(r.Flow, r.Counters.Packets()) }},
	}
}
