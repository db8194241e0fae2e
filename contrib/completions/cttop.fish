# fish completion for cttop: generated from cttop's flags; do not edit.
# Regenerate with: go generate (go test -run TestCompletions -update .)

# __cttop_netns completes a network namespace: the names in /run/netns, or
# a path once the word has a slash.
function __cttop_netns
    set -l token (commandline -ct)
    if string match -q -- '*/*' $token
        __fish_complete_path $token
        return
    end
    for ns in /run/netns/*
        string replace -r '.*/' '' -- $ns
    end
end

# cttop takes no arguments besides its flags.
complete -c cttop -f
complete -c cttop -l all -d 'start in the namespaces view: every network namespace'\''s table (with --once: list them, fullest first)'
complete -c cttop -l demo -d 'play a built-in synthetic table with a flood (no root, no kernel needed)'
complete -c cttop -l filter -x -d 'show only flows matching EXPR (tcpdump syntax plus conntrack words, see README)'
complete -c cttop -l format -x -a 'text json' -d 'output format of --once: text or json'
complete -c cttop -l group -x -a 'src src/24 src/auto dst dst/24 dst/auto dport state proto' -d 'start in the top view grouped by KEY: src, dst, dport, state, proto; src/24 by prefix (src/24,48: IPv6 /48), src/auto by the heaviest prefixes; dst likewise (also groups --once)'
complete -c cttop -l headless -d 'run without a terminal, serving --metrics (for systemd)'
complete -c cttop -l history -x -d 'keep D of per-second history of the table (1m to 24h)'
complete -c cttop -l interval -x -d 'refresh interval, 10ms to 10s: events are coalesced and shown at most once per interval'
complete -c cttop -l limit -x -d 'print at most N flows (and groups) with --once (0: all)'
complete -c cttop -l log -r -F -d 'write diagnostics to FILE (default: none)'
complete -c cttop -l metrics -x -d 'serve Prometheus metrics on ADDR (loopback only unless --metrics-public), e.g. 127.0.0.1:9163'
complete -c cttop -l metrics-netns -x -d 'export entries and drops of the N fullest network namespaces as metrics (0: none, at most 1000)'
complete -c cttop -l metrics-public -d 'allow --metrics on a non-loopback address'
complete -c cttop -l netns -x -a '(__cttop_netns)' -d 'watch the table of network namespace NAME: an ip netns name, a container or pod, an inode as the kernel log prints it, pid:N, or a PATH (e.g. /proc/PID/ns/net)'
complete -c cttop -l once -d 'print one snapshot of the table and exit (like top -b -n 1)'
complete -c cttop -l read-only -d 'disable every action: no deleting flows, no rules'
complete -c cttop -l replay -r -F -d 'show a saved table from FILE (- for stdin): conntrack -L (any -o: extended, id, xml, save...), /proc/net/nf_conntrack, or cttop'\''s JSON'
complete -c cttop -l replay-limits -x -d 'bound a --replay load: LIST of records=N (default 8388608, duplicates included), line=SIZE and token=SIZE (1MiB), gzip-ratio=N (100), e.g. records=20000000,line=4MiB'
complete -c cttop -l reverse -d 'sort in descending order'
complete -c cttop -l seed -x -d 'random seed of --demo'
complete -c cttop -l sort -x -a 'proto src sport dst dport state ttl age bytes pkts mark zone id' -d 'sort by COLUMN: proto, src, sport, dst, dport, state, ttl, age, bytes, pkts, mark, zone, id'
complete -c cttop -l start-view -x -a 'flows top auto' -d 'start in VIEW: flows, top, or auto (the top view by what concentrates the flows when the table is 80% full or the kernel drops at start, else flows)'
complete -c cttop -l threshold -x -d 'with --group src/auto or dst/auto: list prefixes holding at least PCT percent of the matched flows (0.1 to 50)'
complete -c cttop -l top -x -d 'export the top N sources by flows as metrics'
complete -c cttop -l tune -d 'print the tuning advice (table size, timeouts, memory) and exit'
complete -c cttop -l version -d 'print the version and exit'
complete -c cttop -l yes -d 'delete without asking first (lock-out warnings are still asked)'
