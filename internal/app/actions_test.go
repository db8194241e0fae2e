package app

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/audit"
	"github.com/cttop/cttop/model"
)

// TestApplyRecords: one apply of every kind of rule leaves one audit
// record per kind (block, untrack, synproxy), each with its own targets in
// the dialog's words, the rules' lifetime and the apply's error; a kind
// without targets leaves none. TestActionsAudit sends block and untrack
// through the kernel; SYNPROXY needs settings its namespace lacks.
func TestApplyRecords(t *testing.T) {
	boom := errors.New("boom")
	targets := []action.Target{
		action.SynProxyService(443),
		action.Host(action.Drop, netip.MustParseAddr("198.51.100.7")),
		action.Service(model.ProtoUDP, 53),
		action.Source(action.Drop, netip.MustParsePrefix("203.0.113.0/24")),
	}
	got := applyRecords(targets, 30*time.Minute, boom)
	want := []audit.Record{
		{Action: audit.Block, Count: 2, Targets: []string{targets[1].String(), targets[3].String()}, Timeout: 30 * time.Minute, Err: boom},
		{Action: audit.Untrack, Count: 1, Targets: []string{targets[2].String()}, Timeout: 30 * time.Minute, Err: boom},
		{Action: audit.SYNProxy, Count: 1, Targets: []string{targets[0].String()}, Timeout: 30 * time.Minute, Err: boom},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records\n%+v\nwant\n%+v", got, want)
	}
	if got := applyRecords(targets[:1], 0, nil); len(got) != 1 || got[0].Action != audit.SYNProxy || got[0].Count != 1 || got[0].Err != nil {
		t.Errorf("a SYNPROXY apply alone: %+v", got)
	}
}
