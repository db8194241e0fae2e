package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// RulePreview is the exact text of the rules, for the user to read, save
// or copy before anything is applied, and for SYNPROXY the settings it
// depends on.
type RulePreview struct {
	NFT, IPTables, Explain string
	Checks                 []SettingCheck
	// Entries is how many set entries the rules make once adjacent
	// addresses merge into prefixes (0: unknown).
	Entries int
}

// SettingCheck is a kernel setting a rule depends on, as read in the
// watched namespace: its name, value ("unknown" when unreadable), and
// whether it is as the rule needs.
type SettingCheck struct {
	Setting, Value string
	OK             bool
}

// Actions carries out what the user asks. main wires it to the kernel and
// nftables; a nil Actions (replay, demo, --read-only) makes every action
// unavailable. Methods may block: the UI calls them from commands, never
// from Update.
type Actions interface {
	// Delete deletes these flows; progress is called as batches complete.
	Delete(ctx context.Context, flows []model.Flow, progress func(done int)) (action.DeleteResult, error)
	// Flush deletes in the kernel every flow the selector matches.
	Flush(ctx context.Context, sel action.KernelSelector) error
	// Preview returns the exact rule text for rules lasting d (0: no
	// timeout); for SYNPROXY it reads the namespace's settings.
	Preview(rules []action.Target, d time.Duration) (RulePreview, error)
	// Apply installs the rules, whole or not at all.
	Apply(ctx context.Context, rules []action.Target, d time.Duration) error
	// Rules lists what cttop has blocked or untracked.
	Rules(ctx context.Context) ([]action.Entry, error)
	// Remove removes one rule.
	Remove(ctx context.Context, r action.Target) error
	// Guard says what the rules could cut off in the namespace acted on:
	// the operator's own session, loopback, the host's addresses (strong
	// evidence), and how many rules concern an address with an ESTABLISHED
	// flow to a local sshd among flows, the table shown (weak evidence).
	Guard(rules []action.Target, flows func(yield func(*model.Flow) bool)) GuardReport
}

// GuardReport is what the guard found about a set of rules.
type GuardReport struct {
	// Warnings are strong evidence, each naming its rule, what would
	// happen and how cttop knows; any of them asks for a typed "yes".
	Warnings []string
	// SSH counts the rules whose addresses have an ESTABLISHED flow to a
	// local sshd (on SSHPorts): weak evidence, said but not asked about,
	// since during an SSH brute force every attacker has one.
	SSH      int
	SSHPorts []uint16
}

// Messages of the actions.
type (
	deleteProgressMsg struct{ done int }
	deleteDoneMsg     struct {
		res  action.DeleteResult
		err  error
		what string
		// flushed is set when the kernel flushed by a selector in one
		// request; it does not count then, and res.Deleted is what cttop
		// saw before.
		flushed bool
	}
	rulePreviewMsg struct {
		seq     int
		preview RulePreview
		err     error
	}
	rulesAppliedMsg struct {
		rules []action.Target
		d     time.Duration
		err   error
	}
	rulesListMsg struct {
		entries []action.Entry
		err     error
	}
	ruleRemovedMsg struct {
		rule action.Target
		err  error
	}
	savedMsg struct {
		path string
		err  error
		what string // said after the path: how to use the file
	}
)

// recv waits for the next message of a running action.
func recv(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// deleteFlows runs a deletion in the background; progress and the result
// come back as messages through ch.
func deleteFlows(a Actions, flows []model.Flow, what string, ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		go func() {
			res, err := a.Delete(context.Background(), flows, func(done int) {
				select {
				case ch <- deleteProgressMsg{done}:
				default: // the UI is behind: skip a progress step
				}
			})
			ch <- deleteDoneMsg{res: res, err: err, what: what}
		}()
		return <-ch
	}
}

// flushFlows asks the kernel to flush by selector.
func flushFlows(a Actions, sel action.KernelSelector, seen int, what string) tea.Cmd {
	return func() tea.Msg {
		err := a.Flush(context.Background(), sel)
		return deleteDoneMsg{res: action.DeleteResult{Deleted: seen}, flushed: true, err: err, what: what}
	}
}

// previewRules asks for the preview of rules lasting d.
func previewRules(a Actions, seq int, rules []action.Target, d time.Duration) tea.Cmd {
	return func() tea.Msg {
		p, err := a.Preview(rules, d)
		return rulePreviewMsg{seq: seq, preview: p, err: err}
	}
}

func applyRules(a Actions, rules []action.Target, d time.Duration) tea.Cmd {
	return func() tea.Msg {
		return rulesAppliedMsg{rules: rules, d: d, err: a.Apply(context.Background(), rules, d)}
	}
}

func listRules(a Actions) tea.Cmd {
	return func() tea.Msg {
		entries, err := a.Rules(context.Background())
		return rulesListMsg{entries: entries, err: err}
	}
}

func removeRule(a Actions, r action.Target) tea.Cmd {
	return func() tea.Msg {
		return ruleRemovedMsg{rule: r, err: a.Remove(context.Background(), r)}
	}
}
