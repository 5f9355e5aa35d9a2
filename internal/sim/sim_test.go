package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/stakeoutcx/stakeout/probes/email"
)

func TestAckAndHumanReply(t *testing.T) {
	co := company("acme")
	co.Ack = Ack{Enabled: true, Delay: Duration(100 * time.Millisecond), TicketPrefix: "ACME-"}
	co.ReplyFrom = "maria@agents.acme.test"
	s := startSim(t, testConfig(t, co))
	token := email.Token("probe-1")
	m := newProbe(co.Address, token)
	mustSend(t, s, m)

	replies := byKind(t, waitInbox(t, s, 2, 5*time.Second))
	recs := readTruthFile(t, s)
	if n := len(truthOf(recs, m.messageID, KindReceived)); n != 1 {
		t.Fatalf("truth has %d received lines for %s, want 1: %+v", n, m.messageID, recs)
	}
	for _, kind := range []Kind{KindAck, KindHuman} {
		got, ok := replies[kind]
		if !ok {
			t.Fatalf("no %s reply in INBOX", kind)
		}
		truth := truthOf(recs, m.messageID, kind)
		if len(truth) != 1 {
			t.Fatalf("truth has %d %s lines, want 1", len(truth), kind)
		}
		tr := truth[0]
		if tr.Token != token || tr.Mailbox != testUser || tr.Company != "acme" {
			t.Errorf("%s truth = %+v, want token %s, mailbox %s, company acme", kind, tr, token, testUser)
		}
		within(t, string(kind)+" INTERNALDATE", got.internalDate, tr.IntendedAt, time.Second)
		if id, _ := got.header.MessageID(); "<"+id+">" != tr.ReplyMessageID {
			t.Errorf("%s Message-ID = <%s>, truth says %s", kind, id, tr.ReplyMessageID)
		}
		checkThreaded(t, got.header, m)
	}
	ack, human := replies[KindAck], replies[KindHuman]
	checkHeader(t, ack.header, "Auto-Submitted", "auto-replied")
	checkHeader(t, ack.header, "X-Autoreply", "yes")
	checkHeader(t, human.header, "Auto-Submitted", "")
	checkHeader(t, human.header, "X-Autoreply", "")
	ticket := truthOf(recs, m.messageID, KindAck)[0].Ticket
	if !strings.HasPrefix(ticket, "ACME-") || !strings.Contains(ack.body, ticket) {
		t.Errorf("ack ticket %q (want prefix ACME-) not in body:\n%s", ticket, ack.body)
	}
	for _, want := range []string{"Hi Jane,", "Maria", "Customer Support", "wrote:", "> Do you ship to Canada?"} {
		if !strings.Contains(human.body, want) {
			t.Errorf("human body lacks %q:\n%s", want, human.body)
		}
	}
	from, _ := human.header.AddressList("From")
	if len(from) != 1 || from[0].Address != "maria@agents.acme.test" || from[0].Name != "Acme" {
		t.Errorf("From = %v, want Acme <maria@agents.acme.test>", from)
	}
}

// checkThreaded checks the reply headers that tie a reply to probe m.
func checkThreaded(t *testing.T, h mail.Header, m probeMail) {
	t.Helper()
	want := strings.Trim(m.messageID, "<>")
	for _, key := range []string{"In-Reply-To", "References"} {
		if ids, _ := h.MsgIDList(key); len(ids) != 1 || ids[0] != want {
			t.Errorf("%s = %v, want [%s]", key, ids, want)
		}
	}
	to, _ := h.AddressList("To")
	if len(to) != 1 || to[0].Address != m.replyTo {
		t.Errorf("To = %v, want the Reply-To %s", to, m.replyTo)
	}
	if d, err := h.Date(); err != nil || d.IsZero() {
		t.Errorf("Date = %v, %v; want a date", d, err)
	}
}

// checkHeader checks one header field's value ("" for absent).
func checkHeader(t *testing.T, h mail.Header, key, want string) {
	t.Helper()
	if got := h.Get(key); got != want {
		t.Errorf("%s = %q, want %q", key, got, want)
	}
}

// styleCase is one acknowledgement style and what its ack must look like.
type styleCase struct {
	style       AckStyle
	oof         bool
	subject     string // with SUBJ for the probe's subject
	headers     map[string]string
	bodyHas     string
	wantTicket  bool
	wantNoReply string
}

func TestAckStyles(t *testing.T) {
	tests := []styleCase{
		{style: AckZendesk, subject: "[Desk] Re: SUBJ", headers: map[string]string{"X-Mailer": "Zendesk", "Auto-Submitted": ""},
			bodyHas: "Your request (#", wantTicket: true},
		{style: AckFreshdesk, subject: "Ticket Received - SUBJ", headers: map[string]string{"Auto-Submitted": ""},
			bodyHas: "Ticket #", wantTicket: true},
		{style: AckNone, subject: "Re: SUBJ", headers: map[string]string{"Auto-Submitted": "", "X-Autoreply": ""},
			bodyHas: "We have received your request", wantTicket: true},
		{style: AckRFC3834, oof: true, subject: "Automatic reply: SUBJ",
			headers: map[string]string{"Auto-Submitted": "auto-replied"}, bodyHas: "out of the office",
			wantNoReply: ReasonOutOfOffice},
	}
	for _, tt := range tests {
		name := string(tt.style)
		if tt.oof {
			name = "oof"
		}
		t.Run(name, func(t *testing.T) { checkStyle(t, name, tt) })
	}
}

// checkStyle sends one probe to a company with tt's style and checks its ack (or OOF).
func checkStyle(t *testing.T, name string, tt styleCase) {
	co := company("desk")
	co.Ack = Ack{Enabled: !tt.oof, Delay: Duration(50 * time.Millisecond), Style: tt.style}
	co.OutOfOffice = tt.oof
	s := startSim(t, testConfig(t, co))
	m := newProbe(co.Address, email.Token("style-"+name))
	mustSend(t, s, m)
	// The ack (or OOF) comes at 50 ms, the human reply (if any) at ~300 ms.
	want, kind := 2, KindAck
	if tt.oof {
		want, kind = 1, KindOOF
	}
	got, ok := byKind(t, waitInbox(t, s, want, 5*time.Second))[kind]
	if !ok {
		t.Fatalf("no %s in INBOX", kind)
	}
	wantSubject := strings.ReplaceAll(tt.subject, "SUBJ", m.subject)
	if subj, _ := got.header.Subject(); subj != wantSubject {
		t.Errorf("Subject = %q, want %q", subj, wantSubject)
	}
	for k, v := range tt.headers {
		checkHeader(t, got.header, k, v)
	}
	if !strings.Contains(got.body, tt.bodyHas) {
		t.Errorf("body lacks %q:\n%s", tt.bodyHas, got.body)
	}
	checkThreaded(t, got.header, m)
	recs := readTruthFile(t, s)
	tr := truthOf(recs, m.messageID, kind)
	if len(tr) != 1 {
		t.Fatalf("truth has %d %s lines, want 1", len(tr), kind)
	}
	if tt.wantTicket && !strings.Contains(got.body, tr[0].Ticket) {
		t.Errorf("ticket %q not in body:\n%s", tr[0].Ticket, got.body)
	}
	nr := truthOf(recs, m.messageID, KindNoReply)
	if tt.wantNoReply != "" && (len(nr) != 1 || nr[0].Reason != tt.wantNoReply) {
		t.Errorf("no_reply truth = %+v, want one with reason %s", nr, tt.wantNoReply)
	}
}

func TestNoReply(t *testing.T) {
	co := company("silent")
	co.NoReplyRate = 1
	s := startSim(t, testConfig(t, co))
	m := newProbe(co.Address, email.Token("silent-1"))
	mustSend(t, s, m)
	if n := s.Pending(); n != 0 {
		t.Errorf("Pending() = %d after a no-reply probe, want 0", n)
	}
	waitInbox(t, s, 0, 0) // nothing is pending: nothing will ever be delivered
	recs := readTruthFile(t, s)
	nr := truthOf(recs, m.messageID, KindNoReply)
	if len(nr) != 1 || nr[0].Reason != ReasonDrawn || nr[0].Token != email.Token("silent-1") {
		t.Errorf("no_reply truth = %+v, want one with reason drawn and the token", nr)
	}
	if len(recs) != 2 {
		t.Errorf("truth log has %d lines, want received + no_reply: %+v", len(recs), recs)
	}
}

func TestSubjectOnlyThreading(t *testing.T) {
	co := company("legacy")
	co.Threading = ThreadingSubjectOnly
	s := startSim(t, testConfig(t, co))
	token := email.Token("legacy-1")
	m := newProbe(co.Address, token)
	mustSend(t, s, m)
	got := waitInbox(t, s, 1, 5*time.Second)[0]
	for _, key := range []string{"In-Reply-To", "References"} {
		checkHeader(t, got.header, key, "")
	}
	to, _ := got.header.AddressList("To")
	if len(to) != 1 || to[0].Address != testUser {
		t.Errorf("To = %v, want the From address %s", to, testUser)
	}
	subj, _ := got.header.Subject()
	if subj != "Re: "+m.subject || len(email.FindTokens(subj)) != 1 || email.FindTokens(subj)[0] != token {
		t.Errorf("Subject = %q, want %q carrying %s", subj, "Re: "+m.subject, token)
	}
}

func TestSMTPRejects(t *testing.T) {
	co := company("acme")
	s := startSim(t, testConfig(t, co))
	good := newProbe(co.Address, email.Token("r-1"))
	unknown := good
	unknown.to = "sales@acme.test"
	tests := []struct {
		name     string
		password string
		m        probeMail
		code     int
	}{
		{"unknown recipient", testPassword, unknown, 550},
		{"bad password", "wrong", good, 535},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(s, testUser, tt.password, tt.m)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Errorf("send = %v, want SMTP %d", err, tt.code)
			}
		})
	}
	t.Run("no auth", func(t *testing.T) {
		c, err := smtp.Dial(s.SMTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var se *smtp.SMTPError
		if err := c.Mail(testUser, nil); !errors.As(err, &se) || se.Code != 530 {
			t.Errorf("MAIL without AUTH = %v, want SMTP 530", err)
		}
	})
	t.Run("auth login", func(t *testing.T) {
		c, err := smtp.Dial(s.SMTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewLoginClient(testUser, testPassword)); err != nil {
			t.Errorf("AUTH LOGIN = %v, want success", err)
		}
		if err := c.Auth(sasl.NewLoginClient(testUser, "nope")); err == nil {
			t.Errorf("second AUTH on an authenticated session succeeded")
		}
	})
}

func TestTimeScale(t *testing.T) {
	co := company("slow")
	co.Reply = Reply{Median: Duration(10 * time.Second), P90: Duration(12 * time.Second)}
	cfg := testConfig(t, co)
	cfg.TimeScale = 0.03 // 10 s → 300 ms
	s := startSim(t, cfg)
	m := newProbe(co.Address, email.Token("slow-1"))
	mustSend(t, s, m)
	got := waitInbox(t, s, 1, 3*time.Second)[0]
	tr := truthOf(readTruthFile(t, s), m.messageID, KindHuman)
	if len(tr) != 1 {
		t.Fatalf("truth has %d human lines, want 1", len(tr))
	}
	delay := tr[0].IntendedAt.Sub(tr[0].SentAtProbe)
	want := decide(cfg.Seed, &s.Config().Companies[0], strings.Trim(m.messageID, "<>"), 0.03).humanAfter
	// Replies are due on whole seconds (INTERNALDATE's resolution): up to 1 s later.
	if delay < want || delay >= want+time.Second || want > time.Second || want < 100*time.Millisecond {
		t.Errorf("intended delay = %v, want %v to %v (10 s scaled by 0.03: about 300 ms, then the next whole second)", delay, want, want+time.Second)
	}
	if !got.internalDate.Equal(tr[0].IntendedAt) {
		t.Errorf("INTERNALDATE = %v, want exactly the truth's intended_at %v", got.internalDate, tr[0].IntendedAt)
	}
	within(t, "delivered_at", tr[0].DeliveredAt, tr[0].IntendedAt, 500*time.Millisecond)
}

func TestDeterministic(t *testing.T) {
	co := company("acme")
	co.Reply = Reply{Median: Duration(200 * time.Millisecond), P90: Duration(600 * time.Millisecond)}
	co.Ack = Ack{Enabled: true, TicketPrefix: "T"}
	m := newProbe(co.Address, email.Token("det-1"))
	run := func(seed int64) (time.Duration, string) {
		cfg := testConfig(t, co)
		cfg.Seed = seed
		s := startSim(t, cfg)
		mustSend(t, s, m)
		waitInbox(t, s, 2, 5*time.Second)
		recs := readTruthFile(t, s)
		h, a := truthOf(recs, m.messageID, KindHuman), truthOf(recs, m.messageID, KindAck)
		if len(h) != 1 || len(a) != 1 {
			t.Fatalf("truth has %d human and %d ack lines, want 1 each", len(h), len(a))
		}
		return h[0].IntendedAt.Sub(h[0].SentAtProbe), a[0].Ticket
	}
	d1, t1 := run(7)
	d2, t2 := run(7)
	// Delivery waits for the next whole second after the drawn delay, so whole runs
	// agree within a second; the draws themselves are equal.
	if diff := d1 - d2; diff >= time.Second || diff <= -time.Second || t1 != t2 {
		t.Errorf("same seed and Message-ID: delays %v and %v, tickets %s and %s; want within 1 s and equal", d1, d2, t1, t2)
	}
	key := strings.Trim(m.messageID, "<>")
	if a, b := decide(7, &co, key, 1), decide(7, &co, key, 1); a != b {
		t.Errorf("decide(7) = %+v then %+v, want equal", a, b)
	}
	if a, b := decide(7, &co, key, 1), decide(8, &co, key, 1); a.humanAfter == b.humanAfter {
		t.Errorf("seeds 7 and 8 drew the same delay %v; want different", a.humanAfter)
	}
}
