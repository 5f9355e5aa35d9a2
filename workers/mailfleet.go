package workers

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// MailWatchers runs a MailWatcher for every registered probe mailbox whose lease this
// process holds: across the fleet exactly one watcher reads a mailbox, and another
// process takes over within a lease when its holder dies.
type MailWatchers struct {
	Redis    redis.UniversalClient
	Pendings *email.Pendings
	Client   *asynq.Client
	Metrics  *metrics.Mail
	Logger   *slog.Logger
	// Owner names this process in leases (default: a random id).
	Owner string
	// Scan is the time between reads of the mailbox list (default 30s).
	Scan time.Duration
	// Lease is how long a mailbox lease lives without renewal (default 30s).
	Lease time.Duration
	// Watcher settings passed on to each MailWatcher.
	PollInterval time.Duration
	NoIdle       bool
	TLSConfig    *tls.Config

	mu      sync.Mutex
	running map[string]bool
}

func leaseKey(address string) string { return "stakeout:mail:{" + address + "}:lease" }

// Run watches mailboxes until ctx ends.
func (m *MailWatchers) Run(ctx context.Context) {
	m.running = map[string]bool{}
	if m.Scan <= 0 {
		m.Scan = 30 * time.Second
	}
	if m.Lease <= 0 {
		m.Lease = 30 * time.Second
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(m.Scan)
	defer t.Stop()
	for {
		mbs, err := email.Mailboxes(ctx, m.Redis)
		if err != nil && ctx.Err() == nil {
			m.Logger.Error("read probe mailboxes", "err", err)
		}
		for _, mb := range mbs {
			if m.start(mb.Address) {
				wg.Go(func() { m.hold(ctx, mb) })
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *MailWatchers) start(address string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running[address] {
		return false
	}
	m.running[address] = true
	return true
}

// hold tries to take the mailbox's lease until ctx ends; while it holds it, it runs the
// watcher and renews the lease, and stops the watcher when the lease is lost.
func (m *MailWatchers) hold(ctx context.Context, mb campaign.Mailbox) {
	for ctx.Err() == nil {
		ok, err := m.Redis.SetNX(ctx, leaseKey(mb.Address), m.Owner, m.Lease).Result()
		if err == nil && ok {
			m.watch(ctx, mb)
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(m.Lease / 3):
		}
	}
}

var renewLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

var releaseLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// watch runs the watcher of mb while the lease is renewed.
func (m *MailWatchers) watch(ctx context.Context, mb campaign.Mailbox) {
	key := leaseKey(mb.Address)
	defer releaseLease.Run(context.WithoutCancel(ctx), m.Redis, []string{key}, m.Owner)
	password, err := secrets.Password(mb.IMAP)
	if err != nil {
		m.Logger.Error("mail watcher cannot log in", "mailbox", mb.Address, "err", err)
		<-time.After(m.Lease) // keep the lease a while: another process may have the secret
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &MailWatcher{Mailbox: mb, Password: password, Pendings: m.Pendings, Redis: m.Redis, Client: m.Client,
		Metrics: m.Metrics, Logger: m.Logger, PollInterval: m.PollInterval, NoIdle: m.NoIdle, TLSConfig: m.TLSConfig}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(wctx) }()
	t := time.NewTicker(m.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			n, err := renewLease.Run(wctx, m.Redis, []string{key}, m.Owner, m.Lease.Milliseconds()).Int()
			if err != nil || n == 0 {
				m.Logger.Warn("mail watcher lost its lease, stopping", "mailbox", mb.Address, "err", err)
				cancel()
				<-done
				return
			}
		}
	}
}
