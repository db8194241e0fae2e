package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NotLoopbackError is the refusal to listen beyond loopback without
// --metrics-public.
type NotLoopbackError struct{ Addr string }

func (e *NotLoopbackError) Error() string {
	return fmt.Sprintf("--metrics %s is not a loopback address: add --metrics-public to expose it", e.Addr)
}

// Listen opens a TCP listener on addr (HOST:PORT). Unless public is set,
// HOST must be a loopback address (127.0.0.0/8, ::1) or a name, such as
// localhost, that resolves to loopback addresses only; a name is resolved
// once and the listener bound to the address found, so what was checked is
// what is bound. An empty HOST means every interface and is not loopback.
func Listen(ctx context.Context, addr string, public bool) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: want HOST:PORT, such as 127.0.0.1:9163", addr)
	}
	if !public {
		if host == "" {
			return nil, &NotLoopbackError{addr}
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if lerr != nil {
				return nil, fmt.Errorf("--metrics %s: %w", addr, lerr)
			}
			for _, a := range ips {
				if !a.Unmap().IsLoopback() {
					return nil, &NotLoopbackError{addr}
				}
			}
			ip = ips[0].Unmap()
		}
		if !ip.Unmap().IsLoopback() {
			return nil, &NotLoopbackError{addr}
		}
		addr = net.JoinHostPort(ip.Unmap().String(), port)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	return ln, nil
}

// Handler returns the /metrics handler: e's metrics plus the Go runtime's
// and the process's.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.registry(), promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// registry is what /metrics serves: e, the Go runtime's and the process's
// collectors.
func (e *Exporter) registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(e, &e.host, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// ServeListener serves /metrics (and nothing else) on ln until ctx ends,
// then shuts down, giving requests in flight 5 seconds. It closes ln. It
// returns nil after ctx ended, or the error that stopped the server.
func (e *Exporter) ServeListener(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", e.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("stop serving metrics: %w", err)
	}
	return nil
}

// Serve listens on addr (see Listen: loopback only unless public) and serves
// e's /metrics until ctx ends.
func Serve(ctx context.Context, addr string, public bool, e *Exporter) error {
	ln, err := Listen(ctx, addr, public)
	if err != nil {
		return err
	}
	return e.ServeListener(ctx, ln)
}
