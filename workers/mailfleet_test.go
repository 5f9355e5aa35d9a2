package workers

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// Two processes' watcher managers share one mailbox: exactly one watches it; when that
// one stops, the other takes over and reads what arrived meanwhile.
func TestMailWatchersLease(t *testing.T) {
	f := newMailFixture(t, 1)
	addr := imapServer(t, 0)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(secrets.SetDir(filepath.Dir(pw)))
	mb := campaign.Mailbox{ID: "mb", Address: shopper, IMAP: campaign.Server{Host: host, Port: p, TLS: "none", PasswordFile: pw}}
	if err := email.UseMailbox(context.Background(), f.rdb, mb); err != nil {
		t.Fatal(err)
	}
	manager := func(owner string) (*MailWatchers, *metrics.Mail, context.CancelFunc, chan struct{}) {
		m := metrics.NewMail(prometheus.NewRegistry())
		mw := &MailWatchers{Redis: f.rdb, Pendings: f.pendings, Client: asynq.NewClientFromRedisClient(f.rdb), Metrics: m,
			Logger: slog.New(slog.DiscardHandler), Owner: owner, Scan: 100 * time.Millisecond, Lease: 900 * time.Millisecond,
			PollInterval: 200 * time.Millisecond, NoIdle: true}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); mw.Run(ctx) }()
		return mw, m, cancel, done
	}
	_, ma, stopA, doneA := manager("a")
	waitFor(t, 5*time.Second, "a to watch the mailbox", func() bool {
		return testutil.ToFloat64(ma.Connected.WithLabelValues(shopper)) == 1
	})
	_, mbm, stopB, doneB := manager("b")
	defer func() { stopB(); <-doneB }()
	time.Sleep(2 * time.Second) // two leases: b must stay out
	if got := testutil.ToFloat64(mbm.Connected.WithLabelValues(shopper)); got != 0 {
		t.Fatalf("b connected while a holds the lease")
	}
	stopA()
	<-doneA
	appendReply(t, addr, rawReply("h1", f.tokens[0], "Re: order", ""), f.t0.Add(time.Minute))
	waitFor(t, 5*time.Second, "b to take over and decide the probe", func() bool {
		return len(f.results(t)["run/acme/email/0001"]) == 1
	})
	if got := testutil.ToFloat64(mbm.Connected.WithLabelValues(shopper)); got != 1 {
		t.Errorf("b connected = %v, want 1", got)
	}
}
