package email

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

const (
	shopper  = "shopper@probes.test"
	password = "imap-secret-pw"
)

// imapServer is a real IMAP server (go-imap's imapserver with its in-memory backend) on a
// free loopback port. skipBoxes creates that many mailboxes before INBOX, so that the
// INBOX of a second server has another UIDVALIDITY.
func imapServer(t testing.TB, skipBoxes int) string {
	t.Helper()
	addr, _ := imapServerAt(t, "127.0.0.1:0", skipBoxes)
	return addr
}

// imapServerAt is imapServer on a given address; stop closes it.
func imapServerAt(t testing.TB, listen string, skipBoxes int) (addr string, stop func()) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(shopper, password)
	for i := range skipBoxes {
		_ = user.Create("Old"+strconv.Itoa(i), nil)
	}
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return idlePoller{mem.NewSession().(imapserver.SessionIMAP4rev2)}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), func() { srv.Close() }
}

// idlePoller is a memory server session whose IDLE sends what arrived, checking every
// 10 ms. The memory server's own IDLE registers for news only after it has told the
// client it idles, and misses a message delivered in between (go-imap v2.0.0-beta.8,
// imapserver/idle.go), which made TestMailWatcherIdle wait for the next poll.
type idlePoller struct{ imapserver.SessionIMAP4rev2 }

func (s idlePoller) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
	}
}

// appendReply puts a reply into the shopper's INBOX with INTERNALDATE at, as a mail
// server delivering it then would.
func appendReply(t *testing.T, addr, raw string, at time.Time) {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(shopper, password).Wait(); err != nil {
		t.Fatal(err)
	}
	cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Time: at})
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("APPEND: %v", err)
	}
}

func rawReply(id, token, subject, extra string) string {
	return "From: Acme Support <help@acme.test>\r\nTo: shopper+" + token + "@probes.test\r\n" +
		"Subject: " + subject + "\r\nMessage-ID: <" + id + "@acme.test>\r\n" +
		"In-Reply-To: <" + token + "@probes.test>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n" + extra +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello Jane, your order left our warehouse yesterday.\r\n"
}

type mailFixture struct {
	rdb      *redis.Client
	pendings *Pendings
	insp     *asynq.Inspector
	client   *asynq.Client
	metrics  *metrics.Mail
	t0       time.Time
	tokens   []string
}

func newMailFixture(t testing.TB, probes int) *mailFixture {
	t.Helper()
	srv := redistest.Start(t)
	f := &mailFixture{rdb: redistest.Client(t, srv), metrics: metrics.NewMail(prometheus.NewRegistry()),
		t0: time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)}
	f.pendings = NewPendings(f.rdb)
	f.insp = asynq.NewInspectorFromRedisClient(f.rdb)
	f.client = asynq.NewClientFromRedisClient(f.rdb)
	for i := 1; i <= probes; i++ {
		id := fmt.Sprintf("run/acme/email/%04d", i)
		p := Pending{Token: Token(id), ProbeID: id, Run: "run", Target: "acme", Mailbox: shopper,
			StartedAt: f.t0, T0: f.t0, Deadline: f.t0.Add(72 * time.Hour)}
		if err := f.pendings.Register(context.Background(), p, nil); err != nil {
			t.Fatal(err)
		}
		f.tokens = append(f.tokens, p.Token)
	}
	return f
}

func (f *mailFixture) watcher(addr string, idle bool) *Watcher {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	w := &Watcher{
		Mailbox:  campaign.Mailbox{ID: "mb", Address: shopper, IMAP: campaign.Server{Host: host, Port: p, TLS: "none"}},
		Password: password, Pendings: f.pendings, Redis: f.rdb, Publish: f.publish,
		Metrics: f.metrics, Logger: slog.New(slog.DiscardHandler), PollInterval: 200 * time.Millisecond, NoIdle: !idle,
		OnEvent: changes.hook(addr),
	}
	if idle {
		w.PollInterval = time.Minute // only IDLE can make it see replies in time
	}
	return w
}

// publish enqueues a decided probe's result as the worker does.
func (f *mailFixture) publish(p *Pending) error {
	defer changes.record("publish", 0)
	return tasks.EnqueueRevision(context.Background(), f.client, p.Result(), p.Rev)
}

// results returns the result tasks waiting for the results worker, by probe id.
func (f *mailFixture) results(t *testing.T) map[string][]result.Result {
	t.Helper()
	out := map[string][]result.Result{}
	ts, err := f.insp.ListAggregatingTasks(tasks.QueueResults, tasks.ResultGroup, asynq.PageSize(1000))
	if err != nil {
		return out
	}
	for _, ti := range ts {
		var r result.Result
		if err := json.Unmarshal(ti.Payload, &r); err != nil {
			t.Fatal(err)
		}
		out[r.ProbeID] = append(out[r.ProbeID], r)
	}
	return out
}

func runWatcher(t *testing.T, w *Watcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	return func() { cancel(); <-done }
}

// runUntilSynced runs w until it has read its mailbox once: it has published what it
// found and saved its checkpoint (a result is published before its record and the
// checkpoint are stored, so waiting for a result alone is too early).
func runUntilSynced(t *testing.T, w *Watcher) {
	t.Helper()
	addr := net.JoinHostPort(w.Mailbox.IMAP.Host, strconv.Itoa(w.Mailbox.IMAP.Port))
	mark := changes.mark()
	stop := runWatcher(t, w)
	defer stop()
	waitFor(t, 10*time.Second, "the watcher to read its mailbox", func() bool { return saw(mark, addr, EventSynced) })
}

// Poll mode: replies are matched by token, timed by INTERNALDATE (not by when we
// polled), acks kept apart from human replies; strangers are counted, not errors.
// Then the watcher stops, more replies arrive (one of them a second delivery), and a
// new watcher finds them from the checkpoint without counting anything twice.
func TestMailWatcherPollAndRestart(t *testing.T) {
	f := newMailFixture(t, 3)
	addr := imapServer(t, 0)
	human1 := rawReply("h1", f.tokens[0], "Re: Where is my order?", "")
	appendReply(t, addr, human1, f.t0.Add(time.Hour))
	appendReply(t, addr, rawReply("a2", f.tokens[1], "Request received", "Auto-Submitted: auto-replied\r\n"), f.t0.Add(5*time.Second))
	appendReply(t, addr, rawReply("x", Token("nobody"), "Re: hello", ""), f.t0)
	appendReply(t, addr, "From: a@b.test\r\nSubject: newsletter\r\n\r\nhi\r\n", f.t0)

	runUntilSynced(t, f.watcher(addr, false))

	r := f.results(t)["run/acme/email/0001"][0]
	if r.Outcome != result.Answered || r.HumanResponseS == nil || *r.HumanResponseS != 3600 {
		t.Errorf("probe 1 = %s human %v, want answered after exactly 3600 s (its INTERNALDATE)", r.Outcome, r.HumanResponseS)
	}
	p2, _, _ := f.pendings.Get(context.Background(), f.tokens[1])
	if p2.Done() || p2.First == nil || p2.First.At != f.t0.Add(5*time.Second) || p2.Human != nil {
		t.Errorf("probe 2 = %+v, want undecided with a first (automated) reply at t0+5s", p2)
	}
	if got := testutil.ToFloat64(f.metrics.Unmatched.WithLabelValues(shopper, "unknown_probe")); got != 1 {
		t.Errorf("unmatched unknown_probe = %v, want 1", got)
	}
	if got := testutil.ToFloat64(f.metrics.Unmatched.WithLabelValues(shopper, "no_token")); got != 1 {
		t.Errorf("unmatched no_token = %v, want 1", got)
	}

	// While no watcher runs: probe 2's human reply and a second delivery of probe 1's.
	appendReply(t, addr, rawReply("h2", f.tokens[1], "Re: Where is my order?", ""), f.t0.Add(2*time.Hour))
	appendReply(t, addr, human1, f.t0.Add(time.Hour))
	runUntilSynced(t, f.watcher(addr, false))
	res := f.results(t)
	if n := len(res["run/acme/email/0001"]); n != 1 {
		t.Errorf("probe 1 has %d results after the second delivery, want 1", n)
	}
	r2 := res["run/acme/email/0002"][0]
	if *r2.FirstResponseS != 5 || *r2.HumanResponseS != 7200 {
		t.Errorf("probe 2 first %v human %v, want 5 and 7200", *r2.FirstResponseS, *r2.HumanResponseS)
	}
}

// A new UIDVALIDITY (the mailbox was recreated, or another server) makes the watcher
// rescan from the start; replies it had seen count once.
func TestMailWatcherUIDValidityChange(t *testing.T) {
	f := newMailFixture(t, 2)
	human1 := rawReply("h1", f.tokens[0], "Re: order", "")
	first := imapServer(t, 0)
	appendReply(t, first, human1, f.t0.Add(time.Minute))
	runUntilSynced(t, f.watcher(first, false))
	if n := len(f.results(t)["run/acme/email/0001"]); n != 1 {
		t.Fatalf("probe 1 has %d results, want 1", n)
	}

	second := imapServer(t, 3) // INBOX gets another UIDVALIDITY
	appendReply(t, second, human1, f.t0.Add(time.Minute))
	appendReply(t, second, rawReply("h2", f.tokens[1], "Re: order", ""), f.t0.Add(2*time.Minute))
	runUntilSynced(t, f.watcher(second, false))
	if n := len(f.results(t)["run/acme/email/0002"]); n != 1 {
		t.Errorf("probe 2 has %d results after the rescan, want 1", n)
	}
	if n := len(f.results(t)["run/acme/email/0001"]); n != 1 {
		t.Errorf("probe 1 has %d results after the rescan, want 1", n)
	}
	cp, _ := f.watcher(second, false).loadCheckpoint(context.Background())
	if cp.LastUID != 2 {
		t.Errorf("checkpoint = %+v, want last UID 2 of the new mailbox", cp)
	}
}

// With IDLE a reply is seen long before the next poll.
func TestMailWatcherIdle(t *testing.T) {
	f := newMailFixture(t, 1)
	addr := imapServer(t, 0)
	mark := changes.mark()
	stop := runWatcher(t, f.watcher(addr, true))
	defer stop()
	waitFor(t, 5*time.Second, "the watcher to enter IDLE", func() bool { return saw(mark, addr, EventIdling) })
	appendReply(t, addr, rawReply("h1", f.tokens[0], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 10*time.Second, "the reply under IDLE (poll is 1 min)", func() bool {
		return len(f.results(t)["run/acme/email/0001"]) == 1
	})
}

// When the server goes away the watcher reconnects (with backoff) and carries on.
func TestMailWatcherReconnect(t *testing.T) {
	f := newMailFixture(t, 1)
	addr, stopServer := imapServerAt(t, "127.0.0.1:0", 0)
	stop := runWatcher(t, f.watcher(addr, true))
	defer stop()
	connected := func() bool { return testutil.ToFloat64(f.metrics.Connected.WithLabelValues(shopper)) == 1 }
	waitFor(t, 5*time.Second, "the watcher to connect", connected)
	stopServer()
	waitFor(t, 5*time.Second, "the watcher to notice the server is gone", func() bool { return !connected() })
	imapServerAt(t, addr, 0) // the server is back, on the same address
	appendReply(t, addr, rawReply("h1", f.tokens[0], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 15*time.Second, "the reply after reconnecting", func() bool {
		return len(f.results(t)["run/acme/email/0001"]) == 1
	})
}

// A server that accepts the connection and never greets must not keep a stopping watcher:
// the connection is closed when the context ends, before the greeting or the login.
func TestWatcherStopsDuringLogin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted, closedByClient := make(chan struct{}), make(chan struct{})
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		close(accepted)
		_, _ = conn.Read(make([]byte, 1)) // the client sends nothing before the greeting: EOF when it closes
		close(closedByClient)
	}()
	f := newMailFixture(t, 1)
	w := f.watcher(ln.Addr().String(), false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	<-accepted
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // a hang, not a speed bound: without the fix it never returns
		t.Fatal("the watcher did not stop while the server held its greeting")
	}
	<-closedByClient
}
