package ui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// BatchMsg carries one batch from the source. Update applies it (or holds
// it while paused) and waits for the next.
type BatchMsg struct{ Batch *model.Batch }

// sourceDoneMsg says the source stopped; err is why (nil: it just ended).
type sourceDoneMsg struct{ err error }

// waitForBatch waits for the next batch or the source's end of the table
// of generation gen (see hostState.gen). The UI re-arms it after each
// batch, so at most one batch is ever in flight.
func waitForBatch(batches <-chan *model.Batch, done <-chan error, gen int) tea.Cmd {
	return func() tea.Msg {
		select {
		case b := <-batches:
			return sourceMsg{gen, BatchMsg{b}}
		case err := <-done:
			return sourceMsg{gen, sourceDoneMsg{err}}
		}
	}
}
