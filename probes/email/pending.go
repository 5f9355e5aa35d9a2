package email

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// maxReplies bounds the replies kept as evidence per probe.
const maxReplies = 20

// maxBounceText bounds the text of a bounce kept as evidence.
const maxBounceText = 1024

// maxBodies is how many human replies keep their body (MaxText bytes each) as
// evidence: the earliest ones.
const maxBodies = 4

// Resolution is the resolution of a reply's time: IMAP INTERNALDATE (and the Date and
// Received headers it falls back to) has whole seconds. A reply stamped up to one
// Resolution before t0 may still have come after it, and is timed 0 s; one stamped
// earlier than that cannot answer our message: a clock problem, kept as evidence and
// never used as a response.
const Resolution = time.Second

// The sources of a probe's t0.
const (
	// T0Accepted: the SMTP server's 250 to the end of DATA (the normal case).
	T0Accepted = "accepted"
	// T0DataStarted: the attempt that sent the message stopped before it had the
	// server's answer (a killed process, a dropped connection); t0 is when that
	// attempt began DATA, so latencies may be overstated by the server's delay in
	// accepting the message.
	T0DataStarted = "data_started"
)

// Pending is an email probe's record in Redis, under its token, from just before its
// message goes out (DATA) until long after it is decided.
type Pending struct {
	Token     string    `json:"token"`
	ProbeID   string    `json:"probe_id"`
	Run       string    `json:"run"`
	Campaign  string    `json:"campaign"`
	Target    string    `json:"target"`
	Industry  string    `json:"industry"`
	Scenario  string    `json:"scenario"`
	Mailbox   string    `json:"mailbox"`
	MessageID string    `json:"message_id"`
	PlannedAt time.Time `json:"planned_at"`
	StartedAt time.Time `json:"started_at"`
	// SendingAt is when an attempt began DATA; zero when no attempt is sending. A
	// retried attempt that finds it set and T0 zero never sends again.
	SendingAt time.Time `json:"sending_at,omitzero"`
	// T0 is when our SMTP server accepted the message; zero until then.
	T0 time.Time `json:"t0"`
	// T0Source says how T0 was found: T0Accepted or T0DataStarted.
	T0Source string `json:"t0_source,omitempty"`
	// Wait is how long after T0 the deadline comes (the campaign's email deadline).
	Wait time.Duration `json:"wait,omitempty"`
	// Deadline is T0 plus Wait.
	Deadline time.Time `json:"deadline"`
	// First and Human are the first reply of any kind and the first human reply after
	// T0 and before the deadline, derived from Replies.
	First *Seen `json:"first,omitempty"`
	Human *Seen `json:"human,omitempty"`
	// Bounce is the first delivery failure notice for our message.
	Bounce *Seen `json:"bounce,omitempty"`
	// Replies are the replies seen, ordered by time (bounded), late ones included.
	Replies []Seen `json:"replies,omitempty"`
	// Closed is set when the deadline has passed.
	Closed bool `json:"closed,omitempty"`
	// Outcome is set once the probe is decided.
	Outcome result.Outcome `json:"outcome,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	// Rev is the revision of the last result published; Published the digest of what it
	// said, so that a change (an earlier reply read later, late evidence) publishes again.
	Rev       int64  `json:"rev,omitempty"`
	Published string `json:"published,omitempty"`
}

// Seen is one reply as evidence.
type Seen struct {
	// ID identifies the reply: its Message-ID, or a digest of its headers.
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Kind   Kind      `json:"kind"`
	Ticket string    `json:"ticket,omitempty"`
	// DSN is a delivery status notification's action (failed, delayed, delivered, ...).
	DSN string `json:"dsn,omitempty"`
	// Text is the start of a bounce's text (at most 1 KiB), or a human reply's
	// decoded body (at most MaxText bytes; the earliest maxBodies human replies only),
	// kept as evidence: the body is what answer quality is graded on.
	Text string `json:"text,omitempty"`
	Late bool   `json:"late,omitempty"`
	// ClockSkew marks a reply stamped before our message went out (beyond Resolution).
	ClockSkew bool `json:"clock_skew,omitempty"`
}

// failure reports whether s says our message could not be delivered.
func (s *Seen) failure() bool {
	if s.Kind != KindBounce {
		return false
	}
	switch s.DSN {
	case "delayed", "delivered", "relayed", "expanded":
		return false
	}
	return true
}

// Done reports whether the probe's outcome is decided.
func (p *Pending) Done() bool { return p.Outcome != "" }

// Sending reports whether an attempt began sending the message and no answer of the
// server was recorded.
func (p *Pending) Sending() bool { return p.T0.IsZero() && !p.SendingAt.IsZero() }

// add keeps reply s, ordered by time. It reports false for a reply already kept.
func (p *Pending) add(s Seen) bool {
	for _, r := range p.Replies {
		if r.ID == s.ID {
			return false
		}
	}
	switch s.Kind {
	case KindBounce:
		s.Text = clipRunes(s.Text, maxBounceText)
	case KindHuman:
		s.Text = clip(s.Text, MaxText)
	default:
		s.Text = ""
	}
	// Equal times go after those already kept.
	i := sort.Search(len(p.Replies), func(i int) bool { return p.Replies[i].At.After(s.At) })
	p.Replies = slices.Insert(p.Replies, i, s)
	p.boundBodies()
	p.derive()
	if len(p.Replies) > maxReplies {
		p.trim()
		p.derive()
	}
	return true
}

// boundBodies keeps the body of the earliest maxBodies human replies only.
func (p *Pending) boundBodies() {
	n := 0
	for i := range p.Replies {
		if r := &p.Replies[i]; r.Kind == KindHuman && r.Text != "" {
			if n++; n > maxBodies {
				r.Text = ""
			}
		}
	}
}

// trim drops the latest reply that decides nothing (keeping First, Human and Bounce).
func (p *Pending) trim() {
	for i := len(p.Replies) - 1; i >= 0; i-- {
		id := p.Replies[i].ID
		if (p.First == nil || p.First.ID != id) && (p.Human == nil || p.Human.ID != id) && (p.Bounce == nil || p.Bounce.ID != id) {
			p.Replies = slices.Delete(p.Replies, i, i+1)
			return
		}
	}
	p.Replies = p.Replies[:maxReplies]
}

// derive computes First, Human, Bounce, the late and clock-skew marks and the outcome
// from the replies, T0 and the deadline. The result does not depend on the order in
// which the replies were seen.
func (p *Pending) derive() {
	p.First, p.Human, p.Bounce = nil, nil, nil
	for i := range p.Replies {
		r := &p.Replies[i]
		r.Late, r.ClockSkew = false, false
		if p.T0.IsZero() {
			continue // not timed until the server's answer (or the retry's) is recorded
		}
		r.ClockSkew = !r.At.Add(Resolution).After(p.T0)
		r.Late = r.At.After(p.Deadline)
		switch {
		case r.ClockSkew || r.Late:
		case r.Kind == KindBounce:
			if r.failure() && p.Bounce == nil {
				p.Bounce = ptr(*r)
			}
		default:
			if p.First == nil {
				p.First = bodiless(*r)
			}
			if r.Kind == KindHuman && p.Human == nil {
				p.Human = bodiless(*r)
			}
		}
	}
	p.decide()
}

func ptr[T any](v T) *T { return &v }

// bodiless copies a reply without its body: the body stays in Replies only.
func bodiless(s Seen) *Seen {
	if s.Kind == KindHuman {
		s.Text = ""
	}
	return &s
}

// decide sets the outcome from what is known. A failed probe stays failed; an answer
// decides at once; a bounce with no answer of any kind ends the probe failed/bounced;
// the rest waits for the deadline.
func (p *Pending) decide() {
	switch {
	case p.Outcome == result.Failed:
	case p.T0.IsZero():
	case p.Human != nil:
		p.Outcome, p.Reason = result.Answered, ""
	case p.Bounce != nil && p.First == nil:
		p.Outcome, p.Reason = result.Failed, result.ReasonBounced
	case !p.Closed:
	case p.First != nil:
		p.Outcome, p.Reason = result.AutoOnly, ""
	case p.T0Source == T0DataStarted:
		// Nothing came back for a message whose sending was interrupted: it may never
		// have reached the company, so nothing counts against it.
		p.Outcome, p.Reason = result.Failed, result.ReasonSendUnconfirmed
	default:
		p.Outcome, p.Reason = result.NoResponse, result.ReasonDeadline
	}
}

// latency is the time from t0 to s, clamped at 0 within the times' resolution.
func (p *Pending) latency(s *Seen) *float64 {
	return result.Seconds(max(0, s.At.Sub(p.T0)))
}

// Result is the probe's result as decided so far, at revision p.Rev.
func (p *Pending) Result() result.Result {
	r := result.Result{
		ProbeID: p.ProbeID, Run: p.Run, Campaign: p.Campaign, Target: p.Target, Industry: p.Industry,
		Channel: "email", Scenario: p.Scenario, PlannedAt: p.PlannedAt, StartedAt: p.StartedAt,
		FinishedAt: time.Now().UTC(), Outcome: p.Outcome, Reason: p.Reason,
		DurationS: time.Since(p.StartedAt).Seconds(), Revision: p.Rev,
	}
	if p.Outcome != result.Failed {
		if p.First != nil {
			r.FirstResponseS = p.latency(p.First)
		}
		if p.Human != nil {
			r.HumanResponseS = p.latency(p.Human)
		}
	}
	r.Evidence = p.evidence()
	return r
}

func (p *Pending) evidence() []byte {
	ev := map[string]any{"message_id": p.MessageID, "t0": p.T0, "replies": p.Replies}
	if p.T0Source == T0DataStarted {
		ev["t0_source"] = p.T0Source
	}
	if p.Bounce != nil {
		ev["bounce"] = p.Bounce
	}
	b, _ := json.Marshal(ev) // maps of strings, times and Seen values always marshal
	return b
}

// digest summarises what a published result says (not when it was made): the outcome,
// the replies that time it and the evidence's replies.
func (p *Pending) digest() string {
	h := sha256.New()
	seen := func(s *Seen) {
		if s == nil {
			h.Write([]byte{0})
			return
		}
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s\x00%t%t\x00", s.ID, s.At.UnixNano(), s.Kind, s.Ticket, s.DSN, s.Late, s.ClockSkew)
	}
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00%s\x00", p.Outcome, p.Reason, p.T0.UnixNano(), p.T0Source, p.MessageID)
	seen(p.First)
	seen(p.Human)
	seen(p.Bounce)
	for i := range p.Replies {
		seen(&p.Replies[i])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// clipRunes cuts s to at most n bytes without splitting a UTF-8 sequence.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
