package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

//go:generate go test -run TestCompletions -update .

// The shell completions, generated from the flag set like cttop.1, so that
// they cannot drift from --help: TestCompletions compares the committed
// files with this output. The packages install them where each shell looks
// (see .goreleaser.yaml and README's Install section).
var completionFiles = []struct {
	path  string
	write func(io.Writer, []flagCompletion)
}{
	{"contrib/completions/cttop.bash", writeBashCompletion},
	{"contrib/completions/_cttop", writeZshCompletion},
	{"contrib/completions/cttop.fish", writeFishCompletion},
}

// valueKind is how a flag's value completes.
type valueKind int

const (
	noValue    valueKind = iota // a boolean flag
	freeValue                   // any text (a number, an address, a filter): nothing to offer
	wordValue                   // one of a fixed list of words
	fileValue                   // a file name
	netnsValue                  // a name in /run/netns, read when completing, or a path
)

// flagCompletion is one flag as the completions see it.
type flagCompletion struct {
	name, arg, usage string
	kind             valueKind
	words            []string
}

// completionValues says how the values of flags with a known set complete;
// the other flags that take a value complete nothing.
func completionValues() map[string]flagCompletion {
	return map[string]flagCompletion{
		"sort":       {kind: wordValue, words: columnNames()},
		"group":      {kind: wordValue, words: groupNames()},
		"format":     {kind: wordValue, words: []string{"text", "json"}},
		"start-view": {kind: wordValue, words: []string{"flows", "top", "auto"}},
		"netns":      {kind: netnsValue},
		"replay":     {kind: fileValue},
		"log":        {kind: fileValue},
	}
}

// completionFlags lists fs's flags, in --help's order, with how each
// value completes.
func completionFlags(fs *flag.FlagSet) []flagCompletion {
	values := completionValues()
	var out []flagCompletion
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		c := flagCompletion{name: f.Name, arg: arg, usage: usage, kind: freeValue}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			c.kind = noValue
		} else if v, ok := values[f.Name]; ok {
			c.kind, c.words = v.kind, v.words
		}
		out = append(out, c)
	})
	return out
}

const completionHeader = "completion for cttop: generated from cttop's flags; do not edit.\n" +
	"# Regenerate with: go generate (go test -run TestCompletions -update .)"

// writeBashCompletion writes the bash completion: complete -F _cttop cttop.
// It handles --flag value, --flag=value and Go's single-dash -flag.
func writeBashCompletion(w io.Writer, flags []flagCompletion) {
	var names []string
	for _, f := range flags {
		names = append(names, "--"+f.name)
	}
	fmt.Fprintf(w, `# bash %s

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
		flag=${cur%%%%=*} pre=${cur%%%%=*}= cur=${cur#*=}
	elif ((COMP_CWORD > 0)); then
		flag=${COMP_WORDS[COMP_CWORD-1]}
	fi
	COMPREPLY=()
	case $flag in
`, completionHeader)
	for _, f := range flags {
		pat := "--" + f.name + "|-" + f.name + ")"
		switch f.kind {
		case wordValue:
			fmt.Fprintf(w, "\t%s\n\t\tmapfile -t COMPREPLY < <(compgen -W %s -- \"$cur\")\n\t\t;;\n",
				pat, shellQuote(strings.Join(f.words, " ")))
		case fileValue:
			fmt.Fprintf(w, "\t%s\n\t\tcompopt -o filenames 2>/dev/null\n\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n\t\t;;\n", pat)
		case netnsValue:
			fmt.Fprintf(w, "\t%s\n\t\t_cttop_netns \"$cur\"\n\t\t;;\n", pat)
		case freeValue:
			fmt.Fprintf(w, "\t%s\n\t\treturn\n\t\t;;\n", pat)
		}
	}
	fmt.Fprintf(w, `	*)
		[[ -z $pre ]] || return
		mapfile -t COMPREPLY < <(compgen -W %s -- "$cur")
		return
		;;
	esac
	[[ -z $pre ]] || COMPREPLY=("${COMPREPLY[@]/#/$pre}")
}

complete -F _cttop cttop
`, shellQuote(strings.Join(names, " ")))
}

// writeZshCompletion writes the zsh completion, an _arguments spec.
func writeZshCompletion(w io.Writer, flags []flagCompletion) {
	fmt.Fprintf(w, `#compdef cttop
# zsh %s

# _cttop_netns completes a network namespace: the names in /run/netns, or a
# path.
_cttop_netns() {
	local -a names
	names=(/run/netns/*(N:t))
	_alternative 'names:network namespace:compadd -a names' 'files:namespace file:_files'
}

_arguments \
`, completionHeader)
	for i, f := range flags {
		spec := "--" + f.name
		desc := "[" + zshDesc(f.usage) + "]"
		arg := zshDesc(f.arg)
		switch f.kind {
		case noValue:
			spec += desc
		case wordValue:
			spec += "=" + desc + ":" + arg + ":(" + strings.Join(f.words, " ") + ")"
		case fileValue:
			spec += "=" + desc + ":" + arg + ":_files"
		case netnsValue:
			spec += "=" + desc + ":" + arg + ":_cttop_netns"
		case freeValue:
			spec += "=" + desc + ":" + arg + ": "
		}
		end := " \\"
		if i == len(flags)-1 {
			end = ""
		}
		fmt.Fprintf(w, "\t%s%s\n", shellQuote(spec), end)
	}
}

// writeFishCompletion writes the fish completion: complete -c cttop lines.
func writeFishCompletion(w io.Writer, flags []flagCompletion) {
	fmt.Fprintf(w, `# fish %s

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
`, completionHeader)
	for _, f := range flags {
		line := "complete -c cttop -l " + f.name
		switch f.kind {
		case wordValue:
			line += " -x -a " + shellQuote(strings.Join(f.words, " "))
		case fileValue:
			line += " -r -F"
		case netnsValue:
			line += " -x -a '(__cttop_netns)'"
		case freeValue:
			line += " -x"
		}
		fmt.Fprintln(w, line+" -d "+shellQuote(f.usage))
	}
}

// shellQuote quotes s for sh, bash, zsh and fish alike: in single quotes,
// an embedded single quote closing them, escaped with a backslash, and
// opening them again. The texts quoted are cttop's own help, never user
// input.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// zshDesc escapes text for a zsh _arguments description or message, where
// brackets and colons delimit and a backslash escapes.
func zshDesc(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `:`, `\:`)
	return r.Replace(s)
}
