#!/bin/bash
# topmem.sh: the resident memory of cttop's top view, as a user walks it.
#
#   bench/topmem.sh CTTOP REPLAY [NAME] [ENV=VALUE...]
#
# runs `CTTOP --replay REPLAY` in a detached 80x24 tmux session and prints
# VmRSS and VmHWM (/proc/PID/status) after the load, Tab, the groupings 2 3
# 4 5 6 1, the prefix steps [ [ ] ], > twice (NEW/s and back) and 1, SETTLE
# seconds (3) after each, and IDLE seconds (20) later. The collector's trace
# (GODEBUG=gctrace=1: the live heap, the goal) goes to /tmp/topmem-NAME.gc.
# Give REPLAY a table of a million flows from as many sources to see a
# million groups. The session is killed at the end.
set -u
bin=$1 file=$2 name=${3:-run}
shift $(( $# < 3 ? $# : 3 ))
s=topmem-$name
tmux kill-session -t "$s" 2>/dev/null
tmux new-session -d -s "$s" -x 80 -y 24 "env $* GODEBUG=gctrace=1 $bin --replay $file 2>/tmp/topmem-$name.gc"
trap 'tmux kill-session -t "$s" 2>/dev/null' EXIT
sleep 1
pid=$(pgrep -f "^$bin --replay $file" | head -1)
waitfor() { # until the pane shows $1
	for _ in $(seq 1 600); do
		tmux capture-pane -p -t "$s" | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "timeout waiting for $1"
}
mem() { printf "%-24s %s\n" "$1" "$(awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$pid/status")"; }
settle() { sleep "${SETTLE:-3}"; }
key() { # press $1, wait for the groups to be counted
	tmux send-keys -t "$s" "$1"
	sleep 0.5
	waitfor FLOWS
	settle
	mem "${2:-key $1}"
}
waitfor SRC
for _ in $(seq 1 600); do # until the file is loaded
	tmux capture-pane -p -t "$s" | grep -q LOADING || break
	sleep 0.1
done
settle
mem "flows view"
key Tab "Tab"
for k in 2 3 4 5 6 1 '[' '[' ']' ']' '>' '>' 1; do key "$k"; done
sleep "${IDLE:-20}"
mem "${IDLE:-20} s later"
