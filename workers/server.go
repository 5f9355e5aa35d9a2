package workers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// DefaultQueues are the queue weights of a worker: probes, results and alerts.
var DefaultQueues = map[string]int{tasks.QueueChat: 4, tasks.QueueEmail: 4, tasks.QueueResults: 6, tasks.QueueAlerts: 2}

// Config configures a worker. Zero fields take the stated defaults.
type Config struct {
	// Redis is the client for run state and pacing; asynq gets its own connections to the same server.
	Redis *redis.Options
	// Concurrency is the most tasks run at once (default 10).
	Concurrency int
	// Queues maps queue names to weights (default DefaultQueues). Probe queues without a
	// registered probe and the results queue without a store are not served.
	Queues map[string]int
	// ShutdownTimeout is how long SIGTERM waits for running tasks before handing them
	// back to the queue (default 21m: above the 20 min chat abandon timeout).
	ShutdownTimeout time.Duration
	// DelayedTaskCheckInterval is how often scheduled tasks are moved to pending (default 1s).
	DelayedTaskCheckInterval time.Duration
	// PacingMaxWait is how long a probe waits in the worker for a pacing slot (default 5s).
	PacingMaxWait time.Duration
	// Registry holds the probes this worker runs (default: none).
	Registry *probes.Registry
	// Store receives results; nil means this worker does not serve the results queue.
	Store store.Store
	// ProbeStore is where probes record what they sent before it goes out, and look
	// up what was sent or recorded before: a probe is never sent twice, even when
	// Redis lost its data (default: Store). Every probing worker of a fleet needs it;
	// nil turns that guard off.
	ProbeStore store.Store
	// Registerer receives the worker's metrics (default: a new registry).
	Registerer prometheus.Registerer
	// Logger logs (default slog.Default()).
	Logger *slog.Logger
	// Email, when set, runs the email channel: the email probe, its deadline tasks and
	// the mail watchers of every probe mailbox.
	Email *EmailConfig
	// Chat, when set, runs the chat channel: the chat probe in a browser pool
	// of this process.
	Chat *ChatConfig
}

// ChatConfig configures the chat channel of a worker.
type ChatConfig struct {
	// Browser configures the Chromium the conversations run in (see
	// browser.Options for the defaults).
	Browser browser.Options
	// ProfilesDir is a directory of widget profiles campaigns may name, on top
	// of the built-in ones (default: built-ins only).
	ProfilesDir string
}

// EmailConfig configures the email channel of a worker.
type EmailConfig struct {
	// PollInterval is the time between two polls of a mailbox (default 30s).
	PollInterval time.Duration
	// NoIdle turns IMAP IDLE off (polling only).
	NoIdle bool
	// TLSConfig is used towards SMTP and IMAP servers (default: system roots).
	TLSConfig *tls.Config
	// Scan is the time between reads of the mailbox list (default 30s).
	Scan time.Duration
}

// Worker is a running asynq server with stakeout's handlers.
type Worker struct {
	mail   *MailWatchers
	pool   *browser.Pool
	srv    *asynq.Server
	mux    *asynq.ServeMux
	rdb    *redis.Client
	client *asynq.Client
	log    *slog.Logger
	queues map[string]int
}

// New builds a worker from cfg; Run starts it.
func New(cfg Config) (*Worker, error) {
	if cfg.Redis == nil {
		return nil, errors.New("worker: no redis configured")
	}
	cfg = withDefaults(cfg)
	w := &Worker{rdb: redis.NewClient(cfg.Redis), log: cfg.Logger}
	conn := asynq.RedisClientOpt{Addr: cfg.Redis.Addr, Username: cfg.Redis.Username, Password: cfg.Redis.Password, DB: cfg.Redis.DB, TLSConfig: cfg.Redis.TLSConfig}
	w.client = asynq.NewClient(conn)
	states := runstate.New(w.rdb)
	w.mux = asynq.NewServeMux()
	w.queues = map[string]int{}
	if cfg.Email != nil {
		if err := w.setupEmail(cfg); err != nil {
			w.Close()
			return nil, err
		}
	}
	if cfg.Chat != nil {
		if err := w.setupChat(cfg); err != nil {
			w.Close()
			return nil, err
		}
	}
	w.setupProbes(cfg, states)
	var aggregate asynq.GroupAggregator
	if cfg.Store != nil {
		h := &Results{Store: cfg.Store, States: states, Metrics: metrics.NewResults(cfg.Registerer), Logger: cfg.Logger}
		w.mux.Handle(tasks.TypeResult, h)
		w.mux.HandleFunc(tasks.TypeResultBatch, h.ProcessBatch)
		w.serve(cfg.Queues, tasks.QueueResults)
		aggregate = asynq.GroupAggregatorFunc(tasks.AggregateResults)
	}
	w.serve(cfg.Queues, tasks.QueueAlerts)
	if len(w.queues) == 0 {
		w.Close()
		return nil, errors.New("worker: nothing to serve (no probe registered, no store, no alerts queue weight)")
	}
	w.srv = asynq.NewServer(conn, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   w.queues,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		DelayedTaskCheckInterval: cfg.DelayedTaskCheckInterval,
		RetryDelayFunc:           retryDelay,
		// Results are stored in batches: up to 500, at most 2 s after the first arrives.
		GroupAggregator:  aggregate,
		GroupGracePeriod: time.Second,
		GroupMaxDelay:    2 * time.Second,
		GroupMaxSize:     500,
		IsFailure:        isFailure,
		Logger:           NewAsynqLogger(cfg.Logger),
		LogLevel:         asynq.WarnLevel,
	})
	return w, nil
}

// setupProbes serves the probe queue of every registered channel with a dispatcher.
func (w *Worker) setupProbes(cfg Config, states *runstate.Store) {
	chans := cfg.Registry.Channels()
	if len(chans) == 0 {
		return
	}
	d := &Dispatcher{Registry: cfg.Registry, Pacer: NewPacer(w.rdb), States: states, Client: w.client,
		Metrics: metrics.NewProbe(cfg.Registerer), Logger: cfg.Logger, PacingMaxWait: cfg.PacingMaxWait}
	if cfg.ProbeStore != nil {
		d.Recorded, d.Evidence = cfg.ProbeStore, cfg.ProbeStore
	}
	for _, ch := range chans {
		w.mux.Handle(tasks.ProbeType(ch), d)
		w.serve(cfg.Queues, tasks.ProbeQueue(ch))
	}
}

func withDefaults(cfg Config) Config {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 10
	}
	if cfg.Queues == nil {
		cfg.Queues = DefaultQueues
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 21 * time.Minute
	}
	if cfg.DelayedTaskCheckInterval == 0 {
		cfg.DelayedTaskCheckInterval = time.Second
	}
	if cfg.Registry == nil {
		cfg.Registry = probes.NewRegistry()
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ProbeStore == nil {
		cfg.ProbeStore = cfg.Store
	}
	return cfg
}

func (w *Worker) serve(weights map[string]int, q string) {
	if weight := weights[q]; weight > 0 {
		w.queues[q] = weight
	}
}

// Queues returns the queues this worker serves and their weights.
func (w *Worker) Queues() map[string]int { return w.queues }

// Run serves tasks until ctx ends, then shuts down: running tasks get ShutdownTimeout to
// finish, after which they are handed back to their queue for another worker.
func (w *Worker) Run(ctx context.Context) error {
	defer w.Close()
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	w.log.Info("worker started", "queues", w.queues)
	mailDone := make(chan struct{})
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(mailDone)
		if w.mail != nil {
			w.mail.Run(mailCtx)
		}
	}()
	<-ctx.Done()
	stopMail()
	<-mailDone
	w.log.Info("worker stopping: waiting for running tasks")
	w.srv.Shutdown()
	w.log.Info("worker stopped")
	return nil
}

// Close releases the worker's Redis connections.
func (w *Worker) Close() {
	if w.pool != nil {
		if err := w.pool.Close(); err != nil {
			w.log.Warn("closing the browser pool", "err", err)
		}
	}
	w.client.Close()
	w.rdb.Close()
}

// retryDelay waits as long as a deferral asks, retries the task of a dead worker at once (it
// has waited out the lease already), and backs off exponentially for real failures.
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	var deferred *Deferred
	switch {
	case errors.As(err, &deferred):
		return deferred.After
	case errors.Is(err, asynq.ErrLeaseExpired):
		return time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// isFailure does not count a deferral (pacing, deadline waiting for its mailbox) as a failed attempt.
func isFailure(err error) bool {
	var deferred *Deferred
	return !errors.As(err, &deferred)
}

// setupChat starts the browser pool and registers the chat probe.
func (w *Worker) setupChat(cfg Config) error {
	if _, ok := cfg.Registry.Lookup(campaign.ChannelChat); ok {
		return nil
	}
	opts := cfg.Chat.Browser
	if opts.Logger == nil {
		opts.Logger = cfg.Logger
	}
	pool, err := browser.New(opts)
	if err != nil {
		return err
	}
	w.pool = pool
	p := &chat.Probe{Pool: pool, Profiles: &chat.Profiles{Dir: cfg.Chat.ProfilesDir}, Logger: cfg.Logger}
	if cfg.ProbeStore != nil {
		p.Ledger = cfg.ProbeStore
	}
	return cfg.Registry.Register(campaign.ChannelChat, p)
}

// setupEmail registers the email probe and the deadline handler and prepares the mail
// watchers.
func (w *Worker) setupEmail(cfg Config) error {
	pendings := email.NewPendings(w.rdb)
	if _, ok := cfg.Registry.Lookup(campaign.ChannelEmail); !ok {
		p := &email.Probe{Sender: &email.Sender{Logger: cfg.Logger, TLSConfig: cfg.Email.TLSConfig},
			Pendings: pendings, Redis: w.rdb, Client: w.client, Logger: cfg.Logger, Publish: w.publish}
		if cfg.ProbeStore != nil {
			p.Ledger = cfg.ProbeStore
		}
		if err := cfg.Registry.Register(campaign.ChannelEmail, p); err != nil {
			return err
		}
	}
	var restore func(context.Context) (int, error)
	if cfg.ProbeStore != nil {
		r := &email.Restorer{Ledger: cfg.ProbeStore, Pendings: pendings, Redis: w.rdb, Client: w.client,
			Publish: w.publish, Logger: cfg.Logger}
		restore = r.Restore
	}
	w.mux.Handle(tasks.TypeEmailDeadline, &Deadlines{Pendings: pendings, Redis: w.rdb, Client: w.client, Logger: cfg.Logger})
	host, _ := os.Hostname()
	w.mail = &MailWatchers{Redis: w.rdb, Pendings: pendings, Client: w.client, Metrics: metrics.NewMail(cfg.Registerer),
		Logger: cfg.Logger, Owner: fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()),
		Scan: cfg.Email.Scan, PollInterval: cfg.Email.PollInterval, NoIdle: cfg.Email.NoIdle, TLSConfig: cfg.Email.TLSConfig,
		Restore: restore}
	return nil
}

// publish enqueues the result of a decided email probe.
func (w *Worker) publish(p *email.Pending) error {
	return enqueueDecision(context.Background(), w.client, p)
}
