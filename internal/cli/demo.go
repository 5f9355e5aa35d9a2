package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redisproc"
	"github.com/stakeoutcx/stakeout/internal/report"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/scheduler"
	"github.com/stakeoutcx/stakeout/workers"
)

// DemoCmd is `stakeout demo`: a whole email and chat campaign against the simulator, with
// nothing but the repository. It starts its own redis-server (unless STAKEOUT_REDIS_URL
// is set), the simulator, a worker and the result store, launches the demo campaign,
// shows progress and ends with a scorecard per company. Ctrl-C stops everything it started.
type DemoCmd struct {
	Campaign string `name:"campaign" default:"examples/demo/campaign.yaml" help:"Campaign file to run; its window starts now."`
	Watch    string `name:"watch" default:"examples/demo/watch.yaml" help:"A second campaign run at the same time: companies probed often enough for the degradation detector, one of which degrades and recovers (an empty value, --watch=, leaves it out)."`
	Sim      string `name:"sim" default:"examples/demo/sim.yaml" help:"Simulator config: the companies the campaigns probe."`
	Results  string `name:"results" help:"SQLite file for the results (default: a new file in a temporary directory, kept and printed)."`
	RedisURL string `name:"redis-url" env:"STAKEOUT_REDIS_URL" help:"Redis to use (default: a private redis-server child on a free port; your own Redis is not touched)."`
}

// demoPasswordEnv holds the password of the demo's probe mailbox, made up at start.
const demoPasswordEnv = "STAKEOUT_DEMO_PASSWORD"

// Run runs the demo.
func (c *DemoCmd) Run(ctx context.Context, g *Globals) error {
	if os.Getenv(demoPasswordEnv) == "" {
		os.Setenv(demoPasswordEnv, randomHex(12))
	}
	camp, err := loadCampaign(ctx, c.Campaign, campaign.Options{})
	if err != nil {
		return err
	}
	camps := []*campaign.Campaign{camp}
	if c.Watch != "" {
		watch, err := loadCampaign(ctx, c.Watch, campaign.Options{})
		if err != nil {
			return err
		}
		camps = append(camps, watch)
	}
	simCfg, err := sim.Load(c.Sim)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	quiet := newLogger(g.stderr, "error", g.LogFormat)
	rdbOpts, stopRedis, err := c.redis(ctx, g)
	if err != nil {
		return err
	}
	defer stopRedis()
	s, err := sim.New(simCfg, quiet)
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		return err
	}
	defer s.Close()
	for _, c := range camps {
		pointAtSim(c, s)
	}
	fmt.Fprintf(g.stdout, "simulator: %d companies, SMTP %s, IMAP %s", len(simCfg.Companies), s.SMTPAddr(), s.IMAPAddr())
	if a := s.WebAddr(); a != nil {
		fmt.Fprintf(g.stdout, ", web sites with chat widgets on %s (e.g. %s)", a, firstChatURL(camp, s))
	}
	fmt.Fprintln(g.stdout)
	alerts, err := startDemoAlerts(ctx, g.stdout, camps...)
	if err != nil {
		return err
	}
	if alerts != nil {
		defer alerts.stop()
	}
	return c.runCampaigns(ctx, g, camps, rdbOpts, quiet, alerts)
}

// redis returns the Redis to use: --redis-url when set, else a private child.
func (c *DemoCmd) redis(ctx context.Context, g *Globals) (redisconn.Conn, func(), error) {
	if c.RedisURL != "" {
		o, err := (&RedisFlags{RedisURL: c.RedisURL}).redisConn()
		return o, func() {}, err
	}
	srv, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return redisconn.Conn{}, nil, err
	}
	fmt.Fprintf(g.stdout, "redis-server: private, on %s (your own Redis is not touched)\n", srv.Addr)
	return redisconn.Addr(srv.Addr), srv.Stop, nil
}

// pointAtSim makes the campaign's loopback mailboxes use the simulator's ports,
// and each chat target the simulator's page of the company with its id.
func pointAtSim(camp *campaign.Campaign, s *sim.Sim) {
	smtpPort, imapPort := s.SMTPAddr().(*net.TCPAddr).Port, s.IMAPAddr().(*net.TCPAddr).Port
	for i := range camp.Mailboxes {
		camp.Mailboxes[i].SMTP.Port = smtpPort
		camp.Mailboxes[i].IMAP.Port = imapPort
	}
	for i := range camp.Targets {
		if ch := camp.Targets[i].Channels.Chat; ch != nil {
			if url, ok := s.ChatURL(camp.Targets[i].ID); ok {
				ch.URL = url
			}
		}
	}
}

func (c *DemoCmd) runCampaigns(ctx context.Context, g *Globals, camps []*campaign.Campaign, opts redisconn.Conn, log *slog.Logger, alerts *demoAlerts) error {
	path := c.Results
	if path == "" {
		dir, err := os.MkdirTemp("", "stakeout-demo-")
		if err != nil {
			return err
		}
		path = filepath.Join(dir, "results.db")
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	wctx, stopWorker := context.WithCancel(ctx)
	speller := &quality.Hunspell{}
	defer speller.Close()
	if err := speller.Available(); err != nil {
		fmt.Fprintf(g.stdout, "note: %v: answers are graded without their spelling\n", err)
	}
	alertsCfg := &workers.AlertsConfig{Deliverer: alerting.Deliverer{Repost: 10 * time.Second}}
	if alerts != nil {
		alertsCfg.Deliverer.Client = alerts.client
	}
	w, err := workers.New(workers.Config{Redis: opts, Concurrency: 30, Store: st, Logger: log, ShutdownTimeout: 10 * time.Second,
		Email:   &workers.EmailConfig{PollInterval: 5 * time.Second, Scan: time.Second},
		Chat:    &workers.ChatConfig{Browser: browser.Options{MaxConcurrent: 8, Logger: log}},
		Scoring: &workers.ScoringConfig{Grader: &quality.Grader{Speller: speller}},
		Alerts:  alertsCfg})
	if err != nil {
		stopWorker()
		return err
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(wctx) }()
	defer func() { stopWorker(); <-workerDone }()

	rdb := opts.Client()
	defer rdb.Close()
	now := time.Now().UTC()
	states := runstate.New(rdb)
	type launched struct {
		run   scheduler.Run
		total int
	}
	var runs []launched
	for _, camp := range camps {
		run := scheduler.Run{ID: scheduler.RunID(camp, now), Start: now, End: camp.Schedule.Window.End(now)}
		plan, err := scheduler.Plan(camp, run)
		if err != nil {
			return err
		}
		// Probes are planned over the window; on a busy machine (the browser starting,
		// the race detector) the last of them may start after it ends, and would then end
		// failed/out_of_window. The demo's runs accept starts for a minute more.
		run.End = run.End.Add(demoGrace)
		if _, err := (&scheduler.Launcher{Redis: rdb, States: states, Store: st}).Launch(ctx, camp, run, plan); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "run %s: %d probes over %s, email deadline %s, chat abandon timeout %s; results in %s\n",
			run.ID, len(plan), camp.Schedule.Window, camp.Deadlines.Email.D(), camp.Deadlines.Chat.D(), path)
		runs = append(runs, launched{run, len(plan)})
	}
	fmt.Fprintln(g.stdout)
	for _, r := range runs {
		if err := waitForResults(ctx, g.stdout, states, st, r.run.ID, r.total); err != nil {
			return err
		}
	}
	if err := waitForScoring(ctx, asynq.NewInspectorFromRedisClient(rdb)); err != nil {
		return err
	}
	watched := map[string]bool{}
	for _, camp := range camps[1:] {
		for _, t := range camp.Targets {
			watched[t.ID] = true
		}
	}
	if err := c.printAlerts(ctx, g, st, path, alerts, watched); err != nil {
		return err
	}
	run := runs[0].run
	if err := printFailures(ctx, g.stdout, st, run.ID, path); err != nil {
		return err
	}
	return c.printScores(ctx, g, st, run.ID, path)
}

// waitForScoring waits until the results and scoring queues are empty: every stored
// result's scoring task has run (a result task queues its scoring before it ends).
func waitForScoring(ctx context.Context, insp *asynq.Inspector) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		busy := 0
		for _, q := range []string{tasks.QueueResults, tasks.QueueScoring} {
			info, err := insp.GetQueueInfo(q)
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				return fmt.Errorf("read the %s queue: %w", q, err)
			}
			if info != nil {
				busy += info.Pending + info.Active + info.Scheduled + info.Retry + info.Aggregating
			}
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo stopped: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// printScores prints the run's scorecards, ranked, and writes the report next to the
// results.
func (c *DemoCmd) printScores(ctx context.Context, g *Globals, st store.Store, run, path string) error {
	cards, err := scorer.Cards(ctx, st, storeScoreFilter(run))
	if err != nil {
		return err
	}
	sortCards(cards)
	fmt.Fprintln(g.stdout, "\nScores (docs/scoring.md; failed probes never count against a company):")
	if err := writeScoresTable(g.stdout, cards); err != nil {
		return err
	}
	rep, err := report.Build(ctx, st, report.Options{Run: run})
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	var html bytes.Buffer
	if err := report.WriteHTML(&html, rep); err != nil {
		return err
	}
	htmlPath, pdfPath := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := writeFileAtomic(htmlPath, html.Bytes()); err != nil {
		return err
	}
	pdf, err := report.PrintPDF(ctx, htmlPath, "")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(pdfPath, pdf); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nReport: %s and %s\n", htmlPath, pdfPath)
	if len(cards) > 0 {
		fmt.Fprintf(g.stdout, "How one score was made: stakeout scores explain --db %s --run %s --target %s --channel %s\n", path, run, cards[0].Target, cards[0].Channel)
	}
	fmt.Fprintf(g.stdout, "Export: stakeout results export --db %s --run %s --format csv\n", path, run)
	return nil
}

func storeScoreFilter(run string) store.ScoreFilter {
	return store.ScoreFilter{Window: string(scoring.WindowRun), Run: run}
}

// demoGrace is how long after its window the demo's run still starts a probe.
const demoGrace = time.Minute

// waitForResults shows the run's progress until every probe has a result.
func waitForResults(ctx context.Context, out io.Writer, states *runstate.Store, st store.Store, run string, total int) error {
	begin := time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := ""
	for {
		counts, err := states.Counts(ctx, run)
		if err != nil {
			return err
		}
		done := 0
		for _, o := range result.Outcomes {
			done += counts[string(o)]
		}
		line := fmt.Sprintf("[%4ds] %d/%d done: %d answered, %d auto_only, %d no_response, %d failed; %d waiting for replies, %d not sent yet",
			int(time.Since(begin).Seconds()), done, total, counts["answered"], counts["auto_only"], counts["no_response"],
			counts["failed"], counts["running"], counts["scheduled"])
		if line[7:] != last {
			fmt.Fprintln(out, line)
			last = line[7:]
		}
		if done == total {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo stopped: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// printFailures lists the run's failed probes, with the command that shows why.
func printFailures(ctx context.Context, out io.Writer, st store.Store, run, path string) error {
	var rs []result.Result
	if err := st.Each(ctx, run, func(r result.Result) error { rs = append(rs, r); return nil }); err != nil {
		return err
	}
	var failed []result.Result
	for _, r := range rs {
		if r.Outcome == result.Failed {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintln(out, "\nFailed probes (a fault of the probe or the page, not of the company):")
		for _, r := range failed {
			fmt.Fprintf(out, "  %s: %s (stakeout results show --db %s %s)\n", r.ProbeID, r.Reason, path, r.ProbeID)
		}
	}
	if len(rs) > 0 {
		fmt.Fprintf(out, "One probe's evidence: stakeout results show --db %s %s\n", path, rs[0].ProbeID)
	}
	return nil
}

// firstChatURL is the simulator page of the first chat target, "" when none.
func firstChatURL(camp *campaign.Campaign, s *sim.Sim) string {
	for _, t := range camp.Targets {
		if t.Channels.Chat != nil {
			return t.Channels.Chat.URL
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
