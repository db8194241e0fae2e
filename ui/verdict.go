package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// The verdict: a line under the header, while the table is under pressure,
// that says whether a few prefixes make the new flows (block them) or they
// come from everywhere (protect the service), and the key (!) that does
// it. The model judges (model.Verdict); this file words it and acts on it.

// observeVerdict counts the new flows of the last Apply and judges again
// once a second of table time.
func (m *Model) observeVerdict(ch *model.Changes) {
	m.verdict.Observe(ch, m.table)
	if now := m.table.Now(); now != m.judgedAt {
		m.judgedAt = now
		m.judged = m.verdict.Judge(m.table)
	}
}

// headerHeight is the number of lines above the view: the header, and the
// verdict while there is one.
func (m *Model) headerHeight() int {
	if m.judged.Kind != model.Calm {
		return headerLines + 1
	}
	return headerLines
}

// prefixText writes a prefix as the firewall takes it: a single address
// without its length.
func prefixText(k model.GroupKey) string { return action.PrefixString(k.Prefix()) }

// protectWord says what ! does for the service most new flows go to, or
// "" when nothing can protect it. Without actions (canAct false: demo,
// replay, --read-only) it says what would help, offering no key.
func protectWord(v *model.VerdictReport, canAct bool) string {
	if v.Service.By != model.ByDport || !model.HasPorts(v.Service.Proto) {
		return ""
	}
	protects, untracks := "! protects ", "! untracks "
	if !canAct {
		protects, untracks = "protect ", "untrack "
	}
	if v.Service.Proto == model.ProtoTCP {
		return protects + v.Service.String() + " (SYNPROXY)"
	}
	return untracks + v.Service.String() + " (NOTRACK)"
}

// verdictTexts are the wordings of the verdict, longest first; the header
// shows the first that fits. canAct says whether ! can act (actions are
// available): without, the verdict says what would help and offers no key.
func verdictTexts(v *model.VerdictReport, canAct bool) []string {
	blocks := "! blocks"
	if !canAct {
		blocks = "block"
	}
	sources := format.Plural(v.Sources, "source")
	share := format.Percent(v.CoverShare)
	switch v.Kind {
	case model.Measuring:
		done := fmt.Sprintf("%d of %d s", int(v.Measured.Seconds()), int(v.Window.Seconds()))
		return []string{
			"table under pressure: measuring where the new flows come from (" + done + ")",
			"measuring new flows (" + done + ")",
		}
	case model.FewNew:
		rate := format.Rate(v.NewPerSec) + "/s"
		if v.Dropping {
			// The kernel refuses the new flows: their sources never
			// reach the table, the old flows hold it.
			return []string{
				"the kernel drops new flows (" + rate + " get in): old flows hold the table: 6 shows whose, T tuning",
				"new flows dropped (" + rate + " get in): old flows hold it: T tuning",
				"new flows dropped: T tuning",
			}
		}
		return []string{
			"table under pressure with few new flows (" + rate + "): old flows fill it: T for tuning",
			"few new flows (" + rate + "): old flows fill the table: T",
		}
	case model.Concentrated:
		if len(v.Cover) == 1 {
			p := prefixText(v.Cover[0])
			return []string{
				sources + ", " + p + " holds " + share + " of new flows (" + format.Rate(v.NewPerSec) + "/s): " + blocks + " it",
				sources + ", " + p + " holds " + share + " of new flows: " + blocks + " it",
				p + " holds " + share + " of new flows: " + blocks + " it",
				p + " " + share + " of new: " + blocks,
			}
		}
		names := make([]string, len(v.Cover))
		for i, c := range v.Cover {
			names[i] = prefixText(c)
		}
		what := strconv.Itoa(len(v.Cover)) + " addresses"
		for _, c := range v.Cover {
			if int(c.Bits) != model.AddrBits(c.Family) {
				what = strconv.Itoa(len(v.Cover)) + " prefixes"
			}
		}
		return []string{
			sources + ", " + strings.Join(names, ", ") + " hold " + share + " of new flows: " + blocks + " them",
			sources + ", " + what + " hold " + share + " of new flows (6 lists them): " + blocks + " them",
			what + " hold " + share + " of new flows: " + blocks + " them",
		}
	case model.Spread:
		act := protectWord(v, canAct)
		short := act
		if i := strings.Index(act, " ("); i > 0 {
			short = act[:i]
		}
		tail, tailShort := ": "+act, ": "+short
		if act == "" {
			tail, tailShort = ": protect the service", ""
		}
		thr := model.ShareText(v.Threshold)
		return []string{
			"new flows from " + sources + ", no prefix from " + lengthRange(v) + " above " + thr + ": likely spoofed" + tail,
			"new flows from " + sources + ", no prefix above " + thr + ": likely spoofed" + tailShort,
			sources + ", no prefix above " + thr + ": likely spoofed" + tailShort,
			sources + ", no prefix above " + thr + tailShort,
		}
	case model.Mixed:
		act := protectWord(v, canAct)
		short := act[:strings.Index(act+" (", " (")]
		first := prefixText(v.Cover[0]) + " makes"
		if len(v.Cover) > 1 {
			first = strconv.Itoa(len(v.Cover)) + " prefixes make"
		}
		if act == "" {
			return []string{
				first + " " + share + " of new flows, the rest is spread: 6 lists them",
				first + " " + share + " of new flows: 6 lists them",
				prefixOrCount(v) + " " + share + " of new: 6 lists",
			}
		}
		return []string{
			first + " " + share + " of new flows, the rest comes from everywhere: " + act,
			first + " " + share + " of new flows, the rest is spread: " + short,
			first + " " + share + " of new flows: " + short,
			prefixOrCount(v) + " " + share + " of new: " + short,
		}
	}
	return nil
}

// prefixOrCount is the cover's only prefix, or how many prefixes it has.
func prefixOrCount(v *model.VerdictReport) string {
	if len(v.Cover) == 1 {
		return prefixText(v.Cover[0])
	}
	return strconv.Itoa(len(v.Cover)) + " prefixes"
}

// lengthRange names the prefix lengths the verdict looked at, for the
// families the new flows came from: "/8 to /32", "/16 to /128" or both.
func lengthRange(v *model.VerdictReport) string {
	v4 := "/" + strconv.Itoa(model.MinBits4) + " to /" + strconv.Itoa(model.MaxBits4)
	v6 := "/" + strconv.Itoa(model.MinBits6) + " to /" + strconv.Itoa(model.MaxBits6)
	switch {
	case v.FromIPv6 && !v.FromIPv4:
		return v6
	case v.FromIPv6:
		return v4 + " (IPv6 " + v6 + ")"
	}
	return v4
}

// renderVerdict is the verdict line, or "" when the table is calm.
func (m *Model) renderVerdict(w int) string {
	v := &m.judged
	texts := verdictTexts(v, m.cfg.Actions != nil)
	if len(texts) == 0 {
		return ""
	}
	text := texts[len(texts)-1]
	for _, t := range texts {
		if lipgloss.Width(t) <= w {
			text = t
			break
		}
	}
	style := m.styles.Alarm
	if v.Kind == model.Measuring || v.Kind == model.FewNew {
		style = m.styles.Warn
	}
	return style.Render(m.fit(text, w))
}

// actOnVerdict is !: the DROP dialog for the prefixes that make the new
// flows, SYNPROXY (TCP) or NOTRACK for the service a spread flood goes to,
// the tuning report when old flows fill the table.
func (m *Model) actOnVerdict() tea.Cmd {
	v := &m.judged
	switch v.Kind {
	case model.Calm:
		m.status = "no verdict: the table is not under pressure (80% full or dropping)"
		return nil
	case model.Measuring:
		m.status = "the verdict is still measuring the new flows: a few more seconds"
		return nil
	case model.FewNew:
		return m.openTune()
	}
	if m.cfg.Actions == nil {
		m.status = "actions are unavailable: " + m.readOnlyReason()
		return nil
	}
	var rules []action.Target
	if v.Kind == model.Concentrated {
		for _, c := range v.Cover {
			rules = append(rules, action.Source(action.Drop, c.Prefix()))
		}
	} else {
		s := v.Service
		switch {
		case s.By != model.ByDport || !model.HasPorts(s.Proto):
			m.status = "the new flows go to " + s.String() + ", which has no port to protect"
			return nil
		case s.Proto == model.ProtoTCP:
			rules = append(rules, action.SynProxyService(s.Port))
		default:
			rules = append(rules, action.Service(s.Proto, s.Port))
		}
	}
	return m.openRulesFor(rules, "")
}
