package app

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cttop/cttop/internal/netnstest"
)

// envOwnNetNS makes the test binary, run again under ip netns exec, print
// the tuning report of its own namespace's table instead of testing.
const envOwnNetNS = "CTTOP_TEST_OWN_NETNS"

// TestOwnNetNS: under `ip netns exec NS cttop`, cttop names the table as
// --netns does (the header's name, the tuning report's subject), never
// "this host's table", and says its max is read-only in that namespace.
func TestOwnNetNS(t *testing.T) {
	if os.Getenv(envOwnNetNS) == "1" {
		tuneWatch = 0
		var out bytes.Buffer
		if err := runTune(context.Background(), Config{}, &out); err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("label: " + ownNetNS() + "\n" + out.String())
		return
	}
	netnstest.Require(t)
	if got := ownNetNS(); got != "" {
		t.Errorf("in the initial namespace, ownNetNS = %q, want none", got)
	}
	ns := netnstest.New(t)
	fi, err := os.Stat(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	ino := strconv.FormatUint(fi.Sys().(*syscall.Stat_t).Ino, 10)
	cmd := ns.Command(os.Args[0], "-test.run=^TestOwnNetNS$", "-test.count=1")
	cmd.Env = append(os.Environ(), envOwnNetNS+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	text := string(out)
	want := ns.Name + " (" + ino + ")"
	for _, w := range []string{"label: " + want + "\n", "cttop tuning report: the table of namespace " + want} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "this host's table") {
		t.Errorf("calls a namespace's table the host's:\n%s", text)
	}
}
