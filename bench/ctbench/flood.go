//go:build linux

package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"time"
)

// floodCmd makes the table of a distributed SYN flood: sources in one
// prefix with half-open flows to a port, and ordinary established flows
// from sources spread over many /8s; then, with -rate, the prefix goes on
// opening that many half-open flows a second (or, with -spoofed, sources
// spread over the whole IPv4 space do).
func floodCmd(args []string) error {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	netns := fs.String("netns", "", "namespace `NAME` or path (required)")
	sources := fs.Int("sources", 2000, "attacking sources, in 198.18.0.0/16 from 198.18.0.1, 250 to a /24")
	per := fs.Int("per", 21, "half-open flows per attacking source")
	noise := fs.Int("noise", 18000, "ordinary established flows from random sources")
	rate := fs.Int("rate", 0, "then open this many half-open flows a second")
	spoofed := fs.Bool("spoofed", false, "with -rate: from sources spread over the IPv4 space, not the attacking prefix")
	duration := fs.Duration("duration", time.Minute, "how long -rate goes on")
	timeout := fs.Uint("timeout", 600, "flow timeout in seconds")
	fs.Parse(args)
	path, err := nsPath(*netns)
	if err != nil {
		return err
	}
	c, err := dialNS(path)
	if err != nil {
		return err
	}
	defer c.Close()
	const synRecv, established = 2, 3
	const confirmed = statusConfirmed
	r := rand.New(rand.NewPCG(1, 2))
	attacker := func(i int) [4]byte { return [4]byte{198, 18, byte(i / 250), byte(i%250 + 1)} }
	anywhere := func() [4]byte {
		return [4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))}
	}
	dst := [4]byte{192, 0, 2, 1}
	n := 0
	send := func(f flow4, state byte, status uint32) error {
		c.addCreateState(&f, uint32(*timeout), state, status)
		if n++; n%128 != 0 {
			return nil
		}
		return flushed(c)
	}
	for s := 0; s < *sources; s++ {
		for j := 0; j < *per; j++ {
			if err := send(flow4{src: attacker(s), dst: dst, sport: uint16(1024 + j), dport: 80}, synRecv, confirmed); err != nil {
				return err
			}
		}
	}
	for i := 0; i < *noise; i++ {
		if err := send(flow4{src: anywhere(), dst: dst, sport: uint16(1024 + i%60000), dport: 443}, established,
			statusConfirmed|statusSeenReply|statusAssured); err != nil {
			return err
		}
	}
	if err := flushed(c); err != nil {
		return err
	}
	fmt.Printf("created %d flows\n", n)
	if *rate <= 0 {
		return nil
	}
	start, made := time.Now(), 0
	for time.Since(start) < *duration {
		time.Sleep(10 * time.Millisecond)
		for want := int(float64(*rate) * time.Since(start).Seconds()); made < want; made++ {
			src := attacker(made % max(*sources, 1))
			if *spoofed {
				src = anywhere()
			}
			c.addCreateState(&flow4{src: src, dst: dst, sport: uint16(20000 + made%40000), dport: 80}, uint32(*timeout), synRecv, confirmed)
		}
		c.flush() // a full table refuses some: that is the flood
	}
	fmt.Printf("opened %d more flows in %v\n", made, time.Since(start).Round(time.Millisecond))
	return nil
}

// flushed sends the queued creations and fails on any refused one.
func flushed(c *conn) error {
	failed, first, err := c.flush()
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d creates failed: %w (table full? raise nf_conntrack_max)", failed, first)
	}
	return nil
}
