package ui

// tagFlow toggles the tag of the selected flow and moves down, so a run of
// space presses tags a run of rows.
func (m *Model) tagFlow() {
	if m.list.Len() == 0 {
		return
	}
	if _, ok := m.tags[m.sel]; ok {
		delete(m.tags, m.sel)
	} else {
		m.tags[m.sel] = struct{}{}
	}
	m.move(1)
}

// tagGroup toggles the tag of the selected top row and moves down.
func (m *Model) tagGroup() {
	if !m.top.hasSel {
		return
	}
	if _, ok := m.groupTags[m.top.sel]; ok {
		delete(m.groupTags, m.top.sel)
	} else {
		m.groupTags[m.top.sel] = struct{}{}
	}
	m.topMove(1)
}

// pruneTags forgets tagged flows that have ended.
func (m *Model) pruneTags() {
	for k := range m.tags {
		if m.table.Find(k) < 0 {
			delete(m.tags, k)
		}
	}
}

// tagCount is the number of tagged rows the header reports.
func (m *Model) tagCount() int { return len(m.tags) + len(m.groupTags) }
