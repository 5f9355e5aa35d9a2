package chat

import (
	"encoding/json"
	"strings"
	"time"
)

// Matching windows. A message's network event must come before the message
// showed in the page (plus slack for the two clocks' conversion), and after
// our message left.
const (
	domSlack  = 250 * time.Millisecond
	sendSlack = 20 * time.Millisecond
	minMatch  = 8 // characters a payload string needs to stand for a longer message text
	// maxPlain is the longest payload text whose markup is reduced: longer
	// ones stand for no message (a message's text is at most maxText), and
	// reducing them all would cost a chatty page's conversation seconds.
	maxPlain = 2 * maxText
)

// wire holds a conversation's network events, with each payload's strings
// decoded once.
type wire struct {
	out, in []wireEvent
	strs    map[*wireEvent][]string
	plain   map[string]string // plainText of message texts
}

// newWire returns the events of r.
func newWire(r *recorder) *wire {
	out, in := r.snapshot()
	return &wire{out: out, in: in, strs: map[*wireEvent][]string{}, plain: map[string]string{}}
}

// departure returns when the first outgoing event at or after since carried
// text: the request or frame that took our message out.
func (w *wire) departure(text string, since time.Time) (time.Time, bool) {
	for i := range w.out {
		ev := &w.out[i]
		if ev.At.IsZero() || ev.At.Before(since.Add(-sendSlack)) {
			continue
		}
		if w.carries(ev, text) {
			return ev.At, true
		}
	}
	return time.Time{}, false
}

// arrival returns when the first incoming event between from and the
// message's DOM time (plus slack) carried its text.
func (w *wire) arrival(m *Message, from time.Time) (time.Time, bool) {
	var best time.Time
	for i := range w.in {
		ev := &w.in[i]
		if ev.At.IsZero() || ev.At.Before(from.Add(-sendSlack)) || ev.At.After(m.DOMAt.Add(domSlack)) {
			continue
		}
		if (best.IsZero() || ev.At.Before(best)) && w.carries(ev, m.Text) {
			best = ev.At
		}
	}
	return best, !best.IsZero()
}

// carries reports whether ev's payload holds text: verbatim, JSON-escaped, or
// as one of the payload's texts (payloadTexts), which are compared with text
// as the page shows it and with its markup reduced (plainText), so that an
// answer sent in markdown or HTML matches its rendered text. A payload text
// inside the message's text counts too when it has at least minMatch
// characters and half the text's length: for items whose text adds an
// author name or a time to the message.
func (w *wire) carries(ev *wireEvent, text string) bool {
	text = normalize(text)
	if text == "" {
		return false
	}
	if strings.Contains(ev.Payload, text) {
		return true
	}
	if esc, err := json.Marshal(text); err == nil && strings.Contains(ev.Payload, string(esc[1:len(esc)-1])) {
		return true
	}
	strs, ok := w.strs[ev]
	if !ok {
		strs = payloadTexts(ev.Payload)
		w.strs[ev] = strs
	}
	plain, ok := w.plain[text]
	if !ok {
		plain = plainText(text)
		if w.plain != nil {
			w.plain[text] = plain
		}
	}
	for _, s := range strs {
		if holdsText(s, text) || (plain != text && plain != "" && holdsText(s, plain)) {
			return true
		}
	}
	return false
}

// holdsText reports whether the payload text s stands for the message text:
// it holds it, or it is a long enough part of it.
func holdsText(s, text string) bool {
	return strings.Contains(s, text) || (len(s) >= minMatch && 2*len(s) >= len(text) && strings.Contains(text, s))
}

// payloadTexts returns the texts a payload may show as: its JSON strings
// white space collapsed (payloadStrings), each also with its markup reduced
// (plainText) when that differs; for a payload that is no JSON (a markdown
// or HTML frame or body), the payload with its markup reduced. Texts longer
// than maxPlain keep their markup.
func payloadTexts(p string) []string {
	raw := jsonStrings(p)
	var out []string
	for _, r := range raw {
		n := normalize(r)
		if n == "" {
			continue
		}
		out = append(out, n)
		if len(r) > maxPlain {
			continue
		}
		if t := plainText(r); t != "" && t != n {
			out = append(out, t)
		}
	}
	if len(raw) == 0 && len(p) <= maxPlain {
		if t := plainText(p); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// payloadStrings returns the strings of the JSON values in p, white space
// collapsed: the whole payload, or what follows a prefix such as
// socket.io's "42".
func payloadStrings(p string) []string {
	var out []string
	for _, r := range jsonStrings(p) {
		if s := normalize(r); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// jsonStrings returns the strings of the JSON values in p as they are, a
// string holding JSON (double-encoded messages) followed by its own.
func jsonStrings(p string) []string {
	i := strings.IndexAny(p, "{[\"")
	if i < 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(p[i:]), &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
			if len(x) > 1 && (x[0] == '{' || x[0] == '[') {
				out = append(out, jsonStrings(x)...)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// timeSent is when one of our messages left: the network event that carried
// it, else the moment we sent it (Source "input").
type timeSent struct {
	At     time.Time
	Source string
}

// sentAt resolves when text, sent at action time sent, left the browser.
func (w *wire) sentAt(text string, sent time.Time) timeSent {
	if at, ok := w.departure(text, sent); ok {
		return timeSent{At: at, Source: SourceNetwork}
	}
	return timeSent{At: sent, Source: SourceInput}
}

// Time sources.
const (
	// SourceNetwork: a network event of the browser (request, response, frame).
	SourceNetwork = "network"
	// SourceDOM: the moment the message showed in the page.
	SourceDOM = "dom"
	// SourceInput: the moment the probe clicked send or pressed the key.
	SourceInput = "input"
)

// stamp sets the wire time of each message that showed after from.
func (w *wire) stamp(msgs []Message, from time.Time) {
	for i := range msgs {
		m := &msgs[i]
		if m.Author == AuthorOurs || m.DOMAt.Before(from) {
			continue
		}
		if at, ok := w.arrival(m, from); ok {
			m.WireAt = at
		}
	}
}
