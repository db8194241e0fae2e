#!/usr/bin/env bash
# bench/compare.sh: cttop side by side with conntrack -L and iptstate on
# the same conntrack table, in a network namespace of its own.
#
#   sudo bench/compare.sh            # 100,000, 262,144 and 1,000,000 flows; 30 s live and storm
#   sudo bench/compare.sh --quick    # 100,000 flows; 10 s live and storm (sanity check)
#
# Options: --sizes "N ...", --reps N (default 3), --live SECONDS,
# --storm-rate EVENTS_PER_S, --storm-secs SECONDS, --storm-at N (the table
# size the storm runs on; default 262144, or the largest size below it),
# --out FILE (also write the tables there), --no-storm, --no-latency, --keep (keep the
# logs of cttop and of the storm in a directory it names).
#
# For each size it fills the namespace's table through ctnetlink
# (bench/ctbench fill: no packets), then measures, medians of --reps runs:
#   - initial load: wall time and peak RSS (/usr/bin/time -f '%e %M') of
#     cttop --once --format json --limit 10, conntrack -L and iptstate -1 -o;
#   - live cost: interactive cttop and iptstate in tmux for --live seconds,
#     CPU from utime+stime in /proc/PID/stat, refreshes from a screen capture
#     every 0.5 s (the TTL column changes on every refresh) and, for cttop,
#     from the frames its --log trace counts;
#   - latency, at 262,144 and 1,000,000 flows (those of --sizes), through
#     tmux with the pane read every 5 ms (bench/ctbench key and launch),
#     medians of 5: launch to the first truthful screen (rows or the
#     loading indicator) and to the whole table, and key to screen for
#     the sort, reverse, view, grouping and filter keys; iptstate beside,
#     for the keys it has (b, B, r) and its launch;
# and once, at --storm-at flows, an event storm: bench/ctbench storm creates
# and deletes flows at --storm-rate events/s for --storm-secs while an
# interactive cttop (default settings) runs; ctbench lag checks from cttop's
# --log that the view applied every event, and how far it lagged.
#
# It needs root, conntrack, iptstate, tmux, ip and GNU time. It raises the
# global net.netfilter.nf_conntrack_max if it must and restores it on any
# exit (trap), and removes its namespace, tmux sessions and temp files. It
# holds the kernel tests' lock (/run/cttop-kernel-tests.lock) exclusively
# meanwhile: a big table slows every namespace's dumps.
set -euo pipefail

ARGS="$*"
SIZES="100000 262144 1000000"
REPS=3
LIVE=30
STORM_RATE=100000
STORM_SECS=30
STORM_AT=262144
OUT=""
KEEP=0
LATENCY=1
while (($#)); do
	case $1 in
	--quick) SIZES="100000" LIVE=10 STORM_SECS=10 STORM_AT=100000 ;;
	--sizes) SIZES=$2; shift ;;
	--reps) REPS=$2; shift ;;
	--live) LIVE=$2; shift ;;
	--storm-rate) STORM_RATE=$2; shift ;;
	--storm-secs) STORM_SECS=$2; shift ;;
	--storm-at) STORM_AT=$2; shift ;;
	--out) OUT=$2; shift ;;
	--no-storm) STORM_AT=-1 ;;
	--no-latency) LATENCY=0 ;;
	--keep) KEEP=1 ;;
	-h | --help) sed -n '2,30p' "$0"; exit 0 ;;
	*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

die() { echo "compare.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, ctnetlink)"
for t in conntrack iptstate tmux ip; do command -v $t >/dev/null || die "missing $t (apt-get install -y $t)"; done
[ -x /usr/bin/time ] || die "missing /usr/bin/time (apt-get install -y time)"
export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "missing go"

cd "$(dirname "$0")/.."
exec 9>/run/cttop-kernel-tests.lock
echo "waiting for the kernel tests' lock (other kernel tests finish first)..." >&2
flock -x 9
TMP=$(mktemp -d /tmp/cttop-compare.XXXXXX)
NS=cttop-bench-$$
SESS=()
MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max
OLDMAX=$(cat $MAXFILE)
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for s in "${SESS[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	if [ "$(cat $MAXFILE)" != "$OLDMAX" ]; then echo "$OLDMAX" >$MAXFILE && echo "restored nf_conntrack_max=$OLDMAX" >&2; fi
	if ((KEEP)); then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

echo "building cttop and ctbench..." >&2
go build -trimpath -o "$TMP/cttop" .
go build -trimpath -o "$TMP/ctbench" ./bench/ctbench
CTTOP=$TMP/cttop
CTBENCH=$TMP/ctbench

largest=0
for n in $SIZES; do ((n > largest)) && largest=$n; done
need=$((largest + largest / 5 + 100000))
if ((OLDMAX < need)); then
	echo "$need" >$MAXFILE
	echo "raised nf_conntrack_max $OLDMAX -> $need (restored on exit)" >&2
fi
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
echo "namespace $NS (inode $(stat -L -c %i /run/netns/$NS))" >&2
nsx() { ip netns exec "$NS" "$@"; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
clk=$(getconf CLK_TCK)
# cpu PID: utime+stime in ticks.
cpu() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# timed CMD...: wall seconds and peak RSS in KiB of one run, in the namespace.
timed() {
	nsx /usr/bin/time -o "$TMP/time" -f '%e %M' "$@" >/dev/null 2>"$TMP/stderr" || {
		cat "$TMP/stderr" >&2
		die "$* failed"
	}
	cat "$TMP/time"
}

# live NAME SECONDS READY CMD...: runs CMD in a 200x50 tmux session; once
# the shell test READY holds and 3 s more have passed, it samples for SECONDS
# and sets LIVE_RES to "cpu_percent screen_changes longest_gap_seconds".
live() {
	local name=$1 secs=$2 ready=$3
	shift 3
	local s=cttop-bench-$$-$name
	SESS+=("$s")
	tmux new-session -d -s "$s" -x 200 -y 50 "exec ip netns exec $NS $* 2>$TMP/$name.err" || die "tmux new-session failed"
	sleep 0.2
	local pid
	pid=$(tmux display-message -p -t "$s" '#{pane_pid}')
	# Wait until it shows the table, then let it settle.
	local deadline=$((SECONDS + 120))
	until eval "$ready"; do
		((SECONDS < deadline)) || die "$name: not ready after 120 s"
		sleep 0.5
	done
	sleep 3
	local c0 c1 t0 t1 prev="" changes=0 last gap=0 i now
	c0=$(cpu "$pid")
	t0=$(date +%s.%N)
	last=$t0
	for ((i = 0; i < secs * 4; i++)); do
		local scr
		scr=$(tmux capture-pane -p -t "$s" | md5sum)
		now=$(date +%s.%N)
		if [ -n "$prev" ] && [ "$scr" != "$prev" ]; then
			changes=$((changes + 1))
			gap=$(awk -v a="$last" -v b="$now" -v g="$gap" 'BEGIN {print (b - a > g) ? b - a : g}')
			last=$now
		fi
		prev=$scr
		sleep 0.25
	done
	c1=$(cpu "$pid")
	t1=$(date +%s.%N)
	gap=$(awk -v a="$last" -v b="$t1" -v g="$gap" 'BEGIN {print (b - a > g) ? b - a : g}')
	tmux kill-session -t "$s" 2>/dev/null || true
	LIVE_RES=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$clk" -v ch="$changes" -v gap="$gap" \
		'BEGIN {printf "%.1f %d %.1f\n", 100 * (c1 - c0) / hz / (t1 - t0), ch, gap}')
}

# frames_per_s LOG: frames drawn per second over the trace lines of the
# last N seconds of cttop's --log.
frames_per_s() {
	awk -v n="$2" '/msg=trace/ {
			k++
			for (i = 1; i <= NF; i++) {
				split($i, a, "=")
				if (a[1] == "frames") f[k] = a[2]
				if (a[1] == "applied") t[k] = a[2] / 1e9
			}
		}
		END {
			j = 1
			while (j < k && t[k] - t[j] > n) j++
			if (k > j && t[k] > t[j]) printf "%.1f", (f[k] - f[j]) / (t[k] - t[j]); else print "?"
		}' "$1"
}

LOAD=$TMP/load.txt LIVEF=$TMP/live.txt STORMF=$TMP/storm.txt LATF=$TMP/latency.txt
: >"$LOAD" ; : >"$LIVEF" ; : >"$STORMF" ; : >"$LATF"

# commas N: N with thousands separators, as cttop prints counts.
commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# latency N: launch-to-screen and key-to-screen through tmux at N flows,
# medians of 5, for cttop and iptstate; appends rows to $LATF.
latency() {
	local n=$1 all s out k
	all="1/$(commas "$n") "
	echo "== $n flows: latency through tmux" >&2
	: >"$TMP/launch-c" ; : >"$TMP/launch-i"
	for ((r = 0; r < 5; r++)); do
		s=cttop-bench-$$-launch
		SESS+=("$s")
		"$CTBENCH" launch -s "$s" -want "first=LOADING [0-9,]+ of|1/[0-9,]+ " -want "all=$all" -- \
			ip netns exec "$NS" "$CTTOP" >>"$TMP/launch-c" || die "cttop launch"
		"$CTBENCH" launch -s "$s" -want 'rows=198\.51\.100\.1' -- ip netns exec "$NS" iptstate >>"$TMP/launch-i" || die "iptstate launch"
	done
	cat "$TMP/launch-c" "$TMP/launch-i" >&2
	local cf ca ir
	cf=$(awk '$2 == "first" {print $3}' "$TMP/launch-c" | median)
	ca=$(awk '$2 == "all" {print $3}' "$TMP/launch-c" | median)
	ir=$(awk '$2 == "rows" {print $3}' "$TMP/launch-i" | median)
	printf '| %9d | launch to the first screen with flows or loading | %s ms (whole table %s ms) | %s ms (first rows, whole table) |\n' "$n" "$cf" "$ca" "$ir" >>"$LATF"

	s=cttop-bench-$$-keys
	SESS+=("$s")
	"$CTBENCH" launch -s "$s" -keep -want "all=$all" -- ip netns exec "$NS" "$CTTOP" >/dev/null || die "cttop launch"
	sleep 2
	out=$("$CTBENCH" key -t "$s" -reps 5 \
		-key '>=sorted by sport' -key '<=sorted by src' -key 'r=▼' -key 'r=▲' \
		-key 'Tab=counting|src groups|||src groups' -key '2=counting|dst groups|||dst groups' \
		-key '1=counting|src groups|||src groups' -key 'Tab=SPORT' \
		-key '/=empty: show every flow' -key 'dst port 443=→ [0-9,]+ of' -key 'Enter=filter: dst port 443' \
		-key 'Escape=filter cleared') || die "cttop keys"
	tmux kill-session -t "$s" 2>/dev/null || true
	echo "$out" >&2
	s=cttop-bench-$$-ikeys
	SESS+=("$s")
	"$CTBENCH" launch -s "$s" -keep -want 'rows=198\.51\.100\.1' -- ip netns exec "$NS" iptstate >/dev/null || die "iptstate launch"
	sleep 2
	local iout
	iout=$("$CTBENCH" key -t "$s" -reps 5 -timeout 120s -key 'b=Sort: SrcPort ' -key 'B=Sort: SrcIP ' -key 'r=reverse' -key 'r=Sort: SrcIP +b:') || die "iptstate keys"
	tmux kill-session -t "$s" 2>/dev/null || true
	echo "$iout" >&2
	# cttop's key, what it does, and iptstate's key for the same (if any).
	while IFS='|' read -r k what ik; do
		local c i="-"
		c=$(echo "$out" | awk -v k="$k" '$1 == "key" && $2 == k {
			if ($8 == "final") printf "%s ms (groups shown: %s ms)", $4, $10; else printf "%s ms", $4
			exit }')
		if [ -n "$ik" ]; then
			i=$(echo "$iout" | awk -v k="$ik" '$1 == "key" && $2 == k {print $4 " ms"; exit}')
		fi
		printf '| %9d | `%s` %s | %s | %s |\n' "$n" "$k" "$what" "$c" "$i" >>"$LATF"
	done <<-'KEYS'
	>|next sort column (iptstate: b)|b
	<|previous sort column (iptstate: B)|B
	r|reverse (iptstate: r)|r
	Tab|flows to the top view|
	2|group by destination|
	1|group by source|
	Enter|apply the filter dst port 443|
	Escape|clear the filter|
	KEYS
}
filled=0
storm_done=0

storm() {
	local n=$1
	echo "== storm at $n flows: generator alone, 5 s" >&2
	"$CTBENCH" storm -netns "$NS" -rate "$STORM_RATE" -duration 5s -settle 0s | tee "$TMP/gen-alone.txt" >&2
	echo "== storm with cttop: $STORM_RATE events/s for $STORM_SECS s" >&2
	local s=cttop-bench-$$-storm log=$TMP/storm.log
	SESS+=("$s")
	tmux new-session -d -s "$s" -x 200 -y 50 "exec ip netns exec $NS $CTTOP --log $log 2>$TMP/storm.err" || die "tmux new-session failed"
	sleep 0.2
	local pid
	pid=$(tmux display-message -p -t "$s" '#{pane_pid}')
	local deadline=$((SECONDS + 120))
	until grep -q 'msg=dump' "$log" 2>/dev/null; do
		((SECONDS < deadline)) || die "storm: cttop did not load"
		sleep 0.5
	done
	sleep 3
	local c0 c1 t0 t1 ino full
	ino=$(stat -L -c %i "/run/netns/$NS")
	dmesg >"$TMP/dmesg0" 2>/dev/null || true
	c0=$(cpu "$pid")
	t0=$(date +%s.%N)
	# The storm's own cleanup (deleting its last flows) waits 4 s, after
	# the window ctbench lag looks at.
	"$CTBENCH" storm -netns "$NS" -rate "$STORM_RATE" -duration "${STORM_SECS}s" -log "$TMP/gen.log" -settle 4s >"$TMP/gen.txt" &
	local gen=$!
	sleep "$STORM_SECS"
	c1=$(cpu "$pid")
	t1=$(date +%s.%N)
	wait $gen
	tmux kill-session -t "$s" 2>/dev/null || true
	cat "$TMP/gen.txt" >&2
	local lag ok=yes
	lag=$("$CTBENCH" lag -gen "$TMP/gen.log" -trace "$log" 2>&1) || ok=no
	echo "$lag" >&2
	local lost
	lost=$(grep -c 'events lost' "$log" || true)
	full=$(dmesg 2>/dev/null | diff "$TMP/dmesg0" - | grep -c "table full in netns $ino" || true)
	{
		echo "table $n flows; generator alone: $(sed -n 's/storm: //p' "$TMP/gen-alone.txt")"
		echo "with cttop running: $(sed -n 's/storm: //p' "$TMP/gen.txt")"
		echo "$lag"
		awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$clk" \
			'BEGIN {printf "cttop CPU during the storm: %.0f%% of one core\n", 100 * (c1 - c0) / hz / (t1 - t0)}'
		echo "ENOBUFS (events lost) log lines: $lost; every event applied: $ok; kernel 'table full' lines for this namespace: $full"
	} >>"$STORMF"
}

for n in $SIZES; do
	echo "== $n flows: filling" >&2
	"$CTBENCH" fill -netns "$NS" -first "$filled" -n $((n - filled)) >&2
	filled=$n
	count=$(nsx conntrack -C)
	[ "$count" -eq "$n" ] || die "table holds $count flows, want $n"

	echo "== $n flows: initial load, $REPS runs each" >&2
	: >"$TMP/c" ; : >"$TMP/k" ; : >"$TMP/i"
	for ((r = 0; r < REPS; r++)); do
		timed "$CTTOP" --once --format json --limit 10 >>"$TMP/c"
		timed conntrack -L >>"$TMP/k"
		timed iptstate -1 -o >>"$TMP/i"
	done
	ct=$(cut -d' ' -f1 "$TMP/c" | median) cm=$(cut -d' ' -f2 "$TMP/c" | median)
	kt=$(cut -d' ' -f1 "$TMP/k" | median) km=$(cut -d' ' -f2 "$TMP/k" | median)
	it=$(cut -d' ' -f1 "$TMP/i" | median) im=$(cut -d' ' -f2 "$TMP/i" | median)
	echo "runs cttop: $(tr '\n' ';' <"$TMP/c") conntrack: $(tr '\n' ';' <"$TMP/k") iptstate: $(tr '\n' ';' <"$TMP/i")" >&2
	awk -v n="$n" -v ct="$ct" -v cm="$cm" -v kt="$kt" -v km="$km" -v it="$it" -v im="$im" 'BEGIN {
		printf "| %9d | %6.2f s, %4.0f MB | %6.2f s, %4.0f MB | %6.2f s, %4.0f MB | %.2fx | %.2fx |\n",
			n, ct, cm / 1024, kt, km / 1024, it, im / 1024, ct / kt, ct / it }' >>"$LOAD"

	echo "== $n flows: live, $LIVE s each" >&2
	live cttop "$LIVE" "grep -q msg=dump $TMP/live-$n.log 2>/dev/null" "$CTTOP" --log "$TMP/live-$n.log"
	read -r ccpu cch cgap <<<"$LIVE_RES"
	cfps=$(frames_per_s "$TMP/live-$n.log" "$LIVE")
	creco=$(grep -c 'msg=dump.*periodic=true' "$TMP/live-$n.log" || true)
	live iptstate "$LIVE" "true" iptstate
	read -r icpu ich igap <<<"$LIVE_RES"
	awk -v n="$n" -v cc="$ccpu" -v cch="$cch" -v cg="$cgap" -v fps="$cfps" -v ic="$icpu" -v ich="$ich" -v ig="$igap" -v s="$LIVE" -v r="$creco" 'BEGIN {
		printf "| %9d | %5.1f%% | %d changes in %d s, longest gap %.1f s; %s frames/s; %d reconciliation dumps | %5.1f%% | %d changes in %d s, longest gap %.1f s |\n",
			n, cc, cch, s, cg, fps, r, ic, ich, s, ig }' >>"$LIVEF"

	if ((LATENCY)) && { [ "$n" = 262144 ] || [ "$n" = 1000000 ]; }; then
		latency "$n"
	fi

	if ((STORM_AT >= 0 && storm_done == 0)) && { ((n >= STORM_AT)) || [ "$n" = "$(echo $SIZES | awk '{print $NF}')" ]; }; then
		storm "$n"
		storm_done=1
	fi
done

{
	echo "Machine: $(nproc) vCPU, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r), $(go version | awk '{print $3}'), $(conntrack --version 2>&1 | head -1), $(iptstate --version 2>&1 | head -1)"
	echo "Command: bench/compare.sh $ARGS  (sizes: $SIZES; medians of $REPS; live $LIVE s; storm $STORM_RATE events/s for $STORM_SECS s)"
	echo
	echo "Initial load (wall time, peak RSS; medians of $REPS):"
	echo
	echo "| flows | cttop --once --format json --limit 10 | conntrack -L | iptstate -1 -o | cttop/conntrack | cttop/iptstate |"
	echo "|---:|---|---|---|---:|---:|"
	cat "$LOAD"
	echo
	echo "Live, no churn, $LIVE s (CPU of one core from utime+stime in /proc/PID/stat; the screen captured every 0.25 s; frames from cttop's --log trace):"
	echo
	echo "| flows | cttop CPU | cttop refresh | iptstate CPU | iptstate refresh |"
	echo "|---:|---:|---|---:|---|"
	cat "$LIVEF"
	echo
	if [ -s "$LATF" ]; then
		echo "Latency through tmux, the pane read every 5 ms (bench/ctbench), medians of 5:"
		echo
		echo "| flows | action | cttop | iptstate |"
		echo "|---:|---|---:|---:|"
		cat "$LATF"
		echo
	fi
	if [ -s "$STORMF" ]; then
		echo "Event storm:"
		echo
		sed 's/^/    /' "$STORMF"
	fi
} | tee ${OUT:+"$OUT"}
