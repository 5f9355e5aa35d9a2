package workers

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// MailWatchers runs a MailWatcher for every registered probe mailbox that has
// undecided probes and whose lease this process holds: across the fleet exactly one
// watcher reads a mailbox, and another process takes over within a lease when its
// holder dies. A probe announces the mailbox it is about to send from, so its watcher
// starts at once; a mailbox whose settings changed is watched anew with them, and one
// with no undecided probe left stops being watched (and leaves the registry).
type MailWatchers struct {
	Redis    redis.UniversalClient
	Pendings *email.Pendings
	Client   *asynq.Client
	Metrics  *metrics.Mail
	Logger   *slog.Logger
	// Owner names this process in leases (default: a random id).
	Owner string
	// Scan is the time between reads of the mailbox list (default 30s); a probe's
	// announcement triggers a read at once.
	Scan time.Duration
	// Lease is how long a mailbox lease lives without renewal (default 30s).
	Lease time.Duration
	// Watcher settings passed on to each MailWatcher.
	PollInterval time.Duration
	NoIdle       bool
	TLSConfig    *tls.Config
	// Restore, when set, runs before every read of the mailbox list: it puts back the
	// records and mailboxes of sent probes that Redis lost (email.Restorer), so that
	// watchers run again after Redis restarted empty.
	Restore func(ctx context.Context) (int, error)

	mu      sync.Mutex
	running map[string]*watched
}

// watched is a mailbox this process is watching (or trying to take the lease of).
type watched struct {
	settings string // the mailbox's settings as registered, JSON
	cancel   context.CancelFunc
	done     chan struct{}
}

func leaseKey(address string) string { return "stakeout:mail:{" + address + "}:lease" }

// Run watches mailboxes until ctx ends.
func (m *MailWatchers) Run(ctx context.Context) {
	m.running = map[string]*watched{}
	if m.Scan <= 0 {
		m.Scan = 30 * time.Second
	}
	if m.Lease <= 0 {
		m.Lease = 30 * time.Second
	}
	sub := m.Redis.Subscribe(ctx, email.MailboxesChannel)
	defer sub.Close()
	used := sub.Channel()
	defer m.stopAll()
	t := time.NewTicker(m.Scan)
	defer t.Stop()
	for {
		m.reconcile(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-used:
		}
	}
}

// reconcile starts, restarts and stops watchers to match the registry.
func (m *MailWatchers) reconcile(ctx context.Context) {
	if m.Restore != nil {
		if _, err := m.Restore(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("restore email probes from the result store", "err", err)
		}
	}
	mbs, bad, err := email.Mailboxes(ctx, m.Redis)
	if err != nil {
		if ctx.Err() == nil {
			m.Logger.Error("read probe mailboxes", "err", err)
		}
		return
	}
	for _, err := range bad {
		m.Logger.Error("probe mailbox not watched: its registration does not decode", "err", err)
	}
	seen := map[string]bool{}
	for _, mb := range mbs {
		n, err := m.Pendings.Outstanding(ctx, mb.Address)
		if err != nil {
			m.Logger.Error("count outstanding probes", "mailbox", mb.Address, "err", err)
			seen[mb.Address] = true // keep what runs
			continue
		}
		if n == 0 {
			if forgot, err := email.ForgetIfIdle(ctx, m.Redis, mb.Address); err == nil && forgot {
				m.Metrics.Outstanding.WithLabelValues(mb.Address).Set(0)
				continue
			}
		}
		seen[mb.Address] = true
		m.ensure(ctx, mb)
	}
	m.mu.Lock()
	var idle []string
	for addr := range m.running {
		if !seen[addr] {
			idle = append(idle, addr)
		}
	}
	m.mu.Unlock()
	for _, addr := range idle {
		m.Logger.Info("mail watcher stopping: no undecided probe uses the mailbox", "mailbox", addr)
		m.stop(addr)
	}
}

// ensure runs a watcher of mb with its current settings.
func (m *MailWatchers) ensure(ctx context.Context, mb campaign.Mailbox) {
	b, _ := json.Marshal(mb) // campaign.Mailbox always marshals
	settings := string(b)
	m.mu.Lock()
	cur := m.running[mb.Address]
	m.mu.Unlock()
	if cur != nil && cur.settings == settings {
		return
	}
	if cur != nil {
		m.Logger.Info("mailbox settings changed: watching it with the new ones", "mailbox", mb.Address)
		m.stop(mb.Address)
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &watched{settings: settings, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[mb.Address] = w
	m.mu.Unlock()
	go func() { defer close(w.done); m.hold(wctx, mb) }()
}

// stop stops the watcher of address and waits for it (its lease is released).
func (m *MailWatchers) stop(address string) {
	m.mu.Lock()
	w := m.running[address]
	delete(m.running, address)
	m.mu.Unlock()
	if w != nil {
		w.cancel()
		<-w.done
	}
}

func (m *MailWatchers) stopAll() {
	m.mu.Lock()
	addrs := make([]string, 0, len(m.running))
	for a := range m.running {
		addrs = append(addrs, a)
	}
	m.mu.Unlock()
	for _, a := range addrs {
		m.stop(a)
	}
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

// watch runs the watcher of mb while the lease is renewed. The watcher reads the
// mailbox's password each time it connects, so a changed secret is used at the next
// connection.
func (m *MailWatchers) watch(ctx context.Context, mb campaign.Mailbox) {
	key := leaseKey(mb.Address)
	defer releaseLease.Run(context.WithoutCancel(ctx), m.Redis, []string{key}, m.Owner)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &MailWatcher{Mailbox: mb, Pendings: m.Pendings, Redis: m.Redis, Client: m.Client,
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
				if ctx.Err() == nil {
					m.Logger.Warn("mail watcher lost its lease, stopping", "mailbox", mb.Address, "err", err)
				}
				cancel()
				<-done
				return
			}
		}
	}
}
