package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"
)

// chatPlan is what the agents do in one conversation, drawn at the visitor's
// first message from the seed, the company id and the conversation id.
type chatPlan struct {
	noReply bool          // agents could answer but were drawn not to
	first   time.Duration // delay of the first agent message (scaled)
}

// chatRNG returns the generator of draw n (0: the first message, n: the
// visitor's n+1th message) of one conversation.
func chatRNG(seed int64, coID, conv string, n int) *rand.Rand {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00chat\x00%s\x00%d", coID, conv, n))
	return rand.New(rand.NewPCG(uint64(seed), binary.BigEndian.Uint64(h[:8])))
}

// decideChat draws a conversation's plan; delays are scaled by scale.
func decideChat(seed int64, co *Company, conv string, scale float64) chatPlan {
	rng := chatRNG(seed, co.ID, conv, 0)
	u, z := rng.Float64(), rng.NormFloat64() // fixed order: one never shifts the other
	if u < co.Chat.NoReplyRate {
		return chatPlan{noReply: true}
	}
	return chatPlan{first: scaleDur(logNormal(co.Chat.Reply, z), scale)}
}

// followUpDelay draws the delay of the agent's answer to the visitor's
// message number n (n ≥ 2), scaled.
func followUpDelay(seed int64, co *Company, conv string, n int, scale float64) time.Duration {
	z := chatRNG(seed, co.ID, conv, n-1).NormFloat64()
	return scaleDur(logNormal(co.Chat.FollowUp, z), scale)
}

// scaleDur multiplies d by scale.
func scaleDur(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) * scale)
}

// ackText is the automated message after the visitor's first message.
func ackText(visitor string) string {
	if visitor == "" {
		return "Thanks! An agent will be with you shortly."
	}
	return fmt.Sprintf("Thanks, %s! An agent will be with you shortly.", visitor)
}

// joinedText is the system notice before the agent's first message.
func joinedText(agent string) string { return agent + " joined the chat" }

// offlineText is the inline widget's offline notice, around the reason (the
// iframe widget has its own element, see the frame page).
const offlineText = "We're currently offline. %s Leave a message and we'll reply by email."

// offlineReason says why d's chat is offline at now, as a visitor can read it:
// its hours in its time zone and the time there now, or that it never opens.
func (d *chatDesk) offlineReason(now time.Time) string {
	ch := d.co.Chat
	if ch.Offline || len(ch.Hours) == 0 {
		return "This chat is closed at all hours."
	}
	hours := make([]string, len(ch.Hours))
	for i, h := range ch.Hours {
		hours[i] = h.Days + " " + h.Open + "-" + h.Close
	}
	return fmt.Sprintf("Our hours are %s (%s); it is %s there now.",
		strings.Join(hours, ", "), d.loc, now.In(d.loc).Format("Mon 15:04"))
}

// agentText is the agent's message number n (1-based) in conversation conv:
// unique, since it carries the conversation id and n.
func agentText(co *Company, conv, visitor string, n int) string {
	if n == 1 {
		hi := "Hi"
		if visitor != "" {
			hi += " " + visitor
		}
		text := fmt.Sprintf("%s, this is %s from %s (conversation %s). Happy to help with that!",
			hi, co.Chat.AgentName, co.Name, conv)
		if len(co.AnswerTexts) > 0 {
			h := fnv.New64a()
			h.Write([]byte(conv))
			text += " " + co.answerText(h.Sum64())
		}
		return text
	}
	return fmt.Sprintf("Thanks, that helps (conversation %s, reply %d). Let me check that for you.", conv, n)
}
