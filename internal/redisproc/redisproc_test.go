package redisproc

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestStartStop(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	policy, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil {
		t.Fatalf("CONFIG GET: %v", err)
	}
	if got := policy["maxmemory-policy"]; got != "noeviction" {
		t.Errorf("maxmemory-policy = %q, want noeviction", got)
	}
	s.Stop()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Errorf("PING after Stop succeeded, want the server gone")
	}
}

func TestFindMissing(t *testing.T) {
	_, err := Find("/nonexistent/redis-server")
	if err == nil {
		t.Fatalf("Find(missing) = nil error")
	}
	t.Setenv("PATH", t.TempDir())
	t.Setenv("STAKEOUT_REDIS_SERVER", "")
	if _, err := Find(""); err != nil && !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Find with empty PATH = %v, want ErrNotInstalled or /usr/bin fallback", err)
	}
}
