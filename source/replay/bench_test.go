package replay

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Synthetic tables for the benchmarks: conntrack -L -o extended,id lines
// (and the same flows as XML and JSON) like a busy NAT router's: 70% TCP,
// 25% UDP, 5% ICMP, one flow in ten IPv6, all with counters.

// appendReplayLine appends flow i of a synthetic table in format (text,
// xml or json).
func appendReplayLine(b []byte, format string, i int) []byte {
	v6 := i%10 == 9
	src := fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)
	dst := fmt.Sprintf("198.51.%d.%d", i>>8&0x3f, i&0xff)
	nat := "203.0.113.1"
	fam, famNum := "ipv4", 2
	if v6 {
		src = fmt.Sprintf("2001:db8:%x::%x", i>>16, i&0xffff)
		dst = fmt.Sprintf("2001:db8:ffff::%x", i&0xfff)
		nat = src
		fam, famNum = "ipv6", 10
	}
	sport, dport := 1024+i%60000, []int{443, 80, 53, 22, 8080}[i%5]
	pk1, by1, pk2, by2 := i%1000+1, (i%1000+1)*60, i%700, (i%700)*1200
	id := uint32(i)*2654435761 + 1
	switch format {
	case "xml":
		l4, ports, rports, state := "tcp", fmt.Sprintf("<sport>%d</sport><dport>%d</dport>", sport, dport),
			fmt.Sprintf("<sport>%d</sport><dport>%d</dport>", dport, sport), "<state>ESTABLISHED</state>"
		num := 6
		switch {
		case i%20 == 7:
			l4, num, ports, rports, state = "icmp", 1, "", "", ""
		case i%4 == 1:
			l4, num, state = "udp", 17, ""
		}
		return fmt.Appendf(b, `<flow><meta direction="original"><layer3 protonum="%d" protoname="%s"><src>%s</src><dst>%s</dst></layer3><layer4 protonum="%d" protoname="%s">%s</layer4><counters><packets>%d</packets><bytes>%d</bytes></counters></meta><meta direction="reply"><layer3 protonum="%d" protoname="%s"><src>%s</src><dst>%s</dst></layer3><layer4 protonum="%d" protoname="%s">%s</layer4><counters><packets>%d</packets><bytes>%d</bytes></counters></meta><meta direction="independent">%s<timeout>%d</timeout><mark>0</mark><use>1</use><id>%d</id><assured/><deltatime>%d</deltatime></meta></flow>`+"\n",
			famNum, fam, src, dst, num, l4, ports, pk1, by1, famNum, fam, dst, nat, num, l4, rports, pk2, by2, state, 431999-i%1000, id, i%5000)
	case "json":
		sep := ",\n"
		if i == 0 {
			sep = ""
		}
		proto := "tcp"
		switch {
		case i%20 == 7:
			return fmt.Appendf(b, `%s{"id": %d, "family": "%s", "proto": "icmp", "src": "%s", "dst": "%s", "icmp_type": 8, "icmp_code": 0, "icmp_id": %d, "timeout": 29, "status": ["SEEN_REPLY", "CONFIRMED"], "reply_src": "%s", "reply_dst": "%s", "mark": 0, "zone": 0, "bytes": %d, "packets": %d}`,
				sep, id, fam, src, dst, i&0xffff, dst, nat, by1+by2, pk1+pk2)
		case i%4 == 1:
			proto = "udp"
		}
		return fmt.Appendf(b, `%s{"id": %d, "family": "%s", "proto": "%s", "src": "%s", "sport": %d, "dst": "%s", "dport": %d, "state": "ESTABLISHED", "timeout": %d, "status": ["SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT"], "reply_src": "%s", "reply_sport": %d, "reply_dst": "%s", "reply_dport": %d, "mark": 0, "zone": 0, "bytes": %d, "packets": %d}`,
			sep, id, fam, proto, src, sport, dst, dport, 431999-i%1000, dst, dport, nat, sport, by1+by2, pk1+pk2)
	}
	switch {
	case i%20 == 7:
		return fmt.Appendf(b, "%-8s %d icmp     1 29 src=%s dst=%s type=8 code=0 id=%d packets=%d bytes=%d src=%s dst=%s type=0 code=0 id=%d packets=%d bytes=%d mark=0 delta-time=%d use=1 id=%d\n",
			fam, famNum, src, dst, i&0xffff, pk1, by1, dst, nat, i&0xffff, pk2, by2, i%30, id)
	case i%4 == 1:
		return fmt.Appendf(b, "%-8s %d udp      17 %d src=%s dst=%s sport=%d dport=%d packets=%d bytes=%d src=%s dst=%s sport=%d dport=%d packets=%d bytes=%d [ASSURED] mark=0 delta-time=%d use=1 id=%d\n",
			fam, famNum, 120-i%100, src, dst, sport, dport, pk1, by1, dst, nat, dport, sport, pk2, by2, i%5000, id)
	}
	return fmt.Appendf(b, "%-8s %d tcp      6 %d ESTABLISHED src=%s dst=%s sport=%d dport=%d packets=%d bytes=%d src=%s dst=%s sport=%d dport=%d packets=%d bytes=%d [ASSURED] mark=0 delta-time=%d use=1 id=%d\n",
		fam, famNum, 431999-i%1000, src, dst, sport, dport, pk1, by1, dst, nat, dport, sport, pk2, by2, i%5000, id)
}

// replayTable returns a synthetic table of n flows in format.
func replayTable(format string, n int) []byte {
	var b []byte
	switch format {
	case "xml":
		b = append(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>\n"...)
	case "json":
		b = fmt.Appendf(b, "{\"table\": {\"count\": %d, \"max\": 1048576}, \"matched\": %d, \"flows\": [\n", n, n)
	}
	for i := range n {
		b = appendReplayLine(b, format, i)
	}
	switch format {
	case "xml":
		b = append(b, "</conntrack>\n"...)
	case "json":
		b = append(b, "\n]}\n"...)
	}
	return b
}

// replayGenerator streams a synthetic text table of n lines without holding
// it: it repeats a block of lines, rewriting each line's conntrack id (a
// fixed-width field at the end) per block, so that every line is a flow
// of its own and none a duplicate of one read before.
type replayGenerator struct {
	n     int
	lines int // lines in the block (0: 65536)
	block []byte
	ends  []int // end of each line in block, after its newline
	blk   int   // blocks given
	off   int   // read position in the current block
}

// idWidth is the width of the id field the generator rewrites.
const idWidth = 10

func (g *replayGenerator) init() {
	if g.lines == 0 {
		g.lines = 65536
	}
	for i := range min(g.n, g.lines) {
		line := appendReplayLine(nil, "text", i)
		line = line[:bytes.LastIndex(line, []byte("id="))+3]
		g.block = append(append(g.block, line...), strings.Repeat("0", idWidth)+"\n"...)
		g.ends = append(g.ends, len(g.block))
	}
}

// setIDs writes the ids of block blk: flow blk*lines+i for line i.
func (g *replayGenerator) setIDs() {
	for i, end := range g.ends {
		id := uint32(g.blk*len(g.ends)+i)*2654435761 + 1
		b := g.block[end-1-idWidth : end-1]
		for j := idWidth - 1; j >= 0; j-- {
			b[j] = '0' + byte(id%10)
			id /= 10
		}
	}
}

func (g *replayGenerator) Read(p []byte) (int, error) {
	if g.block == nil {
		g.init()
	}
	end := len(g.block)
	if full := g.n / len(g.ends); g.blk == full {
		rem := g.n % len(g.ends)
		if rem == 0 {
			return 0, io.EOF
		}
		end = g.ends[rem-1]
	} else if g.blk > full {
		return 0, io.EOF
	}
	if g.off == 0 {
		g.setIDs()
	}
	n := copy(p, g.block[g.off:end])
	if g.off += n; g.off == end {
		g.blk, g.off = g.blk+1, 0
		if end != len(g.block) {
			g.blk = g.n // the partial block was the last
		}
	}
	return n, nil
}

func benchmarkLoadReplay(b *testing.B, format string, n int) {
	data := replayTable(format, n)
	now := time.Now()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		sn, rep, err := Load(bytes.NewReader(data), now)
		if err != nil || sn.Len() != n || rep.Skipped != 0 {
			b.Fatalf("%v: %d flows, %s", err, sn.Len(), rep)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	lines := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/lines, "ns/line")
	b.ReportMetric(float64(cpu.Nanoseconds())/lines, "cpu-ns/line")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/lines, "allocs/line")
}

// BenchmarkLoadReplay loads a 100k-line conntrack -L -o extended,id dump.
func BenchmarkLoadReplay(b *testing.B) { benchmarkLoadReplay(b, "text", 100_000) }

// BenchmarkLoadReplayXML loads the same table as conntrack -L -o xml.
func BenchmarkLoadReplayXML(b *testing.B) { benchmarkLoadReplay(b, "xml", 100_000) }

// BenchmarkLoadReplayJSON loads the same table as cttop's JSON.
func BenchmarkLoadReplayJSON(b *testing.B) { benchmarkLoadReplay(b, "json", 100_000) }

// BenchmarkLoadReplay1M streams a 1M-line dump (generated on the fly, not
// held in memory) and reports the load time and the heap the snapshot
// keeps per flow.
func BenchmarkLoadReplay1M(b *testing.B) {
	const n = 1_000_000
	now := time.Now()
	var heap, total, cpu float64
	for b.Loop() {
		runtime.GC()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		start, cpu0 := time.Now(), cpuTime()
		sn, rep, err := Load(&replayGenerator{n: n}, now)
		total += time.Since(start).Seconds()
		cpu += (cpuTime() - cpu0).Seconds()
		if err != nil || sn.Len() != n || rep.Skipped != 0 {
			b.Fatalf("%v: %d flows, %s", err, sn.Len(), rep)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		heap = float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)
		runtime.KeepAlive(sn)
	}
	b.ReportMetric(total/float64(b.N), "s/load")
	b.ReportMetric(cpu/float64(b.N), "cpu-s/load")
	b.ReportMetric(heap/n, "heap-B/flow")
	b.ReportMetric(heap/(1<<20), "heap-MiB")
}

// TestReplayGenerator checks that the synthetic tables parse completely.
func TestReplayGenerator(t *testing.T) {
	for _, format := range []string{"text", "xml", "json"} {
		sn, rep, err := Load(bytes.NewReader(replayTable(format, 1000)), time.Now())
		if err != nil || sn.Len() != 1000 || rep.Skipped != 0 {
			t.Errorf("%s: %v: %d flows, %s", format, err, sn.Len(), rep)
		}
	}
	for _, n := range []int{1, 99, 100, 101, 250} {
		sn, _, err := Load(&replayGenerator{n: n, lines: 100}, time.Now())
		if err != nil || sn.Len() != n {
			t.Errorf("generator of %d lines: %v, %d flows", n, err, sn.Len())
		}
	}
}

// cpuTime returns the CPU time the process has used (all threads, the
// garbage collector's included): on a shared machine it measures the work
// where the wall clock also measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
