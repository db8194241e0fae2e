package ui

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// RuleKind is what a rule does to packets.
type RuleKind int

// Rule kinds.
const (
	RuleDrop RuleKind = iota
	RuleNoTrack
)

// Rule is something to drop or untrack: packets from an address or
// network (Addr valid), or, for NOTRACK, a local service (Proto, Port).
type Rule struct {
	Kind  RuleKind
	Addr  netip.Prefix
	Proto uint8
	Port  uint16
}

// IsService reports whether the rule is about a service, not an address.
func (r Rule) IsService() bool { return !r.Addr.IsValid() }

func (r Rule) String() string {
	verb := "drop"
	if r.Kind == RuleNoTrack {
		verb = "notrack"
	}
	if r.IsService() {
		return verb + " " + model.ProtoName(r.Proto) + " port " + strconv.Itoa(int(r.Port))
	}
	if r.Addr.IsSingleIP() {
		return verb + " " + r.Addr.Addr().String()
	}
	return verb + " " + r.Addr.String()
}

// flowFilter is the filter expression of the flows the rule concerns:
// those from the address, or those to the service.
func (r Rule) flowFilter() string {
	if r.IsService() {
		return model.ProtoName(r.Proto) + " dst port " + strconv.Itoa(int(r.Port))
	}
	return "src net " + r.Addr.String()
}

// RuleEntry is a rule cttop has applied, as the kernel reports it.
type RuleEntry struct {
	Rule    Rule
	Timeout time.Duration // 0: none
	Left    time.Duration // time left; 0 when there is no timeout
}

// RulePreview is the exact text of the rules, for the user to read, save
// or copy before anything is applied.
type RulePreview struct {
	NFT, IPTables, Explain string
}

// DeleteResult counts what a deletion did.
type DeleteResult struct {
	Deleted, Gone int
	// Flushed is set when the kernel flushed by a selector in one request;
	// it does not count then, and Deleted is what cttop saw before.
	Flushed bool
}

// Actions carries out what the user asks. main wires it to the kernel and
// nftables; a nil Actions (replay, demo, --read-only) makes every action
// unavailable. Methods may block: the UI calls them from commands, never
// from Update.
type Actions interface {
	// Delete deletes these flows; progress is called as batches complete.
	Delete(ctx context.Context, flows []model.Flow, progress func(done int)) (DeleteResult, error)
	// Flush deletes in the kernel every flow the selector matches.
	Flush(ctx context.Context, sel model.KernelSelector) error
	// Preview returns the exact rule text for rules lasting d (0: no timeout).
	Preview(rules []Rule, d time.Duration) (RulePreview, error)
	// Apply installs the rules, whole or not at all.
	Apply(ctx context.Context, rules []Rule, d time.Duration) error
	// Rules lists what cttop has blocked or untracked.
	Rules(ctx context.Context) ([]RuleEntry, error)
	// Remove removes one rule.
	Remove(ctx context.Context, r Rule) error
	// Danger says why the rule could lock the operator out or break the
	// host ("" if none): their SSH client, loopback, the host's addresses.
	Danger(r Rule) string
}

// Messages of the actions.
type (
	deleteProgressMsg struct{ done int }
	deleteDoneMsg     struct {
		res  DeleteResult
		err  error
		what string
	}
	rulesAppliedMsg struct {
		rules []Rule
		d     time.Duration
		err   error
	}
	rulesListMsg struct {
		entries []RuleEntry
		err     error
	}
	ruleRemovedMsg struct {
		rule Rule
		err  error
	}
	savedMsg struct {
		path string
		err  error
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
func flushFlows(a Actions, sel model.KernelSelector, seen int, what string) tea.Cmd {
	return func() tea.Msg {
		err := a.Flush(context.Background(), sel)
		return deleteDoneMsg{res: DeleteResult{Deleted: seen, Flushed: true}, err: err, what: what}
	}
}

func applyRules(a Actions, rules []Rule, d time.Duration) tea.Cmd {
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

func removeRule(a Actions, r Rule) tea.Cmd {
	return func() tea.Msg {
		return ruleRemovedMsg{rule: r, err: a.Remove(context.Background(), r)}
	}
}
