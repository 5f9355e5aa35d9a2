package workers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// DefaultQueues are the queue weights of a worker: probes, results and alerts.
var DefaultQueues = map[string]int{tasks.QueueChat: 4, tasks.QueueEmail: 4, tasks.QueueResults: 6, tasks.QueueScoring: 2, tasks.QueueAlerts: 2}

// Config configures a worker. Zero fields take the stated defaults.
type Config struct {
	// Redis says how to reach Redis (one server, TLS or Sentinel): the client for run
	// state and pacing, and asynq's own connections to the same server. Required.
	Redis redisconn.Conn
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
	// HandlerGrace is how long Run waits, once the shutdown timeout has handed running
	// tasks back to their queues, for their handlers to return (they mark their probes
	// scheduled again and free their pacing slots) before it closes the worker's
	// connections (default 30s).
	HandlerGrace time.Duration
	// Now is the clock of business hours, run windows and retry delays (default time.Now).
	Now func() time.Time
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
	// Scoring, when set with a Store, scores results: each stored result queues the
	// recomputation of its scorecards, and the scoring queue is served.
	Scoring *ScoringConfig
	// Alerts, when set with a Store, serves the alerts queue (delivery to Alertmanager)
	// and, with Scoring, runs the degradation detector after each scorecard update (see
	// AlertsConfig).
	Alerts *AlertsConfig
}

// ScoringConfig configures scoring in a worker that has a store.
type ScoringConfig struct {
	// Grader grades human answers (nil: answers are not graded and quality is left
	// out of the scores).
	Grader *quality.Grader
	// Metrics exports the score gauges (stakeout_score, ...) read from the store.
	// Every process exporting them exports the same figures: turn it on in one.
	Metrics bool
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
	// stopping is closed when Run's context ends: handlers waiting to start give up.
	stopping chan struct{}
	// handlers counts the task handlers running, which Run waits for before Close.
	handlers     sync.WaitGroup
	handlerGrace time.Duration
	// drainHook, when set, is called when Run starts waiting for handlers (tests).
	drainHook func()
	// scoreHook, when set before Run, is called after each scorecard update (tests).
	scoreHook func(tasks.Score, []scoring.Card)

	// deliverer, when set, posts the stored alerts to Alertmanager while Run serves.
	deliverer *alerting.Deliverer
	alerts    *alerter

	mail   *email.Watchers
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
	if cfg.Redis.IsZero() {
		return nil, errors.New("worker: no redis configured")
	}
	cfg = withDefaults(cfg)
	w := &Worker{rdb: cfg.Redis.Client(), log: cfg.Logger, stopping: make(chan struct{}), handlerGrace: cfg.HandlerGrace}
	conn := cfg.Redis.Asynq()
	w.client = asynq.NewClient(conn)
	states := runstate.New(w.rdb)
	w.mux = asynq.NewServeMux()
	w.mux.Use(w.track)
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
		aggregate = asynq.GroupAggregatorFunc(tasks.Aggregate)
		if cfg.Alerts != nil {
			w.alerts = w.setupAlerts(cfg)
		}
		if cfg.Scoring != nil {
			h.Scoring = w.client
			w.setupScoring(cfg)
		}
	}
	if len(w.queues) == 0 {
		w.Close()
		return nil, errors.New("worker: nothing to serve (no probe registered, no store)")
	}
	w.srv = asynq.NewServer(conn, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   w.queues,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		DelayedTaskCheckInterval: cfg.DelayedTaskCheckInterval,
		RetryDelayFunc:           RetryDelay(cfg.Now),
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
	d := w.dispatcher(cfg, states)
	for _, ch := range chans {
		w.mux.Handle(tasks.ProbeType(ch), d)
		w.serve(cfg.Queues, tasks.ProbeQueue(ch))
	}
}

// dispatcher builds the probe tasks' handler.
func (w *Worker) dispatcher(cfg Config, states *runstate.Store) *Dispatcher {
	m := metrics.NewProbe(cfg.Registerer)
	pacer := NewPacer(w.rdb)
	pacer.OnRenewError = func(target string, err error) {
		m.PacingRenewFailures.WithLabelValues(target).Inc()
		cfg.Logger.Warn("pacing slot renewal failed", "target", target, "err", err)
	}
	d := &Dispatcher{Registry: cfg.Registry, Pacer: pacer, States: states, Client: w.client, Metrics: m,
		Logger: cfg.Logger, PacingMaxWait: cfg.PacingMaxWait, Now: cfg.Now, Stopping: w.stopping}
	if cfg.ProbeStore != nil {
		d.Recorded, d.Evidence = cfg.ProbeStore, cfg.ProbeStore
	}
	return d
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
	if cfg.HandlerGrace == 0 {
		cfg.HandlerGrace = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
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

// Run serves tasks until ctx ends, then shuts down: probes waiting to start (for a browser
// tab, a pacing slot) go back to their queue at once, running tasks get ShutdownTimeout
// to finish, after which they are handed back to their queue for another worker. Run
// returns once their handlers have returned too (up to HandlerGrace more), so that what
// they undo on the way out (run state, pacing slot) reaches Redis before it closes.
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
	alertsDone := make(chan struct{})
	go func() {
		defer close(alertsDone)
		if w.deliverer != nil {
			w.deliverer.Run(mailCtx, w.alerts.wake)
		}
	}()
	<-ctx.Done()
	close(w.stopping)
	stopMail()
	<-mailDone
	<-alertsDone
	w.log.Info("worker stopping: waiting for running tasks")
	w.srv.Shutdown()
	w.waitHandlers()
	w.log.Info("worker stopped")
	return nil
}

// track counts a running handler, for waitHandlers.
func (w *Worker) track(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		w.handlers.Add(1)
		defer w.handlers.Done()
		return next.ProcessTask(ctx, t)
	})
}

// waitHandlers waits up to HandlerGrace for the handlers asynq left running when its
// shutdown timeout ran out (their contexts are cancelled by then).
func (w *Worker) waitHandlers() {
	if w.drainHook != nil {
		w.drainHook()
	}
	done := make(chan struct{})
	go func() { w.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.handlerGrace):
		w.log.Error("task handlers still running after the shutdown grace, closing anyway", "grace", w.handlerGrace)
	}
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
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewBrowser(cfg.Registerer)
	}
	pool, err := browser.New(opts)
	if err != nil {
		return err
	}
	w.pool = pool
	ctx, cancel := context.WithTimeout(context.Background(), browser.VersionTimeout)
	defer cancel()
	cfg.Logger.Info("chat probes run chromium", "chromium", browser.Describe(ctx, opts.ExecPath))
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
			Pendings: pendings, Redis: w.rdb, Client: w.client, Logger: cfg.Logger, Publish: w.publishEmail}
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
			Publish: w.publishEmail, Logger: cfg.Logger}
		restore = r.Restore
	}
	w.mux.Handle(tasks.TypeEmailDeadline, &Deadlines{Deadlines: email.Deadlines{Pendings: pendings, Redis: w.rdb, Logger: cfg.Logger}, Client: w.client})
	host, _ := os.Hostname()
	w.mail = &email.Watchers{Redis: w.rdb, Pendings: pendings, Publish: w.publishEmail, Metrics: metrics.NewMail(cfg.Registerer),
		Logger: cfg.Logger, Owner: fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()),
		Scan: cfg.Email.Scan, PollInterval: cfg.Email.PollInterval, NoIdle: cfg.Email.NoIdle, TLSConfig: cfg.Email.TLSConfig,
		Restore: restore}
	return nil
}

// publishEmail enqueues the result of a decided email probe at its revision.
func (w *Worker) publishEmail(p *email.Pending) error {
	return tasks.EnqueueRevision(context.Background(), w.client, p.Result(), p.Rev)
}
