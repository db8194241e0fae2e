//go:build linux

package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// genSample is one line of the storm's log: the events the kernel had sent
// by time t (a lower bound: a request's events are sent before its send
// returns).
type genSample struct {
	t   int64
	cum int64
}

// traceLine is one "trace" debug line of cttop's --log: what the view had
// applied at a moment.
type traceLine struct {
	applied int64 // Unix ns of the last batch applied
	events  int64 // NEW + DESTROY events applied so far
	frames  int64
	resyncs int64
	stale   bool
}

func lagCmd(args []string) error {
	fs := flag.NewFlagSet("lag", flag.ExitOnError)
	genFile := fs.String("gen", "", "the storm's -log `FILE`")
	traceFile := fs.String("trace", "", "cttop's --log `FILE`")
	interval := fs.Duration("interval", 100*time.Millisecond, "cttop's --interval")
	fs.Parse(args)
	gen, end, err := readGen(*genFile)
	if err != nil {
		return err
	}
	tr, err := readTrace(*traceFile)
	if err != nil {
		return err
	}
	if len(gen) == 0 || len(tr) == 0 {
		return fmt.Errorf("no samples (storm log %d lines, cttop trace %d lines)", len(gen), len(tr))
	}
	startT := gen[0].t
	total := end.cum
	// Events cttop had applied before the storm began.
	var base int64
	var baseResyncs int64
	for _, l := range tr {
		if l.applied < startT {
			base, baseResyncs = l.events, l.resyncs
		}
	}
	var lags []time.Duration
	var final traceLine
	var stale bool
	for _, l := range tr {
		if l.applied < startT || l.applied > end.t+int64(2*time.Second) {
			continue
		}
		final = l
		stale = stale || l.stale
		c := l.events - base
		if c <= 0 {
			continue
		}
		// The first moment the kernel had sent c events.
		i, _ := slices.BinarySearchFunc(gen, c, func(s genSample, c int64) int {
			switch {
			case s.cum < c:
				return -1
			case s.cum > c:
				return 1
			}
			return 0
		})
		if i >= len(gen) {
			if c > total {
				return fmt.Errorf("cttop applied %d storm events, the storm sent %d", c, total)
			}
			i = len(gen) - 1
		}
		// gen[i] is the first sample with cum >= c: the c-th event was sent
		// after gen[i-1].t at the earliest.
		sent := gen[i].t
		if i > 0 {
			sent = gen[i-1].t
		}
		if l.applied <= end.t { // after the storm, the lag only grows with idle time
			lags = append(lags, time.Duration(l.applied-sent))
		}
	}
	got := final.events - base
	fmt.Printf("storm events sent %d, applied by cttop's view %d (missing %d), resyncs during storm %d, stale seen %v\n",
		total, got, total-got, final.resyncs-baseResyncs, stale)
	if len(lags) > 0 {
		slices.Sort(lags)
		fmt.Printf("view lag behind the kernel at each sample (%d samples, one a second): median %v, max %v (interval %v)\n",
			len(lags), lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond), *interval)
	}
	if got != total {
		return fmt.Errorf("cttop missed %d of %d events", total-got, total)
	}
	return nil
}

func readGen(path string) ([]genSample, genSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, genSample{}, err
	}
	defer f.Close()
	var out []genSample
	var end genSample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == "end" {
			end.t, _ = strconv.ParseInt(fields[1], 10, 64)
			end.cum, _ = strconv.ParseInt(fields[2], 10, 64)
			continue
		}
		if len(fields) < 2 {
			continue
		}
		var s genSample
		s.t, _ = strconv.ParseInt(fields[0], 10, 64)
		s.cum, _ = strconv.ParseInt(fields[1], 10, 64)
		out = append(out, s)
	}
	if end.t == 0 {
		return nil, end, fmt.Errorf("%s: no end line: the storm did not finish", path)
	}
	return out, end, sc.Err()
}

// readTrace reads the msg=trace lines of cttop's slog text log.
func readTrace(path string) ([]traceLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []traceLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " msg=trace ") {
			continue
		}
		var l traceLine
		for _, kv := range strings.Fields(line) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "applied":
				l.applied = n
			case "events":
				l.events = n
			case "frames":
				l.frames = n
			case "resyncs":
				l.resyncs = n
			case "stale":
				l.stale = v == "true"
			}
		}
		out = append(out, l)
	}
	return out, sc.Err()
}
