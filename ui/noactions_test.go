package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// noActionReasons are the sources without actions, as internal/app names
// them: no screen of theirs may offer a key that acts as if it worked.
var noActionReasons = []string{"demo", "replay", "--read-only", "not a live kernel table"}

// offersAction reports the first key offer of an action in screen.
func offersAction(screen string) string {
	for _, o := range []string{"! blocks", "! protects", "! untracks", "b blocks", "b block ", "u remove", "a apply",
		"D deletes", "d deletes", "n untracks", "P protects"} {
		if strings.Contains(screen, o) {
			return o
		}
	}
	return ""
}

// TestVerdictWithoutActions: in demo, replay and --read-only the verdict
// says what would help without offering !, ! says why it does nothing,
// and the help lists ! among the unavailable keys.
func TestVerdictWithoutActions(t *testing.T) {
	floods := map[string]struct {
		src   func(int) string
		dport uint16
		says  string
	}{
		"concentrated": {func(i int) string { return fmt.Sprintf("198.18.%d.%d", i%8, 1+i%250) }, 80,
			"198.18.0.0/21 holds 100.0% of new flows (30/s): block it"},
		"spread": {func(i int) string { return fmt.Sprintf("%d.%d.%d.%d", 1+i*37%223, i*101%256, i*7%256, 1+i%250) }, 443,
			"likely spoofed: protect tcp/443"},
	}
	for _, why := range noActionReasons {
		for name, f := range floods {
			m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: why})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m.Update(BatchMsg{attackBatch()})
			rateBatches(m, f.src, f.dport)
			m.Update(tea80x24())
			screen := plain(m)
			if o := offersAction(screen); o != "" || !strings.Contains(screen, f.says) {
				t.Errorf("%s, %s: offers %q or lacks %q:\n%s", why, name, o, f.says, screen)
			}
			pressRun(m, "!")
			if m.rules != nil || !strings.Contains(m.status, "unavailable: "+why) {
				t.Errorf("%s, %s: ! says %q", why, name, m.status)
			}
			pressRun(m, "?")
			if !strings.Contains(oneLine(plain(m)), "unavailable ("+why+"): d/x D b n P B !") {
				t.Errorf("%s: the help does not list ! as unavailable:\n%s", why, plain(m))
			}
		}
	}
	// No wording of any verdict offers a key without actions.
	for _, kind := range []model.VerdictKind{model.Measuring, model.FewNew, model.Concentrated, model.Mixed, model.Spread} {
		for _, svc := range []model.GroupKey{{By: model.ByDport, Proto: model.ProtoTCP, Port: 80},
			{By: model.ByDport, Proto: model.ProtoUDP, Port: 53}} {
			v := model.VerdictReport{Kind: kind, Service: svc, Sources: 9, CoverShare: 0.5,
				Cover: []model.GroupKey{{By: model.BySrc, Family: model.IPv4, Bits: 24}}}
			for _, text := range verdictTexts(&v, false) {
				if strings.Contains(text, "!") {
					t.Errorf("%v: %q offers !", kind, text)
				}
			}
		}
	}
}

// TestStartWithoutActions: landing on a full table without actions names
// the offender without offering b.
func TestStartWithoutActions(t *testing.T) {
	for _, why := range noActionReasons {
		m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), StartView: StartAuto, ReadOnly: why})
		m.Update(tea80x24())
		m.Update(BatchMsg{pressureBatch(1500, 1500, threeSources, port80, est)})
		if strings.Contains(m.status, "b blocks") || !strings.Contains(m.status, "10.99.0.11 makes 60% of flows") {
			t.Errorf("%s: status %q", why, m.status)
		}
		if o := offersAction(plain(m)); o != "" {
			t.Errorf("%s: offers %q:\n%s", why, o, plain(m))
		}
	}
}
