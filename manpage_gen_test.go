package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

//go:generate go test -run TestManPage -update .

// writeManPage writes cttop(1) in roff, its OPTIONS generated from fs, so
// the page cannot drift from --help: TestManPage compares the committed
// cttop.1 with this output.
func writeManPage(w io.Writer, fs *flag.FlagSet) {
	p := func(lines ...string) {
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	p(`.\" cttop.1: generated from cttop's flags by writeManPage; do not edit.`,
		`.\" Regenerate with: go generate (go test -run TestManPage -update .)`,
		`.TH CTTOP 1 "" "cttop" "User Commands"`,
		`.nh`,
		`.ad l`,
		`.SH NAME`,
		`cttop \- a live view of the Linux connection tracking table`,
		`.SH SYNOPSIS`,
		`.B cttop`,
		`.RI [ flags ]`,
		`.SH DESCRIPTION`,
		`.B cttop`,
		`shows, on one screen, how full the kernel's connection tracking table`,
		`(nf_conntrack) is, whether the kernel is dropping packets because it is full,`,
		`and which flows fill it. It reads the table through ctnetlink: a dump, then`,
		`the kernel's events, so it keeps up with large tables and event storms.`,
		`Press`,
		`.B ?`,
		`in cttop for its keys.`,
		`.PP`,
		`Reading the table needs CAP_NET_ADMIN (run it as root);`,
		`.B \-\-demo`,
		`needs nothing.`,
		`.SH OPTIONS`)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		p(".TP")
		if arg == "" {
			p(`.B \-\-` + roffEscape(f.Name))
		} else {
			p(`.BI "\-\-` + roffEscape(f.Name) + ` " ` + roffEscape(arg))
		}
		text := roffLine(usage)
		if !isZeroDefault(f.DefValue) {
			text += " (default: " + roffEscape(f.DefValue) + ")"
		}
		p(text)
	})
	p(`.SH EXIT STATUS`,
		`.TP`, `.B 0`, `success`,
		`.TP`, `.B 1`, `the run failed: permission, kernel, source`,
		`.TP`, `.B 2`, `the command line is wrong`,
		`.TP`, `.B 128+N`, `stopped by signal N: 130 SIGINT, 143 SIGTERM, 129 SIGHUP or a terminal that went away; the terminal is restored first. With --headless a stop is a success (0), as systemd expects of a service.`,
		`.SH FILES`,
		`.TP`, `.I /proc/sys/net/netfilter/nf_conntrack_*`,
		`the conntrack settings cttop reports and tunes; it writes none of them.`,
		`.TP`, `.I /etc/sysctl.d/90-conntrack.conf`,
		`where the tuning report suggests saving its settings.`,
		`.SH EXAMPLES`,
		`.TP`, `.B sudo cttop`,
		`watch this host's table`,
		`.TP`, `.B sudo cttop \-\-once \-\-format json \-\-limit 20 \-\-sort ttl \-\-reverse`,
		`print the 20 flows closest to their timeout, as JSON`,
		`.TP`, `.B sudo cttop \-\-headless \-\-metrics 127.0.0.1:9163`,
		`serve Prometheus metrics without a terminal, as the systemd unit does`,
		`.SH SEE ALSO`,
		`.BR conntrack (8),`,
		`.BR iptstate (8),`,
		`.BR nft (8),`,
		`.BR sysctl (8)`)
}

// isZeroDefault reports whether a flag's default is its type's zero value,
// which --help does not print either.
func isZeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// roffEscape escapes backslashes and hyphens for roff.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}

// roffLine escapes a line of running text: backslashes, hyphens (so that
// --metrics-public is neither typeset as dashes nor broken across lines),
// and a leading dot or quote that roff would take for a request.
func roffLine(s string) string {
	s = roffEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
