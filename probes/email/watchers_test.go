package email

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// imapMailbox returns the probe mailbox of a test IMAP server, its password in a file
// of the test's secrets directory.
func imapMailbox(t *testing.T) campaign.Mailbox {
	t.Helper()
	host, port, _ := net.SplitHostPort(imapServer(t, 0))
	p, _ := strconv.Atoi(port)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(secrets.SetDir(filepath.Dir(pw)))
	return campaign.Mailbox{ID: "mb", Address: shopper, IMAP: campaign.Server{Host: host, Port: p, TLS: "none", PasswordFile: pw}}
}

// Two processes' watcher managers share one mailbox: exactly one watches it; when that
// one stops, the other takes over and reads what arrived meanwhile.
func TestMailWatchersLease(t *testing.T) {
	f := newMailFixture(t, 1)
	mb := imapMailbox(t)
	if err := UseMailbox(context.Background(), f.rdb, mb); err != nil {
		t.Fatal(err)
	}
	manager := func(owner string) (*Watchers, *metrics.Mail, context.CancelFunc, chan struct{}) {
		m := metrics.NewMail(prometheus.NewRegistry())
		mw := &Watchers{Redis: f.rdb, Pendings: f.pendings, Publish: f.publish, Metrics: m,
			Logger: slog.New(slog.DiscardHandler), Owner: owner, Scan: 100 * time.Millisecond, Lease: 900 * time.Millisecond,
			PollInterval: 200 * time.Millisecond, NoIdle: true,
			OnEvent: func(_ string, e WatcherEvent) { changes.record(owner, e) }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); mw.Run(ctx) }()
		return mw, m, cancel, done
	}
	_, ma, stopA, doneA := manager("a")
	waitFor(t, 5*time.Second, "a to watch the mailbox", func() bool {
		return testutil.ToFloat64(ma.Connected.WithLabelValues(shopper)) == 1
	})
	mark := changes.mark()
	_, mbm, stopB, doneB := manager("b")
	defer func() { stopB(); <-doneB }()
	// b must stay out while a renews: wait for b to be refused after two renewals.
	waitFor(t, 10*time.Second, "b refused the lease after a renewed it twice", func() bool {
		evs, _ := changes.since(mark)
		renewed := 0
		for _, ev := range evs {
			switch {
			case ev.tag == "a" && ev.e == EventLeaseRenewed:
				renewed++
			case ev.tag == "b" && ev.e == EventLeaseTaken:
				t.Fatalf("b took the lease while a holds it")
			case ev.tag == "b" && ev.e == EventLeaseBusy && renewed >= 2:
				return true
			}
		}
		return false
	})
	if got := testutil.ToFloat64(mbm.Connected.WithLabelValues(shopper)); got != 0 {
		t.Fatalf("b connected while a holds the lease")
	}
	stopA()
	<-doneA
	appendReply(t, net.JoinHostPort(mb.IMAP.Host, strconv.Itoa(mb.IMAP.Port)), rawReply("h1", f.tokens[0], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 5*time.Second, "b to take over and decide the probe", func() bool {
		return len(f.results(t)["run/acme/email/0001"]) == 1
	})
	if got := testutil.ToFloat64(mbm.Connected.WithLabelValues(shopper)); got != 1 {
		t.Errorf("b connected = %v, want 1", got)
	}
}

// A mailbox whose password cannot be read is named at once, with the variable or file
// missing; a relay with auth: none needs no SMTP password.
func TestWatchersNameMissingCredentials(t *testing.T) {
	var log strings.Builder
	m := &Watchers{Logger: slog.New(slog.NewTextHandler(&log, nil))}
	mb := campaign.Mailbox{Address: shopper,
		IMAP: campaign.Server{PasswordEnv: "STAKEOUT_TEST_UNSET_IMAP_PW"},
		SMTP: campaign.Server{Auth: campaign.AuthNone}}
	m.checkCredentials(mb)
	got := log.String()
	for _, want := range []string{"no usable IMAP password", shopper, "STAKEOUT_TEST_UNSET_IMAP_PW is not set"} {
		if !strings.Contains(got, want) {
			t.Errorf("log %q does not say %q", got, want)
		}
	}
	if strings.Contains(got, "SMTP") {
		t.Errorf("log %q complains about SMTP for a relay with auth: none", got)
	}
	log.Reset()
	mb.SMTP = campaign.Server{PasswordFile: filepath.Join(t.TempDir(), "missing")}
	m.checkCredentials(mb)
	if got := log.String(); !strings.Contains(got, "no usable SMTP password") || !strings.Contains(got, "missing") {
		t.Errorf("log %q does not name the missing SMTP password file", got)
	}
}

// A watcher whose mailbox lease another process holds now (its own expired) stops
// watching, and does not free the other's lease.
func TestMailWatcherStopsWhenLeaseTaken(t *testing.T) {
	f := newMailFixture(t, 1)
	mb := imapMailbox(t)
	ctx := context.Background()
	if err := UseMailbox(ctx, f.rdb, mb); err != nil {
		t.Fatal(err)
	}
	m := metrics.NewMail(prometheus.NewRegistry())
	mw := &Watchers{Redis: f.rdb, Pendings: f.pendings, Publish: f.publish, Metrics: m,
		Logger: slog.New(slog.DiscardHandler), Owner: "a", Scan: time.Hour, Lease: 900 * time.Millisecond,
		PollInterval: 200 * time.Millisecond, NoIdle: true,
		OnEvent: func(_ string, e WatcherEvent) { changes.record("a", e) }}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); mw.Run(wctx) }()
	defer func() { cancel(); <-done }()
	connected := m.Connected.WithLabelValues(shopper)
	waitFor(t, 5*time.Second, "a to watch the mailbox", func() bool { return testutil.ToFloat64(connected) == 1 })
	f.rdb.Set(ctx, leaseKey(shopper), "b", time.Hour)
	waitFor(t, 5*time.Second, "a to stop watching", func() bool { return testutil.ToFloat64(connected) == 0 })
	if got := f.rdb.Get(ctx, leaseKey(shopper)).Val(); got != "b" {
		t.Errorf("lease holds %q after a stopped, want b's", got)
	}
}
