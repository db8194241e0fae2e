//go:build linux

// Command ctbench drives bench/compare.sh: it fills a namespace's conntrack
// table through ctnetlink, runs a paced event storm (flows created and
// destroyed) and checks, from cttop's --log, that cttop saw every event and
// how far its view lagged behind the kernel; and it measures, through
// tmux, the time from a key press (or a launch) to the screen that answers it.
//
// Run it as root, on a namespace of your own (ip netns add ...), never on a
// production table:
//
//	ctbench fill -netns NAME -n 262144
//	ctbench flood -netns NAME -rate 500 -duration 60s
//	ctbench storm -netns NAME -rate 100000 -duration 30s -log gen.log
//	ctbench lag -gen gen.log -trace cttop.log
//	ctbench key -t SESSION -key '>=sorted by' -reps 5
//	ctbench launch -s SESSION -want 'rows=TTL' -- cttop
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fillCmd(os.Args[2:])
	case "flood":
		err = floodCmd(os.Args[2:])
	case "storm":
		err = stormCmd(os.Args[2:])
	case "lag":
		err = lagCmd(os.Args[2:])
	case "key":
		err = keyCmd(os.Args[2:])
	case "launch":
		err = launchCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ctbench fill|flood|storm|lag|key|launch [flags] (ctbench CMD -h for flags)")
	os.Exit(2)
}

// nsPath turns a namespace name into its /run/netns path.
func nsPath(ns string) (string, error) {
	if ns == "" {
		return "", fmt.Errorf("-netns is required: never fill a real table")
	}
	if ns[0] != '/' {
		ns = "/run/netns/" + ns
	}
	return ns, nil
}
