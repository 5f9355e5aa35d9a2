// Package probes holds the probe contract and the registry of probes by channel.
// A probe contacts one target once, on one channel, and says what it measured;
// the worker's dispatcher records everything that is common to all probes.
package probes

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// Target is one probe assignment: the target, channel settings and scenario.
type Target = tasks.Assignment

// Result is what a probe measured. The dispatcher adds ids, times and duration.
type Result struct {
	// Outcome and Reason of the probe; ignored when Pending.
	Outcome result.Outcome
	Reason  string
	// FirstResponse and HumanResponse are latencies from t0; nil when none came.
	FirstResponse *time.Duration
	HumanResponse *time.Duration
	// Evidence is a bounded, channel-specific JSON record (a JSON object).
	Evidence []byte
	// Blobs is large evidence (a screenshot) kept out of Evidence and out of Redis: the
	// worker stores each blob in the result store and puts its reference (sha256,
	// size, media_type) into Evidence under the blob's name.
	Blobs []Blob
	// Pending is true when the outcome is decided later, by another task (email replies).
	Pending bool
}

// Blob is one piece of large evidence of a result.
type Blob struct {
	// Name is the key of its reference in the result's evidence ("screenshot").
	Name string
	// MediaType is its content type ("image/jpeg").
	MediaType string
	Data      []byte
}

// Probe contacts a target once. A returned error means the attempt could not be completed
// for reasons worth retrying (it is retried); a failure that is a finding goes in Result.
type Probe interface {
	Probe(ctx context.Context, t Target) (Result, error)
}

// Reserver is a probe that needs a resource of the worker for an attempt: a
// browser tab for chat. The dispatcher reserves it before it takes the
// target's pacing slot, and starts the attempt once it has it: a probe
// waiting for the resource holds no slot of its target, is not in flight, and
// its result's started_at is when it could start.
type Reserver interface {
	Probe
	// Reserve waits, bounded by ctx, for the resource of an attempt at t. An
	// error means the attempt could not start (it is retried).
	Reserve(ctx context.Context, t Target) (Reservation, error)
}

// Reservation is the resource of one attempt. Its Probe runs the attempt in
// it, at most once; Release frees it, after Probe or instead of it.
type Reservation interface {
	Probe
	Release()
}

// Func adapts a function to the Probe interface.
type Func func(ctx context.Context, t Target) (Result, error)

// Probe calls f(ctx, t).
func (f Func) Probe(ctx context.Context, t Target) (Result, error) { return f(ctx, t) }

// Registry maps channels to probes. It is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	probes map[campaign.Channel]Probe
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{probes: map[campaign.Channel]Probe{}} }

// Register sets the probe of channel ch; registering a channel twice is an error.
func (r *Registry) Register(ch campaign.Channel, p Probe) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.probes[ch]; dup {
		return fmt.Errorf("probe for channel %q registered twice", ch)
	}
	r.probes[ch] = p
	return nil
}

// Lookup returns the probe of channel ch.
func (r *Registry) Lookup(ch campaign.Channel) (Probe, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.probes[ch]
	return p, ok
}

// Channels lists the channels with a probe, sorted.
func (r *Registry) Channels() []campaign.Channel {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]campaign.Channel, 0, len(r.probes))
	for ch := range r.probes {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Default returns a registry with every probe this build has. Channels come here as
// their probes are written (email, chat).
func Default() *Registry { return NewRegistry() }
