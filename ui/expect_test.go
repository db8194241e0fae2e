package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/cttop/cttop/model"
)

// TestExpectationTable: the counters line shows the expectation table's
// count against nf_conntrack_expect_max when helpers use it (it holds
// expectations, or some were created since boot), and nothing when they
// never did or the kernel did not say.
func TestExpectationTable(t *testing.T) {
	for _, c := range []struct {
		name  string
		stats model.TableStats
		want  string // "" for no expect part
	}{
		{"in use", model.TableStats{Expect: 3, ExpectMax: 4096, ExpectCreated: 40, ExpectValid: true}, "expect 3/4,096"},
		{"used before", model.TableStats{Expect: 0, ExpectMax: 4096, ExpectCreated: 5, ExpectValid: true}, "expect 0/4,096"},
		{"full", model.TableStats{Expect: 4096, ExpectMax: 4096, ExpectCreated: 9000, ExpectValid: true}, "expect 4,096/4,096"},
		{"never used", model.TableStats{ExpectMax: 4096, ExpectValid: true}, ""},
		{"not said", model.TableStats{Expect: 3, ExpectMax: 4096}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error)})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 24})
			b := snapshotBatch(30)
			st := c.stats
			st.Valid, st.Count, st.Max = true, 30, 262144
			b.Stats = st
			m.Update(BatchMsg{b})
			screen := plain(m)
			head := strings.Join(strings.Split(screen, "\n")[:m.headerHeight()], "\n")
			switch {
			case c.want == "" && strings.Contains(screen, "expect "):
				t.Errorf("an expect part without helpers in use:\n%s", head)
			case c.want != "" && !strings.Contains(head, c.want):
				t.Errorf("the header lacks %q:\n%s", c.want, head)
			}
		})
	}
}
