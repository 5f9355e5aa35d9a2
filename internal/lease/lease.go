package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLost is returned by Renew, and reported by a Keeper, when the lease is no longer
// held by its owner: it expired, or was released, or another owner holds it now.
var ErrLost = errors.New("lease lost")

// Lease is a key of Redis held by one owner token.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	token string
	ttl   time.Duration
}

// NewToken returns a random owner token.
func NewToken() string { return rand.Text() }

// Acquire takes the lease of key for ttl with a new token. It returns nil and no error
// when another owner holds it.
func Acquire(ctx context.Context, rdb redis.UniversalClient, key string, ttl time.Duration) (*Lease, error) {
	return AcquireAs(ctx, rdb, key, NewToken(), ttl)
}

// AcquireAs is Acquire with the caller's token (a process that names itself in its
// leases, so that another process can tell who holds one).
func AcquireAs(ctx context.Context, rdb redis.UniversalClient, key, token string, ttl time.Duration) (*Lease, error) {
	ok, err := rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("acquire lease %s: %w", key, err)
	}
	if !ok {
		return nil, nil
	}
	return Held(rdb, key, token, ttl), nil
}

// Held returns the lease of key that token holds already: one a caller took with its own
// script (the pacing slots pick a free key and set it in one script).
func Held(rdb redis.UniversalClient, key, token string, ttl time.Duration) *Lease {
	return &Lease{rdb: rdb, key: key, token: token, ttl: ttl}
}

// Key returns the lease's key.
func (l *Lease) Key() string { return l.key }

// Token returns the owner token.
func (l *Lease) Token() string { return l.token }

// TTL returns how long the lease lives without renewal.
func (l *Lease) TTL() time.Duration { return l.ttl }

// renewScript extends the key's TTL while it holds the token; 0 when it does not.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// releaseScript deletes the key while it holds the token.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Renew extends the lease by its TTL from now. It returns ErrLost when the owner does
// not hold it any more, and a Redis error as it is (the lease may still be held).
func (l *Lease) Renew(ctx context.Context) error {
	n, err := renewScript.Run(ctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", l.key, err)
	}
	if n == 0 {
		return fmt.Errorf("renew lease %s: %w", l.key, ErrLost)
	}
	return nil
}

// Release frees the lease if the owner still holds it; releasing a lost lease is not an
// error.
func (l *Lease) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, l.rdb, []string{l.key}, l.token).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", l.key, err)
	}
	return nil
}
