package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/cttop/cttop/ui"

	tea "charm.land/bubbletea/v2"
)

// confirmedOnly is the status of a half-open flow: CONFIRMED, no reply
// seen (ti-mo/conntrack's StatusConfirmed; only package source imports
// the library).
const confirmedOnly = 1 << 3

func press(m *ui.Model, k string) {
	m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
}

// createAll creates the specs through ctnetlink on a few sockets at once.
func createAll(t *testing.T, path string, specs []sourcetest.Spec) {
	t.Helper()
	const workers = 4
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			c, err := sourcetest.DialPath(path)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := w; i < len(specs); i += workers {
				if err := c.Create(specs[i].Flow()); err != nil {
					errs <- fmt.Errorf("create %+v: %w", specs[i], err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// floodSpecs is the table: 2,000 sources in 198.18.0.0/21 with 21
// half-open flows each to port 80, and 18,000 ordinary flows from sources
// spread over many /8s.
func floodSpecs() []sourcetest.Spec {
	var specs []sourcetest.Spec
	for s := range 2000 {
		src := fmt.Sprintf("198.18.%d.%d", s/250, s%250+1)
		for j := range 21 {
			specs = append(specs, sourcetest.Spec{Src: src, Dst: "192.0.2.1", SrcPort: uint16(1024 + j), DstPort: 80,
				State: 2, Status: confirmedOnly, Timeout: 600})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 18000 {
		src := netip.AddrFrom4([4]byte{byte(1 + r.IntN(126)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
		specs = append(specs, sourcetest.Spec{Src: src.String(), Dst: "192.0.2.1", SrcPort: uint16(1024 + i%60000), DstPort: 443, Timeout: 600})
	}
	return specs
}

// kernelSources returns the source address of every flow conntrack -L
// lists in ns.
func kernelSources(t *testing.T, ns *netnstest.NS) []netip.Addr {
	t.Helper()
	out, err := ns.Command("conntrack", "-L").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	var srcs []netip.Addr
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), "src=")
		if !ok {
			continue
		}
		a, err := netip.ParseAddr(strings.Fields(rest)[0])
		if err != nil {
			t.Fatalf("conntrack -L line %q: %v", sc.Text(), err)
		}
		srcs = append(srcs, a)
	}
	return srcs
}

// countUnder counts the addresses under prefix p.
func countUnder(srcs []netip.Addr, p netip.Prefix) int {
	n := 0
	for _, a := range srcs {
		if p.Contains(a) {
			n++
		}
	}
	return n
}

type onceDoc struct {
	Matched int `json:"matched"`
	Group   struct {
		By        string  `json:"by"`
		Threshold float64 `json:"threshold"`
		Addresses int     `json:"addresses"`
	} `json:"group"`
	Groups []struct {
		Key         string         `json:"key"`
		Flows       int            `json:"flows"`
		Share       float64        `json:"share"`
		PrefixFlows *int           `json:"prefix_flows"`
		States      map[string]int `json:"states"`
	} `json:"groups"`
}

// once runs cttop --once --format json --group group on ns.
func onceGroupsKernel(t *testing.T, ns *netnstest.NS, group string, limit int) onceDoc {
	t.Helper()
	gr, err := model.ParseGrouping(group)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg := Config{NetNS: ns.Name, Once: true, Format: "json", Group: gr, HasGroup: true, Share: model.DefaultShare,
		Limit: limit, Interval: 100 * time.Millisecond}
	if err := runOnce(t.Context(), cfg, slog.New(slog.DiscardHandler), &out); err != nil {
		t.Fatal(err)
	}
	var doc onceDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("JSON of --once --group %s: %v", group, err)
	}
	return doc
}

// TestFloodPrefixesKernel: on the table, --group src/24 and
// src/auto rank the attacking /24s first, with counts equal to conntrack
// -L filtered by the same prefixes.
func TestFloodPrefixesKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	specs := floodSpecs()
	createAll(t, ns.Path, specs)
	srcs := kernelSources(t, ns)
	if len(srcs) != len(specs) {
		t.Fatalf("conntrack -L lists %d flows, created %d", len(srcs), len(specs))
	}
	check := func(doc onceDoc, n int) {
		t.Helper()
		if len(doc.Groups) < n {
			t.Fatalf("%d groups", len(doc.Groups))
		}
		for _, g := range doc.Groups[:n] {
			p, err := netip.ParsePrefix(g.Key)
			if err != nil || !netip.MustParsePrefix("198.18.0.0/21").Contains(p.Addr()) || p.Bits() != 24 {
				t.Fatalf("group %q among the first %d", g.Key, n)
			}
			if want := countUnder(srcs, p); g.Flows != want || want != 5250 {
				t.Errorf("%s: %d flows, conntrack -L lists %d", g.Key, g.Flows, want)
			}
			if g.States["SYN_RECV"] != g.Flows {
				t.Errorf("%s: states %v", g.Key, g.States)
			}
		}
	}
	doc := onceGroupsKernel(t, ns, "src/24", 20)
	check(doc, 8)
	if doc.Group.By != "src/24" || doc.Matched != len(specs) || doc.Groups[0].PrefixFlows != nil {
		t.Errorf("src/24: group %+v, matched %d", doc.Group, doc.Matched)
	}
	doc = onceGroupsKernel(t, ns, "src/auto", 0)
	check(doc, 8)
	if len(doc.Groups) != 8 || doc.Group.By != "src/auto" || doc.Group.Threshold != 0.05 || doc.Group.Addresses != 2000+18000 {
		t.Errorf("src/auto: %d groups, %+v", len(doc.Groups), doc.Group)
	}
	for _, g := range doc.Groups {
		if g.PrefixFlows == nil || *g.PrefixFlows != countUnder(srcs, netip.MustParsePrefix(g.Key)) {
			t.Errorf("%s: prefix_flows %v", g.Key, g.PrefixFlows)
		}
	}
}

// TestThreeAttackersKernel: three heavy addresses among noise give three
// /32s.
func TestThreeAttackersKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	attackers := []string{"203.0.113.5", "198.51.100.77", "192.0.2.200"}
	var specs []sourcetest.Spec
	for _, a := range attackers {
		for j := range 300 {
			specs = append(specs, sourcetest.Spec{Src: a, Dst: "10.0.0.1", SrcPort: uint16(2000 + j), DstPort: 80, State: 2,
				Status: confirmedOnly})
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 600 {
		src := netip.AddrFrom4([4]byte{byte(1 + r.IntN(126)), byte(r.IntN(256)), byte(r.IntN(256)), 1})
		specs = append(specs, sourcetest.Spec{Src: src.String(), Dst: "10.0.0.1", SrcPort: uint16(3000 + i), DstPort: 443})
	}
	createAll(t, ns.Path, specs)
	srcs := kernelSources(t, ns)
	doc := onceGroupsKernel(t, ns, "src/auto", 0)
	var got []string
	for _, g := range doc.Groups {
		got = append(got, g.Key)
		if want := countUnder(srcs, netip.MustParsePrefix(g.Key)); g.Flows != want {
			t.Errorf("%s: %d flows, conntrack -L lists %d", g.Key, g.Flows, want)
		}
	}
	if strings.Join(got, " ") != "192.0.2.200/32 198.51.100.77/32 203.0.113.5/32" {
		t.Fatalf("src/auto lists %q", got)
	}
}

// liveUI runs the real kernel source of ns into the UI's model for d,
// calling each after every batch, and returns the model.
func liveUI(t *testing.T, ns *netnstest.NS, uc ui.Config, width int, d time.Duration, each func(*ui.Model)) *ui.Model {
	t.Helper()
	src, closeSrc, err := openSource(t.Context(), Config{NetNS: ns.Name, Interval: 100 * time.Millisecond}, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSrc()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	batches := make(chan *model.Batch)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, batches) }()
	uc.Batches, uc.Done, uc.ReadOnly = batches, done, "test"
	m := ui.New(uc)
	m.Update(tea.WindowSizeMsg{Width: width, Height: 40})
	for {
		select {
		case b := <-batches:
			m.Update(ui.BatchMsg{Batch: b})
			if each != nil {
				each(m)
			}
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				t.Fatalf("source: %v", err)
			}
			return m
		}
	}
}

// rowRate finds the row of key on screen and returns its NEW/s and rank.
func rowRate(t *testing.T, screen, key string) (float64, int) {
	t.Helper()
	rank := 0
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.Contains(f[0], "/") {
			continue
		}
		if _, err := netip.ParsePrefix(f[0]); err != nil {
			continue
		}
		if f[0] == key {
			v, err := strconv.ParseFloat(strings.TrimPrefix(f[3], "~"), 64)
			if err != nil {
				t.Fatalf("NEW/s of %s: %q in %q", key, f[3], l)
			}
			return v, rank
		}
		rank++
	}
	t.Fatalf("no row %s:\n%s", key, screen)
	return 0, 0
}

// TestNewRateKernel: 10.1.1.0/24 holds 5,000 old flows, 192.0.2.0/24
// opens 500 new ones a second through ctnetlink; from the real event
// stream NEW/s ranks 192.0.2.0/24 first, within 20% of the true rate.
func TestNewRateKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	var old []sourcetest.Spec
	for i := range 5000 {
		old = append(old, sourcetest.Spec{Src: fmt.Sprintf("10.1.1.%d", 1+i%250), Dst: "192.0.2.1", SrcPort: uint16(1024 + i), DstPort: 443})
	}
	createAll(t, ns.Path, old)
	gr, _ := model.ParseGrouping("src/24")
	var created []time.Time
	stop := make(chan struct{})
	gen := make(chan error, 1)
	go func() {
		c, err := sourcetest.DialPath(ns.Path)
		if err != nil {
			gen <- err
			return
		}
		defer c.Close()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		id := 0
		start := time.Now()
		for {
			select {
			case <-stop:
				gen <- nil
				return
			case <-tick.C:
			}
			// 500 a second, catching up after a late tick.
			for id < int(500*time.Since(start).Seconds()) {
				s := sourcetest.Spec{Src: fmt.Sprintf("192.0.2.%d", 1+id%250), Dst: "192.0.2.1", SrcPort: uint16(1024 + id%60000),
					DstPort: 80, State: 2, Status: confirmedOnly}
				if err := c.Create(s.Flow()); err != nil {
					gen <- err
					return
				}
				created = append(created, time.Now())
				id++
			}
		}
	}()
	m := liveUI(t, ns, ui.Config{Group: gr, TopView: true}, 80, 9*time.Second, nil)
	close(stop)
	if err := <-gen; err != nil {
		t.Fatal(err)
	}
	press(m, ">") // rank by NEW/s
	screen := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(m.View().Content, "")
	rate, rank := rowRate(t, screen, "192.0.2.0/24")
	oldRate, oldRank := rowRate(t, screen, "10.1.1.0/24")
	// The true rate over the last window (10 s, or all the test ran).
	end := created[len(created)-1]
	n := 0
	for _, c := range created {
		if end.Sub(c) <= 10*time.Second {
			n++
		}
	}
	truth := float64(n) / end.Sub(created[0]).Seconds()
	t.Logf("NEW/s of 192.0.2.0/24: %.0f (true %.0f); 10.1.1.0/24: %.1f\n%s", rate, truth, oldRate, screen)
	if rank != 0 || oldRank != 1 || math.Abs(rate-truth) > 0.2*truth || oldRate != 0 {
		t.Fatalf("NEW/s %.0f at rank %d (old group %.1f at %d), true rate %.0f", rate, rank, oldRate, oldRank, truth)
	}
	if !regexp.MustCompile(`NEW/s▼`).MatchString(screen) {
		t.Fatal("not ranked by NEW/s")
	}
}

// TestSpoofedVerdictKernel: a table past 80% full whose new flows come
// from sources spread over many /8s says "likely spoofed" and proposes to
// protect the service.
func TestSpoofedVerdictKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	netnstest.SetConntrackMax(t, 4000)
	ns := netnstest.New(t)
	r := rand.New(rand.NewPCG(5, 6))
	spoofed := func(i int) sourcetest.Spec {
		src := netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
		return sourcetest.Spec{Src: src.String(), Dst: "192.0.2.1", SrcPort: uint16(1024 + i%60000), DstPort: 80, State: 2,
			Status: confirmedOnly, Timeout: 60}
	}
	var fill []sourcetest.Spec
	for i := range 3300 {
		fill = append(fill, spoofed(i))
	}
	createAll(t, ns.Path, fill)
	stop := make(chan struct{})
	gen := make(chan error, 1)
	go func() {
		c, err := sourcetest.DialPath(ns.Path)
		if err != nil {
			gen <- err
			return
		}
		defer c.Close()
		for i := 3300; ; i++ {
			select {
			case <-stop:
				gen <- nil
				return
			case <-time.After(10 * time.Millisecond):
			}
			c.Create(spoofed(i).Flow()) // the table may be full: refused ones do not count
		}
	}()
	var verdict string
	liveUI(t, ns, ui.Config{Group: model.Plain(model.BySrc)}, 160, 9*time.Second, func(m *ui.Model) {
		for _, l := range strings.Split(m.View().Content, "\n")[:6] {
			if strings.Contains(l, "spoofed") {
				verdict = strings.TrimSpace(l)
			}
		}
	})
	close(stop)
	if err := <-gen; err != nil {
		t.Fatal(err)
	}
	// This UI has no actions: the verdict says what helps without offering !.
	if !strings.Contains(verdict, "no prefix from /8 to /32 above 5%: likely spoofed") || !strings.Contains(verdict, ": protect tcp/80 (SYNPROXY)") {
		t.Fatalf("verdict %q", verdict)
	}
	t.Logf("verdict: %s", verdict)
}

// TestFloodPrefixesIPv6Kernel: an IPv6 flood through ctnetlink, 1,000
// sources at random in four /64s of 2001:db8:a:100::/56 (12 half-open
// flows each; a /64 holds 8% of the flows, each half of it under 5%),
// three heavy IPv6 addresses elsewhere and an IPv4 one, and ordinary flows
// over both families. --group src/24 keys IPv6 by /64,
// src/16,48 by /48, src/auto lists the four /64s, the three /128s and the
// /32, each with the count conntrack -L lists under it.
func TestFloodPrefixesIPv6Kernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	var specs []sourcetest.Spec
	r := rand.New(rand.NewPCG(5, 6))
	for s := range 1000 {
		src := fmt.Sprintf("2001:db8:a:1%02x:%x:%x:%x:%x", s%4, r.IntN(65536), r.IntN(65536), r.IntN(65536), 1+r.IntN(65535))
		for j := range 12 {
			specs = append(specs, sourcetest.Spec{Src: src, Dst: "2001:db8::1", SrcPort: uint16(1024 + j), DstPort: 80,
				State: 2, Status: confirmedOnly, Timeout: 600})
		}
	}
	heavy := []string{"2001:db8:ff::5", "2001:db8:ee:1::77", "2a00:1450:4001::200e", "203.0.113.5"}
	for _, a := range heavy {
		dst := "2001:db8::1"
		if netip.MustParseAddr(a).Is4() {
			dst = "192.0.2.1"
		}
		for j := range 2500 {
			specs = append(specs, sourcetest.Spec{Src: a, Dst: dst, SrcPort: uint16(2000 + j), DstPort: 443, State: 2,
				Status: confirmedOnly, Timeout: 600})
		}
	}
	for i := range 14000 {
		src, dst := fmt.Sprintf("%x:%x:%x::%x", 0x2400+r.IntN(0x800), r.IntN(65536), r.IntN(65536), 1+r.IntN(65535)), "2001:db8::1"
		if i%2 == 0 {
			src = netip.AddrFrom4([4]byte{byte(1 + r.IntN(126)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))}).String()
			dst = "192.0.2.1"
		}
		specs = append(specs, sourcetest.Spec{Src: src, Dst: dst, SrcPort: uint16(1024 + i), DstPort: 443, Timeout: 600})
	}
	createAll(t, ns.Path, specs)
	srcs := kernelSources(t, ns) // both families: conntrack -L lists IPv6 as well
	if len(srcs) != len(specs) {
		t.Fatalf("conntrack -L lists %d flows, created %d", len(srcs), len(specs))
	}
	keys := func(doc onceDoc, n int) []string {
		t.Helper()
		var got []string
		for _, g := range doc.Groups[:min(n, len(doc.Groups))] {
			p, err := netip.ParsePrefix(g.Key)
			if err != nil {
				t.Fatalf("group key %q is not in CIDR notation", g.Key)
			}
			want := countUnder(srcs, p)
			if g.PrefixFlows != nil {
				if *g.PrefixFlows != want {
					t.Errorf("%s: prefix_flows %d, conntrack -L lists %d", g.Key, *g.PrefixFlows, want)
				}
			} else if g.Flows != want {
				t.Errorf("%s: %d flows, conntrack -L lists %d", g.Key, g.Flows, want)
			}
			got = append(got, g.Key)
		}
		slices.Sort(got)
		return got
	}
	wantTop := "[2001:db8:a:100::/64 2001:db8:a:101::/64 2001:db8:a:102::/64 2001:db8:a:103::/64]"
	if got := keys(onceGroupsKernel(t, ns, "src/24", 20), 4); fmt.Sprint(got) != wantTop {
		t.Errorf("src/24 ranks %v first, want the four /64s", got)
	}
	if got := keys(onceGroupsKernel(t, ns, "src/16,48", 20), 1); fmt.Sprint(got) != "[2001:db8:a::/48]" {
		t.Errorf("src/16,48 ranks %v first", got)
	}
	doc := onceGroupsKernel(t, ns, "src/auto", 0)
	want := "[2001:db8:a:100::/64 2001:db8:a:101::/64 2001:db8:a:102::/64 2001:db8:a:103::/64 " +
		"2001:db8:ee:1::77/128 2001:db8:ff::5/128 203.0.113.5/32 2a00:1450:4001::200e/128]"
	if got := keys(doc, len(doc.Groups)); fmt.Sprint(got) != want {
		t.Errorf("src/auto lists %v, want %s", got, want)
	}
}
