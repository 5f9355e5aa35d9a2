package redisproc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStartTLS(t *testing.T) {
	ctx := context.Background()
	certs, err := NewCerts(t.TempDir())
	if err != nil {
		t.Fatalf("NewCerts: %v", err)
	}
	s, err := Start(ctx, Options{TLS: certs, RequireClientCert: true})
	if err != nil {
		t.Fatalf("Start(TLS): %v", err)
	}
	defer s.Stop()
	if got := s.URL(3); !strings.HasPrefix(got, "rediss://127.0.0.1:") || !strings.HasSuffix(got, "/3") {
		t.Errorf("URL(3) = %q, want rediss://127.0.0.1:PORT/3", got)
	}
	cfg, err := certs.ClientTLS()
	if err != nil {
		t.Fatalf("ClientTLS: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, TLSConfig: cfg})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET over TLS: %v", err)
	}
	policy, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil || policy["maxmemory-policy"] != "noeviction" {
		t.Errorf("maxmemory-policy = %v (%v), want noeviction", policy, err)
	}
	plain := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer plain.Close()
	if err := plain.Ping(ctx).Err(); err == nil {
		t.Errorf("PING without TLS on the TLS port succeeded, want an error")
	}
}

func TestSentinelGroupFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := StartSentinel(ctx, SentinelOptions{})
	if err != nil {
		t.Fatalf("StartSentinel: %v", err)
	}
	defer g.Stop()
	if n := len(g.SentinelAddrs()); n != 3 {
		t.Fatalf("SentinelAddrs() has %d addresses, want 3", n)
	}
	old, err := g.Primary(ctx)
	if err != nil {
		t.Fatalf("Primary: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: old})
	cfg, err := c.ConfigGet(ctx, "*").Result()
	c.Close()
	if err != nil {
		t.Fatalf("CONFIG GET on the primary: %v", err)
	}
	if cfg["maxmemory-policy"] != "noeviction" || cfg["appendonly"] != "yes" {
		t.Errorf("primary maxmemory-policy = %q, appendonly = %q, want noeviction, yes", cfg["maxmemory-policy"], cfg["appendonly"])
	}
	killed, err := g.KillPrimary(ctx)
	if err != nil {
		t.Fatalf("KillPrimary: %v", err)
	}
	if killed != old {
		t.Errorf("KillPrimary killed %s, want the primary %s", killed, old)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	primary, err := g.WaitFailover(wctx, old)
	if err != nil {
		t.Fatalf("WaitFailover: %v", err)
	}
	n := redis.NewClient(&redis.Options{Addr: primary})
	defer n.Close()
	if err := poll(wctx, func() error { return n.Set(ctx, "after", "1", 0).Err() }); err != nil {
		t.Fatalf("SET on the new primary %s: %v", primary, err)
	}
}

func TestFindSentinelMissing(t *testing.T) {
	if _, err := FindSentinel("/nonexistent/redis-sentinel"); err == nil {
		t.Fatalf("FindSentinel(missing) = nil error")
	}
	if !strings.Contains(ErrSentinelNotInstalled.Error(), "redis-sentinel") {
		t.Errorf("ErrSentinelNotInstalled = %q, want it to name the package", ErrSentinelNotInstalled)
	}
}
