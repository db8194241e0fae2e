//go:build linux

package main

import (
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The screen latencies are measured from outside, as a user sees them:
// tmux runs the program in a pane, ctbench sends a key (or starts the
// program) and reads the pane every -poll until it shows what the key (or
// the launch) must show. The figure includes tmux's own time and up to one
// polling period.

// pane is a tmux pane read with capture-pane.
type pane struct{ target string }

func (p pane) capture() (string, error) {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", p.target).Output()
	if err != nil {
		return "", fmt.Errorf("tmux capture-pane -t %s: %w", p.target, err)
	}
	return string(out), nil
}

func (p pane) send(key string) error {
	if err := exec.Command("tmux", "send-keys", "-t", p.target, key).Run(); err != nil {
		return fmt.Errorf("tmux send-keys -t %s %s: %w", p.target, key, err)
	}
	return nil
}

// waitFor polls the pane every poll until ok holds for its text, and
// returns the time from start and the last text; it fails after timeout.
func (p pane) waitFor(start time.Time, poll, timeout time.Duration, ok func(string) bool) (time.Duration, string, error) {
	last := ""
	for {
		txt, err := p.capture()
		if err != nil {
			return 0, last, err
		}
		last = txt
		if ok(txt) {
			return time.Since(start), txt, nil
		}
		if time.Since(start) > timeout {
			return 0, last, fmt.Errorf("screen did not match within %v; last screen:\n%s", timeout, last)
		}
		time.Sleep(poll)
	}
}

// keyCmd measures key to screen: for each -keys entry KEY=REGEX it sends
// KEY (a tmux key name) and waits until the pane matches REGEX and differs
// from the screen before the key; -reps times, the keys in turn, with
// -pause between presses. It prints one line per key: the median and
// every run, in milliseconds.
func keyCmd(args []string) error {
	fs := flag.NewFlagSet("key", flag.ExitOnError)
	target := fs.String("t", "", "tmux target `PANE` (session name)")
	var keys multiFlag
	fs.Var(&keys, "key", "`KEY=REGEX`: a tmux key name and what the screen shows once it is answered; KEY=FIRST|||FINAL also times FINAL, the screen once the work the key started is done (repeatable)")
	reps := fs.Int("reps", 5, "presses of each key")
	poll := fs.Duration("poll", 5*time.Millisecond, "polling period")
	pause := fs.Duration("pause", 700*time.Millisecond, "time between presses (lets background work finish)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a press after")
	fs.Parse(args)
	if *target == "" || len(keys) == 0 {
		return errors.New("key: -t and at least one -key are required")
	}
	p := pane{*target}
	type probe struct {
		key       string
		re, final *regexp.Regexp
		ms, fms   []float64
	}
	var probes []*probe
	for _, k := range keys {
		name, expr, ok := strings.Cut(k, "=")
		if !ok {
			return fmt.Errorf("key: %q: want KEY=REGEX", k)
		}
		first, final, twoStep := strings.Cut(expr, "|||")
		re, err := regexp.Compile(first)
		if err != nil {
			return fmt.Errorf("key: %q: %w", k, err)
		}
		pr := &probe{key: name, re: re}
		if twoStep {
			if pr.final, err = regexp.Compile(final); err != nil {
				return fmt.Errorf("key: %q: %w", k, err)
			}
		}
		probes = append(probes, pr)
	}
	for r := 0; r < *reps; r++ {
		for _, pr := range probes {
			time.Sleep(*pause)
			before, err := p.capture()
			if err != nil {
				return err
			}
			start := time.Now()
			if err := p.send(pr.key); err != nil {
				return err
			}
			d, _, err := p.waitFor(start, *poll, *timeout, func(s string) bool { return s != before && pr.re.MatchString(s) })
			if err != nil {
				return fmt.Errorf("key %s: %w", pr.key, err)
			}
			pr.ms = append(pr.ms, float64(d.Microseconds())/1000)
			if pr.final != nil {
				d, _, err := p.waitFor(start, *poll, *timeout, pr.final.MatchString)
				if err != nil {
					return fmt.Errorf("key %s: %w", pr.key, err)
				}
				pr.fms = append(pr.fms, float64(d.Microseconds())/1000)
			}
		}
	}
	for _, pr := range probes {
		fmt.Printf("key %s median %.0f ms runs %s", pr.key, median(pr.ms), msList(pr.ms))
		if pr.final != nil {
			fmt.Printf(" final median %.0f ms runs %s", median(pr.fms), msList(pr.fms))
		}
		fmt.Println()
	}
	return nil
}

// launchCmd measures launch to screen: it starts the command in a new tmux
// session of -x by -y and waits for each -want REGEX in turn (the first
// truthful screen, then for instance the loaded table), printing the time
// of each from the launch in milliseconds; the session is killed at the end.
func launchCmd(args []string) error {
	fs := flag.NewFlagSet("launch", flag.ExitOnError)
	session := fs.String("s", "", "tmux session `NAME` to create")
	width := fs.Int("x", 200, "pane width")
	height := fs.Int("y", 50, "pane height")
	var wants multiFlag
	fs.Var(&wants, "want", "`NAME=REGEX`: a milestone and what the screen shows at it (repeatable, in order)")
	poll := fs.Duration("poll", 5*time.Millisecond, "polling period")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	keep := fs.Bool("keep", false, "leave the session running")
	fs.Parse(args)
	if *session == "" || fs.NArg() == 0 || len(wants) == 0 {
		return errors.New("launch: -s, at least one -want and a command are required")
	}
	cmd := strings.Join(fs.Args(), " ")
	start := time.Now()
	if err := exec.Command("tmux", "new-session", "-d", "-s", *session,
		"-x", fmt.Sprint(*width), "-y", fmt.Sprint(*height), cmd).Run(); err != nil {
		return fmt.Errorf("tmux new-session: %w", err)
	}
	if !*keep {
		defer exec.Command("tmux", "kill-session", "-t", *session).Run()
	}
	p := pane{*session}
	for _, w := range wants {
		name, expr, ok := strings.Cut(w, "=")
		if !ok {
			return fmt.Errorf("launch: %q: want NAME=REGEX", w)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("launch: %q: %w", w, err)
		}
		d, _, err := p.waitFor(start, *poll, *timeout, re.MatchString)
		if err != nil {
			return fmt.Errorf("launch %s: %w", name, err)
		}
		fmt.Printf("launch %s %.0f ms\n", name, float64(d.Microseconds())/1000)
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func msList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ",")
}
