package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	testUser     = "shopper@probe.test"
	testPassword = "s3cret"
)

// testConfig returns a config with one probe mailbox and the given companies.
func testConfig(t *testing.T, companies ...Company) Config {
	t.Helper()
	return Config{
		Mailboxes: []Mailbox{{Address: testUser, Password: testPassword}},
		TruthLog:  filepath.Join(t.TempDir(), "truth.jsonl"),
		Seed:      42,
		Companies: companies,
	}
}

// startSim starts a simulator on free loopback ports, closed at the end of the test.
func startSim(t *testing.T, cfg Config) *Sim {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// testWriter sends log output to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// probeMail is a probe-like message.
type probeMail struct {
	from, replyTo, to, subject, messageID string
}

// raw renders m as RFC 5322 text.
func (m probeMail) raw() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Jane Doe <%s>\r\n", m.from)
	if m.replyTo != "" {
		fmt.Fprintf(&b, "Reply-To: %s\r\n", m.replyTo)
	}
	fmt.Fprintf(&b, "To: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n", m.to, m.subject, m.messageID)
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		time.Now().Format(time.RFC1123Z))
	b.WriteString("Hello,\r\n\r\nDo you ship to Canada?\r\n\r\nThanks,\r\nJane\r\n")
	return b.Bytes()
}

// newProbe returns a probe mail to company address to with a token in its
// Message-ID, plus-addressed Reply-To and subject tag.
func newProbe(to, token string) probeMail {
	return probeMail{
		from:      testUser,
		replyTo:   "shopper+" + token + "@probe.test",
		to:        to,
		subject:   "Shipping question (ref " + token + ")",
		messageID: "<" + token + "@probe.test>",
	}
}

// send submits m over SMTP with AUTH PLAIN and returns the first error.
func send(s *Sim, user, password string, m probeMail) error {
	c, err := smtp.Dial(s.SMTPAddr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", user, password)); err != nil {
		return err
	}
	if err := c.SendMail(m.from, []string{m.to}, bytes.NewReader(m.raw())); err != nil {
		return err
	}
	return c.Quit()
}

// mustSend is send failing the test on error.
func mustSend(t *testing.T, s *Sim, m probeMail) {
	t.Helper()
	if err := send(s, testUser, testPassword, m); err != nil {
		t.Fatalf("send %s: %v", m.messageID, err)
	}
}

// fetched is one message read back over IMAP.
type fetched struct {
	internalDate time.Time
	header       mail.Header
	body         string
}

// waitInbox logs in over IMAP and reads the INBOX's size after each truth
// record until it holds n messages (or timeout), then fetches them all.
func waitInbox(t *testing.T, s *Sim, n int, timeout time.Duration) []fetched {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr().String(), nil)
	if err != nil {
		t.Fatalf("imap dial: %v", err)
	}
	defer c.Close()
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		t.Fatalf("imap login: %v", err)
	}
	expired := time.After(timeout)
	var got uint32
	for {
		// A reply is in the INBOX before its truth record is written.
		written := s.TruthWritten()
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatalf("imap status: %v", err)
		}
		if got = *st.NumMessages; int(got) >= n {
			break
		}
		select {
		case <-written:
		case <-expired:
			t.Fatalf("INBOX has %d messages after %v, want %d", got, timeout, n)
		}
	}
	if int(got) != n {
		t.Fatalf("INBOX has %d messages after %v, want %d", got, timeout, n)
	}
	return fetchAll(t, c, n)
}

// fetchAll selects the INBOX and fetches INTERNALDATE and the whole message of
// its first n messages.
func fetchAll(t *testing.T, c *imapclient.Client, n int) []fetched {
	t.Helper()
	if n == 0 {
		return nil
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("imap select: %v", err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(seqs(n)...), &imap.FetchOptions{
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatalf("imap fetch: %v", err)
	}
	out := make([]fetched, 0, len(msgs))
	for _, m := range msgs {
		mr, err := mail.CreateReader(bytes.NewReader(m.FindBodySection(section)))
		if err != nil {
			t.Fatalf("parse fetched message: %v", err)
		}
		f := fetched{internalDate: m.InternalDate, header: mr.Header}
		if p, err := mr.NextPart(); err == nil {
			b, _ := io.ReadAll(p.Body)
			f.body = string(b)
		}
		out = append(out, f)
	}
	return out
}

// seqs returns 1..n.
func seqs(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}

// readTruthFile reads the simulator's truth log.
func readTruthFile(t *testing.T, s *Sim) []TruthRecord {
	t.Helper()
	f, err := os.Open(s.Config().TruthLog)
	if err != nil {
		t.Fatalf("open truth log: %v", err)
	}
	defer f.Close()
	recs, err := ReadTruth(f)
	if err != nil {
		t.Fatalf("ReadTruth: %v", err)
	}
	return recs
}

// truthOf returns the records of one kind for one probe.
func truthOf(recs []TruthRecord, messageID string, kind Kind) []TruthRecord {
	var out []TruthRecord
	for _, r := range recs {
		if r.ProbeMessageID == messageID && r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// byKind indexes fetched replies by the kind encoded in their Message-ID.
func byKind(t *testing.T, msgs []fetched) map[Kind]fetched {
	t.Helper()
	out := map[Kind]fetched{}
	for _, m := range msgs {
		id, _ := m.header.MessageID()
		for _, k := range []Kind{KindAck, KindHuman, KindOOF} {
			if strings.Contains(id, "."+string(k)+"@") {
				out[k] = m
			}
		}
	}
	return out
}

// within fails unless got is within tol of want.
func within(t *testing.T, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	if d := got.Sub(want); d > tol || d < -tol {
		t.Errorf("%s = %v, want within %v of %v (off by %v)", what, got, tol, want, d)
	}
}

// company returns a company answering with a short log-normal delay.
func company(id string) Company {
	return Company{
		ID:        id,
		Name:      strings.ToUpper(id[:1]) + id[1:],
		Address:   "support@" + id + ".test",
		Reply:     Reply{Median: Duration(300 * time.Millisecond), P90: Duration(400 * time.Millisecond)},
		AgentName: "Maria",
	}
}

// checkGoroutinesEnd fails the test when, after Close, more goroutines run than
// before the simulator started. A goroutine that signals its end (a WaitGroup,
// a closed channel) still has to return: nothing in the runtime says when it
// has, so this is the one check that waits by polling, up to 2 s.
func checkGoroutinesEnd(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", after, before, buf[:runtime.Stack(buf, true)])
	}
}
