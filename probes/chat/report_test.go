package chat

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// TestTypingIndicator checks that the typing indicator's showing is in the
// report, its evidence and the progress events, as the docs promise.
func TestTypingIndicator(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var events []string
	rep := hold(t, &Conversation{URL: f.srv.URL + "/longpoll?bot=100&agent=900&typing=1",
		Profile: mustProfile(t, fixtureProfile+"typing: {selector: \"#chat .typing\"}\n"),
		Message: "Do you ship to Norway?", Abandon: 20 * time.Second,
		Progress: func(ev Event) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ev.Typing != nil && ev.Typing.End.IsZero():
				events = append(events, "typing shown")
			case ev.Typing != nil:
				events = append(events, "typing gone")
			case ev.Message != nil:
				events = append(events, string(ev.Message.Author))
			}
		}})
	if rep.Outcome != result.Answered {
		t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
	}
	if len(rep.Typing) != 1 {
		t.Fatalf("report's typing = %+v, want one showing", rep.Typing)
	}
	ty := rep.Typing[0]
	var ours, agent *Message
	for i, m := range rep.Messages {
		switch {
		case m.Author == AuthorOurs && ours == nil:
			ours = &rep.Messages[i]
		case m.Author == AuthorAgent && agent == nil:
			agent = &rep.Messages[i]
		}
	}
	if ours == nil || agent == nil {
		t.Fatalf("messages %+v: want ours and an agent's", rep.Messages)
	}
	// The page shows the indicator with our message and takes it away with
	// the agent's, in the same task: the observer sees each in one mutation.
	if ty.Start.Before(ours.DOMAt) || ty.Start.Sub(ours.DOMAt) > 50*time.Millisecond {
		t.Errorf("typing shown at %s, want with our message at %s", ty.Start.Format("15:04:05.000"), ours.DOMAt.Format("15:04:05.000"))
	}
	if ty.End.IsZero() || ty.End.Sub(agent.DOMAt).Abs() > 50*time.Millisecond {
		t.Errorf("typing gone at %s, want with the agent's message at %s", ty.End.Format("15:04:05.000"), agent.DOMAt.Format("15:04:05.000"))
	}
	var ev struct{ Typing []Typing }
	if err := json.Unmarshal(rep.Evidence(), &ev); err != nil || len(ev.Typing) != 1 || !ev.Typing[0].Start.Equal(ty.Start) || !ev.Typing[0].End.Equal(ty.End) {
		t.Errorf("evidence typing = %+v (%v), want %+v", ev.Typing, err, rep.Typing)
	}
	mu.Lock()
	got := strings.Join(events, ", ")
	mu.Unlock()
	if !strings.Contains(got, "typing shown") || !strings.Contains(got, "typing gone") || strings.Index(got, "typing shown") > strings.Index(got, "typing gone") {
		t.Errorf("progress events %s: want typing shown, then typing gone", got)
	}
}

// magenta is the share of the JPEG's pixels that are the test widgets'
// magenta background.
func magenta(t *testing.T, shot []byte) float64 {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	n, all := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 200 && g>>8 < 80 && bl>>8 > 200 {
				n++
			}
			all++
		}
	}
	return float64(n) / float64(all)
}

// TestFailureScreenshot fails conversations whose widget is below the fold,
// in the page and in an iframe: the screenshot must show the widget (a
// magenta panel), not the top of the page.
func TestFailureScreenshot(t *testing.T) {
	inline := strings.Replace(strings.Replace(panelProfile, `input: "#chat textarea.text"`, `input: "#chat textarea.nosuch"`, 1), "widget: 8s", "widget: 2s", 1)
	framed := `
name: framed
page: {ready: "iframe#w"}
frame: {selector: "iframe#w"}
input: "#chat input.nosuch"
send: {key: Enter}
messages: {container: "#chat ol.log", item: "li", agent: {selector: ".them"}}
timeouts: {page_load: 10s, widget: 2s}
`
	for name, p := range testBrowsers(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			cross := strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)
			for what, c := range map[string]*Conversation{
				"in the page": {URL: f.srv.URL + "/panel?pad=3000", Profile: mustProfile(t, inline)},
				"in an iframe": {URL: nest(f.srv.URL, "pad", "3000", "h", "500", "frame", cross+"/tallwidget"),
					Profile: mustProfile(t, framed)},
			} {
				t.Run(what, func(t *testing.T) {
					c.Message, c.Abandon = "Hello?", 5*time.Second
					rep := holdIn(t, p, c)
					if rep.Outcome != result.Failed || rep.Reason != result.ReasonWidgetNotFound {
						t.Fatalf("outcome %s/%s (%s), want failed/widget_not_found", rep.Outcome, rep.Reason, rep.Error)
					}
					if len(rep.Screenshot) == 0 {
						t.Fatalf("no screenshot: %s", rep.ScreenshotError)
					}
					if share := magenta(t, rep.Screenshot); share < 0.05 {
						t.Errorf("the widget covers %.1f%% of the screenshot, want at least 5%%: it shows another part of the page", 100*share)
					}
				})
			}
		})
	}
}
