package main

import (
	"strings"
	"testing"
)

// TestScreenProblems: the checks of the tmux walks find what they look
// for (they would pass on any screen otherwise).
func TestScreenProblems(t *testing.T) {
	ok := "SOURCE  FLOWS\n10.99.0.11  900  ESTABLISHED 100%\n192…2.0  1\n1/3 src groups   ? help"
	if p := screenProblems(ok, 40); len(p) != 0 {
		t.Errorf("a good screen: %v", p)
	}
	for bad, want := range map[string]string{
		"x  REPL…D 0%\n? help":                                               "cuts a word",
		"TIME_WAIT 10...nf_conntrack_tcp_timeout = 120\n? help":              "cuts a word",
		"add chain inet cttop prerouting { type filter hook\n? help":         "splits a rule",
		"add set inet cttop s { type ipv4_addr; \\\nnext line\nmore\n? help": "continues a rule",
		"1/3 src groups  filter: port 80  q quit":                            "no help key",
		strings.Repeat("x", 41) + "\n? help":                                 "41 wide",
	} {
		p := strings.Join(screenProblems(bad, 40), "; ")
		if !strings.Contains(p, want) {
			t.Errorf("%q: %q, want %q", bad, p, want)
		}
	}
}
