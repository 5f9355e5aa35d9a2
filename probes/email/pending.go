package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/result"
)

// maxReplies bounds the replies kept as evidence per probe.
const maxReplies = 20

// keepAfterDeadline is how long a probe's record stays in Redis after its deadline,
// for late evidence and re-delivered replies.
const keepAfterDeadline = 30 * 24 * time.Hour

// Pending is an email probe waiting for replies, kept in Redis under its token.
type Pending struct {
	Token     string    `json:"token"`
	ProbeID   string    `json:"probe_id"`
	Run       string    `json:"run"`
	Campaign  string    `json:"campaign"`
	Target    string    `json:"target"`
	Industry  string    `json:"industry"`
	Scenario  string    `json:"scenario"`
	Mailbox   string    `json:"mailbox"`
	MessageID string    `json:"message_id"`
	PlannedAt time.Time `json:"planned_at"`
	StartedAt time.Time `json:"started_at"`
	// T0 is when our SMTP server accepted the message.
	T0 time.Time `json:"t0"`
	// Deadline is T0 plus the campaign's email deadline.
	Deadline time.Time `json:"deadline"`
	// First and Human are the first reply of any kind and the first human reply before
	// the deadline.
	First *Seen `json:"first,omitempty"`
	Human *Seen `json:"human,omitempty"`
	// Replies are every reply seen, in arrival order (bounded), late ones included.
	Replies []Seen `json:"replies,omitempty"`
	// Outcome is set once the probe is decided.
	Outcome result.Outcome `json:"outcome,omitempty"`
	Reason  string         `json:"reason,omitempty"`
}

// Seen is one reply as evidence.
type Seen struct {
	// ID identifies the reply: its Message-ID, or a digest of its headers.
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Kind   Kind      `json:"kind"`
	Ticket string    `json:"ticket,omitempty"`
	Late   bool      `json:"late,omitempty"`
}

// Done reports whether the probe's outcome is decided.
func (p *Pending) Done() bool { return p.Outcome != "" }

// observe adds a reply. It reports whether the record changed and whether the reply
// decides the probe (the first human reply before the deadline).
func (p *Pending) observe(s Seen) (changed, decides bool) {
	for _, r := range p.Replies {
		if r.ID == s.ID {
			return false, false
		}
	}
	s.Late = s.At.After(p.Deadline)
	if len(p.Replies) < maxReplies {
		p.Replies = append(p.Replies, s)
	}
	// A bounce is about our message, not an answer; a reply timed before we sent
	// cannot answer us.
	if s.Late || p.Done() || s.Kind == KindBounce || s.At.Before(p.T0.Add(-time.Minute)) {
		return true, false
	}
	if p.First == nil || s.At.Before(p.First.At) {
		p.First = &s
	}
	if s.Kind == KindHuman && (p.Human == nil || s.At.Before(p.Human.At)) {
		p.Human = &s
		p.Outcome = result.Answered
		return true, true
	}
	return true, false
}

// close decides a probe at its deadline: auto_only if only automated replies came,
// else no_response.
func (p *Pending) close() {
	if p.Done() {
		return
	}
	if p.First != nil {
		p.Outcome = result.AutoOnly
		return
	}
	p.Outcome, p.Reason = result.NoResponse, result.ReasonDeadline
}

// Result is the probe's result as decided so far.
func (p *Pending) Result() result.Result {
	r := result.Result{
		ProbeID: p.ProbeID, Run: p.Run, Campaign: p.Campaign, Target: p.Target, Industry: p.Industry,
		Channel: "email", Scenario: p.Scenario, PlannedAt: p.PlannedAt, StartedAt: p.StartedAt,
		FinishedAt: time.Now().UTC(), Outcome: p.Outcome, Reason: p.Reason,
		DurationS: time.Since(p.StartedAt).Seconds(),
	}
	if p.First != nil {
		r.FirstResponseS = result.Seconds(p.First.At.Sub(p.T0))
	}
	if p.Human != nil {
		r.HumanResponseS = result.Seconds(p.Human.At.Sub(p.T0))
	}
	r.Evidence, _ = json.Marshal(map[string]any{"message_id": p.MessageID, "t0": p.T0, "replies": p.Replies})
	return r
}

// Pendings keeps pending email probes in Redis, one key per token.
type Pendings struct {
	rdb redis.UniversalClient
}

// NewPendings returns a store on rdb.
func NewPendings(rdb redis.UniversalClient) *Pendings { return &Pendings{rdb: rdb} }

func pendingKey(token string) string { return "stakeout:mail:probe:{" + token + "}" }

// Register stores p, replacing an earlier record of the same probe unless it is decided.
func (s *Pendings) Register(ctx context.Context, p Pending) error {
	_, err := s.update(ctx, p.Token, func(cur *Pending) (bool, error) {
		if cur.Done() {
			return false, nil
		}
		*cur = p
		return true, nil
	}, true)
	return err
}

// Get returns the record of token; ok is false when there is none.
func (s *Pendings) Get(ctx context.Context, token string) (p *Pending, ok bool, err error) {
	b, err := s.rdb.Get(ctx, pendingKey(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read pending probe %s: %w", token, err)
	}
	p = new(Pending)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, false, fmt.Errorf("decode pending probe %s: %w", token, err)
	}
	return p, true, nil
}

// Observe adds a reply to the probe of token and, when the reply decides the probe or
// changes its evidence after the decision, calls decided with the record before it is
// stored (to enqueue the result first, so a crash in between loses nothing). known is
// false for a token with no record.
func (s *Pendings) Observe(ctx context.Context, token string, seen Seen, decided func(*Pending) error) (known bool, err error) {
	return s.update(ctx, token, func(p *Pending) (bool, error) {
		wasDone := p.Done()
		changed, decides := p.observe(seen)
		if decides || (changed && wasDone) {
			return changed, decided(p)
		}
		return changed, nil
	}, false)
}

// Close decides the probe of token at its deadline and calls decided before storing.
func (s *Pendings) Close(ctx context.Context, token string, decided func(*Pending) error) (known bool, err error) {
	return s.update(ctx, token, func(p *Pending) (bool, error) {
		if p.Done() {
			return false, nil
		}
		p.close()
		return true, decided(p)
	}, false)
}

// update runs fn on the record of token inside an optimistic transaction; fn reports
// whether to store the record. With create, a missing record starts empty.
func (s *Pendings) update(ctx context.Context, token string, fn func(*Pending) (bool, error), create bool) (known bool, err error) {
	key := pendingKey(token)
	for attempt := 0; attempt < 20; attempt++ {
		err = s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			p, found, err := s.decode(ctx, tx, key)
			if err != nil {
				return err
			}
			known = found
			if !found && !create {
				return nil
			}
			store, err := fn(p)
			if err != nil || !store {
				return err
			}
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			ttl := time.Until(p.Deadline.Add(keepAfterDeadline))
			_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				pipe.Set(ctx, key, b, max(ttl, time.Hour))
				if p.Done() {
					pipe.SRem(ctx, outstandingKey(p.Mailbox), token)
				} else {
					pipe.SAdd(ctx, outstandingKey(p.Mailbox), token)
				}
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return known, err
		}
	}
	return known, fmt.Errorf("update pending probe %s: too much contention", token)
}

func (s *Pendings) decode(ctx context.Context, tx *redis.Tx, key string) (*Pending, bool, error) {
	b, err := tx.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return &Pending{}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p := new(Pending)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return p, true, nil
}
