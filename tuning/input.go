package tuning

import "github.com/cttop/cttop/model"

// InputFromTable describes t for the advisor: its composition with the
// topN busiest destination services and sources (model.Compose), and where
// its flows come from when it is a replay or the demo. It walks the table
// once. The caller adds the Settings (source.ReadTuning) and, for a live
// table loaded without batches, the Stats of the same moment.
func InputFromTable(t *model.Table, topN int) Input {
	in := Input{Table: model.Compose(t, topN)}
	switch info := t.Info(); info.Kind {
	case "replay":
		in.FlowsFrom = "replay file " + info.Name
	case "demo":
		in.FlowsFrom = "the demo (synthetic flows)"
	}
	return in
}
