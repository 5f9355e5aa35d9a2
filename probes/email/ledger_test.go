package email

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// ledgerProbe is a probe recording its sends in a new store, sending to a new test
// SMTP server, with its records in a new Redis.
func ledgerProbe(t *testing.T) (*Probe, *testServer, *redis.Client, store.Store) {
	t.Helper()
	t.Setenv(passwordEnv, testPassword)
	cert, pool := testCert(t)
	srv := startServer(t, serverOpts{TLS: "none"}, cert)
	rdb := redistest.Client(t, redistest.Start(t))
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sender, _ := newSender(pool)
	p := &Probe{Sender: sender, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb), Ledger: st}
	return p, srv, rdb, st
}

// checkRestored checks that Redis has the probe's record, sent at the store's t0, its
// deadline task and its mailbox.
func checkRestored(t *testing.T, rdb *redis.Client, p *Probe, st store.Store, probeID string) {
	t.Helper()
	ctx := context.Background()
	sd, ok, err := st.GetSend(ctx, probeID)
	if err != nil || !ok || sd.T0.IsZero() {
		t.Fatalf("GetSend = %+v, %v, %v; want a confirmed send", sd, ok, err)
	}
	rec, ok, err := p.Pendings.Get(ctx, Token(probeID))
	if err != nil || !ok || !rec.T0.Equal(sd.T0) || rec.T0Source != T0Accepted || !rec.Deadline.Equal(sd.Deadline) {
		t.Fatalf("record = %+v, %v, %v; want it rebuilt with t0 %v and deadline %v", rec, ok, err, sd.T0, sd.Deadline)
	}
	// asynq's client remembers the queues it announced, so after FLUSHALL the
	// inspector does not list the queue: look at the task's key and schedule.
	at, err := rdb.ZScore(ctx, "asynq:{"+tasks.QueueEmail+"}:scheduled", "deadline:"+probeID).Result()
	if err != nil || int64(at) != sd.Deadline.Unix() {
		t.Errorf("deadline task scheduled at %v, %v; want %v", at, err, sd.Deadline.Unix())
	}
	mbs, _, err := Mailboxes(ctx, rdb)
	if err != nil || len(mbs) != 1 || mbs[0].Address != rec.Mailbox {
		t.Errorf("registered mailboxes = %+v, %v; want the probe's", mbs, err)
	}
	if n, err := p.Pendings.Outstanding(ctx, rec.Mailbox); err != nil || n != 1 {
		t.Errorf("outstanding probes of the mailbox = %d, %v; want 1", n, err)
	}
}

// A probe whose Redis state vanished after it sent never sends again: the store's row
// rebuilds its record, deadline and mailbox.
func TestProbeAfterRedisLostEverything(t *testing.T) {
	p, srv, rdb, st := ledgerProbe(t)
	a := sendAssignment(srv.Port, "none")
	a.Deadline = 72 * time.Hour
	ctx := context.Background()
	if res, err := p.Probe(ctx, a); err != nil || !res.Pending {
		t.Fatalf("Probe = %+v, %v; want pending", res, err)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if res, err := p.Probe(ctx, a); err != nil || !res.Pending {
		t.Fatalf("Probe after FLUSHALL = %+v, %v; want pending", res, err)
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("the server received %d messages, want 1 (Redis lost the record, the store has it)", n)
	}
	checkRestored(t, rdb, p, st, a.ProbeID)
}

// The restorer puts back what Redis lost of the probes sent without a result, once.
func TestRestorer(t *testing.T) {
	p, srv, rdb, st := ledgerProbe(t)
	a := sendAssignment(srv.Port, "none")
	a.Deadline = time.Hour
	ctx := context.Background()
	if _, err := p.Probe(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r := &Restorer{Ledger: st, Pendings: p.Pendings, Redis: rdb, Client: p.Client}
	if n, err := r.Restore(ctx); err != nil || n != 1 {
		t.Fatalf("Restore = %d, %v; want 1", n, err)
	}
	checkRestored(t, rdb, p, st, a.ProbeID)
	if n, err := r.Restore(ctx); err != nil || n != 0 {
		t.Errorf("second Restore = %d, %v; want 0 (Redis has the record)", n, err)
	}
}

// A message the server refused at the end of DATA was not delivered: its send leaves
// the store, so a retry sends it (a 4xx) and a relaunch is not blocked by it.
func TestProbeRefusedSendLeavesNoRecord(t *testing.T) {
	_, _, _, st := ledgerProbe(t)
	t.Setenv(passwordEnv, testPassword)
	cert, pool := testCert(t)
	srv := startServer(t, serverOpts{TLS: "none", DataErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try later"}}, cert)
	rdb := redistest.Client(t, redistest.Start(t))
	sender, _ := newSender(pool)
	p := &Probe{Sender: sender, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb), Ledger: st}
	a := sendAssignment(srv.Port, "none")
	if _, err := p.Probe(context.Background(), a); err == nil {
		t.Fatal("Probe against a 451 = nil error, want it retried")
	}
	if sd, ok, err := st.GetSend(context.Background(), a.ProbeID); err != nil || ok {
		t.Errorf("GetSend after a refused DATA = %+v, %v, %v; want no send", sd, ok, err)
	}
}

// A restorer that read the store's row of a send in progress, and then found no record
// in Redis, must not write its rebuilt record over the one the sending attempt wrote
// next: the probe would be timed from before DATA and, with no reply, end
// failed/send_unconfirmed although its message was accepted.
func TestRestoreLeavesASendInProgress(t *testing.T) {
	p, _, rdb, st := ledgerProbe(t)
	cert, _ := testCert(t)
	read := make(chan struct{}, 1)
	srv := startServer(t, serverOpts{TLS: "none", DataHold: make(chan struct{}), DataRead: read}, cert)
	a := sendAssignment(srv.Port, "none")
	a.Deadline = time.Hour
	ctx := context.Background()
	type probed struct {
		err error
	}
	done := make(chan probed, 1)
	go func() {
		_, err := p.Probe(ctx, a)
		done <- probed{err}
	}()
	<-read // the store's row and the Redis record are written; the reply to DATA is held
	sd, ok, err := st.GetSend(ctx, a.ProbeID)
	if err != nil || !ok || !sd.T0.IsZero() {
		t.Fatalf("GetSend while sending = %+v, %v, %v; want an unconfirmed send", sd, ok, err)
	}
	rebuilt, mb, err := fromSend(sd)
	if err != nil {
		t.Fatal(err)
	}
	// What a restorer does after it found no record (it looked before the attempt wrote it).
	restored, err := rebuild(ctx, p.Pendings, rdb, p.Client, nil, rebuilt, mb)
	if err != nil || restored {
		t.Errorf("rebuild over a send in progress = %v, %v; want false (the attempt's record stays)", restored, err)
	}
	srv.Release()
	if r := <-done; r.err != nil {
		t.Fatalf("Probe = %v", r.err)
	}
	rec, ok, err := p.Pendings.Get(ctx, Token(a.ProbeID))
	if err != nil || !ok || rec.T0Source != T0Accepted {
		t.Fatalf("record after the send = %+v, %v, %v; want t0 from the server's acceptance (%s)", rec, ok, err, T0Accepted)
	}
	if sd, _, _ := st.GetSend(ctx, a.ProbeID); !rec.T0.Equal(sd.T0) {
		t.Errorf("record t0 %v, store t0 %v; want the same", rec.T0, sd.T0)
	}
	// With no record at all, rebuild writes one, once.
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		if restored, err := rebuild(ctx, p.Pendings, rdb, p.Client, nil, rebuilt, mb); err != nil || restored != want {
			t.Errorf("rebuild %d after FLUSHALL = %v, %v; want %v", i+1, restored, err, want)
		}
	}
}
