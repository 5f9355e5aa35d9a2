package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/redistest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// Listen serves /metrics and /healthz on the address given, here a free loopback port.
func TestListen(t *testing.T) {
	reg := NewRegistry()
	NewResults(reg).Duplicates.WithLabelValues("chat").Inc()
	s, err := Listen("127.0.0.1:0", reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	if code, body := get(t, base+"/metrics"); code != http.StatusOK ||
		!strings.Contains(body, `stakeout_results_duplicate_total{channel="chat"} 1`) || !strings.Contains(body, "go_goroutines ") {
		t.Errorf("GET /metrics = %d:\n%s\nwant 200 with stakeout_results_duplicate_total and the Go collector", code, body)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", code, body)
	}
	s.Close()
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("GET /healthz after Close succeeded, want a refused connection")
	}
}

// An empty address serves nothing; a nil Server closes quietly.
func TestListenNone(t *testing.T) {
	s, err := Listen("", NewRegistry(), slog.New(slog.DiscardHandler))
	if s != nil || err != nil {
		t.Fatalf("Listen(\"\") = %v, %v; want nil, nil", s, err)
	}
	s.Close()
	if _, err := Listen("127.0.0.1:http-nope", NewRegistry(), slog.New(slog.DiscardHandler)); err == nil ||
		!strings.HasPrefix(err.Error(), "metrics listener on 127.0.0.1:http-nope: ") {
		t.Errorf("Listen(bad address) = %v, want a metrics listener error", err)
	}
}
func getHealthz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /healthz says ok while Redis answers, and 503 with the reason once it does not.
func TestHealthzRedis(t *testing.T) {
	rs := redistest.Start(t)
	rdb := redistest.Client(t, rs)
	srv, err := Listen("127.0.0.1:0", NewRegistry(), slog.New(slog.DiscardHandler), RedisHealth(rdb))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if code, body := getHealthz(t, srv.Addr()); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz with Redis up = %d %q, want 200 ok", code, body)
	}
	rs.Stop()
	code, body := getHealthz(t, srv.Addr())
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "redis unreachable") {
		t.Errorf("/healthz with Redis down = %d %q, want 503 redis unreachable", code, body)
	}
}
