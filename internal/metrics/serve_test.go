package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/redistest"
)

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
