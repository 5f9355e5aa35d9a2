package email

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes"
)

// The test binary doubles as a worker process sending one probe, for the tests that
// kill it with SIGKILL mid-send.
func TestMain(m *testing.M) {
	if os.Getenv("STAKEOUT_TEST_EMAIL_CHILD") != "" {
		os.Exit(runSendingChild())
	}
	os.Exit(m.Run())
}

// runSendingChild sends probe STAKEOUT_TEST_PROBE through 127.0.0.1:STAKEOUT_TEST_SMTP_PORT,
// recording it in the Redis at STAKEOUT_TEST_REDIS.
func runSendingChild() int {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("STAKEOUT_TEST_REDIS")})
	port, _ := strconv.Atoi(os.Getenv("STAKEOUT_TEST_SMTP_PORT"))
	p := &Probe{Sender: &Sender{}, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb)}
	a := sendAssignment(port, "none")
	a.ProbeID, a.Deadline = os.Getenv("STAKEOUT_TEST_PROBE"), time.Hour
	if _, err := p.Probe(context.Background(), a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A worker killed with SIGKILL while the server has the whole message but has not
// answered DATA yet: the retried attempt never sends the message again, takes t0 from
// when DATA began, and a reply that came meanwhile (before any 250 was recorded) counts.
func TestProbeKilledDuringSend(t *testing.T) {
	t.Setenv(passwordEnv, testPassword)
	cert, pool := testCert(t)
	read := make(chan struct{}, 1)
	srv := startServer(t, serverOpts{TLS: "none", DataHold: make(chan struct{}), DataRead: read}, cert)
	rs := redistest.Start(t)
	rdb := redistest.Client(t, rs)
	sender, _ := newSender(pool)
	rec := &recorder{}
	retry := &Probe{Sender: sender, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb), Publish: rec.publish}
	const probes = 4
	for i := 1; i <= probes; i++ {
		id := fmt.Sprintf("run/acme/email/%04d", i)
		child := exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), "STAKEOUT_TEST_EMAIL_CHILD=1", "STAKEOUT_TEST_REDIS="+rs.Addr,
			"STAKEOUT_TEST_SMTP_PORT="+strconv.Itoa(srv.Port), "STAKEOUT_TEST_PROBE="+id)
		child.Stderr = os.Stderr
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-read:
		case <-time.After(30 * time.Second):
			child.Process.Kill()
			t.Fatalf("probe %d: the server never read the message", i)
		}
		before := time.Now()
		if err := child.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = child.Wait()
		// The company answers at once; the watcher reads it before any attempt
		// recorded the server's 250.
		human := Seen{ID: fmt.Sprintf("<h%d@acme>", i), At: before.Add(time.Second), Kind: KindHuman}
		if o, err := retry.Pendings.Observe(context.Background(), Token(id), human, rec.publish); err != nil || !o.Known {
			t.Fatalf("probe %d: Observe before the retry = %+v, %v; want a known probe", i, o, err)
		}
		a := sendAssignment(srv.Port, "none")
		a.ProbeID, a.Deadline = id, time.Hour
		res, err := retry.Probe(context.Background(), a)
		if err != nil || !res.Pending {
			t.Fatalf("probe %d: retry = %+v, %v; want pending", i, res, err)
		}
		if n := srv.bodiesRead(); n != i {
			t.Fatalf("after probe %d the company received %d messages, want %d (one each)", i, n, i)
		}
		p, _, _ := retry.Pendings.Get(context.Background(), Token(id))
		if p.T0Source != T0DataStarted || !p.T0.Equal(p.SendingAt) || p.T0.After(before) {
			t.Errorf("probe %d: t0 %v from %q, sending at %v; want t0 = when DATA began, before the kill at %v", i, p.T0, p.T0Source, p.SendingAt, before)
		}
		answered := false
		for _, r := range rec.results() {
			answered = answered || r.ProbeID == id && r.Outcome == result.Answered && r.HumanResponseS != nil
		}
		if !answered {
			t.Errorf("probe %d: no answered result published for %s: %+v", i, id, rec.results())
		}
	}
}

// An attempt whose session ends while the server holds the answer to DATA (the context
// ends, as on a worker's shutdown) returns an error and leaves the probe recorded as
// sending; the next attempt does not send again.
func TestProbeInterruptedSend(t *testing.T) {
	srv, read, p, _ := holdingServer(t)
	a := sendAssignment(srv.Port, "none")
	a.Deadline = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg  sync.WaitGroup
		err error
	)
	wg.Go(func() { _, err = p.Probe(ctx, a) })
	<-read
	cancel()
	wg.Wait()
	var se *SMTPError
	if !errors.As(err, &se) || !se.MaybeSent || se.Stage != StageData {
		t.Fatalf("interrupted attempt = %v, want an SMTPError at data with MaybeSent", err)
	}
	if rec, ok, _ := p.Pendings.Get(context.Background(), Token(a.ProbeID)); !ok || !rec.Sending() {
		t.Fatalf("record after the interrupted attempt = %+v, want it sending", rec)
	}
	if res, err := p.Probe(context.Background(), a); err != nil || !res.Pending {
		t.Fatalf("retry = %+v, %v; want pending", res, err)
	}
	if n := srv.bodiesRead(); n != 1 {
		t.Errorf("the company received %d messages, want 1", n)
	}
}

// The record written before DATA vanishes (Redis lost it) before the server answers:
// the probe writes it again with t0, and a retry does not send again.
func TestProbeRecordLostDuringSend(t *testing.T) {
	srv, read, p, rdb := holdingServer(t)
	a := sendAssignment(srv.Port, "none")
	a.Deadline = time.Hour
	var (
		wg  sync.WaitGroup
		res probesResult
	)
	wg.Go(func() { res.r, res.err = p.Probe(context.Background(), a) })
	<-read
	if err := rdb.Del(context.Background(), pendingKey(Token(a.ProbeID))).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Release()
	wg.Wait()
	if res.err != nil || !res.r.Pending {
		t.Fatalf("Probe = %+v, %v; want pending", res.r, res.err)
	}
	rec, ok, _ := p.Pendings.Get(context.Background(), Token(a.ProbeID))
	if !ok || rec.T0.IsZero() || rec.T0Source != T0Accepted || rec.Deadline != rec.T0.Add(time.Hour) {
		t.Fatalf("record = %+v, %v; want it written again with t0 and its deadline", rec, ok)
	}
	if r, err := p.Probe(context.Background(), a); err != nil || !r.Pending || srv.bodiesRead() != 1 {
		t.Errorf("retry = %+v, %v, %d messages received; want pending, 1", r, err, srv.bodiesRead())
	}
}

type probesResult struct {
	r   probes.Result
	err error
}

// holdingServer is a test SMTP server that holds its answer to DATA (read gets a value
// once it has the whole message) and a probe sending to it, recording in a new Redis.
func holdingServer(t *testing.T) (*testServer, chan struct{}, *Probe, *redis.Client) {
	t.Helper()
	t.Setenv(passwordEnv, testPassword)
	cert, pool := testCert(t)
	read := make(chan struct{}, 1)
	srv := startServer(t, serverOpts{TLS: "none", DataHold: make(chan struct{}), DataRead: read}, cert)
	rdb := redistest.Client(t, redistest.Start(t))
	sender, _ := newSender(pool)
	return srv, read, &Probe{Sender: sender, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb)}, rdb
}
