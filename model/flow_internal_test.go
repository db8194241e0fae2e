package model

import "testing"

// TestZoneBits: zoneDir reads the two direction bits in ZoneDir's order.
func TestZoneBits(t *testing.T) {
	if zoneOrig != 1<<zoneShift || zoneReply != 2<<zoneShift {
		t.Fatalf("zone bits at %b %b, zoneShift %d", zoneOrig, zoneReply, zoneShift)
	}
	for _, z := range []Zone{{}, {ID: 7}, {ID: 7, Dir: ZoneOrig}, {ID: 9, Dir: ZoneReply}, {ID: 0, Dir: ZoneReply}} {
		var f Flow
		f.SetZone(z)
		got, ok := f.Zone()
		want := z
		if z.ID == 0 {
			want.Dir = ZoneBoth
		}
		if !ok || got != want || f.Key().ZoneDir != want.Dir {
			t.Errorf("SetZone(%+v): Zone %+v %v, key dir %v", z, got, ok, f.Key().ZoneDir)
		}
	}
}
