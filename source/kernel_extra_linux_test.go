package source

import (
	"testing"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestStatsExtra: clash_resolve, chaintoolong and the expectation table
// come with the statistics, the maximum as the namespace's sysctl says.
func TestStatsExtra(t *testing.T) {
	ns := netnstest.New(t)
	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	st, err := k.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if !st.ExtraValid || !st.ExpectValid || st.Expect != 0 || st.ExpectMax == 0 || int64(st.ExpectMax) != k.Sysctls().ExpectMax {
		t.Errorf("stats %+v, sysctl expect_max %d", st, k.Sysctls().ExpectMax)
	}
}
