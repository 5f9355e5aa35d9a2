package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// NewRegistry returns a registry with the Go runtime and process collectors and
// stakeout_build_info.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newBuildInfo(ReadBuildInfo()))
	return reg
}

// Server serves /metrics (with exemplars and native histograms through the protobuf and
// OpenMetrics formats) and /healthz.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// HealthCheck reports a reason why the process is not healthy, or nil. It must return
// within its context's deadline.
type HealthCheck func(ctx context.Context) error

// HealthTimeout bounds the health checks of one /healthz request.
const HealthTimeout = time.Second

// RedisHealth is a HealthCheck that PINGs rdb: a process that cannot reach its Redis
// runs no probe and records no result.
func RedisHealth(rdb redis.UniversalClient) HealthCheck {
	return func(ctx context.Context) error {
		// go-redis applies its own read timeout, not ctx's: wait for ctx only.
		done := make(chan error, 1)
		go func() { done <- rdb.Ping(ctx).Err() }()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("redis unreachable: %w", err)
		}
		return nil
	}
}

// Listen starts serving reg on addr ("" means no server: nil, nil). /healthz answers
// 200 "ok" when every check passes, else 503 with the first failure's reason.
func Listen(addr string, reg *prometheus.Registry, log *slog.Logger, checks ...HealthCheck) (*Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, Registry: reg}))
	mux.HandleFunc("/healthz", healthz(checks))
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln: ln}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return s, nil
}

// healthz answers 200 when every check passes within HealthTimeout, else 503 with the
// reason.
func healthz(checks []HealthCheck) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), HealthTimeout)
		defer cancel()
		for _, check := range checks {
			if err := check(ctx); err != nil {
				http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	}
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
