// Package simtest starts the simulator for tests: a config written by the test, a
// simulator on free loopback ports that runs until the test ends.
package simtest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/sim"
)

// Parse parses a simulator config written by a test.
func Parse(tb testing.TB, src string) sim.Config {
	tb.Helper()
	cfg, err := sim.Parse("sim.yaml", []byte(src))
	if err != nil {
		tb.Fatalf("simulator config: %v", err)
	}
	return cfg
}

// Start starts a simulator that runs until the end of the test.
func Start(tb testing.TB, cfg sim.Config) *sim.Sim {
	tb.Helper()
	s, err := sim.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
