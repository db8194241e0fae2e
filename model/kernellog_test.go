package model

import "testing"

func TestKernelLog(t *testing.T) {
	g := NewKernelLog(3)
	if _, ok := g.Latest(); ok {
		t.Error("latest of an empty log")
	}
	for i := 1; i <= 5; i++ {
		g.Add(LogLine{Seq: uint64(i), Kind: LogTableFull, Suppressed: 10})
	}
	g.Add(LogLine{Seq: 6, Kind: LogSYNFlood, Port: 80})
	if g.Len() != 3 || g.At(0).Seq != 4 || g.At(2).Seq != 6 {
		t.Errorf("kept %d: %d..%d", g.Len(), g.At(0).Seq, g.At(g.Len()-1).Seq)
	}
	if c := g.Count(LogTableFull); c.Lines != 5 || c.Suppressed != 50 || c.Last.Seq != 5 {
		t.Errorf("table full count %+v", c)
	}
	if l, ok := g.Latest(); !ok || l.Seq != 6 || g.Total() != 6 || g.Count(LogSYNFlood).Lines != 1 {
		t.Errorf("latest %+v total %d", l, g.Total())
	}
	if g.Count(NumLogKinds+1) != (LogCount{}) {
		t.Error("count of an unknown kind")
	}
	small := NewKernelLog(0)
	small.Add(LogLine{Seq: 1})
	if small.Len() != 1 || small.At(0).Seq != 1 {
		t.Error("default keep")
	}
}
