package sim

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-message/mail"
)

// hosted is a probe mailbox with its account on the IMAP server.
type hosted struct {
	address  string
	username string
	password string
	user     *imapmemserver.User
}

// job is one scheduled reply, or one chat action (chat set) run by the chat
// scheduler.
type job struct {
	at   time.Time // intended arrival: the reply's Date and INTERNALDATE
	seq  uint64    // insertion order, set by the scheduler
	chat func(at time.Time)
	kind Kind
	co   *Company
	p    *probe
	box  *hosted
	to   *mail.Address
	plan plan
}

// mailboxFor returns the hosted mailbox an address belongs to, ignoring a
// +detail and case, or nil.
func (s *Sim) mailboxFor(addr string) *hosted {
	local, domain, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok {
		return nil
	}
	local, _, _ = strings.Cut(local, "+")
	return s.boxes[local+"@"+domain]
}

// receive handles one probe mail accepted at acceptedAt for the given companies:
// it records the receipt and schedules each company's replies.
func (s *Sim) receive(raw []byte, acceptedAt time.Time, companies []*Company) error {
	p, err := parseProbe(raw, acceptedAt)
	if err != nil {
		return err
	}
	for _, co := range companies {
		s.plan(co, p)
	}
	return nil
}

// plan draws and schedules one company's replies to p, writing the truth lines
// known at receipt: received, and no_reply when no human will answer.
func (s *Sim) plan(co *Company, p *probe) {
	to := p.replyTo
	if to == nil || co.Threading == ThreadingSubjectOnly {
		to = p.from
	}
	box := s.mailboxFor(to.Address)
	base := TruthRecord{
		Company:        co.ID,
		ProbeMessageID: angle(p.messageID),
		Token:          p.token,
		SentAtProbe:    p.acceptedAt,
	}
	if box != nil {
		base.Mailbox = box.address
	}
	s.truth(withKind(base, KindReceived, ""))
	pl := decide(s.cfg.Seed, co.after(s.countProbe(co.ID, "email")), p.seedKey, s.cfg.TimeScale)
	s.log.Info("probe received", "company", co.ID, "message_id", p.messageID, "token", p.token,
		"ack", pl.ack, "human", pl.human, "human_after", pl.humanAfter, "oof", pl.oof)
	switch {
	case box == nil:
		s.log.Warn("reply address is no hosted mailbox", "company", co.ID, "to", to.Address)
		s.truth(withKind(base, KindNoReply, ReasonUndeliverable))
		return
	case co.OutOfOffice:
		s.truth(withKind(base, KindNoReply, ReasonOutOfOffice))
	case pl.noReply:
		s.truth(withKind(base, KindNoReply, ReasonDrawn))
	}
	add := func(kind Kind, after time.Duration) {
		// IMAP's INTERNALDATE has whole seconds: a reply is due at the first whole
		// second after its drawn delay, so that the time the mail server stamps on it
		// is exactly the truth.
		at := p.acceptedAt.Add(after)
		if whole := at.Truncate(time.Second); !whole.Equal(at) {
			at = whole.Add(time.Second)
		}
		j := &job{at: at, kind: kind, co: co, p: p, box: box, to: to, plan: pl}
		if !s.sched.add(j) {
			s.log.Warn("reply dropped: simulator stopping", "company", co.ID, "kind", kind)
		}
	}
	if pl.oof {
		add(KindOOF, pl.oofAfter)
	}
	if pl.ack {
		add(KindAck, pl.ackAfter)
	}
	if pl.human {
		add(KindHuman, pl.humanAfter)
	}
}

// countProbe counts a probe the company received on channel and returns how many it had
// received before.
func (s *Sim) countProbe(company, channel string) int {
	s.servedMu.Lock()
	defer s.servedMu.Unlock()
	key := company + "\x00" + channel
	n := s.served[key]
	s.served[key] = n + 1
	return n
}

// deliver composes j's reply and appends it to the INBOX of its mailbox with
// INTERNALDATE = j.at, then writes its truth line. It runs on the scheduler goroutine.
func (s *Sim) deliver(j *job) {
	r, err := compose(j)
	if err == nil {
		_, err = j.box.user.Append("INBOX", bytes.NewReader(r.raw), &imap.AppendOptions{Time: j.at})
	}
	if err != nil {
		s.log.Error("reply not delivered", "company", j.co.ID, "kind", j.kind, "mailbox", j.box.address, "err", err)
		return
	}
	rec := TruthRecord{
		Kind:           j.kind,
		Company:        j.co.ID,
		ProbeMessageID: angle(j.p.messageID),
		Token:          j.p.token,
		Mailbox:        j.box.address,
		SentAtProbe:    j.p.acceptedAt,
		IntendedAt:     j.at,
		DeliveredAt:    time.Now(),
		ReplyMessageID: r.messageID,
	}
	if j.kind == KindAck {
		rec.Ticket = j.plan.ticket
	}
	s.truth(rec)
	s.log.Debug("reply delivered", "company", j.co.ID, "kind", j.kind, "mailbox", j.box.address,
		"late", rec.DeliveredAt.Sub(j.at))
}

// truth writes rec to the truth log, logging a failure, and wakes the waiters
// of TruthWritten.
func (s *Sim) truth(rec TruthRecord) {
	if err := s.truthLog.write(rec); err != nil {
		s.log.Error("truth log", "err", err)
	}
	s.truthMu.Lock()
	close(s.truthCh)
	s.truthCh = make(chan struct{})
	s.truthMu.Unlock()
}

// TruthWritten returns a channel closed when the next truth record has been
// written (with or without a truth log file): a test or a tool that waits for
// an event of the simulator takes the channel, reads the truth log, and waits
// on the channel while what it waits for is not there yet.
func (s *Sim) TruthWritten() <-chan struct{} {
	s.truthMu.Lock()
	defer s.truthMu.Unlock()
	return s.truthCh
}

// withKind returns base with kind and reason set.
func withKind(base TruthRecord, kind Kind, reason string) TruthRecord {
	base.Kind, base.Reason = kind, reason
	return base
}

// angle returns id in angle brackets, or "" for "".
func angle(id string) string {
	if id == "" {
		return ""
	}
	return "<" + id + ">"
}

// newHosted creates the IMAP account of a probe mailbox with an INBOX.
func newHosted(m Mailbox, password string) (*hosted, error) {
	u := imapmemserver.NewUser(m.Username, password)
	if err := u.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("create INBOX of %s: %w", m.Address, err)
	}
	return &hosted{address: m.Address, username: m.Username, password: password, user: u}, nil
}
