package app

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/cttop/cttop/metrics"
	"github.com/cttop/cttop/model"
)

// publishEvery is the shortest time between two snapshots, and scrapeWait
// how long a scrape waits for one.
const (
	publishEvery = time.Second
	scrapeWait   = 2 * time.Second
)

// runHeadless runs the source without a terminal (cttop --headless, for
// systemd) and serves its state as Prometheus metrics on cfg.MetricsAddr
// until ctx ends (SIGINT, SIGTERM). It returns nil then, or the error of the
// source or the server.
func runHeadless(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.MetricsAddr == "" {
		return ErrHeadlessNeedsMetrics
	}
	ln, err := metrics.Listen(ctx, cfg.MetricsAddr, cfg.MetricsPublic)
	if err != nil {
		return err
	}
	return headless(ctx, cfg, log, ln)
}

// publisher hands the table's state to the metrics exporter: when a scrape
// asks, at most once a second, on the goroutine that owns the table.
// Ranking the sources is O(flows), and between scrapes nobody needs it.
type publisher struct {
	exp       *metrics.Exporter
	wanted    <-chan struct{}
	topN      int
	snap      metrics.Snapshotter
	published time.Time
	pending   bool
}

func newPublisher(cfg Config) *publisher {
	exp := metrics.NewExporter(cfg.Version, cfg.Commit)
	return &publisher{exp: exp, wanted: exp.OnDemand(scrapeWait), topN: cfg.TopN}
}

// poll publishes a snapshot of t if a scrape is waiting for one. It never
// blocks; call it after each batch and now and then.
func (p *publisher) poll(t *model.Table) {
	select {
	case <-p.wanted:
		p.pending = true
	default:
	}
	if p.pending && t.Stats().Valid && time.Since(p.published) >= publishEvery {
		p.exp.Publish(p.snap.From(t, p.topN))
		p.published, p.pending = time.Now(), false
	}
}

// metricsURL is where ln serves the metrics, with the port the kernel
// chose for :0.
func metricsURL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + "/metrics"
}

// serve serves the exporter on ln until ctx ends; the error comes on the
// returned channel (nil when ctx ended).
func (p *publisher) serve(ctx context.Context, ln net.Listener, log *slog.Logger) <-chan error {
	served := make(chan error, 1)
	go func() { served <- p.exp.ServeListener(ctx, ln) }()
	log.Info("serving metrics", "url", metricsURL(ln))
	return served
}

// headless is runHeadless on a listener of the caller's.
func headless(ctx context.Context, cfg Config, log *slog.Logger, ln net.Listener) error {
	src, closeSrc, err := openSource(ctx, cfg, log, 0)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeSrc()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	pub := newPublisher(cfg)
	served := pub.serve(ctx, ln, log)
	defer func(hostDone <-chan struct{}) { cancel(); <-hostDone }(watchHost(ctx, cfg, log, pub.exp))
	batches := make(chan *model.Batch)
	ran := make(chan error, 1)
	go func() { ran <- src.Run(ctx, batches) }()

	table := model.NewTable(0)
	tick := time.NewTicker(publishEvery / 4)
	defer tick.Stop()
	for {
		select {
		case b := <-batches:
			table.Apply(b)
			pub.poll(table)
		case <-tick.C:
			pub.poll(table) // a request that came between batches
		case err := <-ran:
			cancel()
			if serr := <-served; err == nil {
				err = serr
			}
			return err
		case err := <-served:
			cancel()
			<-ran
			return err // nil when ctx ended
		}
	}
}
