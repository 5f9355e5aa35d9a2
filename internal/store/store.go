// Package store keeps probe results, and what must outlive Redis: the runs that were
// launched, the messages probes sent (recorded before they go out) and large evidence
// by content hash. It is a small interface with an embedded SQLite implementation (the
// default) that a PostgreSQL implementation joins later.
package store

import (
	"context"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Store keeps one result per probe, keyed by probe id, and the ledger of runs and
// sends (see Ledger).
type Store interface {
	// Upsert writes r, unless the stored result of r.ProbeID has the same or a higher
	// revision: the first result of a probe wins over a duplicate. It reports
	// created=true only when no row for r.ProbeID existed, so a re-delivered result is
	// recognised and counted once.
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
	Ledger
	Evidence
	Scores
	Alerts
}

// Ledger records what must survive a Redis that loses its data: which runs were
// launched, and which probes sent their message (or started their conversation).
type Ledger interface {
	// RecordRun records a launched run. The first launch's spec and launch time are
	// kept; a later launch updates the planned total and window.
	RecordRun(ctx context.Context, r Run) error
	// GetRun returns a recorded run; ok is false when there is none.
	GetRun(ctx context.Context, run string) (r Run, ok bool, err error)
	// RecordSend records that a probe is about to send (before the message goes out).
	// The first record of a probe is kept; a second one changes nothing.
	RecordSend(ctx context.Context, s Send) error
	// ConfirmSend records the send's t0 and deadline once the server accepted the
	// message (only the first confirmation counts).
	ConfirmSend(ctx context.Context, probeID string, t0, deadline time.Time) error
	// AbandonSend removes the send of a probe whose message did not go out after all
	// (the server refused it before accepting it), so that a retry may send it. A
	// confirmed send (with a t0) is never removed.
	AbandonSend(ctx context.Context, probeID string) error
	// GetSend returns the send of a probe; ok is false when there is none.
	GetSend(ctx context.Context, probeID string) (s Send, ok bool, err error)
	// Done returns the probes of run that have a send or a result, with the stored
	// outcome ("" for a send without a result yet): they are never sent again.
	Done(ctx context.Context, run string) (map[string]result.Outcome, error)
	// OpenSends returns the sends of channel that have no result yet (of every run),
	// ordered by probe id.
	OpenSends(ctx context.Context, channel string) ([]Send, error)
}

// Evidence keeps large evidence (screenshots) out of result payloads, by content hash.
type Evidence interface {
	// PutEvidence stores data (idempotent: the same content is stored once) and returns
	// its reference.
	PutEvidence(ctx context.Context, mediaType string, data []byte) (EvidenceRef, error)
	// GetEvidence returns the content of a reference's hash; ok is false when unknown.
	GetEvidence(ctx context.Context, hash string) (data []byte, mediaType string, ok bool, err error)
}

// Run is a launched run as the store knows it.
type Run struct {
	ID       string
	Campaign string
	// Spec is the run's task spec (tasks.RunSpec JSON) as at its first launch.
	Spec  []byte
	Total int
	Start time.Time
	End   time.Time
	// LaunchedAt is when the run was first launched.
	LaunchedAt time.Time
}

// Send is a probe's message as recorded before it went out.
type Send struct {
	ProbeID   string
	Run       string
	Target    string
	Channel   string
	Mailbox   string
	Token     string
	MessageID string
	// SentAt is when the attempt began sending (email: began DATA).
	SentAt time.Time
	// T0 is when the server accepted the message; zero until ConfirmSend.
	T0 time.Time
	// Deadline is when the probe closes without a reply; zero until known.
	Deadline time.Time
	// Record is the channel's own record of the probe (email: its pending record,
	// JSON), enough to rebuild what Redis lost.
	Record []byte
}

// EvidenceRef names stored evidence: the SHA-256 of its content (hex), its size and
// media type. Results carry it in their evidence JSON instead of the content.
type EvidenceRef struct {
	SHA256    string `json:"sha256"`
	Size      int    `json:"size"`
	MediaType string `json:"media_type"`
}
