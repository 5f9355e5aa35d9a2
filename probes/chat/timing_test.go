package chat

import (
	"testing"
	"time"
)

func TestCarries(t *testing.T) {
	tests := []struct {
		payload, text string
		want          bool
	}{
		{`{"type":"message","text":"Hello there, how can I help?"}`, "Hello there, how can I help?", true},
		{`{"text":"He said \"hi\"\nthen left"}`, `He said "hi" then left`, true},
		{`42["message",{"body":"Caf\u00e9 is open until 6pm"}]`, "Café is open until 6pm", true},
		{`{"events":[{"payload":"{\"text\":\"double encoded answer\"}"}]}`, "double encoded answer", true},
		{`text=Hello+there`, "Hello there", false},
		{`{"text":"Your order ships today"}`, "Maria 10:42 Your order ships today", true},
		{`{"name":"Acme Outdoor"}`, "Hi, this is Maria from Acme Outdoor (conversation c-1). Happy to help!", false},
		{`{"text":"yes"}`, "Anna: yes", false},
		{`{"type":"message","role":"ai","text":"An **agent** will join *shortly*."}`, "An agent will join shortly.", true},
		{`{"text":"Hi, this is *Ann* from [Acme support](https://shop.example/help). Happy to help with:\n\n- shipping\n- returns"}`,
			"Hi, this is Ann from Acme support. Happy to help with: shipping returns", true},
		{`[{"seq":2,"html":"<p>Hi, this is <strong>Ann</strong> from <a href=\"/help\">Acme&nbsp;support</a>.</p><p>Happy to help!</p>"}]`,
			"Hi, this is Ann from Acme support. Happy to help!", true},
		{`<div class="msg"><b>Your order</b> ships today</div>`, "Your order ships today", true},
		{"Plain **markdown** frame", "Ann 10:42 Plain markdown frame", true},
		{`{"text":"An **agent** will join"}`, "A bot will join", false},
		{`{"html":"<p>yes</p>"}`, "Anna: yes", false},
		{`not json at all`, "", false},
		{`{"text":"   "}`, "anything", false},
	}
	for _, tt := range tests {
		w := &wire{strs: map[*wireEvent][]string{}}
		ev := &wireEvent{Payload: tt.payload}
		if got := w.carries(ev, tt.text); got != tt.want {
			t.Errorf("carries(%q, %q) = %v, want %v", tt.payload, tt.text, got, tt.want)
		}
	}
}

func TestArrivalPicksEarliestBeforeTheDOM(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	w := &wire{strs: map[*wireEvent][]string{}, in: []wireEvent{
		{At: at(-500), Payload: `{"text":"Thanks, hello"}`}, // before our message: a history replay
		{At: at(900), Payload: `{"text":"Thanks, hello"}`},  // the one that brought it
		{At: at(1500), Payload: `{"text":"Thanks, hello"}`}, // a later poll repeating it
		{At: at(5000), Payload: `{"text":"Thanks, hello"}`}, // after the DOM: not it
		{At: at(950), Payload: `{"text":"something else"}`}, // other text
	}}
	m := &Message{Text: "Thanks, hello", DOMAt: at(1000)}
	got, ok := w.arrival(m, t0)
	if !ok || !got.Equal(at(900)) {
		t.Errorf("arrival = %v, %v; want %v", got, ok, at(900))
	}
	m = &Message{Text: "never on the wire", DOMAt: at(1000)}
	if got, ok := w.arrival(m, t0); ok {
		t.Errorf("arrival of a text no event carries = %v, want none", got)
	}
}

func TestSentAtFallsBackToTheInput(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	w := &wire{strs: map[*wireEvent][]string{}, out: []wireEvent{
		{At: t0.Add(-time.Second), Payload: `{"text":"Hello?"}`}, // an earlier message of ours
		{At: t0.Add(12 * time.Millisecond), Payload: `{"text":"Hello?"}`},
	}}
	if got := w.sentAt("Hello?", t0); got.Source != SourceNetwork || !got.At.Equal(t0.Add(12*time.Millisecond)) {
		t.Errorf("sentAt = %+v, want network at +12ms", got)
	}
	if got := w.sentAt("Bye", t0); got.Source != SourceInput || !got.At.Equal(t0) {
		t.Errorf("sentAt of a text no request carries = %+v, want input at the action", got)
	}
}

// FuzzPayloadStrings feeds payloads of network events, which come from the
// sites probed: decoding them and reducing their markup must neither panic
// nor return empty strings.
func FuzzPayloadStrings(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `42["m",{"t":"x"}]`, `[[[[[[["deep"]]]]]]]`, `"{\"x\":\"y\"}"`, "\x00\xff{", `{"a":`,
		`{"text":"**b** *i* [l](u) ` + "`c`" + `"}`, "<p>a<br>b</p><!-- c", "```\n*x*\n", "\ue000 1\ue001 _a_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		for _, s := range payloadStrings(p) {
			if s == "" {
				t.Fatalf("payloadStrings(%q) returned an empty string", p)
			}
		}
		for _, s := range payloadTexts(p) {
			if s == "" || s != normalize(s) {
				t.Fatalf("payloadTexts(%q) returned %q: empty, or white space not folded", p, s)
			}
		}
		w := &wire{strs: map[*wireEvent][]string{}}
		_ = w.carries(&wireEvent{Payload: p}, "hello there friend")
	})
}
