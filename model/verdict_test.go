package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHyperLogLog(t *testing.T) {
	for _, n := range []int{0, 1, 3, 100, 2000, 100000} {
		var h hyperLogLog
		for i := 0; i < n; i++ {
			a := addr(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			h.addAddr(&a)
			h.addAddr(&a) // twice: counted once
		}
		got := h.estimate()
		if math.Abs(got-float64(n)) > 0.05*float64(n)+0.5 {
			t.Errorf("%d distinct: estimate %.1f", n, got)
		}
	}
}

// verdictRun feeds a verdict for secs seconds of 100 ms batches, each with
// the new flows srcs returns, in a table that is 90% full.
func verdictRun(t *testing.T, secs int, perBatch int, src func(r *rand.Rand, i int) string) (*Verdict, *Table) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	tab := NewTable(0)
	v := NewVerdict(0)
	id := uint32(1)
	for i := 1; i <= secs*10; i++ {
		b := &Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Info:  SourceInfo{EventMode: EventsAuto},
			Stats: TableStats{Valid: true, Count: 900, Max: 1000}}
		for j := 0; j < perBatch; j++ {
			f := tcpFlow(id, src(r, j), uint16(id), "192.0.2.1", 80)
			f.SetProtoState(TCPSynSent)
			b.Add(&Event{Type: EventNew, Flow: f})
			id++
		}
		v.Observe(tab.Apply(b), tab)
	}
	return v, tab
}

func TestVerdictConcentrated(t *testing.T) {
	// 2,000 sources in 198.18.0.0/21 make 80% of the new flows, random
	// sources the rest.
	v, tab := verdictRun(t, 8, 50, func(r *rand.Rand, j int) string {
		if j%5 == 0 {
			return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(126), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		}
		s := r.IntN(2000)
		return fmt.Sprintf("198.18.%d.%d", s/250, s%250+1)
	})
	rep := v.Judge(tab)
	if rep.Kind != Concentrated || len(rep.Cover) != 1 || rep.Cover[0].String() != "198.18.0.0/21" {
		t.Fatalf("verdict %+v", rep)
	}
	if math.Abs(rep.CoverShare-0.8) > 0.03 || math.Abs(rep.NewPerSec-500) > 10 {
		t.Fatalf("cover share %.3f, %.0f new/s", rep.CoverShare, rep.NewPerSec)
	}
	// 3,160 flows from 2,000 attackers picked at random come from about
	// 2,000 x (1 - e^-1.58) = 1,588 of them; 790 from random sources.
	if rep.Sources < 2260 || rep.Sources > 2500 {
		t.Fatalf("sources %d", rep.Sources)
	}
	if rep.Service.String() != "tcp/80" || rep.ServiceShare != 1 {
		t.Fatalf("service %s %.2f", rep.Service, rep.ServiceShare)
	}
}

func TestVerdictThreeAddresses(t *testing.T) {
	attackers := []string{"203.0.113.5", "198.51.100.77", "192.0.2.200"}
	v, tab := verdictRun(t, 8, 40, func(r *rand.Rand, j int) string {
		if j%10 == 0 {
			return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(126), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		}
		return attackers[j%3]
	})
	rep := v.Judge(tab)
	var got []string
	for _, c := range rep.Cover {
		got = append(got, c.String())
	}
	slices.Sort(got)
	if rep.Kind != Concentrated || fmt.Sprint(got) != "[192.0.2.200/32 198.51.100.77/32 203.0.113.5/32]" {
		t.Fatalf("verdict %v %v", rep.Kind, got)
	}
	if math.Abs(rep.CoverShare-0.9) > 0.02 {
		t.Fatalf("share %.3f", rep.CoverShare)
	}
}

func TestVerdictSpread(t *testing.T) {
	v, tab := verdictRun(t, 8, 50, func(r *rand.Rand, j int) string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	})
	rep := v.Judge(tab)
	if rep.Kind != Spread || len(rep.Heavy) != 0 || rep.Sources < 3800 || !rep.FromIPv4 || rep.FromIPv6 {
		t.Fatalf("verdict %+v", rep)
	}
	// Spoofed over IPv6 as well: still spread, from both families.
	v, tab = verdictRun(t, 8, 50, func(r *rand.Rand, j int) string {
		if j%2 == 0 {
			return fmt.Sprintf("%x:%x:%x::%x", 0x2000+r.IntN(0x1000), r.IntN(65536), r.IntN(65536), 1+r.IntN(65535))
		}
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	})
	if rep = v.Judge(tab); rep.Kind != Spread || len(rep.Heavy) != 0 || !rep.FromIPv4 || !rep.FromIPv6 {
		t.Fatalf("verdict over both families %+v", rep)
	}
	// A threshold lowered under the share random sources give each /8
	// (1/223 here) makes /8s heavy; they are still spread, not 200
	// prefixes to block.
	for _, share := range []float64{0.01, 0.005, 0.002, 0.001} {
		v, tab = verdictRun(t, 8, 50, func(r *rand.Rand, j int) string {
			return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		})
		v.SetShare(share)
		if rep = v.Judge(tab); rep.Kind != Spread || len(rep.Heavy) != 0 {
			t.Fatalf("threshold %g: %v, %d heavy, cover %v", share, rep.Kind, len(rep.Heavy), rep.Cover)
		}
	}
	// At 0.1%, a /21 that makes 70% of the new flows among random sources
	// is still named alone.
	v, tab = verdictRun(t, 8, 50, func(r *rand.Rand, j int) string {
		if j%10 < 7 {
			s := r.IntN(2000)
			return fmt.Sprintf("198.18.%d.%d", s/250, s%250+1)
		}
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	})
	v.SetShare(0.001)
	if rep = v.Judge(tab); rep.Kind != Concentrated || len(rep.Cover) != 1 || rep.Cover[0].String() != "198.18.0.0/21" {
		t.Fatalf("a /21 at 0.1%%: %v, cover %v", rep.Kind, rep.Cover)
	}
}

func TestVerdictMeasuringAndCalm(t *testing.T) {
	src := func(r *rand.Rand, j int) string { return "203.0.113.5" }
	v, tab := verdictRun(t, 4, 10, src)
	if rep := v.Judge(tab); rep.Kind != Measuring || rep.Measured != 3900*time.Millisecond {
		t.Fatalf("after 4 s: %v, measured %v", rep.Kind, rep.Measured)
	}
	v, tab = verdictRun(t, 8, 0, src)
	if rep := v.Judge(tab); rep.Kind != FewNew {
		t.Fatalf("no new flows: %v", rep.Kind)
	}
	tab.Apply(&Batch{Time: t0.Add(9 * time.Second), Stats: TableStats{Valid: true, Count: 10, Max: 1000}})
	if rep := v.Judge(tab); rep.Kind != Calm {
		t.Fatalf("10 of 1,000: %v", rep.Kind)
	}
}

// TestVerdictCoverIsTight: heavy addresses spread inside a /25 are named
// one by one, not as the /25 that would block 124 others too.
func TestVerdictCoverIsTight(t *testing.T) {
	attackers := []string{"203.0.113.206", "203.0.113.244", "203.0.113.170", "203.0.113.177"}
	v, tab := verdictRun(t, 8, 40, func(r *rand.Rand, j int) string { return attackers[j%4] })
	rep := v.Judge(tab)
	var got []string
	for _, c := range rep.Cover {
		got = append(got, c.String())
	}
	slices.Sort(got)
	if rep.Kind != Concentrated || fmt.Sprint(got) != "[203.0.113.170/32 203.0.113.177/32 203.0.113.206/32 203.0.113.244/32]" {
		t.Fatalf("verdict %v, cover %v", rep.Kind, got)
	}
}

// TestVerdictNamesTheSmallestPrefix: the cover is the smallest prefix
// that holds the flood at any length, not the /16 or /48 of the level its
// heavy prefixes were counted at: floods inside a /22 (each /24 under the
// threshold), a /20, an IPv6 /56 and /64, four /24s far apart, and an IPv4
// and an IPv6 prefix at once; random sources make the rest.
func TestVerdictNamesTheSmallestPrefix(t *testing.T) {
	rnd4 := func(r *rand.Rand) string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	rnd6 := func(r *rand.Rand) string {
		return fmt.Sprintf("%x:%x:%x::%x", 0x2000+r.IntN(0x1000), r.IntN(65536), r.IntN(65536), 1+r.IntN(65535))
	}
	tests := []struct {
		name  string
		src   func(r *rand.Rand, j int) string
		kind  VerdictKind
		cover string
		share float64
	}{
		{"a /22 at 16%, each /24 under 5%", func(r *rand.Rand, j int) string {
			if j%25 < 4 {
				return fmt.Sprintf("10.20.%d.%d", 4+r.IntN(4), r.IntN(256))
			}
			return rnd4(r)
		}, Mixed, "[10.20.4.0/22]", 0.16},
		{"a /20 at 60%", func(r *rand.Rand, j int) string {
			if j%5 < 3 {
				return fmt.Sprintf("10.20.%d.%d", 16+r.IntN(16), r.IntN(256))
			}
			return rnd4(r)
		}, Concentrated, "[10.20.16.0/20]", 0.6},
		{"an IPv6 /56 at 70%", func(r *rand.Rand, j int) string {
			if j%10 < 7 {
				return fmt.Sprintf("2001:db8:10:%x::%x", 0x2000+r.IntN(256), 1+r.IntN(65535))
			}
			return rnd6(r)
		}, Concentrated, "[2001:db8:10:2000::/56]", 0.7},
		{"an IPv6 /64 at 70%", func(r *rand.Rand, j int) string {
			if j%10 < 7 {
				return fmt.Sprintf("2001:db8:10:20:%x::%x", r.IntN(65536), 1+r.IntN(65535))
			}
			return rnd6(r)
		}, Concentrated, "[2001:db8:10:20::/64]", 0.7},
		{"four /24s far apart", func(r *rand.Rand, j int) string {
			nets := []string{"10.1.5", "10.1.200", "172.16.9", "203.0.113"}
			if j%10 < 7 {
				return fmt.Sprintf("%s.%d", nets[j%4], 1+r.IntN(254))
			}
			return rnd4(r)
		}, Concentrated, "[10.1.200.0/24 10.1.5.0/24 172.16.9.0/24 203.0.113.0/24]", 0.7},
		{"an IPv4 /24 and an IPv6 /64", func(r *rand.Rand, j int) string {
			switch j % 10 {
			case 0, 1, 2, 3:
				return fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
			case 4, 5, 6, 7:
				return fmt.Sprintf("2001:db8:10:20:%x::%x", r.IntN(65536), 1+r.IntN(65535))
			}
			return rnd4(r)
		}, Concentrated, "[2001:db8:10:20::/64 203.0.113.0/24]", 0.8},
		{"a heavy address inside a heavy /24, and another /24", func(r *rand.Rand, j int) string {
			switch j % 10 {
			case 0, 1, 2:
				return "203.0.113.7"
			case 3, 4:
				return fmt.Sprintf("203.0.113.%d", 8+r.IntN(200))
			case 5, 6:
				return fmt.Sprintf("10.1.5.%d", 1+r.IntN(254))
			}
			return rnd4(r)
		}, Concentrated, "[10.1.5.0/24 203.0.113.0/24]", 0.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, tab := verdictRun(t, 8, 50, tt.src)
			rep := v.Judge(tab)
			var got []string
			for _, c := range rep.Cover {
				got = append(got, c.String())
			}
			slices.Sort(got)
			if rep.Kind != tt.kind || fmt.Sprint(got) != tt.cover || math.Abs(rep.CoverShare-tt.share) > 0.03 {
				t.Fatalf("verdict %v, cover %v holding %.3f; want %v, %s holding %.2f", rep.Kind, got, rep.CoverShare, tt.kind, tt.cover, tt.share)
			}
		})
	}
}

// TestTightenFollowsOnlyCounts: a /24 counted 100 times whose addresses
// the /32 level lost but one stays the /24; one whose addresses the /32
// level holds goes down to the /26 they fill.
func TestTightenFollowsOnlyCounts(t *testing.T) {
	key := func(s string, bits uint8) GroupKey {
		return GroupKey{By: BySrc, Family: IPv4, Bits: bits, Addr: addr(s)}
	}
	levels := make([]map[GroupKey]uint64, len(rateLevels))
	for i := range levels {
		levels[i] = map[GroupKey]uint64{}
	}
	c := key("203.0.113.0", 24)
	levels[levelFor(IPv4, 24)][c] = 100
	levels[levelFor(IPv4, 32)][key("203.0.113.198", 32)] = 1
	if got := tighten(levels, c, 0.05); got != c {
		t.Fatalf("tightened to %s with the /32 level seeing 1 of 100 flows", got)
	}
	for i := range 50 {
		levels[levelFor(IPv4, 32)][key(fmt.Sprintf("203.0.113.%d", 64+i), 32)] = 2
	}
	if got := tighten(levels, c, 0.05); got.String() != "203.0.113.64/26" {
		t.Fatalf("tightened to %s, want 203.0.113.64/26", got)
	}
}
