package chat

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// quickProfile is the fixture profile with short step timeouts.
func quickProfile(t *testing.T, extra string) string {
	t.Helper()
	return strings.Replace(fixtureProfile, "timeouts: {page_load: 10s, widget: 5s, send: 5s}", "timeouts: {page_load: 3s, widget: 3s, send: 3s}", 1) + extra
}

func TestHostilePages(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		path    string
		profile string
		outcome result.Outcome
		reason  string
	}{
		{"widget never loads", "/nowidget", quickProfile(t, ""), result.Failed, result.ReasonPageLoad},
		{"widget missing from a ready page", "/nowidget", strings.Replace(quickProfile(t, ""), `page: {ready: "#chat"}`, `page: {ready: "h1"}`, 1), result.Failed, result.ReasonWidgetNotFound},
		{"HTTP redirects forever", "/redirect", quickProfile(t, ""), result.Failed, result.ReasonPageLoad},
		{"script reloads forever", "/reload", quickProfile(t, ""), result.Failed, result.ReasonPageLoad},
		{"dialogs", "/longpoll?agent=300&dialogs=1", quickProfile(t, ""), result.Answered, ""},
		{"DOM grows without end", "/longpoll?agent=300&grow=1", quickProfile(t, ""), result.Answered, ""},
		{"never answers", "/longpoll", quickProfile(t, ""), result.NoResponse, result.ReasonDeadline},
		{"only a bot answers", "/longpoll?bot=100", quickProfile(t, ""), result.AutoOnly, result.ReasonDeadline},
		{"captcha", "/longpoll", quickProfile(t, "captcha: {selector: \"h1\"}\n"), result.Failed, result.ReasonCaptcha},
		{"offline notice", "/longpoll", quickProfile(t, "offline: {text: \"(?i)fixture shop\"}\n"), result.NoResponse, result.ReasonOffline},
		{"bad selector for the browser", "/longpoll", strings.Replace(quickProfile(t, ""), `input: "#chat input.text"`, `input: "input:nosuchthing"`, 1), result.Failed, result.ReasonWidgetNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			rep := hold(t, &Conversation{URL: f.srv.URL + tt.path, Profile: mustProfile(t, tt.profile),
				Message: "Hello, anyone there?", Abandon: 4 * time.Second})
			if rep.Outcome != tt.outcome || rep.Reason != tt.reason {
				t.Errorf("outcome %s/%s (%s), want %s/%s", rep.Outcome, rep.Reason, rep.Error, tt.outcome, tt.reason)
			}
			// A navigation error leaves Chromium's error page, which the
			// DevTools page session cannot capture; the error says it all.
			if rep.Outcome == result.Failed && len(rep.Screenshot) == 0 && !strings.Contains(rep.Error, "net::ERR_") {
				t.Errorf("failed conversation without a screenshot: %s", rep.ScreenshotError)
			}
			if took := time.Since(start); took > 40*time.Second {
				t.Errorf("conversation took %v: a step is not bounded", took)
			}
		})
	}
}

func TestIframeWidget(t *testing.T) {
	f := newFixture(t)
	// 127.0.0.1 and localhost are different sites: Chromium runs the
	// iframe in its own process, so the probe must attach to it.
	cross := strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)
	for name, frame := range map[string]string{"same site": f.srv.URL, "cross site": cross} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(fixtureProfile, "page: {ready: \"#chat\"}", "page: {ready: \"iframe#w\"}\nframe:\n  - selector: \"iframe#w\"", 1)
			rep := hold(t, &Conversation{URL: f.srv.URL + "/framehost?frame=" + frame + "/longpoll%3Fbot%3D100%26agent%3D400",
				Profile: mustProfile(t, src), Message: "Is this in stock?", Abandon: 10 * time.Second})
			if rep.Outcome != result.Answered {
				t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
			}
			if rep.HumanSource != SourceNetwork || rep.T0Source != SourceNetwork {
				t.Errorf("sources t0=%s human=%s, want network", rep.T0Source, rep.HumanSource)
			}
		})
	}
}

func TestChromiumKilledMidConversation(t *testing.T) {
	f := newFixture(t)
	p, err := browser.New(browser.Options{ExecPath: shell, MaxConcurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	run := func(c *Conversation) *Report {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tab, err := p.Acquire(ctx)
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		defer tab.Close()
		return c.Run(ctx, tab)
	}
	c := &Conversation{URL: f.srv.URL + "/longpoll?agent=30000", Profile: mustProfile(t, fixtureProfile),
		Message: "Hello?", Abandon: 40 * time.Second}
	c.Progress = func(ev Event) {
		if ev.Step != nil && ev.Step.Name == "send" {
			// Our message is out: kill the whole browser.
			_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		}
	}
	rep := run(c)
	if rep.Outcome != result.Failed || rep.Reason != result.ReasonBrowser {
		t.Fatalf("outcome %s/%s (%s), want failed/browser", rep.Outcome, rep.Reason, rep.Error)
	}
	// The pool starts a new Chromium: the next conversation works.
	rep = run(&Conversation{URL: f.srv.URL + "/longpoll?agent=200", Profile: mustProfile(t, fixtureProfile),
		Message: "Hello again?", Abandon: 10 * time.Second})
	if rep.Outcome != result.Answered {
		t.Fatalf("after the kill: outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
	}
}
