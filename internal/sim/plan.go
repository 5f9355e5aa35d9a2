package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/stakeoutcx/stakeout/probes/email"
)

// maxQuote bounds the part of a probe's text quoted in a human reply.
const maxQuote = 4 << 10

// probe is a received probe message: what replies need from it.
type probe struct {
	messageID  string // without angle brackets; empty if the mail had none
	subject    string
	from       *mail.Address
	replyTo    *mail.Address // nil when absent
	date       time.Time
	text       string // start of its first text/plain part, for quoting
	token      string
	acceptedAt time.Time // when DATA was accepted: the probe's t0
	seedKey    string    // Message-ID, or a hash of the message when it has none
}

// parseProbe reads the headers and the first text part of a raw message.
func parseProbe(raw []byte, acceptedAt time.Time) (*probe, error) {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		return nil, fmt.Errorf("parse probe message: %w", err)
	}
	defer mr.Close()
	p := &probe{acceptedAt: acceptedAt}
	h := mr.Header
	p.messageID, _ = h.MessageID()
	p.subject, _ = h.Subject()
	p.date, _ = h.Date()
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		p.from = from[0]
	}
	if rt, err := h.AddressList("Reply-To"); err == nil && len(rt) > 0 {
		p.replyTo = rt[0]
	}
	if p.from == nil {
		return nil, fmt.Errorf("parse probe message: no From address")
	}
	p.text = firstText(mr)
	var tokens []string
	if p.messageID != "" {
		tokens = email.FindTokens(p.messageID)
	}
	if len(tokens) == 0 && p.replyTo != nil {
		tokens = email.FindTokens(p.replyTo.Address)
	}
	if len(tokens) == 0 {
		tokens = email.FindTokens(p.subject)
	}
	if len(tokens) > 0 {
		p.token = tokens[0]
	}
	p.seedKey = p.messageID
	if p.seedKey == "" {
		sum := sha256.Sum256(raw)
		p.seedKey = fmt.Sprintf("sha256:%x", sum[:8])
	}
	return p, nil
}

// firstText returns the start of the first text/plain part, or "".
func firstText(mr *mail.Reader) string {
	for {
		part, err := mr.NextPart()
		if err != nil {
			return ""
		}
		h, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		if ct, _, err := h.ContentType(); err == nil && ct != "" && ct != "text/plain" {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(part.Body, maxQuote))
		return strings.ToValidUTF8(string(b), "?")
	}
}

// plan is what one company does with one probe: which replies, after which delays.
// It depends only on the seed, the company id and the probe's Message-ID.
type plan struct {
	ack, human, oof bool
	ackAfter        time.Duration
	humanAfter      time.Duration
	oofAfter        time.Duration
	noReply         bool // a human reply could come but was drawn not to
	ticket          string
	variant         uint64 // picks reply wording
}

// decide draws a company's plan for the probe whose Message-ID (or seed key) is
// key. Delays are scaled by scale.
func decide(seed int64, co *Company, key string, scale float64) plan {
	h := sha256.Sum256([]byte(co.ID + "\x00" + key))
	rng := rand.New(rand.NewPCG(uint64(seed), binary.BigEndian.Uint64(h[:8])))
	// Draw everything in a fixed order so that one field never shifts another.
	u, z := rng.Float64(), rng.NormFloat64()
	p := plan{
		ticket:  fmt.Sprintf("%s%d", co.Ack.TicketPrefix, 10000+rng.IntN(90000)),
		variant: rng.Uint64(),
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	if co.OutOfOffice {
		p.oof, p.oofAfter = true, scaled(co.Ack.Delay.D())
		return p
	}
	if co.Ack.Enabled {
		p.ack, p.ackAfter = true, scaled(co.Ack.Delay.D())
	}
	if u < co.NoReplyRate {
		p.noReply = true
		return p
	}
	p.human = true
	p.humanAfter = scaled(logNormal(co.Reply, z))
	return p
}

// logNormal returns the delay at standard normal deviate z of the log-normal
// distribution with r's median and p90: exp(mu + sigma*z), mu = ln(median).
func logNormal(r Reply, z float64) time.Duration {
	d := float64(r.Median) * math.Exp(r.sigma()*z)
	if d > math.MaxInt64/2 {
		d = math.MaxInt64 / 2
	}
	return time.Duration(d)
}
