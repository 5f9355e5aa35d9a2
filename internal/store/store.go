// Package store keeps probe results. It is a small interface with an embedded SQLite
// implementation (the default) that a PostgreSQL implementation joins later.
package store

import (
	"context"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Store keeps one row per probe, keyed by probe id.
type Store interface {
	// Upsert writes r, unless the stored result of r.ProbeID has a higher revision. It
	// reports created=true only when no row for r.ProbeID existed, so a re-delivered
	// result is recognised and counted once.
	Upsert(ctx context.Context, r result.Result) (created bool, err error)
	// UpsertBatch writes many results in one transaction; created[i] is as for Upsert.
	UpsertBatch(ctx context.Context, rs []result.Result) (created []bool, err error)
	// Get returns the result of one probe; ok is false when there is none.
	Get(ctx context.Context, probeID string) (r result.Result, ok bool, err error)
	// Each calls fn for every result of run, ordered by probe id; run "" means every run.
	Each(ctx context.Context, run string, fn func(result.Result) error) error
	// Counts returns the number of results of run by outcome.
	Counts(ctx context.Context, run string) (map[result.Outcome]int, error)
	// Close releases the store.
	Close() error
}
