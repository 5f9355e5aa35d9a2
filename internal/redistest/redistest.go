// Package redistest gives tests a private redis-server child on a free loopback port.
// A missing redis-server fails the test with the package to install; it never skips.
package redistest

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redisproc"
)

// Start runs a new redis-server for the test and stops it when the test ends.
func Start(t testing.TB) *redisproc.Server {
	t.Helper()
	s, err := redisproc.Start(context.Background(), redisproc.Options{})
	if err != nil {
		t.Fatalf("start redis: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Client returns a go-redis client for s, closed when the test ends.
func Client(t testing.TB, s *redisproc.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { c.Close() })
	return c
}
