package email

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func newPending(t *testing.T) (*Pendings, Pending) {
	t.Helper()
	srv := redistest.Start(t)
	s := NewPendings(redistest.Client(t, srv))
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := Pending{Token: Token("run/acme/email/0001"), ProbeID: "run/acme/email/0001", Run: "run", Target: "acme",
		StartedAt: t0.Add(-time.Second), T0: t0, Deadline: t0.Add(72 * time.Hour)}
	if err := s.Register(context.Background(), p); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return s, p
}

// An ack, then a human reply, then the same human reply again, then a late one: the
// human reply decides once, latencies come from the reply times.
func TestPendingObserve(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	var decided []result.Result
	record := func(p *Pending) error { decided = append(decided, p.Result()); return nil }
	steps := []Seen{
		{ID: "<ack@x>", At: p.T0.Add(3 * time.Second), Kind: KindTicketAck, Ticket: "123"},
		{ID: "<human@x>", At: p.T0.Add(2 * time.Hour), Kind: KindHuman},
		{ID: "<human@x>", At: p.T0.Add(2 * time.Hour), Kind: KindHuman},
		{ID: "<late@x>", At: p.T0.Add(100 * time.Hour), Kind: KindHuman},
	}
	for _, seen := range steps {
		known, err := s.Observe(ctx, p.Token, seen, record)
		if err != nil || !known {
			t.Fatalf("Observe(%s) = %v, %v", seen.ID, known, err)
		}
	}
	if len(decided) != 2 {
		t.Fatalf("decided %d times, want 2 (the human reply, then late evidence)", len(decided))
	}
	r := decided[0]
	if r.Outcome != result.Answered || *r.FirstResponseS != 3 || *r.HumanResponseS != 7200 {
		t.Errorf("result = %s first %v human %v, want answered 3 7200", r.Outcome, *r.FirstResponseS, *r.HumanResponseS)
	}
	if late := decided[1]; late.Outcome != result.Answered || *late.HumanResponseS != 7200 {
		t.Errorf("late evidence changed the result: %s %v", late.Outcome, *late.HumanResponseS)
	}
	got, _, _ := s.Get(ctx, p.Token)
	if len(got.Replies) != 3 || !got.Replies[2].Late {
		t.Errorf("replies = %+v, want 3 with the last late", got.Replies)
	}
	if known, err := s.Close(ctx, p.Token, record); err != nil || !known || len(decided) != 2 {
		t.Errorf("Close of a decided probe = %v, %v, decided %d times; want no new decision", known, err, len(decided))
	}
	if known, _ := s.Observe(ctx, "stk-aaaaaaaaaaaa", steps[0], record); known {
		t.Errorf("Observe(unknown token) known = true")
	}
}

// At the deadline: auto_only with only automated replies, no_response with none.
func TestPendingClose(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	var got []result.Result
	record := func(p *Pending) error { got = append(got, p.Result()); return nil }
	if _, err := s.Observe(ctx, p.Token, Seen{ID: "<oof@x>", At: p.T0.Add(time.Second), Kind: KindOutOfOffice}, record); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Close(ctx, p.Token, record); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Outcome != result.AutoOnly || got[0].HumanResponseS != nil || *got[0].FirstResponseS != 1 {
		t.Errorf("Close = %+v, want auto_only with first 1s", got)
	}

	p2 := p
	p2.Token, p2.ProbeID = Token("other"), "other"
	if err := s.Register(ctx, p2); err != nil {
		t.Fatal(err)
	}
	got = nil
	if _, err := s.Close(ctx, p2.Token, record); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Outcome != result.NoResponse || got[0].Reason != result.ReasonDeadline {
		t.Errorf("Close = %+v, want no_response deadline", got)
	}
}

// When the decision cannot be recorded, nothing is stored: the next attempt decides again.
func TestPendingDecideFails(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	boom := errors.New("boom")
	human := Seen{ID: "<h@x>", At: p.T0.Add(time.Minute), Kind: KindHuman}
	if _, err := s.Observe(ctx, p.Token, human, func(*Pending) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Observe = %v, want boom", err)
	}
	calls := 0
	if _, err := s.Observe(ctx, p.Token, human, func(*Pending) error { calls++; return nil }); err != nil || calls != 1 {
		t.Errorf("second Observe = %v with %d decisions, want the reply to decide now", err, calls)
	}
}
