package chat

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// formProfile is the profile of the tall widget (testdata/tallwidget.html)
// reached through the frames given.
const formProfile = `
name: tall
page: {ready: "iframe#w"}
frame: [%s]
prechat:
  form: "form.pre"
  fields: [{selector: "input[name=name]", value: "{{persona.name}}"}]
  submit: "form.pre button"
input: "#chat input.text"
send: {key: Enter}
messages:
  container: "#chat ol.log"
  item: "li"
  ours: {selector: ".me"}
  agent: {selector: ".them"}
  bot: {selector: ".them.bot"}
timeouts: {page_load: 10s, widget: 5s, form: 10s, send: 3s}
`

// The form's 10 s cover typing, the click and the widget's answer in the full browser
// (a process of its own) under the race detector beside other packages' tests: 3 s
// ran out once in CI. Only "form not taken" waits them out.

// oneFrame is the frame section of a widget in the page's iframe#w.
const oneFrame = `{selector: "iframe#w"}`

// testBrowsers returns the pools of both browsers: the package's headless
// shell, and a full chromium closed at the end of the test.
func testBrowsers(t *testing.T) map[string]*browser.Pool {
	t.Helper()
	full, err := browser.New(browser.Options{ExecPath: browser.DefaultExecPath, MaxConcurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := full.Close(); err != nil {
			t.Errorf("closing chromium: %v", err)
		}
	})
	return map[string]*browser.Pool{"headless-shell": pool, "chromium": full}
}

// nest is the URL of the host page (testdata/nest.html) on base, with its
// settings as name, value pairs.
func nest(base string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return base + "/nest?" + v.Encode()
}

// TestWidgetClicks holds conversations whose pre-chat form must be clicked
// in both browsers: a widget anchored to the bottom right of the window and
// taller than the browsers' own windows, below the fold, behind nested
// iframes and a shadow root. A click that cannot reach the button (outside
// the window, covered) and a form the widget does not take end
// failed/form_rejected, never "prechat ok" and then send_failed.
func TestWidgetClicks(t *testing.T) {
	// The widget is cross-site (localhost against 127.0.0.1): the full
	// browser runs it in a process of its own.
	widget := func(f *fixture, variant string) string {
		return strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1) + "/tallwidget?agent=300" + variant
	}
	corner := func(variant string) func(f *fixture) string {
		return func(f *fixture) string {
			return nest(f.srv.URL, "pos", "fixed", "h", "700", "frame", widget(f, variant))
		}
	}
	tests := []struct {
		name    string
		url     func(f *fixture) string
		frames  string
		extra   string
		outcome result.Outcome
		reason  string
		errHas  string
	}{
		{name: "bottom-right corner", url: corner(""), outcome: result.Answered},
		{name: "corner in a small window", url: corner(""), extra: "viewport: {width: 800, height: 500}\n",
			outcome: result.Failed, reason: result.ReasonFormRejected, errHas: "outside the window"},
		{name: "button covered", url: corner("&cover=1"),
			outcome: result.Failed, reason: result.ReasonFormRejected, errHas: `hits <div id="cover">`},
		{name: "form not taken", url: corner("&dead=1"),
			outcome: result.Failed, reason: result.ReasonFormRejected, errHas: "did not take the form"},
		{name: "form stays, start request seen", url: corner("&keep=1"), outcome: result.Answered},
		{name: "form stays, the conversation starts slowly", url: corner("&keep=1&start=700"), outcome: result.Answered},
		{name: "below the fold", url: func(f *fixture) string { return nest(f.srv.URL, "pad", "2000", "h", "560", "frame", widget(f, "")) },
			outcome: result.Answered},
		{name: "nested iframes and a shadow root", url: func(f *fixture) string {
			inner := nest(f.srv.URL, "pad", "900", "h", "480", "shadow", "1", "frame", widget(f, ""))
			return nest(f.srv.URL, "pad", "1500", "h", "500", "frame", inner)
		}, frames: `{selector: "iframe#w"}, {shadow: "#host"}, {selector: "iframe#w"}`, outcome: result.Answered},
	}
	for name, p := range testBrowsers(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f := newFixture(t)
					frames := tt.frames
					if frames == "" {
						frames = oneFrame
					}
					prof := mustProfile(t, fmt.Sprintf(formProfile, frames)+tt.extra)
					rep := holdIn(t, p, &Conversation{URL: tt.url(f), Profile: prof, Message: "Is the blue one in stock?",
						Vars: profile.Vars{PersonaName: "Alex Morgan"}, Abandon: 10 * time.Second})
					if rep.Outcome != tt.outcome || rep.Reason != tt.reason || !strings.Contains(rep.Error, tt.errHas) {
						t.Errorf("outcome %s/%s (%s), want %s/%s with an error saying %q", rep.Outcome, rep.Reason, rep.Error, tt.outcome, tt.reason, tt.errHas)
					}
					if tt.outcome != result.Answered {
						return
					}
					if diff := cmp.Diff([]string{"Alex Morgan"}, f.started()); diff != "" {
						t.Errorf("conversations the widget started, by the form's name (-want +got):\n%s", diff)
					}
				})
			}
		})
	}
}

// TestSendClickTime sends with a button that a clear layer covers for
// 400 ms after typing began, through a transport whose payload the probe
// cannot read: t0 is then the moment of the click, which must be when the
// button got it, not when the probe began to aim.
func TestSendClickTime(t *testing.T) {
	f := newFixture(t)
	src := strings.Replace(panelProfile, "send: {key: Enter}", `send: {selector: "#composer button.send"}`, 1)
	rep := hold(t, &Conversation{URL: f.srv.URL + "/panel?button=1&cover=400&b64=1&agent=300",
		Profile: mustProfile(t, src), Message: "Hello, is the shop open on Sunday?", Abandon: 10 * time.Second})
	if rep.Outcome != result.Answered || rep.T0Source != SourceInput {
		t.Fatalf("outcome %s/%s (%s), t0 from %s: want answered, t0 from the input", rep.Outcome, rep.Reason, rep.Error, rep.T0Source)
	}
	f.mu.Lock()
	marks := f.marks
	f.mu.Unlock()
	if len(marks) != 1 {
		t.Fatalf("the page saw %d clicks of its send button, want 1", len(marks))
	}
	// The page's clock and ours are the machine's; the click event comes a
	// few ms after the mouse button went down.
	if d := marks[0].Sub(rep.T0); d < 0 || d > 50*time.Millisecond {
		t.Errorf("t0 %s, the button's click at %s (%v later): want t0 when the mouse button went down", rep.T0.Format("15:04:05.000"), marks[0].Format("15:04:05.000"), d)
	}
}
