package hostns

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	b, err := os.ReadFile("testdata/host/proc/200/net/stat/nf_conntrack")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStat(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Counters{Found: 15, Drop: 121, EarlyDrop: 30, InsertFailed: 4, ClashResolve: 9, ChainTooLong: 1, SearchRestart: 1}
	if st.Entries != 50000 || st.Total != want || len(st.PerCPU) != 2 {
		t.Errorf("got %d entries, %+v over %d CPUs; want 50000, %+v over 2", st.Entries, st.Total, len(st.PerCPU), want)
	}
	if !st.Active() {
		t.Error("not active")
	}
}

// TestParseStatOldHeader: kernels before 5.x name two columns
// differently ("searched", "delete_list"); the counters that exist are
// still read by name.
func TestParseStatOldHeader(t *testing.T) {
	in := "entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
		"00000010  00000000 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 0000000a 0000000b  0000000c 0000000d 0000000e 0000000f\n"
	st, err := ParseStat([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 16 || st.Total.Drop != 9 || st.Total.EarlyDrop != 10 || st.Total.InsertFailed != 8 || st.Total.Insert != 7 ||
		st.Total.ClashResolve != 0 || st.Total.ChainTooLong != 0 || st.Total.SearchRestart != 15 {
		t.Errorf("%+v", st)
	}
}

func TestParseStatErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"no header":     "00000001 00000002\n",
		"no cpu":        "entries drop\n",
		"short line":    "entries drop\n00000001\n",
		"not hex":       "entries drop\n0000000g 00000001\n",
		"over 32 bits":  "entries drop\n100000000 00000001\n",
		"negative":      "entries drop\n-0000001 00000001\n",
		"binary":        "entries drop\n\x00\x01 \xff\n",
		"header only 1": "entries\n",
	} {
		if st, err := ParseStat([]byte(in)); err == nil {
			t.Errorf("%s: no error, got %+v", name, st)
		} else if !errors.Is(err, ErrStatFormat) {
			t.Errorf("%s: %v is not ErrStatFormat", name, err)
		}
	}
}

func TestSinceWraps(t *testing.T) {
	prev := Stat{PerCPU: []Counters{{Drop: 0xfffffff0}, {Drop: 5}}}
	cur := Stat{PerCPU: []Counters{{Drop: 0x10}, {Drop: 7}}}
	d, ok := cur.Since(&prev)
	if !ok || d.Drop != 0x20+2 {
		t.Errorf("got %d %v, want 34", d.Drop, ok)
	}
	if _, ok := cur.Since(&Stat{PerCPU: []Counters{{}}}); ok {
		t.Error("a changed CPU count gave a delta")
	}
}

func TestSamplerRates(t *testing.T) {
	root := t.TempDir()
	mkproc(t, root, 1, 4026531840, "systemd", "0::/init.scope\n")
	mkproc(t, root, 7, 4026532000, "busy", "0::/x\n")
	mkproc(t, root, 8, 4026532001, "idle", "0::/y\n")
	write := func(entries, drop, clash uint32) {
		mkfile(t, root, "proc/7/net/stat/nf_conntrack",
			"entries  clashres drop early_drop insert_failed\n"+
				hex8(entries)+"  "+hex8(clash)+" "+hex8(drop)+" 00000000 00000001\n")
	}
	mkfile(t, root, "proc/1/net/stat/nf_conntrack", "entries drop\n00000000 00000000\n")
	mkfile(t, root, "proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
	mkfile(t, root, "proc/sys/net/netfilter/nf_conntrack_buckets", "65536\n")
	mkfile(t, root, "proc/8/net/stat/nf_conntrack", "entries drop\n00000000 00000000\n")
	s := &Sampler{D: &Discoverer{Root: root}}
	t0 := time.Unix(1000, 0)
	write(100, 10, 0)
	snap, err := s.Sample(t0)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := snap.Find(4026532000); r.Rates.Valid {
		t.Error("rates on the first sample")
	}
	write(60, 30, 4)
	snap, err = s.Sample(t0.Add(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := snap.Find(4026532000)
	if !ok {
		t.Fatal("busy namespace missing")
	}
	if !r.Rates.Valid || r.Rates.Entries != -20 || r.Rates.Drop != 10 || r.Rates.ClashResolve != 2 || r.Rates.InsertFailed != 0 {
		t.Errorf("rates %+v", r.Rates)
	}
	active, inactive := snap.Active()
	if len(active) != 1 || active[0].Inode != 4026532000 || inactive != 2 {
		t.Errorf("active %d (%v), inactive %d", len(active), active, inactive)
	}
	if snap.Entries() != 60 {
		t.Errorf("entries %d", snap.Entries())
	}
	if snap.Max != 262144 || snap.Buckets != 65536 {
		t.Errorf("limits %d %d", snap.Max, snap.Buckets)
	}
	m := snap.Model()
	if mr, ok := m.Find(4026532000); !ok || !mr.Known || mr.Entries != 60 || mr.Drop != 30 || mr.ClashResolve != 4 || !mr.RatesValid ||
		mr.EntriesRate != -20 || mr.DropRate != 10 || mr.Kind != "process" || mr.Name != "busy[7]" || m.Max != 262144 {
		t.Errorf("model row %+v", mr)
	}
	// A process that is gone and left no mount: its row says so and is
	// listed, not hidden.
	os.RemoveAll(root + "/proc/7/net")
	snap, _ = s.Sample(t0.Add(3 * time.Second))
	r, _ = snap.Find(4026532000)
	if r.Err == nil || !r.Active() {
		t.Errorf("unreadable row: %+v", r)
	}
	m = snap.Model()
	if mr, _ := m.Find(4026532000); mr.Known || mr.Error == "" || !mr.Active() {
		t.Errorf("unreadable model row %+v", mr)
	}
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b)
}
