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

// keepAfterDeadline is how long a probe's record stays in Redis after its deadline,
// for late evidence and re-delivered replies.
const keepAfterDeadline = 30 * 24 * time.Hour

// Held replies: a reply carrying a token with no record yet is kept this long, at most
// maxHeld per token, and joins the record when the probe registers.
const (
	keepHeld = 7 * 24 * time.Hour
	maxHeld  = maxReplies
)

// Pendings keeps pending email probes in Redis, one key per token.
type Pendings struct {
	rdb redis.UniversalClient
}

// NewPendings returns a store on rdb.
func NewPendings(rdb redis.UniversalClient) *Pendings { return &Pendings{rdb: rdb} }

func pendingKey(token string) string { return "stakeout:mail:probe:{" + token + "}" }
func heldKey(token string) string    { return "stakeout:mail:probe:{" + token + "}:held" }
func revKey(token string) string     { return "stakeout:mail:probe:{" + token + "}:rev" }

// Publish enqueues the result of a decided probe, p.Result() at revision p.Rev. It is
// called before the record is stored, so a crash in between loses nothing: the next
// attempt publishes again, at a higher revision.
type Publish func(p *Pending) error

// Observed is what Observe did with a reply.
type Observed struct {
	// Known: the token belongs to a registered probe.
	Known bool
	// New: the reply was not seen before (a reply delivered twice is New once).
	New bool
	// Held: no probe has the token yet; the reply is kept (unless the token already
	// has maxHeld replies held) and joins the probe's record when it registers.
	Held bool
	// ClockSkew: the reply is stamped before our message went out, beyond Resolution.
	ClockSkew bool
}

// Register stores p as the record of its probe. Replies already known for the token
// (held ones too) are kept; a decided record is left alone.
func (s *Pendings) Register(ctx context.Context, p Pending, publish Publish) error {
	_, err := s.update(ctx, p.Token, true, publish, func(cur *Pending) bool {
		if cur.Done() {
			return false
		}
		p.Replies, p.Rev, p.Published = cur.Replies, cur.Rev, cur.Published
		*cur = p
		cur.derive()
		return true
	})
	return err
}

// Restore writes p as the record of its token unless the token has one, and reports
// whether it wrote it. A restorer reads the store's send before it reads Redis; the
// attempt that is sending writes the store's row first and its record next, so a
// record found here is that attempt's own, and is never overwritten by one rebuilt
// from the store (which would time the probe from before DATA).
func (s *Pendings) Restore(ctx context.Context, p Pending, publish Publish) (bool, error) {
	restored := false
	_, err := s.update(ctx, p.Token, true, publish, func(cur *Pending) bool {
		restored = false // a transaction retried after a conflict looks again
		if cur.Token != "" {
			return false
		}
		p.Replies, p.Rev, p.Published = cur.Replies, cur.Rev, cur.Published
		*cur = p
		cur.derive()
		restored = true
		return true
	})
	return restored && err == nil, err
}

// Confirm records that the message went out at t0 (source T0Accepted or T0DataStarted)
// and sets the deadline. Replies that arrived before are timed now and may decide the
// probe. It returns the record as stored.
func (s *Pendings) Confirm(ctx context.Context, token string, t0 time.Time, source string, publish Publish) (*Pending, error) {
	var out Pending
	known, err := s.update(ctx, token, false, publish, func(p *Pending) bool {
		if p.T0.IsZero() {
			p.T0, p.T0Source, p.Deadline = t0, source, t0.Add(p.Wait)
			p.derive()
		}
		out = *p
		return true
	})
	if err == nil && !known {
		err = fmt.Errorf("confirm email probe %s: %w", token, ErrNoRecord)
	}
	return &out, err
}

// ErrNoRecord is returned by Confirm for a token without a record (Redis lost it).
var ErrNoRecord = errors.New("no record of the probe")

// Abandon records that an attempt did not send the message after all (the server said
// no), so a retry may send it. With final, the probe ends failed with reason (the
// dispatcher reports that result).
func (s *Pendings) Abandon(ctx context.Context, token string, final bool, reason string) error {
	_, err := s.update(ctx, token, false, nil, func(p *Pending) bool {
		if !p.T0.IsZero() || p.Done() {
			return false
		}
		p.SendingAt = time.Time{}
		if final {
			p.Outcome, p.Reason = result.Failed, reason
			p.Published = p.digest() // the dispatcher reports this result
		}
		return true
	})
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

// Observe adds a reply to the probe of token. Whenever the probe is decided and what its
// result says changes (the reply decided it, timed it earlier, or is new evidence),
// publish is called with the record before it is stored. A token with no record keeps
// the reply aside until its probe registers.
func (s *Pendings) Observe(ctx context.Context, token string, seen Seen, publish Publish) (Observed, error) {
	o, err := s.observe(ctx, token, seen, publish)
	if err != nil || o.Known {
		return o, err
	}
	return s.hold(ctx, token, seen, publish)
}

// ObserveAny gives a reply carrying several tokens to the first of them that has a
// record; when none has, the reply is held for the first token.
func (s *Pendings) ObserveAny(ctx context.Context, tokens []string, seen Seen, publish Publish) (Observed, error) {
	for _, token := range tokens {
		o, err := s.observe(ctx, token, seen, publish)
		if err != nil || o.Known {
			return o, err
		}
	}
	if len(tokens) == 0 {
		return Observed{}, nil
	}
	return s.hold(ctx, tokens[0], seen, publish)
}

// observe adds a reply to the record of token, if there is one.
func (s *Pendings) observe(ctx context.Context, token string, seen Seen, publish Publish) (Observed, error) {
	var o Observed
	known, err := s.update(ctx, token, false, publish, func(p *Pending) bool {
		o = Observed{Known: true, New: p.add(seen)}
		for _, r := range p.Replies {
			if r.ID == seen.ID {
				o.ClockSkew = r.ClockSkew
			}
		}
		return o.New
	})
	o.Known = known
	return o, err
}

// Close decides the probe of token at its deadline and publishes it.
func (s *Pendings) Close(ctx context.Context, token string, publish Publish) (known bool, err error) {
	return s.update(ctx, token, false, publish, func(p *Pending) bool {
		if p.Closed || p.T0.IsZero() {
			return false
		}
		p.Closed = true
		p.derive()
		return true
	})
}

// hold keeps a reply whose token has no record yet. The record may have appeared since
// Observe looked: then the reply goes to it.
func (s *Pendings) hold(ctx context.Context, token string, seen Seen, publish Publish) (Observed, error) {
	b, err := json.Marshal(seen)
	if err != nil {
		return Observed{}, err
	}
	var o Observed
	err = s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		n, err := tx.Exists(ctx, pendingKey(token)).Result()
		if err != nil {
			return err
		}
		if n > 0 {
			return redis.TxFailedErr // the record appeared since Observe looked
		}
		held, err := tx.LRange(ctx, heldKey(token), 0, -1).Result()
		if err != nil {
			return err
		}
		for _, h := range held {
			var r Seen
			if json.Unmarshal([]byte(h), &r) == nil && r.ID == seen.ID {
				o = Observed{Held: true}
				return nil
			}
		}
		o = Observed{New: true, Held: len(held) < maxHeld}
		if !o.Held {
			return nil // bounded: a token nobody owns gets at most maxHeld replies
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.RPush(ctx, heldKey(token), b)
			pipe.Expire(ctx, heldKey(token), keepHeld)
			return nil
		})
		return err
	}, pendingKey(token), heldKey(token))
	if errors.Is(err, redis.TxFailedErr) {
		return s.Observe(ctx, token, seen, publish) // the record appeared, or the list changed
	}
	if err != nil {
		return Observed{}, fmt.Errorf("hold reply for %s: %w", token, err)
	}
	return o, nil
}

// update runs fn on the record of token inside an optimistic transaction; fn reports
// whether to store the record. With create (Register), a missing record starts empty and
// replies held for the token join the record; once a record exists, hold sends replies
// to it, so other updates need not look. When the stored record is decided and says
// something new, publish is called first, at a new revision.
func (s *Pendings) update(ctx context.Context, token string, create bool, publish Publish, fn func(*Pending) bool) (known bool, err error) {
	key, held := pendingKey(token), heldKey(token)
	watched := []string{key}
	if create {
		watched = append(watched, held)
	}
	published := false // an earlier attempt published a record that was not stored
	for attempt := 0; attempt < 20; attempt++ {
		err = s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			r, err := s.read(ctx, tx, token, create, publish != nil)
			if err != nil {
				return err
			}
			p := r.p
			known = r.found
			if !r.found && !create {
				return nil
			}
			store := fn(p)
			joined := r.join(p)
			if !store && !joined {
				return nil
			}
			now := false
			if publish != nil && p.Done() {
				if d := p.digest(); published || d != p.Published {
					p.Rev = r.rev
					if err := publish(p); err != nil {
						return err
					}
					published, now = true, true
					p.Published = d
				}
			}
			return s.store(ctx, tx, p, joined, now)
		}, watched...)
		if !errors.Is(err, redis.TxFailedErr) {
			return known, err
		}
	}
	return known, fmt.Errorf("update pending probe %s: too much contention", token)
}

// snapshot is what an update reads in one round trip: the record, the replies held for
// its token (with create), and a fresh revision number (with publish).
type snapshot struct {
	p     *Pending
	found bool
	held  []string
	rev   int64
}

// read reads the record of token and, in the same round trip, the replies held for it
// and a new revision. The revision counter lives beside the record; it is incremented
// on every update that may publish (numbers may be skipped, never reused), so a result
// published by an attempt whose transaction then failed is always superseded by a
// higher revision, even across processes and crashes. A counter for a token without a
// record expires within the hour; one that was published with lives as long as its
// record (see store).
func (s *Pendings) read(ctx context.Context, tx *redis.Tx, token string, create, publish bool) (snapshot, error) {
	var (
		get  *redis.StringCmd
		held *redis.StringSliceCmd
		rev  *redis.IntCmd
	)
	_, err := tx.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		get = pipe.Get(ctx, pendingKey(token))
		if create {
			held = pipe.LRange(ctx, heldKey(token), 0, -1)
		}
		if publish {
			rev = pipe.Incr(ctx, revKey(token))
			pipe.ExpireNX(ctx, revKey(token), time.Hour)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return snapshot{}, err
	}
	var snap snapshot
	if held != nil {
		snap.held = held.Val()
	}
	if rev != nil {
		snap.rev = rev.Val()
	}
	b, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		snap.p = &Pending{}
		return snap, nil
	}
	if err != nil {
		return snapshot{}, err
	}
	snap.p, snap.found = new(Pending), true
	if err := json.Unmarshal(b, snap.p); err != nil {
		return snapshot{}, fmt.Errorf("decode %s: %w", pendingKey(token), err)
	}
	return snap, nil
}

// join adds the replies held for the record's token to it, and reports whether there
// were any.
func (r snapshot) join(p *Pending) bool {
	for _, it := range r.held {
		var h Seen
		if json.Unmarshal([]byte(it), &h) == nil {
			p.add(h)
		}
	}
	return len(r.held) > 0
}

func (s *Pendings) store(ctx context.Context, tx *redis.Tx, p *Pending, joined, published bool) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	end := p.Deadline
	if end.IsZero() {
		end = time.Now().Add(p.Wait)
	}
	ttl := max(time.Until(end.Add(keepAfterDeadline)), time.Hour)
	_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, pendingKey(p.Token), b, ttl)
		if published {
			pipe.Expire(ctx, revKey(p.Token), ttl)
		}
		if joined {
			pipe.Del(ctx, heldKey(p.Token))
		}
		if p.Done() {
			pipe.SRem(ctx, outstandingKey(p.Mailbox), p.Token)
		} else {
			pipe.SAdd(ctx, outstandingKey(p.Mailbox), p.Token)
		}
		return nil
	})
	return err
}
