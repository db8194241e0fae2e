package model

import (
	"math/rand/v2"
	"testing"
)

// TestGroupIndexAgainstMap adds and removes groups as Groups.add does
// (the last group takes a removed one's place) and checks every lookup
// against a Go map, through growth, shrinking and fit.
func TestGroupIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	var x groupIndex
	x.reset()
	var list []groupRec
	want := map[GroupKey]int32{}
	key := func() GroupKey {
		k := GroupKey{By: BySrc, Family: IPv4}
		k.Addr[12], k.Addr[13], k.Addr[14] = 10, byte(r.IntN(64)), byte(r.IntN(256))
		return k
	}
	check := func(round int) {
		t.Helper()
		if x.n != len(list) || len(want) != len(list) {
			t.Fatalf("round %d: index holds %d, list %d, map %d", round, x.n, len(list), len(want))
		}
		for k, i := range want {
			if got := x.find(list, &k); got != i {
				t.Fatalf("round %d: find(%v) = %d, want %d", round, k.Addr, got, i)
			}
		}
		for range 100 {
			k := key()
			if _, ok := want[k]; !ok && x.find(list, &k) >= 0 {
				t.Fatalf("round %d: found %v, never added or removed", round, k.Addr)
			}
		}
	}
	for round := range 40 {
		grow := round < 20 || round%2 == 0
		for range 2000 {
			k := key()
			h := x.hash(&k)
			i, pos := x.probe(list, &k, h)
			if w, ok := want[k]; (i >= 0) != ok || (ok && i != w) {
				t.Fatalf("probe(%v) = %d, want %d (in the index: %v)", k.Addr, i, w, ok)
			}
			switch {
			case i < 0 && grow:
				i = int32(len(list))
				x.fill(pos, h, i)
				list = append(list, groupRec{key: k})
				want[k] = i
			case i >= 0 && !grow:
				x.remove(&k, i)
				delete(want, k)
				last := int32(len(list) - 1)
				if i != last {
					list[i] = list[last]
					x.move(&list[i].key, last, i)
					want[list[i].key] = i
				}
				list = list[:last]
			}
		}
		check(round)
	}
	before := len(x.slots)
	for len(list) > 100 {
		k := list[len(list)-1].key
		x.remove(&k, int32(len(list)-1))
		delete(want, k)
		list = list[:len(list)-1]
	}
	x.fit()
	check(-1)
	if len(x.slots) >= before || len(x.slots) > 4*groupIndexMin {
		t.Fatalf("%d slots for %d groups (%d before)", len(x.slots), len(list), before)
	}
}
