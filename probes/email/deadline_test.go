package email

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// A deadline waits until the mailbox has been read past it, then closes the probe:
// auto_only after an ack, and a reply read late but received in time still counts.
func TestDeadlineWaitsForMailbox(t *testing.T) {
	f := newMailFixture(t, 2)
	ctx := context.Background()
	h := &Deadlines{Pendings: f.pendings, Redis: f.rdb, Logger: slog.New(slog.DiscardHandler)}
	// The deadlines passed a minute ago (t0 is 3 hours ago, the fixture's deadline 72 h: move it).
	for _, tok := range f.tokens {
		p, _, _ := f.pendings.Get(ctx, tok)
		p.Deadline = time.Now().Add(-time.Minute)
		if err := f.pendings.Register(ctx, *p, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = f.pendings.Observe(ctx, f.tokens[0], Seen{ID: "<ack>", At: f.t0.Add(time.Second), Kind: KindTicketAck}, nil)
	var wait *NotReadYet
	if err := h.Close(ctx, "p", f.tokens[0], f.publish); !errors.As(err, &wait) {
		t.Fatalf("deadline before the mailbox was read = %v, want *NotReadYet", err)
	}
	if len(f.results(t)) != 0 {
		t.Fatalf("a result was enqueued before the mailbox was read")
	}
	// The watcher reads the mailbox (now, past the deadline) and finds a human reply
	// received before the deadline for probe 2.
	f.rdb.HSet(ctx, checkpointKey(shopper), "synced_at", time.Now().UnixMilli())
	_, _ = f.pendings.Observe(ctx, f.tokens[1], Seen{ID: "<h>", At: f.t0.Add(2 * time.Hour), Kind: KindHuman}, f.publish)
	for i := range 2 {
		if err := h.Close(ctx, "p", f.tokens[i], f.publish); err != nil {
			t.Fatalf("deadline %d: %v", i, err)
		}
	}
	res := f.results(t)
	if r := res["run/acme/email/0001"]; len(r) != 1 || r[0].Outcome != result.AutoOnly || *r[0].FirstResponseS != 1 {
		t.Errorf("probe 1 = %+v, want one auto_only result with first response 1 s", r)
	}
	if r := res["run/acme/email/0002"]; len(r) != 1 || r[0].Outcome != result.Answered || *r[0].HumanResponseS != 7200 {
		t.Errorf("probe 2 = %+v, want one answered result after 7200 s", r)
	}
}
