//go:build linux

package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// stormFlow is flow number i of storm worker w: 172.(16+w).x.y, apart from
// the 10/8 flows of fill.
func stormFlow(w, i int) flow4 {
	return flow4{
		src:   [4]byte{172, byte(16 + w), byte(i >> 8), byte(i)},
		dst:   [4]byte{198, 51, 100, 2},
		sport: uint16(1024 + (i>>16)%60000),
		dport: 443,
	}
}

type stormCounts struct {
	events atomic.Int64 // successful creates and deletes: events the kernel sent
	failed atomic.Int64
}

func stormCmd(args []string) error {
	fs := flag.NewFlagSet("storm", flag.ExitOnError)
	netns := fs.String("netns", "", "namespace `NAME` or path (required)")
	rate := fs.Float64("rate", 100000, "events per second (creates + deletes)")
	dur := fs.Duration("duration", 30*time.Second, "how long")
	workers := fs.Int("workers", 2, "parallel sockets")
	pool := fs.Int("pool", 50000, "storm flows alive at once: each lives pool/(rate/2) seconds")
	batch := fs.Int("batch", 256, "at most this many requests per datagram")
	logFile := fs.String("log", "", "write the cumulative event count every 10ms to `FILE`")
	settle := fs.Duration("settle", 3*time.Second, "wait this long after the storm before deleting its flows")
	fs.Parse(args)
	path, err := nsPath(*netns)
	if err != nil {
		return err
	}
	var cnt stormCounts
	var log *bufio.Writer
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		log = bufio.NewWriter(f)
		defer log.Flush()
	}
	conns := make([]*conn, *workers)
	for w := range conns {
		if conns[w], err = dialNS(path); err != nil {
			return err
		}
		defer conns[w].Close()
	}
	rings := make([][]flow4, *workers)
	start := time.Now()
	stop := make(chan struct{})
	logged := logCounts(log, &cnt, stop)
	var wg sync.WaitGroup
	errs := make([]error, *workers)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rings[w], errs[w] = stormWorker(conns[w], w, *rate/float64(*workers), *pool / *workers, *batch, start, *dur, &cnt)
		}()
	}
	wg.Wait()
	el := time.Since(start)
	close(stop)
	<-logged
	if log != nil {
		fmt.Fprintf(log, "end %d %d\n", time.Now().UnixNano(), cnt.events.Load())
		log.Flush()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ev := cnt.events.Load()
	fmt.Printf("storm: %d events in %v = %.0f events/s (target %.0f), %d failed requests\n",
		ev, el.Round(time.Millisecond), float64(ev)/el.Seconds(), *rate, cnt.failed.Load())
	time.Sleep(*settle)
	// Clean up the storm's flows (their DESTROY events come after the log ends).
	return deleteRings(conns, rings)
}

// logCounts writes the cumulative event and failure counts to log (if not
// nil) every 10 ms until stop closes; the returned channel closes then.
func logCounts(log *bufio.Writer, cnt *stormCounts, stop <-chan struct{}) <-chan struct{} {
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if log != nil {
				fmt.Fprintf(log, "%d %d %d\n", time.Now().UnixNano(), cnt.events.Load(), cnt.failed.Load())
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return logged
}

// deleteRings deletes the flows each worker left alive, on its connection.
func deleteRings(conns []*conn, rings [][]flow4) error {
	for w, ring := range rings {
		for i := range ring {
			conns[w].addDelete(&ring[i])
			if len(conns[w].out) > 32<<10 {
				if _, _, err := conns[w].flush(); err != nil {
					return err
				}
			}
		}
		if _, _, err := conns[w].flush(); err != nil {
			return err
		}
	}
	return nil
}

// stormWorker creates flows until pool are alive, then alternates deleting
// the oldest and creating a new one, paced to rate requests per second. It
// returns the flows still alive.
func stormWorker(c *conn, w int, rate float64, pool, batch int, start time.Time, dur time.Duration, cnt *stormCounts) ([]flow4, error) {
	ring := make([]flow4, pool)
	head, live, next := 0, 0, 0
	var done int64
	for {
		el := time.Since(start)
		if el >= dur {
			break
		}
		due := int64(rate*el.Seconds()) - done
		if due <= 0 {
			time.Sleep(200 * time.Microsecond)
			continue
		}
		n := min(due, int64(batch))
		for k := int64(0); k < n; k++ {
			if live < pool {
				f := stormFlow(w, next)
				next++
				ring[(head+live)%pool] = f
				live++
				c.addCreate(&f, 120)
			} else {
				c.addDelete(&ring[head])
				head = (head + 1) % pool
				live--
			}
		}
		failed, first, err := c.flush()
		if err != nil {
			return nil, err
		}
		if failed > 0 && cnt.failed.Add(int64(failed)) == int64(failed) {
			fmt.Fprintf(os.Stderr, "ctbench storm: worker %d: first failure: %v\n", w, first)
		}
		done += n
		cnt.events.Add(n - int64(failed))
	}
	alive := make([]flow4, 0, live)
	for i := 0; i < live; i++ {
		alive = append(alive, ring[(head+i)%pool])
	}
	return alive, nil
}
