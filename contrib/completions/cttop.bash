# bash completion for cttop: generated from cttop's flags; do not edit.
# Regenerate with: go generate (go test -run TestCompletions -update .)

# _cttop_netns completes a network namespace: the names in /run/netns, or a
# path once the word has a slash.
_cttop_netns() {
	local cur=$1 ns
	COMPREPLY=()
	if [[ $cur == */* ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	for ns in /run/netns/*; do
		[[ -e $ns ]] || continue
		ns=${ns##*/}
		[[ $ns == "$cur"* ]] && COMPREPLY+=("$ns")
	done
}

_cttop() {
	local cur=${COMP_WORDS[COMP_CWORD]} flag= pre=
	# --flag=value arrives as three words when = breaks words, as one
	# otherwise.
	if [[ $cur == = ]]; then
		flag=${COMP_WORDS[COMP_CWORD-1]} cur=
	elif ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == = ]]; then
		flag=${COMP_WORDS[COMP_CWORD-2]}
	elif [[ $cur == -*=* ]]; then
		flag=${cur%%=*} pre=${cur%%=*}= cur=${cur#*=}
	elif ((COMP_CWORD > 0)); then
		flag=${COMP_WORDS[COMP_CWORD-1]}
	fi
	COMPREPLY=()
	case $flag in
	--filter|-filter)
		return
		;;
	--format|-format)
		mapfile -t COMPREPLY < <(compgen -W 'text json' -- "$cur")
		;;
	--group|-group)
		mapfile -t COMPREPLY < <(compgen -W 'src src/24 src/auto dst dst/24 dst/auto dport state proto' -- "$cur")
		;;
	--history|-history)
		return
		;;
	--interval|-interval)
		return
		;;
	--limit|-limit)
		return
		;;
	--log|-log)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	--metrics|-metrics)
		return
		;;
	--metrics-netns|-metrics-netns)
		return
		;;
	--netns|-netns)
		_cttop_netns "$cur"
		;;
	--replay|-replay)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	--replay-limits|-replay-limits)
		return
		;;
	--seed|-seed)
		return
		;;
	--sort|-sort)
		mapfile -t COMPREPLY < <(compgen -W 'proto src sport dst dport state ttl age bytes pkts mark zone id' -- "$cur")
		;;
	--start-view|-start-view)
		mapfile -t COMPREPLY < <(compgen -W 'flows top auto' -- "$cur")
		;;
	--threshold|-threshold)
		return
		;;
	--top|-top)
		return
		;;
	*)
		[[ -z $pre ]] || return
		mapfile -t COMPREPLY < <(compgen -W '--all --demo --filter --format --group --headless --history --interval --limit --log --metrics --metrics-netns --metrics-public --netns --once --read-only --replay --replay-limits --reverse --seed --sort --start-view --threshold --top --tune --version --yes' -- "$cur")
		return
		;;
	esac
	[[ -z $pre ]] || COMPREPLY=("${COMPREPLY[@]/#/$pre}")
}

complete -F _cttop cttop
