package source

import (
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/hostns"
)

// openNetFiles opens the watched namespace's stat/nf_conntrack and
// nf_conntrack_expect for the counters ctnetlink's statistics leave out.
// Without them (an old kernel, a hidden /proc) those counters are unknown,
// never zero, and the source works on.
func (k *Kernel) openNetFiles() {
	f, err := hostns.OpenNetFiles(k.nsFd)
	if err != nil {
		k.cfg.Log.Debug("no stat/nf_conntrack: clash_resolve and chaintoolong unknown", "err", err)
		return
	}
	k.netFiles = f
}

// extraStats adds clash_resolve, chaintoolong and the expectations to st.
// The caller holds statsMu.
func (k *Kernel) extraStats(st *model.TableStats) {
	if k.netFiles == nil {
		return
	}
	if _, total, err := k.netFiles.Stat(); err == nil {
		st.ClashResolve, st.ChainTooLong, st.ExtraValid = total.ClashResolve, total.ChainTooLong, true
		st.ExpectCreated = total.ExpectCreate
		if n, err := k.netFiles.ExpectCount(); err == nil && k.ctl.ExpectMax >= 0 {
			st.Expect, st.ExpectMax, st.ExpectValid = uint64(n), uint64(k.ctl.ExpectMax), true
		}
	}
}
