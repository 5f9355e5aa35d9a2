package sim

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	greeting = "Hi! Thanks for visiting Acme Outdoor. How can we help you today?"
	agent1   = "Hi Jane, this is Maria from Acme Outdoor (conversation c-000001). Happy to help with that!"
	agent2   = "Thanks, that helps (conversation c-000001, reply 2). Let me check that for you."
)

var (
	typingOn  = event{Type: "typing", On: true}
	typingOff = event{Type: "typing"}
)

func TestChatIframe(t *testing.T) {
	s := startChatSim(t, chatConfig(t, chatCompany("acme", ChatIframe)))
	c := newIframeClient(t, s, "acme")
	if r := c.start("Jane", "jane@probe.test"); r != (startResponse{Conversation: "c-000001", Agent: "Maria"}) {
		t.Errorf("start = %+v, want conversation c-000001, online, agent Maria", r)
	}
	hello := c.poll()
	sent, answered := c.send("Do you ship to Canada?")
	first := c.pollUntil(isAgent)
	sent2, _ := c.send("And to Mexico?")
	follow := c.pollUntil(isAgent)

	for _, tt := range []struct {
		name string
		got  []got
		want []event
	}{
		{"greeting", hello, []event{{Type: "message", Author: AuthorAgent, Text: greeting}}},
		{"first answer", first, []event{
			{Type: "message", Author: AuthorBot, Text: "Thanks, Jane! An agent will be with you shortly."},
			typingOn, typingOff,
			{Type: "message", Author: AuthorSystem, Text: "Maria joined the chat"},
			{Type: "message", Author: AuthorAgent, Text: agent1},
		}},
		{"follow-up", follow, []event{typingOn, typingOff, {Type: "message", Author: AuthorAgent, Text: agent2}}},
	} {
		if diff := cmp.Diff(tt.want, events(tt.got)); diff != "" {
			t.Errorf("%s events (-want +got):\n%s", tt.name, diff)
		}
	}
	wantKinds := []string{"chat_opened", "chat_message bot", "chat_received", "chat_message bot",
		"chat_message system", "chat_message agent", "chat_received", "chat_message agent"}
	recs := waitTruth(t, s, "c-000001", len(wantKinds))
	checkDelivered(t, recs, append(append(hello, first...), follow...))
	if diff := cmp.Diff(wantKinds, kindsOf(recs)); diff != "" {
		t.Fatalf("truth kinds (-want +got):\n%s", diff)
	}
	if o := recs[0]; o.Style != ChatIframe || o.VisitorName != "Jane" || o.VisitorEmail != "jane@probe.test" || o.Offline {
		t.Errorf("chat_opened = %+v, want style iframe, visitor Jane <jane@probe.test>, online", o)
	}
	if !recs[1].Greeting || recs[1].Text != greeting {
		t.Errorf("greeting record = %+v, want greeting true", recs[1])
	}
	at := recs[2].At
	if at.Before(sent) || at.After(answered) || recs[2].Text != "Do you ship to Canada?" {
		t.Errorf("chat_received = %+v, want at between %v and %v", recs[2], sent, answered)
	}
	checkIntended(t, recs[3], at.Add(50*time.Millisecond))
	checkIntended(t, recs[5], at.Add(300*time.Millisecond))
	checkIntended(t, recs[7], recs[6].At.Add(200*time.Millisecond))
	if recs[6].At.Before(sent2) {
		t.Errorf("second chat_received at %v, before it was sent at %v", recs[6].At, sent2)
	}
}

func TestChatInline(t *testing.T) {
	s := startChatSim(t, chatConfig(t, chatCompany("acme", ChatInline)))
	ws := dialInline(t, s, "acme")
	hello := ws.until(func(got) bool { return true })
	sent := ws.send("Do you ship to Canada?")
	first := ws.until(isAgent)
	ws.send("And to Mexico?")
	follow := ws.until(isAgent)
	agent1 := "Hi, this is Maria from Acme Outdoor (conversation c-000001). Happy to help with that!"
	for _, tt := range []struct {
		name string
		got  []got
		want []event
	}{
		{"greeting", hello, []event{{Type: "message", Author: AuthorBot, Text: greeting}}},
		{"first answer", first, []event{
			{Type: "message", Author: AuthorBot, Text: "Thanks! An agent will be with you shortly."},
			typingOn, typingOff, {Type: "message", Author: AuthorAgent, Text: agent1},
		}},
		{"follow-up", follow, []event{typingOn, typingOff, {Type: "message", Author: AuthorAgent, Text: agent2}}},
	} {
		if diff := cmp.Diff(tt.want, events(tt.got)); diff != "" {
			t.Errorf("%s frames (-want +got):\n%s", tt.name, diff)
		}
	}
	wantKinds := []string{"chat_opened", "chat_message bot", "chat_received", "chat_message bot",
		"chat_message agent", "chat_received", "chat_message agent"}
	recs := waitTruth(t, s, "c-000001", len(wantKinds))
	checkDelivered(t, recs, append(append(hello, first...), follow...))
	if diff := cmp.Diff(wantKinds, kindsOf(recs)); diff != "" {
		t.Fatalf("truth kinds (-want +got):\n%s", diff)
	}
	at := recs[2].At
	within(t, "chat_received at", at, sent, 10*time.Millisecond)
	checkIntended(t, recs[3], at.Add(50*time.Millisecond))
	checkIntended(t, recs[4], at.Add(300*time.Millisecond))
	checkIntended(t, recs[6], recs[5].At.Add(200*time.Millisecond))
}

func TestChatOffline(t *testing.T) {
	closedToday := chatCompany("shut", ChatIframe)
	openDay := dayName(time.Now().UTC().AddDate(0, 0, 2))
	closedToday.Chat.Hours = []ChatHours{{Days: openDay, Open: "00:00", Close: "24:00"}}
	offline := chatCompany("off", ChatIframe)
	offline.Chat.Offline = true
	inline := chatCompany("offin", ChatInline)
	inline.Chat.Offline = true
	s := startChatSim(t, chatConfig(t, closedToday, offline, inline))

	// The reason says when the chat opens, and the time there now.
	reason := map[string]func(time.Time) string{
		"shut": func(at time.Time) string {
			return "Our hours are " + openDay + " 00:00-24:00 (UTC); it is " + at.UTC().Format("Mon 15:04") + " there now."
		},
		"off": func(time.Time) string { return "This chat is closed at all hours." },
	}
	for _, id := range []string{"shut", "off"} {
		c := newIframeClient(t, s, id)
		before := time.Now()
		r := c.start("Jane", "jane@probe.test")
		if !r.Offline {
			t.Errorf("%s: start = %+v, want offline", id, r)
		}
		if want := reason[id]; r.OfflineReason != want(before) && r.OfflineReason != want(time.Now()) {
			t.Errorf("%s: offline reason %q, want %q", id, r.OfflineReason, want(before))
		}
		c.send("Anyone there?")
		// Nothing is pending once the no-reply is recorded: nothing will be sent.
		waitTruth(t, s, r.Conversation, 3)
		if n := s.Pending(); n != 0 {
			t.Errorf("%s: %d messages pending in an offline chat, want none", id, n)
		}
		checkOfflineTruth(t, readTruthFile(t, s), r.Conversation, nil)
	}
	ws := dialInline(t, s, "offin")
	notice := ws.until(func(got) bool { return true })
	if diff := cmp.Diff([]event{{Type: "message", Author: AuthorSystem, Text: fmt.Sprintf(offlineText, "This chat is closed at all hours.")}}, events(notice)); diff != "" {
		t.Errorf("inline offline frames (-want +got):\n%s", diff)
	}
	ws.send("Anyone there?")
	waitTruth(t, s, "c-000003", 4)
	if n := s.Pending(); n != 0 {
		t.Errorf("%d messages pending in an offline inline chat, want none", n)
	}
	select {
	case g := <-ws.in:
		t.Errorf("offline inline chat sent %+v, want nothing", g)
	default:
	}
	checkOfflineTruth(t, readTruthFile(t, s), "c-000003", []string{"chat_message system"})
}

// checkOfflineTruth checks an offline conversation's records: opened offline,
// extra, the message received, no reply because offline.
func checkOfflineTruth(t *testing.T, all []TruthRecord, conv string, extra []string) {
	t.Helper()
	recs := chatTruth(all, conv)
	want := append(append([]string{"chat_opened"}, extra...), "chat_received", "chat_no_reply")
	if diff := cmp.Diff(want, kindsOf(recs)); diff != "" {
		t.Fatalf("%s truth kinds (-want +got):\n%s", conv, diff)
	}
	if !recs[0].Offline || recs[len(recs)-1].Reason != ReasonOffline {
		t.Errorf("%s truth = %+v, want opened offline and no reply because offline", conv, recs)
	}
}

func TestChatNeverAnswers(t *testing.T) {
	co := chatCompany("acme", ChatIframe)
	co.Chat.NoReplyRate = 1
	co.Chat.Reply = Reply{}
	s := startChatSim(t, chatConfig(t, co))
	c := newIframeClient(t, s, "acme")
	c.start("Jane", "jane@probe.test")
	c.poll() // the greeting
	c.send("Hello?")
	ack := c.pollUntil(func(got) bool { return true })
	c.send("Hello??")
	if diff := cmp.Diff([]event{{Type: "message", Author: AuthorBot, Text: "Thanks, Jane! An agent will be with you shortly."}},
		events(ack)); diff != "" {
		t.Errorf("events after the greeting (-want +got):\n%s", diff)
	}
	// Every message a conversation gets has a truth record; none is pending.
	recs := waitTruth(t, s, "c-000001", 6)
	if n := s.Pending(); n != 0 {
		t.Errorf("%d messages pending, want none: the company never answers", n)
	}
	want := []string{"chat_opened", "chat_message bot", "chat_received", "chat_no_reply", "chat_message bot", "chat_received"}
	if diff := cmp.Diff(want, kindsOf(recs)); diff != "" {
		t.Fatalf("truth kinds (-want +got):\n%s", diff)
	}
	if recs[3].Reason != ReasonDrawn {
		t.Errorf("chat_no_reply reason = %q, want %q", recs[3].Reason, ReasonDrawn)
	}
}

func TestChatCaptchaAndErrors(t *testing.T) {
	co := chatCompany("robots", ChatIframe)
	co.Chat.Captcha = true
	s := startChatSim(t, chatConfig(t, co, chatCompany("acme", ChatIframe), chatCompany("inl", ChatInline)))
	robots, acme := newIframeClient(t, s, "robots"), newIframeClient(t, s, "acme")
	for _, tt := range []struct {
		name string
		code int
		want int
	}{
		{"start behind a captcha", robots.post("start", startRequest{Name: "J", Email: "j@p.test"}, nil), http.StatusForbidden},
		{"start without a name", acme.post("start", startRequest{Email: "j@p.test"}, nil), http.StatusBadRequest},
		{"start with a bad email", acme.post("start", startRequest{Name: "J", Email: "j"}, nil), http.StatusBadRequest},
		{"send to no conversation", acme.post("send", sendRequest{Conversation: "c-999999", Text: "x"}, nil), http.StatusNotFound},
		{"send to an inline company", newIframeClient(t, s, "inl").post("send", sendRequest{Text: "x"}, nil), http.StatusNotFound},
		{"start with no JSON", acme.post("start", "nope", nil), http.StatusBadRequest},
	} {
		if tt.code != tt.want {
			t.Errorf("%s = HTTP %d, want %d", tt.name, tt.code, tt.want)
		}
	}
	acme.start("Jane", "jane@probe.test")
	if code := acme.post("send", sendRequest{Conversation: acme.conversation, Text: "  "}, nil); code != http.StatusBadRequest {
		t.Errorf("send of an empty message = HTTP %d, want 400", code)
	}
}

func TestChatDrawsAreDeterministic(t *testing.T) {
	co := chatCompany("acme", ChatIframe)
	co.Chat.Reply = Reply{Median: Duration(5 * time.Second), P90: Duration(20 * time.Second)}
	co.Chat.NoReplyRate = 0.5
	a := decideChat(1, &co, "c-000001", 1)
	if b := decideChat(1, &co, "c-000001", 1); a != b {
		t.Errorf("decideChat twice = %+v, then %+v", a, b)
	}
	seen := map[chatPlan]bool{}
	var noReply int
	for i := range 200 {
		p := decideChat(1, &co, "c-"+string(rune('a'+i%26))+string(rune('a'+i/26)), 1)
		seen[p] = true
		if p.noReply {
			noReply++
		}
	}
	if noReply < 70 || noReply > 130 || len(seen) < 50 {
		t.Errorf("200 draws: %d no-reply (want about 100), %d distinct plans", noReply, len(seen))
	}
	if f1, f2 := followUpDelay(1, &co, "c-1", 2, 1), followUpDelay(1, &co, "c-1", 2, 1); f1 != f2 {
		t.Errorf("followUpDelay twice = %v, %v", f1, f2)
	}
	if half := decideChat(1, &co, "c-000002", 0.5); !half.noReply && half.first != decideChat(1, &co, "c-000002", 1).first/2 {
		t.Errorf("time_scale 0.5 does not halve the delay: %v", half.first)
	}
}

func TestChatOfflineAt(t *testing.T) {
	co := chatCompany("acme", ChatIframe)
	co.Timezone = "Europe/Paris"
	co.Chat.Hours = []ChatHours{{Days: "mon-fri", Open: "09:00", Close: "18:00"}, {Days: "sat", Open: "10:00", Close: "24:00"}}
	d := newChatDesk(&co)
	for _, tt := range []struct {
		utc     string
		offline bool
	}{
		{"2026-11-23T07:59:00Z", true},  // Monday 08:59 in Paris
		{"2026-11-23T08:00:00Z", false}, // Monday 09:00
		{"2026-11-23T16:59:59Z", false}, // Monday 17:59:59
		{"2026-11-23T17:00:00Z", true},  // Monday 18:00
		{"2026-11-28T22:59:00Z", false}, // Saturday 23:59
		{"2026-11-28T23:00:00Z", true},  // Sunday 00:00
		{"2026-07-06T07:30:00Z", false}, // Monday 09:30 in summer time
	} {
		at, _ := time.Parse(time.RFC3339, tt.utc)
		if got := d.offlineAt(at); got != tt.offline {
			t.Errorf("offlineAt(%s) = %v, want %v", tt.utc, got, tt.offline)
		}
	}
	always := newChatDesk(&Company{ID: "x", Chat: &Chat{}})
	if always.offlineAt(time.Now()) {
		t.Errorf("a chat without hours is offline")
	}
}

// kindsOf returns each record's kind, with the author for chat_message.
func kindsOf(recs []TruthRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Kind)
		if r.Kind == KindChatMessage {
			out[i] += " " + r.Author
		}
	}
	return out
}

// checkIntended checks that a message was meant for want, and delivered a
// little after.
func checkIntended(t *testing.T, r TruthRecord, want time.Time) {
	t.Helper()
	if !r.IntendedAt.Equal(want) {
		t.Errorf("%q intended at %v, want %v", r.Text, r.IntendedAt, want)
	}
	if late := r.DeliveredAt.Sub(r.IntendedAt); late < 0 || late > 50*time.Millisecond {
		t.Errorf("%q delivered %v after its intended time, want 0..50ms", r.Text, late)
	}
}

// dayName returns t's weekday as the hours syntax writes it.
func dayName(t time.Time) string {
	return [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[t.Weekday()]
}
