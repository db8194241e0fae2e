package demo

import "github.com/cttop/cttop/model"

// The values of a flow for tests that compare them, 0 when unknown (tests
// that care whether a value is known check the Attrs bits).

func idOf(f *model.Flow) uint32 { v, _ := f.ID(); return v }

func expiresOf(f *model.Flow) uint32 { v, _ := f.Expires(); return v }

func pstateOf(f *model.Flow) uint8 { v, _ := f.ProtoState(); return v }

// ttlOf returns f's TTL at now (0 when unknown).
func ttlOf(f *model.Flow, now uint32) uint32 {
	t, _ := f.TTL(now)
	return t
}
