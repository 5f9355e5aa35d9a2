package chat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// renderers returns the renderer processes of the browser whose process is
// pid: its descendants whose command line says --type=renderer, read from
// /proc without the browser package's own helpers.
func renderers(t *testing.T, pid int) []int {
	t.Helper()
	parent := map[int]int{}
	paths, _ := filepath.Glob("/proc/[0-9]*")
	for _, path := range paths {
		stat, err := os.ReadFile(path + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		id, _ := strconv.Atoi(filepath.Base(path))
		parent[id], _ = strconv.Atoi(f[1])
	}
	var out []int
	for id := range parent {
		below := false
		for p, n := parent[id], 0; p > 1 && n < 64; p, n = parent[p], n+1 {
			if p == pid {
				below = true
				break
			}
		}
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(id) + "/cmdline")
		if below && bytes.Contains(cmdline, []byte("--type=renderer")) {
			out = append(out, id)
		}
	}
	return out
}

// deadPageCase is one way the page dies under a conversation.
type deadPageCase struct {
	name string
	// path of the page, on the fixture's server; "{cross}" is replaced by the
	// fixture's URL on another site.
	path    string
	profile string
	// kill makes the page die; it runs on its own goroutine once our message
	// is out, and returns what it did, for the log.
	kill func(t *testing.T, p *browser.Pool, tab *browser.Tab) string
}

// killRenderers kills every renderer process of the pool's browser.
func killRenderers(t *testing.T, p *browser.Pool, _ *browser.Tab) string {
	pids := renderers(t, p.PID())
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(pids) == 0 {
		t.Errorf("no renderer process found under the browser %d: the test kills nothing", p.PID())
	}
	return fmt.Sprintf("killed the renderers %v of browser %d", pids, p.PID())
}

// closeTarget closes the tab's page from the browser, as a crash of the tab
// or another program would, leaving the tab's context alive.
func closeTarget(t *testing.T, _ *browser.Pool, tab *browser.Tab) string {
	c := chromedp.FromContext(tab.Ctx())
	ctx, cancel := context.WithTimeout(tab.Ctx(), 5*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: c.Target.TargetID}); err != nil {
		t.Errorf("close the page's target: %v", err)
	}
	return "closed target " + string(c.Target.TargetID)
}

// removeFrame removes the widget's iframe from the page, as a page script
// would.
func removeFrame(t *testing.T, _ *browser.Pool, tab *browser.Tab) string {
	ctx, cancel := context.WithTimeout(tab.Ctx(), 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("w").remove(), true`)); err != nil {
		t.Errorf("remove the widget's iframe: %v", err)
	}
	return "removed iframe#w"
}

// TestPageDiesMidConversation kills the page under a conversation that
// waits for an answer: the conversation ends failed/browser at once, not at
// its deadline with an outcome counted against the company.
func TestPageDiesMidConversation(t *testing.T) {
	f := newFixture(t)
	framed := strings.Replace(fixtureProfile, "page: {ready: \"#chat\"}", "page: {ready: \"iframe#w\"}\nframe:\n  - selector: \"iframe#w\"", 1)
	cases := []deadPageCase{
		{name: "renderers killed", path: "/longpoll?agent=60000", profile: fixtureProfile, kill: killRenderers},
		{name: "renderers of a cross-site widget killed", path: "/framehost?frame={cross}/longpoll%3Fagent%3D60000", profile: framed, kill: killRenderers},
		{name: "page closed", path: "/longpoll?agent=60000", profile: fixtureProfile, kill: closeTarget},
		{name: "widget frame removed", path: "/framehost?frame={same}/longpoll%3Fagent%3D60000", profile: framed, kill: removeFrame},
		{name: "cross-site widget frame removed", path: "/framehost?frame={cross}/longpoll%3Fagent%3D60000", profile: framed, kill: removeFrame},
	}
	for name, bin := range map[string]string{"headless-shell": shell, "chromium": browser.DefaultExecPath} {
		t.Run(name, func(t *testing.T) {
			p, err := browser.New(browser.Options{ExecPath: bin, MaxConcurrent: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { holdUntilDead(t, f, p, tc) })
			}
			// The browser itself lives on: the next conversation works.
			rep := holdIn(t, p, &Conversation{URL: f.srv.URL + "/longpoll?agent=200", Profile: mustProfile(t, fixtureProfile),
				Message: "Hello again?", Abandon: 10 * time.Second})
			if rep.Outcome != result.Answered {
				t.Fatalf("after the kills: outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
			}
		})
	}
}

// holdUntilDead holds a conversation, has tc kill its page once our message
// is out, and checks that the conversation ended failed/browser promptly.
func holdUntilDead(t *testing.T, f *fixture, p *browser.Pool, tc deadPageCase) {
	t.Helper()
	cross := strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)
	const abandon = 30 * time.Second
	path := strings.NewReplacer("{cross}", cross, "{same}", f.srv.URL).Replace(tc.path)
	c := &Conversation{URL: f.srv.URL + path, Profile: mustProfile(t, tc.profile),
		Message: "Hello?", Abandon: abandon}
	var killed time.Time
	var tab *browser.Tab
	c.Progress = func(ev Event) {
		if ev.Step != nil && ev.Step.Name == "send" && ev.Step.Error == "" {
			killed = time.Now()
			t.Log(tc.kill(t, p, tab))
		}
	}
	rep := holdIn(t, p, c, func(tb *browser.Tab) { tab = tb })
	if killed.IsZero() {
		t.Fatalf("our message was never sent: outcome %s/%s (%s)", rep.Outcome, rep.Reason, rep.Error)
	}
	took := time.Since(killed)
	t.Logf("ended %v after the kill: %s/%s (%s)", took.Round(time.Millisecond), rep.Outcome, rep.Reason, rep.Error)
	if rep.Outcome != result.Failed || rep.Reason != result.ReasonBrowser {
		t.Errorf("outcome %s/%s (%s), want failed/browser", rep.Outcome, rep.Reason, rep.Error)
	}
	// Promptly: within a few seconds of the kill, far from the deadline.
	if took > 3*time.Second {
		t.Errorf("conversation ended %v after the page died, want within 3s (deadline %v)", took, abandon)
	}
}
