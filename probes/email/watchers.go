package email

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/lease"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// Watchers runs a Watcher for every registered probe mailbox that has
// undecided probes and whose lease this process holds: across the fleet exactly one
// watcher reads a mailbox, and another process takes over within a lease when its
// holder dies. A probe announces the mailbox it is about to send from, so its watcher
// starts at once; a mailbox whose settings changed is watched anew with them, and one
// with no undecided probe left stops being watched (and leaves the registry).
type Watchers struct {
	Redis    redis.UniversalClient
	Pendings *Pendings
	// Publish enqueues the result of a probe its replies decided.
	Publish Publish
	Metrics *metrics.Mail
	Logger  *slog.Logger
	// Owner names this process in leases (default: a random id).
	Owner string
	// Scan is the time between reads of the mailbox list (default 30s); a probe's
	// announcement triggers a read at once.
	Scan time.Duration
	// Lease is how long a mailbox lease lives without renewal (default 30s).
	Lease time.Duration
	// Watcher settings passed on to each Watcher.
	PollInterval time.Duration
	NoIdle       bool
	TLSConfig    *tls.Config
	// OnEvent, when set, is told the events of every mailbox's watcher and
	// lease (EventLeaseTaken, ...), from their goroutines: it must return
	// quickly. Tests wait on it instead of sleeping. Default: none.
	OnEvent func(address string, e WatcherEvent)
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
func (m *Watchers) Run(ctx context.Context) {
	m.running = map[string]*watched{}
	if m.Scan <= 0 {
		m.Scan = 30 * time.Second
	}
	if m.Lease <= 0 {
		m.Lease = 30 * time.Second
	}
	sub := m.Redis.Subscribe(ctx, MailboxesChannel)
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
func (m *Watchers) reconcile(ctx context.Context) {
	if m.Restore != nil {
		if _, err := m.Restore(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("restore email probes from the result store", "err", err)
		}
	}
	mbs, bad, err := Mailboxes(ctx, m.Redis)
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
			if forgot, err := ForgetIfIdle(ctx, m.Redis, mb.Address); err == nil && forgot {
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
func (m *Watchers) ensure(ctx context.Context, mb campaign.Mailbox) {
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
	m.checkCredentials(mb)
	wctx, cancel := context.WithCancel(ctx)
	w := &watched{settings: settings, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[mb.Address] = w
	m.mu.Unlock()
	go func() { defer close(w.done); m.hold(wctx, mb) }()
}

// stop stops the watcher of address and waits for it (its lease is released).
func (m *Watchers) stop(address string) {
	m.mu.Lock()
	w := m.running[address]
	delete(m.running, address)
	m.mu.Unlock()
	if w != nil {
		w.cancel()
		<-w.done
	}
}

func (m *Watchers) stopAll() {
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
func (m *Watchers) hold(ctx context.Context, mb campaign.Mailbox) {
	for ctx.Err() == nil {
		l, err := lease.AcquireAs(ctx, m.Redis, leaseKey(mb.Address), m.Owner, m.Lease)
		if err == nil && l != nil {
			m.event(mb.Address, EventLeaseTaken)
			m.watch(ctx, mb, l)
			continue
		}
		if err == nil {
			m.event(mb.Address, EventLeaseBusy)
		}
		select {
		case <-ctx.Done():
		case <-time.After(m.Lease / 3):
		}
	}
}

// watch runs the watcher of mb while its lease l is kept. The watcher reads the
// mailbox's password each time it connects, so a changed secret is used at the next
// connection.
func (m *Watchers) watch(ctx context.Context, mb campaign.Mailbox, l *lease.Lease) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool
	keeper := l.Keep(lease.KeepOptions{
		OnError: func(err error) { m.Logger.Warn("renew mailbox lease", "mailbox", mb.Address, "err", err) },
		OnRenew: func() { m.event(mb.Address, EventLeaseRenewed) },
		OnLost: func(err error) {
			lost.Store(true)
			if ctx.Err() == nil {
				m.Logger.Warn("mail watcher lost its lease, stopping", "mailbox", mb.Address, "err", err)
			}
			cancel()
		},
	})
	defer func() {
		keeper.Stop()
		_ = l.Release(context.WithoutCancel(ctx))
	}()
	w := &Watcher{Mailbox: mb, Pendings: m.Pendings, Redis: m.Redis, Publish: m.Publish,
		Metrics: m.Metrics, Logger: m.Logger, PollInterval: m.PollInterval, NoIdle: m.NoIdle, TLSConfig: m.TLSConfig,
		OnEvent: func(e WatcherEvent) { m.event(mb.Address, e) }}
	_ = w.Run(wctx)
	if lost.Load() {
		m.event(mb.Address, EventLeaseLost)
	}
}

// event tells the OnEvent hook about e.
func (m *Watchers) event(address string, e WatcherEvent) {
	if m.OnEvent != nil {
		m.OnEvent(address, e)
	}
}

// checkCredentials says, once per mailbox and settings, which of its credentials cannot
// be read (a variable not set, a file missing): its watcher would fail at every login,
// and its probes at every send, until the operator provides them.
func (m *Watchers) checkCredentials(mb campaign.Mailbox) {
	if _, err := secrets.Password(mb.IMAP); err != nil {
		m.Logger.Error("probe mailbox has no usable IMAP password: its replies cannot be read until it is provided",
			"mailbox", mb.Address, "err", err)
	}
	if mb.SMTP.Auth != campaign.AuthNone {
		if _, err := secrets.Password(mb.SMTP); err != nil {
			m.Logger.Error("probe mailbox has no usable SMTP password: its probes cannot be sent until it is provided",
				"mailbox", mb.Address, "err", err)
		}
	}
}
