package format

import (
	"strings"

	"github.com/cttop/cttop/model"
)

// flagLetters are the status flags the FLAGS cell shows, one letter each,
// in this order. The others are shown elsewhere (SRC_NAT, DST_NAT: the NAT
// cell) or are on every flow in a table (CONFIRMED, SEEN_REPLY) or concern
// helpers' sequence numbers (SEQ_ADJUST, HELPER); every set bit is in the
// detail pane and JSON (FlagNames).
var flagLetters = [...]struct {
	letter byte
	name   string
	set    func(model.Status) bool
}{
	{'U', "UNREPLIED", func(s model.Status) bool { return s&model.StatusSeenReply == 0 }},
	{'A', "ASSURED", func(s model.Status) bool { return s&model.StatusAssured != 0 }},
	{'E', "EXPECTED", func(s model.Status) bool { return s&model.StatusExpected != 0 }},
	{'F', "FIXED_TIMEOUT", func(s model.Status) bool { return s&model.StatusFixedTimeout != 0 }},
	{'O', "OFFLOAD", func(s model.Status) bool { return s&model.StatusOffload != 0 }},
	{'H', "HW_OFFLOAD", func(s model.Status) bool { return s&model.StatusHWOffload != 0 }},
	{'D', "DYING", func(s model.Status) bool { return s&model.StatusDying != 0 }},
	{'T', "TEMPLATE", func(s model.Status) bool { return s&model.StatusTemplate != 0 }},
	{'X', "UNTRACKED", func(s model.Status) bool { return s&model.StatusUntracked != 0 }},
}

// Flags writes the FLAGS cell, cttop's one compact rendering of the
// status flags in a table: a letter a flag, in a fixed order, "" for none.
// U UNREPLIED (no reply seen), A ASSURED (early_drop spares it), E
// EXPECTED (opened through a helper's expectation), F FIXED_TIMEOUT, O
// OFFLOAD (in a flowtable: no timeout, no state), H HW_OFFLOAD, D DYING
// (being destroyed), T TEMPLATE, X UNTRACKED. FlagLegend spells them out.
func Flags(f *model.Flow) string {
	var b [len(flagLetters)]byte
	n := 0
	for _, fl := range flagLetters {
		if fl.set(f.Status) {
			b[n] = fl.letter
			n++
		}
	}
	return string(b[:n])
}

// FlagLegend spells out the letters of the flags cells given, in Flags'
// order, for a legend under a table: "U UNREPLIED, A ASSURED"; "" if
// none has a letter.
func FlagLegend(cells ...string) string {
	var parts []string
	for _, fl := range flagLetters {
		for _, c := range cells {
			if strings.IndexByte(c, fl.letter) >= 0 {
				parts = append(parts, string(fl.letter)+" "+fl.name)
				break
			}
		}
	}
	return strings.Join(parts, ", ")
}

// FlagNames writes every status flag of f by its name, as conntrack -L
// and the kernel's headers name them (model.Status.Names, UNREPLIED first
// for a flow that has seen no reply), separated by blanks: the detail pane
// and JSON.
func FlagNames(f *model.Flow) string { return strings.Join(f.Status.Names(), " ") }

// AllFlags returns every letter Flags may write, in its order: for a
// legend of them all (FlagLegend(AllFlags())).
func AllFlags() string {
	var b [len(flagLetters)]byte
	for i, fl := range flagLetters {
		b[i] = fl.letter
	}
	return string(b[:])
}
