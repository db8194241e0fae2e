// Command ctfill creates conntrack flows through ctnetlink, for benchmarks
// and demonstrations: no packets needed. Run it as root, in a namespace of
// your own (ip netns add ...), never on a production table.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/cttop/cttop/source/sourcetest"
)

func main() {
	netns := flag.String("netns", "", "namespace `NAME` or path (required: never fill a real table)")
	n := flag.Int("n", 10000, "number of flows")
	first := flag.Int("first", 0, "number of the first flow (source address 10.x.y.z encodes it)")
	dst := flag.String("dst", "198.51.100.1", "destination address")
	dport := flag.Int("dport", 80, "destination port")
	flag.Parse()
	if *netns == "" {
		fmt.Fprintln(os.Stderr, "ctfill: --netns is required")
		os.Exit(2)
	}
	path := *netns
	if path[0] != '/' {
		path = "/run/netns/" + path
	}
	c, err := sourcetest.DialPath(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctfill:", err)
		os.Exit(1)
	}
	defer c.Close()
	start := time.Now()
	if err := sourcetest.Fill(c, *first, *n, *dst, uint16(*dport)); err != nil {
		fmt.Fprintln(os.Stderr, "ctfill:", err)
		os.Exit(1)
	}
	d := time.Since(start)
	fmt.Printf("created %d flows in %v (%.0f/s)\n", *n, d.Round(time.Millisecond), float64(*n)/d.Seconds())
}
