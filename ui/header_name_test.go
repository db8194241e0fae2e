package ui

import (
	"testing"

	"github.com/cttop/cttop/model"
)

// TestSourceLabelQuotesNames: a replay file or namespace name chosen by
// someone else reaches the header quoted, never as raw control bytes.
func TestSourceLabelQuotesNames(t *testing.T) {
	for _, c := range []struct {
		info model.SourceInfo
		want string
	}{
		{model.SourceInfo{Kind: "replay", Name: "dump.txt"}, "replay of dump.txt"},
		{model.SourceInfo{Kind: "replay", Name: "x\x1b[2J\a"}, `replay of "x\x1b[2J\a"`},
		{model.SourceInfo{Kind: "kernel", Name: "web1"}, "netns web1"},
		{model.SourceInfo{Kind: "kernel", Name: "ns\n2"}, `netns "ns\n2"`},
	} {
		if got := sourceLabel(c.info); got != c.want {
			t.Errorf("sourceLabel(%q) = %q, want %q", c.info.Name, got, c.want)
		}
	}
}
