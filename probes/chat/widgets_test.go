package chat

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/examples/widgets"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// exampleProfile parses a profile shipped in examples/widgets with extra
// YAML appended (top-level fields the file leaves out: the decoder refuses a
// key set twice), and gives it short step timeouts.
func exampleProfile(t *testing.T, file, extra string) *profile.Profile {
	t.Helper()
	b, err := fs.ReadFile(widgets.FS, file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(file, append(b, extra...))
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	p.Timeouts = profile.Timeouts{PageLoad: profile.Duration(10 * time.Second), Widget: profile.Duration(8 * time.Second),
		Form: profile.Duration(5 * time.Second), Send: profile.Duration(5 * time.Second)}
	return p
}

// holdIn runs c in a new tab of p.
func holdIn(t *testing.T, p *browser.Pool, c *Conversation, with ...func(*browser.Tab)) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tab, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer tab.Close()
	for _, f := range with {
		f(tab)
	}
	rep := c.Run(ctx, tab)
	for _, s := range rep.Steps {
		t.Logf("step %-10s %6.0f ms %s", s.Name, float64(s.Duration())/1e6, s.Error)
	}
	for _, m := range rep.Messages {
		t.Logf("msg %d %-7s dom=%s wire=%s %q", m.Seq, m.Author, m.DOMAt.Format("15:04:05.000"), m.WireAt.Format("15:04:05.000"), m.Text)
	}
	return rep
}

// checkTimes checks that rep is answered, with both responses timed from
// the network within tolerance of the desk's truth.
func checkTimes(t *testing.T, rep *Report, d *desk) {
	t.Helper()
	if rep.Outcome != result.Answered {
		t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
	}
	if rep.T0Source != SourceNetwork || rep.FirstSource != SourceNetwork || rep.HumanSource != SourceNetwork {
		t.Errorf("sources t0=%s first=%s human=%s, want network for all", rep.T0Source, rep.FirstSource, rep.HumanSource)
	}
	received, first := d.truth()
	for _, c := range []struct {
		name string
		got  *time.Duration
		want time.Duration
	}{{"first", rep.FirstResponse, first["bot"].Sub(received)}, {"human", rep.HumanResponse, first["agent"].Sub(received)}} {
		if c.got == nil {
			t.Errorf("%s response missing", c.name)
			continue
		}
		if diff := (*c.got - c.want).Abs(); diff > 50*time.Millisecond {
			t.Errorf("%s response = %v, truth %v (off by %v)", c.name, *c.got, c.want, diff)
		}
	}
}

// TestWebComponentLauncher: a launcher inside a web component's shadow
// root, whose handler the page's script attaches late. The probe waits for
// the load event when the profile says nothing, waits for page.ready_script
// when it is set, and clicks again when a click changed nothing.
func TestWebComponentLauncher(t *testing.T) {
	f := newWCFixture(t)
	tests := []struct {
		name, query, extra string
	}{
		{"handler attached by a bundle the load event waits for", "bundle=500", ""},
		{"handler attached after the load event", "late=500", ""},
		{"handler attached after page.ready shows", "late=500", "page: {ready: chat-widget}\n"},
		{"page.ready_script says when", "late=500", "page: {ready_script: 'window.chatWidget && window.chatWidget.ready'}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.desk = newDesk(wcBotMarkdown, wcAgentMarkdown)
			rep := hold(t, &Conversation{URL: f.srv.URL + "/wc?agent=300&" + tt.query,
				Profile: exampleProfile(t, "web-component.yaml", tt.extra), Message: "Do you ship to Norway?", Abandon: 10 * time.Second})
			if rep.Outcome != result.Answered {
				t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
			}
			f.mu.Lock()
			bundled := f.bundleAt
			f.mu.Unlock()
			// Without page.ready, the page is ready at its load event, which
			// comes after the bundle (served, then run).
			if tt.extra == "" && (len(rep.Steps) == 0 || rep.Steps[0].Name != "page" || rep.Steps[0].End.Before(bundled)) {
				t.Errorf("page step %+v ended before the bundle was served at %s", rep.Steps[0], bundled.Format("15:04:05.000"))
			}
		})
	}
}

// TestWebComponentTiming: answers rendered from markdown are timed by the
// WebSocket frames that brought them, and a message no matcher takes is the
// bot's by the profile's default_author.
func TestWebComponentTiming(t *testing.T) {
	f := newWCFixture(t)
	rep := hold(t, &Conversation{URL: f.srv.URL + "/wc?bot=150&agent=600",
		Profile: exampleProfile(t, "web-component.yaml", ""), Message: "Do you ship to Norway?", Abandon: 10 * time.Second})
	checkTimes(t, rep, f.desk)
	var authors []Author
	for _, m := range rep.Messages {
		authors = append(authors, m.Author)
	}
	if len(authors) != 3 || authors[0] != AuthorOurs || authors[1] != AuthorBot || authors[2] != AuthorAgent {
		t.Errorf("authors %v, want [ours bot agent]", authors)
	}
}

// TestWebComponentNoDefaultAuthor: without default_author, the bot's
// unmarked message is unknown and counts as no response.
func TestWebComponentNoDefaultAuthor(t *testing.T) {
	f := newWCFixture(t)
	p := exampleProfile(t, "web-component.yaml", "")
	p.Messages.DefaultAuthor = ""
	rep := hold(t, &Conversation{URL: f.srv.URL + "/wc?bot=150&agent=600", Profile: p, Message: "Do you ship to Norway?", Abandon: 10 * time.Second})
	if rep.Outcome != result.Answered || rep.FirstResponse == nil || rep.HumanResponse == nil || *rep.FirstResponse != *rep.HumanResponse {
		t.Fatalf("outcome %s, first %v, human %v: want answered with the agent's answer first", rep.Outcome, rep.FirstResponse, rep.HumanResponse)
	}
}

// TestHostedBubble: the launcher in a cross-origin iframe, the messenger in
// a second one, answers in HTML: the profile written from the widget's docs
// and the generic one both hold the conversation, timed by the network.
func TestHostedBubble(t *testing.T) {
	for _, file := range []string{"hosted-bubble.yaml", "generic-launcher-iframe.yaml"} {
		t.Run(file, func(t *testing.T) {
			f := newBubbleFixture(t)
			p := exampleProfile(t, file, "")
			p.Page.Consent = nil // the shop has no banner: do not spend 3 s looking for one
			rep := hold(t, &Conversation{URL: f.url("bot=150&agent=600"), Profile: p, Message: "Is this in stock?", Abandon: 10 * time.Second})
			checkTimes(t, rep, f.desk)
		})
	}
}

// TestLauncherFrameGoesAway: the launcher's iframe is replaced, or moves to
// another process, while the launcher step waits for the bubble. The full
// Chromium detaches the iframe's DevTools session when it moves; the probe
// follows the frame in both browsers.
func TestLauncherFrameGoesAway(t *testing.T) {
	full, err := browser.New(browser.Options{ExecPath: browser.DefaultExecPath, MaxConcurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := full.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	for _, b := range []struct {
		name string
		pool *browser.Pool
	}{{"headless shell", pool}, {"full chromium", full}} {
		for _, how := range []string{"navigate", "remount", "move"} {
			t.Run(b.name+"/"+how, func(t *testing.T) {
				f := newBubbleFixture(t)
				rep := holdIn(t, b.pool, &Conversation{URL: f.url("agent=300&reload=3&every=500&how=" + how),
					Profile: exampleProfile(t, "hosted-bubble.yaml", ""), Message: "Is this in stock?", Abandon: 10 * time.Second})
				if rep.Outcome != result.Answered {
					t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
				}
			})
		}
	}
}
