package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// panelProfile is the profile of the panel page (testdata/panel.html).
const panelProfile = `
name: panel
page: {ready: "#chat"}
input: "#chat textarea.text"
send: {key: Enter}
messages:
  container: "#chat ol.log"
  item: "li"
  ours: {selector: ".me"}
  agent: {selector: ".them"}
  bot: {selector: ".them.bot"}
offline: {selector: ".notice"}
timeouts: {page_load: 10s, widget: 8s, form: 3s, send: 3s}
`

// panelWidget is the widget timeout of panelProfile.
const panelWidget = 8 * time.Second

// took is how long the steps of rep took, from the first's start to the
// last's end.
func took(rep *Report) time.Duration {
	if len(rep.Steps) == 0 {
		return 0
	}
	return rep.Steps[len(rep.Steps)-1].End.Sub(rep.Steps[0].Start)
}

// TestUnusableInput offers a message box that a person could not use, in
// a widget that says it is offline: the probe must not take it for the
// input (it typed into a hidden textarea, and ended send_failed), but see
// the offline notice while it waits for the input.
func TestUnusableInput(t *testing.T) {
	f := newFixture(t)
	for _, hide := range []string{"hidden", "until-found", "opacity", "collapsed", "zero-size", "disabled", "readonly", "inert"} {
		t.Run(hide, func(t *testing.T) {
			t.Parallel()
			rep := hold(t, &Conversation{URL: f.srv.URL + "/panel?offline=400&agent=300&hide=" + hide,
				Profile: mustProfile(t, panelProfile), Message: "Hello?", Abandon: 5 * time.Second})
			if rep.Outcome != result.NoResponse || rep.Reason != result.ReasonOffline {
				t.Errorf("outcome %s/%s (%s), want no_response/offline", rep.Outcome, rep.Reason, rep.Error)
			}
			if len(rep.Sent) > 0 {
				t.Errorf("sent %q through an input a person cannot use", rep.Sent[0].Text)
			}
			if d := took(rep); d >= panelWidget {
				t.Errorf("the conversation took %s: the offline notice was seen only after the input wait (%s) timed out", d, panelWidget)
			}
		})
	}
	// Usable: shown, and below the fold in a panel the browser does not
	// draw while it is off screen (content-visibility: auto).
	for name, query := range map[string]string{"usable": "", "usable, off screen": "&pad=3000&cv=auto"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := hold(t, &Conversation{URL: f.srv.URL + "/panel?agent=300" + query, Profile: mustProfile(t, panelProfile),
				Message: "Hello?", Abandon: 10 * time.Second})
			if rep.Outcome != result.Answered {
				t.Errorf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
			}
		})
	}
}

// TestOfflineDuringWaits shows the offline notice, and neither the pre-chat
// form nor the input: each wait of the widget ends on it at once, rather
// than timing out first (an optional form and the input took two widget
// timeouts).
func TestOfflineDuringWaits(t *testing.T) {
	f := newFixture(t)
	for name, prechat := range map[string]string{
		"no form":       "",
		"form":          "prechat: {form: \"form.pre\", submit: \"form.pre button\"}\n",
		"optional form": "prechat: {form: \"form.pre\", submit: \"form.pre button\", optional: true}\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := hold(t, &Conversation{URL: f.srv.URL + "/panel?hide=none&offline=400",
				Profile: mustProfile(t, panelProfile+prechat), Message: "Hello?", Abandon: 5 * time.Second})
			if rep.Outcome != result.NoResponse || rep.Reason != result.ReasonOffline {
				t.Errorf("outcome %s/%s (%s), want no_response/offline", rep.Outcome, rep.Reason, rep.Error)
			}
			if d := took(rep); d >= panelWidget {
				t.Errorf("the conversation took %s, at least a widget timeout (%s): the offline notice was not watched while waiting", d, panelWidget)
			}
		})
	}
}

// TestOptionalForm checks that an optional pre-chat form is waited for only
// until the input shows, and still filled when it shows first.
func TestOptionalForm(t *testing.T) {
	f := newFixture(t)
	optional := panelProfile + "prechat: {form: \"form.pre\", submit: \"form.pre button\", optional: true, fields: [{selector: \"input[name=name]\", value: \"{{persona.name}}\"}]}\n"
	for name, query := range map[string]string{"never shows": "", "shows first": "&form=0", "shows, but transparent": "&form=0&formhide=opacity"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := hold(t, &Conversation{URL: f.srv.URL + "/panel?agent=300" + query,
				Profile: mustProfile(t, optional), Message: "Hello?", Abandon: 10 * time.Second})
			if rep.Outcome != result.Answered {
				t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
			}
			var steps []string
			for _, s := range rep.Steps {
				steps = append(steps, s.Name)
			}
			want := name == "shows first"
			if filled := strings.Contains(strings.Join(steps, " "), "prechat"); filled != want {
				t.Errorf("steps %v: pre-chat form filled %v, want %v", steps, filled, want)
			}
			if rep.WidgetReady == nil || *rep.WidgetReady >= panelWidget {
				t.Errorf("widget ready after %v: an optional form that never shows cost a widget timeout (%s)", rep.WidgetReady, panelWidget)
			}
		})
	}
}
