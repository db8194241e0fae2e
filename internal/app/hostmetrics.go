package app

import (
	"context"
	"log/slog"

	"github.com/cttop/cttop/metrics"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/host"
)

// watchHost feeds exp with the whole host until ctx ends: the kernel
// log's counts by kind, and with --metrics-netns N the N fullest
// namespaces. A kernel log cttop may not read is said once in the log,
// and its series are left out rather than reported as zero. It returns a
// channel closed when it is done.
func watchHost(ctx context.Context, cfg Config, log *slog.Logger, exp *metrics.Exporter) <-chan struct{} {
	done := make(chan struct{})
	w := host.New(host.Config{NoNamespaces: cfg.MetricsNetNS == 0, Log: log})
	updates := make(chan host.Update)
	go func() {
		defer close(done)
		ran := make(chan struct{})
		go func() { w.Run(ctx, updates); close(ran) }()
		klog := model.NewKernelLog(0)
		logOK := true
		var last metrics.HostSnapshot
		for {
			select {
			case <-ran:
				return
			case u := <-updates:
				if u.LogErr != nil {
					logOK = false
					log.Warn("kernel log", "err", u.LogErr)
				}
				for _, l := range u.Lines {
					klog.Add(l)
				}
				if u.Host != nil {
					last = metrics.NewHostSnapshot(namespaceSamples(u.Host), cfg.MetricsNetNS)
				}
				h := last
				if logOK {
					h.KernelLog = logCounts(klog)
				}
				exp.PublishHost(h)
			}
		}
	}()
	return done
}

// namespaceSamples converts a snapshot for the metrics.
func namespaceSamples(h *model.HostSnapshot) []metrics.NamespaceSample {
	out := make([]metrics.NamespaceSample, len(h.Rows))
	for i := range h.Rows {
		r := &h.Rows[i]
		out[i] = metrics.NamespaceSample{Name: r.Name, Kind: r.Kind, Inode: r.Inode, Known: r.Known,
			Entries: r.Entries, Drop: r.Drop, EarlyDrop: r.EarlyDrop, InsertFailed: r.InsertFailed}
	}
	return out
}

// logCounts is the kernel log's counts for the metrics, every kind
// present (0 until a line comes).
func logCounts(g *model.KernelLog) []metrics.LogCount {
	var out []metrics.LogCount
	for _, k := range model.LogKinds() {
		c := g.Count(k)
		out = append(out, metrics.LogCount{Kind: k.String(), Lines: c.Lines, Suppressed: c.Suppressed})
	}
	return out
}
