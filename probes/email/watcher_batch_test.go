package email

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// syncOnce reads the mailbox at addr through once with w.
func syncOnce(t *testing.T, w *Watcher) {
	t.Helper()
	c, _, err := w.dial(context.Background(), func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := w.Sync(context.Background(), c); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// An automated and a human reply of the same probe fetched in one batch, in either UID
// order: the first response is the automated one, the human one decides, and the probe
// is decided once, whatever goroutine handles which reply.
func TestMailWatcherBatchOrder(t *testing.T) {
	const n = 24
	f := newMailFixture(t, n)
	addr := imapServer(t, 0)
	for i, tok := range f.tokens {
		ack := rawReply(fmt.Sprintf("a%d", i), tok, "Automatic reply: Where is my order?", "Auto-Submitted: auto-replied\r\n")
		human := rawReply(fmt.Sprintf("h%d", i), tok, "Re: Where is my order?", "")
		if i%2 == 0 { // the human reply first in the mailbox, though it came later
			appendReply(t, addr, human, f.t0.Add(3*time.Second))
			appendReply(t, addr, ack, f.t0.Add(time.Second))
		} else {
			appendReply(t, addr, ack, f.t0.Add(time.Second))
			appendReply(t, addr, human, f.t0.Add(3*time.Second))
		}
	}
	syncOnce(t, f.watcher(addr, false))
	res := f.results(t)
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("run/acme/email/%04d", i)
		rs := res[id]
		if len(rs) != 1 {
			t.Errorf("%s: %d results, want 1", id, len(rs))
			continue
		}
		r := rs[0]
		if r.Outcome != result.Answered || r.FirstResponseS == nil || *r.FirstResponseS != 1 || r.HumanResponseS == nil || *r.HumanResponseS != 3 {
			t.Errorf("%s: %s first %v human %v, want answered, first 1 s (the automated reply), human 3 s", id, r.Outcome, r.FirstResponseS, r.HumanResponseS)
		}
		if !strings.Contains(string(r.Evidence), `"kind":"out_of_office"`) || !strings.Contains(string(r.Evidence), `"kind":"human"`) {
			t.Errorf("%s: evidence %s lacks one of the replies", id, r.Evidence)
		}
	}
	for kind, want := range map[Kind]float64{KindOutOfOffice: n, KindHuman: n} {
		if got := testutil.ToFloat64(f.metrics.Replies.WithLabelValues(shopper, string(kind))); got != want {
			t.Errorf("replies_total{kind=%s} = %v, want %v", kind, got, want)
		}
	}
}

// The same reply delivered twice counts once in the metrics too; a bounce ends its probe
// failed/bounced with the DSN as evidence; a reply stamped before t0 beyond the
// resolution is a clock problem, counted and not used.
func TestMailWatcherDuplicatesBouncesSkew(t *testing.T) {
	f := newMailFixture(t, 3)
	addr := imapServer(t, 0)
	human := rawReply("h1", f.tokens[0], "Re: order", "")
	appendReply(t, addr, human, f.t0.Add(time.Minute))
	appendReply(t, addr, human, f.t0.Add(time.Minute))
	appendReply(t, addr, dsn(f.tokens[1]), f.t0.Add(30*time.Second))
	appendReply(t, addr, rawReply("early", f.tokens[2], "Re: order", ""), f.t0.Add(-5*time.Second))
	syncOnce(t, f.watcher(addr, false))

	if got := testutil.ToFloat64(f.metrics.Replies.WithLabelValues(shopper, string(KindHuman))); got != 2 {
		t.Errorf("replies_total{kind=human} = %v, want 2 (one reply delivered twice, one early)", got)
	}
	res := f.results(t)
	if rs := res["run/acme/email/0001"]; len(rs) != 1 || rs[0].Outcome != result.Answered {
		t.Errorf("probe 1 = %+v, want one answered result", rs)
	}
	rs := res["run/acme/email/0002"]
	if len(rs) != 1 || rs[0].Outcome != result.Failed || rs[0].Reason != result.ReasonBounced || !strings.Contains(string(rs[0].Evidence), "User unknown") {
		t.Errorf("probe 2 = %+v, want failed/bounced with the DSN's text", rs)
	}
	if got := testutil.ToFloat64(f.metrics.ClockSkew.WithLabelValues(shopper)); got != 1 {
		t.Errorf("clock skew = %v, want 1", got)
	}
	p3, _, _ := f.pendings.Get(context.Background(), f.tokens[2])
	if p3.Done() || p3.First != nil || len(p3.Replies) != 1 || !p3.Replies[0].ClockSkew {
		t.Errorf("probe 3 = %+v, want undecided, the early reply kept and marked clock_skew", p3)
	}
}

// dsn is a delivery failure notice for the probe of token, as Postfix writes it.
func dsn(token string) string {
	b := "dsn-boundary"
	return "From: MAILER-DAEMON@probes.test (Mail Delivery System)\r\nTo: shopper@probes.test\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-" + token + "@probes.test>\r\n" +
		"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + b + "\"\r\n\r\n" +
		"--" + b + "\r\nContent-Type: text/plain\r\n\r\n<support@acme.test>: host mx.acme.test said: 550 5.1.1 User unknown\r\n" +
		"--" + b + "\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; probes.test\r\n\r\n" +
		"Final-Recipient: rfc822; support@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--" + b + "\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + token + "@probes.test>\r\nSubject: Where is my order?\r\n" +
		"--" + b + "--\r\n"
}

// A mail server restored from a backup keeps its UIDVALIDITY but gives UIDs from 1 again:
// the watcher notices (UIDNEXT at or below its checkpoint, or another message at the
// checkpoint's UID), rescans, and misses no reply.
func TestMailWatcherUIDsRestart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before int // messages in the restored mailbox before the reply
	}{
		{"UIDNEXT below the checkpoint", 0},
		{"another message at the checkpoint's UID", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMailFixture(t, 5)
			first := imapServer(t, 0)
			for i := range 3 {
				appendReply(t, first, rawReply(fmt.Sprintf("old%d", i), f.tokens[i], "Re: order", ""), f.t0.Add(time.Minute))
			}
			syncOnce(t, f.watcher(first, false))
			restored := imapServer(t, 0) // same UIDVALIDITY, UIDs from 1
			for i := range tc.before {
				appendReply(t, restored, rawReply(fmt.Sprintf("other%d", i), Token("nobody"), "spam", ""), f.t0.Add(time.Duration(i)*time.Second))
			}
			appendReply(t, restored, rawReply("new", f.tokens[4], "Re: order", ""), f.t0.Add(2*time.Minute))
			syncOnce(t, f.watcher(restored, false))
			if rs := f.results(t)["run/acme/email/0005"]; len(rs) != 1 || rs[0].Outcome != result.Answered {
				t.Errorf("probe 5 = %+v, want answered by the reply in the restored mailbox", rs)
			}
			if got := testutil.ToFloat64(f.metrics.Rescans.WithLabelValues(shopper, "uids_restarted")); got != 1 {
				t.Errorf("rescans{uids_restarted} = %v, want 1", got)
			}
		})
	}
}

// A probe's announcement starts the watcher of its mailbox at once (the scan is an
// hour); new settings move the watcher; with no undecided probe left it stops and the
// mailbox leaves the registry.
func TestMailWatchersFollowUse(t *testing.T) {
	f := newMailFixture(t, 2)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(secrets.SetDir(filepath.Dir(pw)))
	mailbox := func(addr string) campaign.Mailbox {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		return campaign.Mailbox{ID: "mb", Address: shopper, IMAP: campaign.Server{Host: host, Port: p, TLS: "none", PasswordFile: pw}}
	}
	first, second := imapServer(t, 0), imapServer(t, 3) // another server: another UIDVALIDITY
	mw := &Watchers{Redis: f.rdb, Pendings: f.pendings, Publish: f.publish, Metrics: f.metrics,
		Logger: slog.New(slog.DiscardHandler), Owner: "a", Scan: time.Hour, Lease: 3 * time.Second, PollInterval: 200 * time.Millisecond, NoIdle: true,
		OnEvent: func(_ string, e WatcherEvent) { changes.record("a", e) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mw.Run(ctx) }()
	defer func() { cancel(); <-done }()
	connected := func() bool { return testutil.ToFloat64(f.metrics.Connected.WithLabelValues(shopper)) == 1 }
	// The manager subscribes as it starts; announce until it has heard.
	waitFor(t, 5*time.Second, "the watcher to start on the probe's announcement", func() bool {
		if err := UseMailbox(ctx, f.rdb, mailbox(first)); err != nil {
			t.Fatal(err)
		}
		return connected()
	})
	appendReply(t, first, rawReply("h1", f.tokens[0], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 5*time.Second, "probe 1 answered from the first server", func() bool { return len(f.results(t)["run/acme/email/0001"]) == 1 })

	if err := UseMailbox(ctx, f.rdb, mailbox(second)); err != nil { // the mailbox moved
		t.Fatal(err)
	}
	appendReply(t, second, rawReply("h2", f.tokens[1], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 10*time.Second, "probe 2 answered from the new server", func() bool { return len(f.results(t)["run/acme/email/0002"]) == 1 })

	// The result is published before the record is stored as decided (pendings.update).
	waitFor(t, 5*time.Second, "no outstanding probe once both are answered", func() bool {
		n, err := f.pendings.Outstanding(ctx, shopper)
		return err == nil && n == 0
	})
	f.rdb.Publish(ctx, MailboxesChannel, shopper) // any announcement makes it look again
	waitFor(t, 5*time.Second, "the idle mailbox's watcher to stop", func() bool { return !connected() })
	if mbs, _, _ := Mailboxes(ctx, f.rdb); len(mbs) != 0 {
		t.Errorf("registry = %+v, want the idle mailbox gone", mbs)
	}
}
