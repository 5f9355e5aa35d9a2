package email

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// The probe sends once, records the pending probe and its deadline task, and returns at
// once; a retried attempt does not send the message again. A refused recipient ends the
// probe as failed/smtp_rejected.
func TestProbe(t *testing.T) {
	t.Setenv(passwordEnv, testPassword)
	cert, pool := testCert(t)
	srv := startServer(t, serverOpts{TLS: "none"}, cert)
	rs := redistest.Start(t)
	rdb := redistest.Client(t, rs)
	sender, _ := newSender(pool)
	p := &Probe{Sender: sender, Pendings: NewPendings(rdb), Redis: rdb, Client: asynq.NewClientFromRedisClient(rdb)}
	a := sendAssignment(srv.Port, "none")
	a.Deadline = 72 * time.Hour
	ctx := context.Background()
	for attempt := 1; attempt <= 2; attempt++ {
		res, err := p.Probe(ctx, a)
		if err != nil || !res.Pending {
			t.Fatalf("attempt %d: Probe = %+v, %v; want pending", attempt, res, err)
		}
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("the server received %d messages, want 1 (a retry must not send again)", n)
	}
	pend, ok, err := p.Pendings.Get(ctx, Token(a.ProbeID))
	if err != nil || !ok || pend.T0.IsZero() || pend.Deadline != pend.T0.Add(72*time.Hour) {
		t.Fatalf("pending probe = %+v, %v, %v; want t0 set and the deadline 72 h later", pend, ok, err)
	}
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(tasks.QueueEmail, "deadline:"+a.ProbeID)
	if err != nil || info.NextProcessAt.Unix() != pend.Deadline.Unix() {
		t.Errorf("deadline task = %+v, %v; want one at %v", info, err, pend.Deadline)
	}
	mbs, _, err := Mailboxes(ctx, rdb)
	if err != nil || len(mbs) != 1 || mbs[0].Address != a.Mailbox.Address {
		t.Errorf("registered mailboxes = %+v, %v; want the probe's", mbs, err)
	}

	rejecting := startServer(t, serverOpts{TLS: "none", RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}}, cert)
	b := sendAssignment(rejecting.Port, "none")
	b.ProbeID = "run/acme/email/0002"
	res, err := p.Probe(ctx, b)
	if err != nil || res.Outcome != result.Failed || res.Reason != result.ReasonSMTPRejected {
		t.Errorf("Probe(refused) = %+v, %v; want failed/smtp_rejected", res, err)
	}
}
