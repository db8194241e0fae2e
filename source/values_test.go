package source

import "github.com/cttop/cttop/model"

// The values of a flow for tests that compare them, 0 when unknown (tests
// that care whether a value is known check the Attrs bits).

func idOf(f *model.Flow) uint32 { v, _ := f.ID(); return v }

func markOf(f *model.Flow) uint32 { v, _ := f.Mark(); return v }

func zoneOf(f *model.Flow) uint16 { z, _ := f.Zone(); return z.ID }

func expiresOf(f *model.Flow) uint32 { v, _ := f.Expires(); return v }

func pstateOf(f *model.Flow) uint8 { v, _ := f.ProtoState(); return v }
