package email

import (
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stakeoutcx/stakeout/internal/dovecottest"
	"github.com/stakeoutcx/stakeout/internal/result"
)

// lmtpDeliver delivers raw to rcpt over LMTP, as a mail server's MTA does, and returns
// when Dovecot accepted it.
func lmtpDeliver(t *testing.T, addr, rcpt, raw string) time.Time {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mx.acme.test"); err != nil {
		t.Fatalf("LHLO: %v", err)
	}
	if err := c.Mail("help@acme.test", nil); err != nil {
		t.Fatalf("MAIL FROM: %v", err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		t.Fatalf("RCPT TO %s: %v", rcpt, err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CloseWithLMTPResponse(); err != nil {
		t.Fatalf("LMTP delivery to %s: %v", rcpt, err)
	}
	return time.Now()
}

// Against Debian's stock Dovecot: replies delivered by LMTP to the plus-address land in
// the probe mailbox, IDLE announces them, INTERNALDATE (set by Dovecot at delivery) times
// them, and a reply threaded only by References is matched too.
func TestMailWatcherDovecot(t *testing.T) {
	d := dovecottest.Start(t, map[string]string{shopper: password})
	f := newMailFixture(t, 3)
	// Probes sent "now": latencies are measured against delivery times we observe.
	t0 := time.Now().UTC()
	for _, tok := range f.tokens {
		p, _, _ := f.pendings.Get(t.Context(), tok)
		p.T0, p.StartedAt = t0, t0
		if err := f.pendings.Register(t.Context(), *p, nil); err != nil {
			t.Fatal(err)
		}
	}
	w := f.watcher(d.IMAPAddr, true) // IDLE, poll every minute
	mark := changes.mark()
	stop := runWatcher(t, w)
	defer stop()
	waitFor(t, 10*time.Second, "the watcher to enter IDLE on dovecot", func() bool { return saw(mark, d.IMAPAddr, EventIdling) })
	ack := lmtpDeliver(t, d.LMTPAddr, "shopper+"+f.tokens[0]+"@probes.test",
		rawReply("a1", f.tokens[0], "Request received", "Auto-Submitted: auto-replied\r\n"))
	nextSecond(ack) // the human replies in a later second (INTERNALDATE has whole seconds)
	human := lmtpDeliver(t, d.LMTPAddr, "shopper+"+f.tokens[0]+"@probes.test", rawReply("h1", f.tokens[0], "Re: Where is my order?", ""))
	// Threaded by References only, sent to the bare address.
	refOnly := "From: Globex <care@globex.test>\r\nTo: shopper@probes.test\r\nSubject: Your order\r\n" +
		"Message-ID: <r2@globex.test>\r\nReferences: <" + f.tokens[1] + "@probes.test>\r\n" +
		"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nHi Jane, it ships tomorrow.\r\n"
	human2 := lmtpDeliver(t, d.LMTPAddr, "shopper@probes.test", refOnly)
	waitFor(t, 15*time.Second, "both probes answered under IDLE", func() bool {
		res := f.results(t)
		return len(res["run/acme/email/0001"]) == 1 && len(res["run/acme/email/0002"]) == 1
	})
	res := f.results(t)
	r1, r2 := res["run/acme/email/0001"][0], res["run/acme/email/0002"][0]
	check := func(name string, got *float64, want time.Time) {
		t.Helper()
		if got == nil {
			t.Errorf("%s: no latency", name)
			return
		}
		// INTERNALDATE has whole seconds.
		if diff := math.Abs(*got - want.Sub(t0).Seconds()); diff > 1 {
			t.Errorf("%s = %.3f s, delivered after %.3f s: off by %.3f s", name, *got, want.Sub(t0).Seconds(), diff)
		}
	}
	if r1.Outcome != result.Answered || r2.Outcome != result.Answered {
		t.Errorf("outcomes = %s, %s; want answered twice", r1.Outcome, r2.Outcome)
	}
	check("probe 1 first response (the ack)", r1.FirstResponseS, ack)
	check("probe 1 human response", r1.HumanResponseS, human)
	check("probe 2 human response", r2.HumanResponseS, human2)
	if len(res["run/acme/email/0003"]) != 0 {
		t.Errorf("probe 3 decided without a reply")
	}
}

// Against Dovecot, each probe's automated and human replies both delivered before the
// watcher's first fetch: every probe's first response is the automated one, its human
// response the human one, and its evidence lists both.
func TestMailWatcherDovecotBacklog(t *testing.T) {
	d := dovecottest.Start(t, map[string]string{shopper: password})
	const n = 9
	f := newMailFixture(t, n)
	t0 := time.Now().UTC()
	for _, tok := range f.tokens {
		p, _, _ := f.pendings.Get(t.Context(), tok)
		p.T0, p.StartedAt = t0, t0
		if err := f.pendings.Register(t.Context(), *p, nil); err != nil {
			t.Fatal(err)
		}
	}
	acks := make([]time.Time, n)
	humans := make([]time.Time, n)
	for i, tok := range f.tokens {
		acks[i] = lmtpDeliver(t, d.LMTPAddr, "shopper+"+tok+"@probes.test",
			rawReply(fmt.Sprintf("a%d", i), tok, "Automatic reply: Where is my order?", "Auto-Submitted: auto-replied\r\n"))
	}
	nextSecond(acks[n-1]) // the human replies in a later second (INTERNALDATE has whole seconds)
	for i, tok := range f.tokens {
		humans[i] = lmtpDeliver(t, d.LMTPAddr, "shopper+"+tok+"@probes.test", rawReply(fmt.Sprintf("h%d", i), tok, "Re: Where is my order?", ""))
	}
	syncOnce(t, f.watcher(d.IMAPAddr, false))
	res := f.results(t)
	for i := range n {
		id := fmt.Sprintf("run/acme/email/%04d", i+1)
		if len(res[id]) != 1 {
			t.Errorf("%s: %d results, want 1", id, len(res[id]))
			continue
		}
		r := res[id][0]
		if r.FirstResponseS == nil || r.HumanResponseS == nil || *r.FirstResponseS >= *r.HumanResponseS {
			t.Errorf("%s: first %v human %v, want the automated reply first", id, r.FirstResponseS, r.HumanResponseS)
			continue
		}
		for name, c := range map[string]struct {
			got  float64
			want time.Time
		}{"first": {*r.FirstResponseS, acks[i]}, "human": {*r.HumanResponseS, humans[i]}} {
			if diff := math.Abs(c.got - c.want.Sub(t0).Seconds()); diff > 1 || c.got < 0 {
				t.Errorf("%s: %s response %.3f s, delivered after %.3f s", id, name, c.got, c.want.Sub(t0).Seconds())
			}
		}
		if !strings.Contains(string(r.Evidence), fmt.Sprintf("a%d@acme.test", i)) {
			t.Errorf("%s: evidence %s lacks the automated reply", id, r.Evidence)
		}
	}
}
