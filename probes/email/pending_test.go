package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
)

var testT0 = time.Date(2026, 12, 1, 9, 0, 0, 400_000_000, time.UTC)

func testPending(id string) Pending {
	return Pending{Token: Token(id), ProbeID: id, Run: "run", Target: "acme", Mailbox: "shopper@probes.example",
		StartedAt: testT0.Add(-time.Second), T0: testT0, Wait: 72 * time.Hour, Deadline: testT0.Add(72 * time.Hour)}
}

func newPending(t *testing.T) (*Pendings, Pending) {
	t.Helper()
	srv := redistest.Start(t)
	s := NewPendings(redistest.Client(t, srv))
	p := testPending("run/acme/email/0001")
	if err := s.Register(context.Background(), p, nil); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return s, p
}

// recorder collects published results.
type recorder struct {
	mu  sync.Mutex
	got []result.Result
}

func (r *recorder) publish(p *Pending) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, p.Result())
	return nil
}

func (r *recorder) results() []result.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]result.Result(nil), r.got...)
}

// last returns the result of the highest revision, as the store keeps it.
func (r *recorder) last(t *testing.T) result.Result {
	t.Helper()
	rs := r.results()
	if len(rs) == 0 {
		t.Fatalf("no result published")
	}
	best := rs[0]
	for _, x := range rs[1:] {
		if x.Revision > best.Revision {
			best = x
		}
	}
	return best
}

func revisions(rs []result.Result) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Revision)
	}
	return out
}

func secs(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%.3f", *v)
}

// An ack, then a human reply, then the same human reply again, then a late one: the
// human reply decides, a duplicate changes nothing, late evidence publishes a new
// revision without changing the outcome.
func TestPendingObserve(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	rec := &recorder{}
	steps := []struct {
		seen Seen
		new  bool
	}{
		{Seen{ID: "<ack@x>", At: p.T0.Add(3 * time.Second), Kind: KindTicketAck, Ticket: "123"}, true},
		{Seen{ID: "<human@x>", At: p.T0.Add(2 * time.Hour), Kind: KindHuman}, true},
		{Seen{ID: "<human@x>", At: p.T0.Add(2 * time.Hour), Kind: KindHuman}, false},
		{Seen{ID: "<late@x>", At: p.T0.Add(100 * time.Hour), Kind: KindHuman}, true},
	}
	for _, st := range steps {
		o, err := s.Observe(ctx, p.Token, st.seen, rec.publish)
		if err != nil || !o.Known || o.New != st.new {
			t.Fatalf("Observe(%s) = %+v, %v; want known, new %v", st.seen.ID, o, err, st.new)
		}
	}
	rs := rec.results()
	if len(rs) != 2 || rs[0].Revision < 1 || rs[1].Revision <= rs[0].Revision {
		t.Fatalf("published revisions %d, want two increasing ones (the human reply, then late evidence)", revisions(rs))
	}
	for _, r := range rs {
		if r.Outcome != result.Answered || secs(r.FirstResponseS) != "3.000" || secs(r.HumanResponseS) != "7200.000" {
			t.Errorf("revision %d = %s first %s human %s, want answered 3 7200", r.Revision, r.Outcome, secs(r.FirstResponseS), secs(r.HumanResponseS))
		}
	}
	got, _, _ := s.Get(ctx, p.Token)
	if len(got.Replies) != 3 || !got.Replies[2].Late {
		t.Errorf("replies = %+v, want 3 with the last late", got.Replies)
	}
	if known, err := s.Close(ctx, p.Token, rec.publish); err != nil || !known || len(rec.results()) != 2 {
		t.Errorf("Close of a decided probe = %v, %v, published %d; want nothing new", known, err, len(rec.results()))
	}
}

// The replies of a probe count whatever order they are handled in: the first response is
// the earliest of them, even when the human reply decided the probe first.
func TestPendingEveryReplyCounts(t *testing.T) {
	replies := []Seen{
		{ID: "<oof@x>", At: testT0.Add(2 * time.Second), Kind: KindOutOfOffice},
		{ID: "<ack@x>", At: testT0.Add(5 * time.Second), Kind: KindTicketAck},
		{ID: "<human@x>", At: testT0.Add(40 * time.Second), Kind: KindHuman},
		{ID: "<human2@x>", At: testT0.Add(90 * time.Second), Kind: KindHuman},
	}
	srv := redistest.Start(t)
	s := NewPendings(redistest.Client(t, srv))
	ctx := context.Background()
	for run := range 30 {
		p := testPending(fmt.Sprintf("run/acme/email/%04d", run))
		if err := s.Register(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		order := rand.Perm(len(replies))
		var wg sync.WaitGroup
		for _, i := range order { // concurrently, as a batch's processors could
			wg.Go(func() {
				if _, err := s.Observe(ctx, p.Token, replies[i], rec.publish); err != nil {
					t.Errorf("Observe: %v", err)
				}
			})
		}
		wg.Wait()
		r := rec.last(t)
		if r.Outcome != result.Answered || secs(r.FirstResponseS) != "2.000" || secs(r.HumanResponseS) != "40.000" {
			t.Errorf("order %v: last revision %d = %s first %s human %s, want answered 2.000 40.000",
				order, r.Revision, r.Outcome, secs(r.FirstResponseS), secs(r.HumanResponseS))
		}
		got, _, _ := s.Get(ctx, p.Token)
		if len(got.Replies) != 4 || got.First.ID != "<oof@x>" || got.Human.ID != "<human@x>" {
			t.Errorf("order %v: record first %v human %v, %d replies", order, got.First, got.Human, len(got.Replies))
		}
	}
}

// INTERNALDATE has whole seconds: a reply stamped within a second before t0 is timed
// 0 s; one stamped earlier is a clock problem, kept and not used.
func TestPendingResolution(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	rec := &recorder{}
	early := Seen{ID: "<early@x>", At: p.T0.Add(-2 * time.Second).Truncate(time.Second), Kind: KindAutoReply}
	o, err := s.Observe(ctx, p.Token, early, rec.publish)
	if err != nil || !o.ClockSkew {
		t.Fatalf("Observe(2 s before t0) = %+v, %v; want clock skew", o, err)
	}
	fast := Seen{ID: "<fast@x>", At: p.T0.Truncate(time.Second), Kind: KindHuman} // 0.4 s "before" t0
	if o, err := s.Observe(ctx, p.Token, fast, rec.publish); err != nil || o.ClockSkew {
		t.Fatalf("Observe(same second as t0) = %+v, %v; want no clock skew", o, err)
	}
	r := rec.last(t)
	if r.Outcome != result.Answered || secs(r.FirstResponseS) != "0.000" || secs(r.HumanResponseS) != "0.000" {
		t.Errorf("result = %s first %s human %s, want answered 0 0 (never negative)", r.Outcome, secs(r.FirstResponseS), secs(r.HumanResponseS))
	}
	got, _, _ := s.Get(ctx, p.Token)
	if len(got.Replies) != 2 || !got.Replies[0].ClockSkew || got.Replies[1].ClockSkew {
		t.Errorf("replies = %+v, want the early one marked clock_skew", got.Replies)
	}
}

// At the deadline: auto_only with only automated replies, no_response with none.
func TestPendingClose(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	rec := &recorder{}
	if _, err := s.Observe(ctx, p.Token, Seen{ID: "<oof@x>", At: p.T0.Add(time.Second), Kind: KindOutOfOffice}, rec.publish); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Close(ctx, p.Token, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.results(); len(got) != 1 || got[0].Outcome != result.AutoOnly || got[0].HumanResponseS != nil || secs(got[0].FirstResponseS) != "1.000" {
		t.Errorf("Close = %+v, want auto_only with first 1s", got)
	}

	p2 := testPending("other")
	if err := s.Register(ctx, p2, nil); err != nil {
		t.Fatal(err)
	}
	rec = &recorder{}
	if _, err := s.Close(ctx, p2.Token, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.results(); len(got) != 1 || got[0].Outcome != result.NoResponse || got[0].Reason != result.ReasonDeadline {
		t.Errorf("Close = %+v, want no_response deadline", got)
	}
}

// A bounce ends the probe failed/bounced with the DSN as evidence; a delay warning does not.
func TestPendingBounce(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	rec := &recorder{}
	delay := Seen{ID: "<delay@x>", At: p.T0.Add(time.Hour), Kind: KindBounce, DSN: "delayed", Text: "still trying"}
	if _, err := s.Observe(ctx, p.Token, delay, rec.publish); err != nil || len(rec.results()) != 0 {
		t.Fatalf("a delay warning published %+v, %v; want nothing", rec.results(), err)
	}
	bounce := Seen{ID: "<dsn@x>", At: p.T0.Add(2 * time.Hour), Kind: KindBounce, DSN: "failed", Text: "550 5.1.1 User unknown"}
	if _, err := s.Observe(ctx, p.Token, bounce, rec.publish); err != nil {
		t.Fatal(err)
	}
	r := rec.last(t)
	if r.Outcome != result.Failed || r.Reason != result.ReasonBounced || r.FirstResponseS != nil {
		t.Errorf("result = %s/%s first %s, want failed/bounced without latencies", r.Outcome, r.Reason, secs(r.FirstResponseS))
	}
	if want := `"bounce":{"id":"\u003cdsn@x\u003e"`; !strings.Contains(string(r.Evidence), want) || !strings.Contains(string(r.Evidence), "User unknown") {
		t.Errorf("evidence %s lacks the DSN", r.Evidence)
	}
	if _, err := s.Close(ctx, p.Token, rec.publish); err != nil || rec.last(t).Outcome != result.Failed {
		t.Errorf("Close after a bounce changed the outcome: %+v, %v", rec.last(t), err)
	}
}

// Replies that arrive while the message is being sent (record written, 250 not yet
// recorded) and replies for a token not yet registered are kept, and decide the probe
// once its t0 is known.
func TestPendingRepliesBeforeT0(t *testing.T) {
	srv := redistest.Start(t)
	s := NewPendings(redistest.Client(t, srv))
	ctx := context.Background()
	rec := &recorder{}
	human := Seen{ID: "<h@x>", At: testT0.Add(4 * time.Second), Kind: KindHuman}

	sending := testPending("run/acme/email/0001")
	sending.T0, sending.Deadline, sending.SendingAt = time.Time{}, time.Time{}, testT0.Add(-time.Second)
	if err := s.Register(ctx, sending, rec.publish); err != nil {
		t.Fatal(err)
	}
	if o, err := s.Observe(ctx, sending.Token, human, rec.publish); err != nil || !o.Known || len(rec.results()) != 0 {
		t.Fatalf("Observe while sending = %+v, %v, published %d; want known, undecided", o, err, len(rec.results()))
	}
	p, err := s.Confirm(ctx, sending.Token, testT0, T0Accepted, rec.publish)
	if err != nil || p.Deadline != testT0.Add(72*time.Hour) {
		t.Fatalf("Confirm = %+v, %v", p, err)
	}
	if r := rec.last(t); r.Outcome != result.Answered || secs(r.HumanResponseS) != "4.000" {
		t.Errorf("after Confirm: %s human %s, want answered 4", r.Outcome, secs(r.HumanResponseS))
	}

	rec = &recorder{}
	orphan := testPending("run/acme/email/0002")
	if o, err := s.Observe(ctx, orphan.Token, human, rec.publish); err != nil || o.Known || !o.Held || !o.New {
		t.Fatalf("Observe(unregistered) = %+v, %v; want held", o, err)
	}
	if o, _ := s.Observe(ctx, orphan.Token, human, rec.publish); !o.Held || o.New {
		t.Errorf("Observe(unregistered, again) = %+v; want held, not new", o)
	}
	if err := s.Register(ctx, orphan, rec.publish); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.ProbeID != orphan.ProbeID || r.Outcome != result.Answered || secs(r.HumanResponseS) != "4.000" {
		t.Errorf("after Register: %+v, want the held reply to answer it", r)
	}
}

// When the decision cannot be published, nothing is stored: the next attempt decides again.
func TestPendingDecideFails(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	boom := errors.New("boom")
	human := Seen{ID: "<h@x>", At: p.T0.Add(time.Minute), Kind: KindHuman}
	if _, err := s.Observe(ctx, p.Token, human, func(*Pending) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Observe = %v, want boom", err)
	}
	rec := &recorder{}
	if _, err := s.Observe(ctx, p.Token, human, rec.publish); err != nil || len(rec.results()) != 1 {
		t.Errorf("second Observe = %v with %d decisions, want the reply to decide now", err, len(rec.results()))
	}
}

// A record's replies are bounded; the first and the human reply are never dropped.
func TestPendingBoundedReplies(t *testing.T) {
	p := testPending("x")
	p.add(Seen{ID: "<h>", At: testT0.Add(time.Hour), Kind: KindHuman})
	for i := range 3 * maxReplies {
		p.add(Seen{ID: fmt.Sprintf("<a%d>", i), At: testT0.Add(time.Duration(i+1) * time.Second), Kind: KindAutoReply})
	}
	if len(p.Replies) != maxReplies || p.Human == nil || p.First == nil || p.First.ID != "<a0>" {
		t.Errorf("replies %d, first %v, human %v; want %d kept with first <a0> and the human one", len(p.Replies), p.First, p.Human, maxReplies)
	}
}

// A reply carrying several tokens goes to the first that has a record; nothing is held
// for the others. With none known it is held once, for the first.
func TestPendingObserveAny(t *testing.T) {
	s, p := newPending(t)
	ctx := context.Background()
	stranger := Token("nobody")
	human := Seen{ID: "<h@x>", At: p.T0.Add(time.Minute), Kind: KindHuman}
	if o, err := s.ObserveAny(ctx, []string{stranger, p.Token}, human, nil); err != nil || !o.Known || !o.New {
		t.Fatalf("ObserveAny(stranger, known) = %+v, %v; want known, new", o, err)
	}
	if n, _ := s.rdb.Exists(ctx, heldKey(stranger)).Result(); n != 0 {
		t.Errorf("a reply was held for the stranger's token although another token matched")
	}
	other := Seen{ID: "<o@x>", At: p.T0.Add(time.Minute), Kind: KindHuman}
	if o, err := s.ObserveAny(ctx, []string{stranger, Token("nobody2")}, other, nil); err != nil || o.Known || !o.Held || !o.New {
		t.Fatalf("ObserveAny(strangers) = %+v, %v; want held, new", o, err)
	}
	if n, _ := s.rdb.LLen(ctx, heldKey(stranger)).Result(); n != 1 {
		t.Errorf("held for the first token: %d replies, want 1", n)
	}
	if n, _ := s.rdb.Exists(ctx, heldKey(Token("nobody2"))).Result(); n != 0 {
		t.Errorf("a reply was held for the second token too")
	}
}

// The bodies of the earliest maxBodies human replies are kept in the evidence, each at
// most MaxText bytes, in any order of arrival; automated replies keep none, and the
// First and Human summaries carry no copy.
func TestPendingKeepsHumanBodies(t *testing.T) {
	long := strings.Repeat("é", MaxText) // 2 bytes a rune: cut on a rune boundary
	order := []int{5, 0, 3, 1, 4, 2}
	p := testPending("x")
	p.add(Seen{ID: "<auto>", At: testT0.Add(time.Second), Kind: KindAutoReply, Text: "we got it"})
	for _, i := range order {
		text := fmt.Sprintf("answer %d", i)
		if i == 0 {
			text = long
		}
		p.add(Seen{ID: fmt.Sprintf("<h%d>", i), At: testT0.Add(time.Duration(i+2) * time.Minute), Kind: KindHuman, Text: text})
	}
	var ev struct {
		Replies []Seen `json:"replies"`
	}
	if err := json.Unmarshal(p.evidence(), &ev); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range ev.Replies {
		if r.Kind == KindAutoReply && r.Text != "" {
			t.Errorf("automated reply kept text %q", r.Text)
		}
		if r.Kind == KindHuman && r.Text != "" {
			bodies = append(bodies, r.ID)
		}
	}
	if want := []string{"<h0>", "<h1>", "<h2>", "<h3>"}; !slices.Equal(bodies, want) {
		t.Errorf("replies with a body = %v, want %v", bodies, want)
	}
	if b := ev.Replies[1].Text; len(b) > MaxText || !utf8.ValidString(b) || len(b) < MaxText-1 {
		t.Errorf("long body kept %d bytes (valid UTF-8: %v), want MaxText cut on a rune boundary", len(b), utf8.ValidString(b))
	}
	if p.Human == nil || p.Human.Text != "" || p.First == nil || p.First.Text != "" {
		t.Errorf("summaries carry text: human %+v first %+v", p.Human, p.First)
	}
}
