//go:build linux

package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

var dports = [...]uint16{80, 443, 22, 53, 8080}

// fillFlow is flow number i of a filled table: 10.x.y.z encodes i, so
// repeated fills with increasing -first never collide.
func fillFlow(i int) flow4 {
	return flow4{
		src:   [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)},
		dst:   [4]byte{198, 51, 100, 1},
		sport: uint16(1024 + i%60000),
		dport: dports[i%len(dports)],
	}
}

func fillCmd(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	netns := fs.String("netns", "", "namespace `NAME` or path (required)")
	n := fs.Int("n", 10000, "number of flows to create")
	first := fs.Int("first", 0, "number of the first flow")
	timeout := fs.Uint("timeout", 3600, "flow timeout in seconds")
	workers := fs.Int("workers", 2, "parallel sockets")
	batch := fs.Int("batch", 128, "requests per datagram")
	fs.Parse(args)
	path, err := nsPath(*netns)
	if err != nil {
		return err
	}
	if *first+*n > 1<<24 {
		return fmt.Errorf("at most %d flows", 1<<24)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, *workers)
	for w := 0; w < *workers; w++ {
		lo := *first + *n*w / *workers
		hi := *first + *n*(w+1) / *workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fillRange(path, lo, hi, uint32(*timeout), *batch)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	d := time.Since(start)
	fmt.Printf("created %d flows in %v (%.0f/s)\n", *n, d.Round(time.Millisecond), float64(*n)/d.Seconds())
	return nil
}

func fillRange(path string, lo, hi int, timeout uint32, batch int) error {
	c, err := dialNS(path)
	if err != nil {
		return err
	}
	defer c.Close()
	for i := lo; i < hi; {
		for j := 0; j < batch && i < hi; j++ {
			f := fillFlow(i)
			c.addCreate(&f, timeout)
			i++
		}
		failed, first, err := c.flush()
		if err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("%d creates failed near flow %d: %w (table full? raise nf_conntrack_max)", failed, i, first)
		}
	}
	return nil
}
